"""Pure: the agent a Bob becomes on a controller, from the fleet config and the Bob's record."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from provisioning.config.models import COMMAND_PLACEHOLDERS, Fleet
from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.errors import ConfigError
from provisioning.jenkins.models import (
    AttachSpec,
    CommandLauncher,
    InboundLauncher,
    Launcher,
    SshLauncher,
    validated,
)
from provisioning.lxc.layout import disk_path


def bob_fqdn(fleet: Fleet, name: str, ip: ipaddress.IPv4Address | None) -> str:
    """``name.<forward zone of the subnet holding ip>``: what an SSH launcher connects to."""
    if ip is not None:
        for subnet in fleet.subnets:
            if ip in subnet.cidr:
                return f"{name}.{subnet.forward_zone}"
    raise ConfigError(f"{name} ({ip or 'no address'}) is in none of the configured subnets")


# What a command launcher's placeholders may become: a value with a shell or Groovy
# metacharacter would change the command's meaning, so it stops the attach instead.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._:/@+-]+$")


def launcher_for(
    config: ControllerConfig, name: str, fqdn: str, where: Mapping[str, str] | None = None
) -> Launcher:
    """``where``: the Bob's ``host`` (SSH address) and ``lxcpath``, for a command that uses them."""
    settings = config.launcher
    if settings.type == "ssh":
        assert settings.credentials_id is not None  # the config model requires it for ssh
        return SshLauncher(host=fqdn, port=settings.port, credentials_id=settings.credentials_id)
    if settings.type == "command":
        assert settings.command is not None
        values = {"name": name, "fqdn": fqdn, **(where or {})}
        command = settings.command
        for key in COMMAND_PLACEHOLDERS:
            placeholder = "{" + key + "}"
            if placeholder not in command:
                continue
            value = values.get(key)
            if value is None or not _SAFE_VALUE.match(value):
                raise ConfigError(f"{name}: cannot fill {placeholder} in the launcher command")
            # str.replace, not str.format: a brace in the command must not be an attribute lookup.
            command = command.replace(placeholder, value)
        return validated(CommandLauncher, command=command)
    return InboundLauncher()


def bob_location(fleet: Fleet, host: str, disk: str) -> dict[str, str]:
    """A Bob's ``{host}`` and ``{lxcpath}`` placeholders, from the fleet config."""
    found = next((h for h in fleet.hosts if h.name == host), None)
    if found is None:
        raise ConfigError(f"host {host!r} is not configured")
    return {"host": found.ssh.address, "lxcpath": str(disk_path(found, disk))}


def attach_spec(
    fleet: Fleet,
    config: ControllerConfig,
    *,
    name: str,
    ip: ipaddress.IPv4Address | None,
    label: str,
    job_id: str,
    host: str | None = None,
    disk: str | None = None,
) -> AttachSpec:
    """The validated request for one Bob; raises JenkinsRequestInvalid before any script.

    ``host`` and ``disk``: where the Bob lives, for a command launcher that reaches it there.
    """
    fqdn = bob_fqdn(fleet, name, ip)
    where = bob_location(fleet, host, disk) if host is not None and disk is not None else None
    return validated(
        AttachSpec,
        name=name,
        label=label,
        executors=config.labels[label],
        remote_fs=config.remote_fs,
        launcher=launcher_for(config, name, fqdn, where),
        meta={
            "bob": name,
            "controller": config.name,
            "label": label,
            "heavy": label in config.heavy_labels,
            "job_id": job_id,
        },
    )
