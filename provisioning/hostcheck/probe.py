"""The one command a check runs on a host: a fixed script that reports facts, one per line.

It changes nothing but a throw-away directory it makes and removes in each storage directory,
because only a real write tells a read-only mount from a writable one (root passes
``test -w`` on both). Its arguments are the fleet config's values, passed as argv (never
pasted into the script), so a name is never parsed by a shell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from provisioning.bases.versions import STATE_SCRIPT, BaseState, parse_state
from provisioning.config.models import Host, LvmStorage
from provisioning.lxc.autostart import unit_name
from provisioning.lxc.commands import volume_group
from provisioning.lxc.layout import BASE_NAME

# $1 bridge, $2 storage root, then the directories under it (the base lxcpath, each disk),
# after "--" the LVM volume groups to look for, after another "--" the disks' autostart units.
_PROBE = (
    r"""
bridge=$1 root=$2
shift 2
printf 'now %s\n' "$(date +%s.%N)"
printf 'lxc %s\n' "$(lxc-start --version 2>/dev/null)"
printf 'cgroup %s\n' "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)"
if command -v ip >/dev/null 2>&1; then
  if found=$(ip -o link show dev "$bridge" type bridge 2>/dev/null); then
    if [ -n "$found" ]; then echo 'bridge bridge'; else echo 'bridge other'; fi
  else
    echo 'bridge missing'
  fi
elif [ -d "/sys/class/net/$bridge/bridge" ]; then echo 'bridge bridge'
elif [ -e "/sys/class/net/$bridge" ]; then echo 'bridge other'
else echo 'bridge missing'
fi
if grep -qw overlay /proc/filesystems 2>/dev/null \
   || [ -d "/lib/modules/$(uname -r)/kernel/fs/overlayfs" ]; then
  echo 'overlay yes'
else
  echo 'overlay no'
fi
if command -v lvcreate >/dev/null 2>&1; then echo 'lvm yes'; else echo 'lvm no'; fi
if [ -d "$root" ]; then printf 'root %s\n' "$(stat -fc %T "$root")"; else echo 'root -'; fi
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  p="$root/$1"
  if [ ! -d "$p" ]; then
    printf 'dir %s missing - -\n' "$1"
  else
    state=writable
    if probe=$(mktemp -d "$p/.bob-check.XXXXXX" 2>/dev/null); then
      rmdir "$probe"
    else
      state=readonly
    fi
    free=$(df -Pk "$p" 2>/dev/null | awk 'NR == 2 { print $4 }')
    printf 'dir %s %s %s %s\n' "$1" "$state" "$(stat -fc %T "$p")" "${free:--}"
  fi
  shift
done
[ "$#" -gt 0 ] && shift
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  if vgs "$1" >/dev/null 2>&1; then printf 'vg %s yes\n' "$1"; else printf 'vg %s no\n' "$1"; fi
  shift
done
[ "$#" -gt 0 ] && shift
if [ -d /run/systemd/system ]; then
  echo 'systemd yes'
  for unit in "$@"; do
    printf 'unit %s %s\n' "$unit" "$(systemctl is-enabled "$unit" 2>/dev/null || true)"
  done
else
  echo 'systemd no'
fi
(
set -- "$root/base"
"""
    + STATE_SCRIPT
    + """
) | sed 's/^/base /'
"""
)


def probe_argv(host: Host) -> list[str]:
    directories = [BASE_NAME, *(d.name for d in host.disks)]
    groups = (
        [volume_group(host.storage, d.name) for d in host.disks]
        if isinstance(host.storage, LvmStorage)
        else []
    )
    root = str(host.storage.root)
    units = [unit_name(host, d.name) for d in host.disks]
    return [
        "sh", "-c", _PROBE, "bob-host-check", host.bridge, root, *directories,
        "--", *groups, "--", *units,
    ]  # fmt: skip


@dataclass(frozen=True)
class Directory:
    name: str  # "base" or a disk's name
    state: str  # "missing", "writable" or "readonly"
    fstype: str | None = None
    free_bytes: int | None = None


@dataclass(frozen=True)
class Facts:
    """What the probe saw. None: the probe printed nothing usable for it."""

    now: float | None = None  # the host's clock, in seconds since the epoch
    lxc_version: str | None = None
    cgroup_fstype: str | None = None
    bridge: str = "missing"  # "bridge", "other" (an interface, not a bridge) or "missing"
    overlay: bool = False
    lvm_tools: bool = False
    root_fstype: str | None = None  # None: the storage root does not exist
    directories: dict[str, Directory] = field(default_factory=dict)
    volume_groups: dict[str, bool] = field(default_factory=dict)
    base: BaseState = field(default_factory=BaseState)
    systemd: bool = False  # the host boots with systemd (it has /run/systemd/system)
    units: dict[str, str] = field(default_factory=dict)  # unit → `systemctl is-enabled` said


def parse_facts(output: str) -> Facts:
    values: dict[str, str] = {}
    directories: dict[str, Directory] = {}
    groups: dict[str, bool] = {}
    base_lines: list[str] = []
    units: dict[str, str] = {}
    for line in output.splitlines():
        key, _, rest = line.partition(" ")
        if key == "dir":
            directories.update(_directory(rest.split()))
        elif key == "vg":
            name, _, found = rest.partition(" ")
            groups[name] = found.strip() == "yes"
        elif key == "base":
            base_lines.append(rest)
        elif key == "unit":
            name, _, state = rest.partition(" ")
            units[name] = state.strip()
        else:
            values[key] = rest.strip()
    return Facts(
        now=_clock(values.get("now", "")),
        lxc_version=values.get("lxc") or None,
        cgroup_fstype=values.get("cgroup") or None,
        bridge=values.get("bridge", "missing"),
        overlay=values.get("overlay") == "yes",
        lvm_tools=values.get("lvm") == "yes",
        root_fstype=None if values.get("root", "-") == "-" else values["root"],
        directories=directories,
        volume_groups=groups,
        base=parse_state("\n".join(base_lines)),
        systemd=values.get("systemd") == "yes",
        units=units,
    )


def _clock(text: str) -> float | None:
    """``date +%s.%N``; a date without ``%N`` (busybox) prints ``%N`` as it is, and its whole
    second is read as its middle, half a second on."""
    whole, _, fraction = text.partition(".")
    if not whole.isdigit():
        return None
    return float(text) if fraction.isdigit() else int(whole) + 0.5


def _directory(fields: Sequence[str]) -> dict[str, Directory]:
    if len(fields) != 4:
        return {}
    name, state, fstype, free = fields
    return {
        name: Directory(
            name,
            state,
            None if fstype == "-" else fstype,
            int(free) * 1024 if free.isdigit() else None,
        )
    }
