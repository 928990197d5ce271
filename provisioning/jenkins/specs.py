"""Pure: the agent a Bob becomes on a controller, from the fleet config and the Bob's record."""

from __future__ import annotations

import ipaddress

from provisioning.config.models import Fleet
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


def bob_fqdn(fleet: Fleet, name: str, ip: ipaddress.IPv4Address | None) -> str:
    """``name.<forward zone of the subnet holding ip>``: what an SSH launcher connects to."""
    if ip is not None:
        for subnet in fleet.subnets:
            if ip in subnet.cidr:
                return f"{name}.{subnet.forward_zone}"
    raise ConfigError(f"{name} ({ip or 'no address'}) is in none of the configured subnets")


def launcher_for(config: ControllerConfig, name: str, fqdn: str) -> Launcher:
    settings = config.launcher
    if settings.type == "ssh":
        assert settings.credentials_id is not None  # the config model requires it for ssh
        return SshLauncher(host=fqdn, port=settings.port, credentials_id=settings.credentials_id)
    if settings.type == "command":
        assert settings.command is not None
        # str.replace, not str.format: a brace in the command must not be an attribute lookup.
        command = settings.command.replace("{fqdn}", fqdn).replace("{name}", name)
        return validated(CommandLauncher, command=command)
    return InboundLauncher()


def attach_spec(
    fleet: Fleet,
    config: ControllerConfig,
    *,
    name: str,
    ip: ipaddress.IPv4Address | None,
    label: str,
    job_id: str,
) -> AttachSpec:
    """The validated request for one Bob; raises JenkinsRequestInvalid before any script."""
    fqdn = bob_fqdn(fleet, name, ip)
    return validated(
        AttachSpec,
        name=name,
        label=label,
        executors=config.labels[label],
        remote_fs=config.remote_fs,
        launcher=launcher_for(config, name, fqdn),
        meta={
            "bob": name,
            "controller": config.name,
            "label": label,
            "heavy": label in config.heavy_labels,
            "job_id": job_id,
        },
    )
