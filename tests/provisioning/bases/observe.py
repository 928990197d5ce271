"""The sandbox hosts' bases and Bobs as the hosts themselves show them (over real SSH)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from provisioning.config import Fleet, load_fleet
from sandbox import SandboxInfo
from tests.sandbox.fixtures import host_ssh

BASES = "/var/lib/bob/base"
# "ENTRY" per line, hidden files too; "current -> TARGET" for the link.
_LIST = """
cd "$1" || exit 1
for entry in * .[!.]*; do
  if [ -L "$entry" ]; then echo "$entry -> $(readlink "$entry")";
  elif [ -e "$entry" ]; then echo "$entry"; fi
done
"""


def base_entries(info: SandboxInfo, host: str) -> list[str]:
    """What is in the host's base lxcpath, e.g. ``["base", "base-v2", "current -> base-v2"]``."""
    return sorted(host_ssh(info, host, ["sh", "-c", _LIST, "ls", BASES]).stdout.split("\n")[:-1])


def current_base(info: SandboxInfo, host: str) -> str:
    link = [e for e in base_entries(info, host) if e.startswith("current -> ")]
    return link[0].removeprefix("current -> ") if link else "base"


def in_bob(info: SandboxInfo, host: str, disk: str, name: str, *command: str) -> str:
    argv = ["lxc-attach", "-P", f"/var/lib/bob/{disk}", "-n", name, "--", *command]
    return host_ssh(info, host, argv, check=False).stdout


def state_of(info: SandboxInfo, host: str, disk: str, name: str) -> str:
    argv = ["lxc-info", "-P", f"/var/lib/bob/{disk}", "-n", name, "-s", "-H"]
    return host_ssh(info, host, argv, check=False).stdout.strip()


def fleet_with_base(
    info: SandboxInfo, directory: Path, hosts: tuple[str, ...] = (), **base: Any
) -> Fleet:
    """The sandbox's bob.yaml with these ``base`` settings on ``hosts`` (default: every host)."""
    document: dict[str, Any] = yaml.safe_load(info.config_path.read_text())
    for host in document["hosts"]:
        if not hosts or host["name"] in hosts:
            host["base"] = {**host.get("base", {}), **base}
    path = directory / "bob.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return load_fleet(path)
