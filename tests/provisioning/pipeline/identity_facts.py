"""What makes a Bob (or a base) itself, read on its sandbox host: machine-id and host keys."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.core.models import PlannedBob
from sandbox import SandboxInfo
from tests.provisioning.pipeline.observe import run_on

BASE_ROOTFS = "/var/lib/bob/base/base/rootfs"
# NAME=VALUE lines: the machine-ids, then each host public key as "key TYPE BASE64".
_READ = """
root=$1
echo "machine_id=$(cat "$root/etc/machine-id" 2>/dev/null)"
echo "dbus_machine_id=$(cat "$root/var/lib/dbus/machine-id" 2>/dev/null)"
for pub in "$root"/etc/ssh/ssh_host_*_key.pub; do
  [ -f "$pub" ] && echo "key=$(cut -d' ' -f1,2 "$pub")"
done
exit 0
"""


@dataclass(frozen=True)
class Identity:
    machine_id: str
    dbus_machine_id: str
    host_keys: frozenset[str]  # "TYPE BASE64" of each /etc/ssh/ssh_host_*_key.pub


def _parse(text: str) -> Identity:
    facts = [line.partition("=") for line in text.splitlines()]
    one = {name: value for name, _, value in facts}
    return Identity(
        one.get("machine_id", ""),
        one.get("dbus_machine_id", ""),
        frozenset(value for name, _, value in facts if name == "key"),
    )


def of_base(info: SandboxInfo, host: str) -> Identity:
    return _parse(run_on(info, host, "sh", "-c", _READ, "sh", BASE_ROOTFS))


def of_bob(info: SandboxInfo, bob: PlannedBob) -> Identity:
    """As the running Bob sees its own files (through lxc-attach)."""
    argv = ["lxc-attach", "-P", f"/var/lib/bob/{bob.disk}", "-n", bob.name, "--"]
    return _parse(run_on(info, bob.host, *argv, "sh", "-c", _READ, "sh", "/"))
