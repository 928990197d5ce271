"""What is on one host's disks, in one SSH round trip: containers, their owners, clone marks."""

from __future__ import annotations

import re

from provisioning.bases.versions import STATE_SCRIPT, parse_state
from provisioning.config.models import Host
from provisioning.hosts.shell import HostShell
from provisioning.lxc.config import MARKER
from provisioning.reconcile.model import HostScan, SeenContainer

# "M disk name job" per clone mark, "C disk name state owner-job|-" per directory on a disk.
# Every directory counts: a clone interrupted before its config was written is still a leftover.
# "S path:line" per lxc.start line of a container's config: one grep for the whole host.
SCRIPT = r"""
root=$1; marker=$2; state=$3; shift 3
for disk in "$@"; do
  dir="$root/$disk"
  [ -d "$dir" ] || continue
  for mark in "$dir"/.*.bob-clone; do
    [ -f "$mark" ] || continue
    name=${mark##*/.}; name=${name%.bob-clone}
    job=$(head -c 64 "$mark" | tr -d ' \n')
    echo "M $disk $name ${job:--}"
  done
  for entry in "$dir"/*; do
    [ -d "$entry" ] || continue
    name=${entry##*/}
    lxc_state=$(lxc-info -P "$dir" -n "$name" -s -H 2>/dev/null) || lxc_state=ABSENT
    owner=$(grep -m 1 "^$marker managed by bob:" "$entry/config" 2>/dev/null \
      | sed -n 's/.* job=\([^ ]*\).*/\1/p')
    echo "C $disk $name ${lxc_state:-ABSENT} ${owner:--}"
  done
done
# The host's base versions ("B current|version|lock …") and every clone's rootfs line ("R …"):
# which old bases a clone still reads as its lower dir.
[ -d "$root/base" ] && sh -c "$state" state "$root/base" | sed 's/^/B /'
for config in "$root"/*/*/config; do
  [ -f "$config" ] && grep -H '^[[:space:]]*lxc.rootfs.path' "$config" | sed 's/^/R /'
done
grep -H -E '^[[:space:]]*lxc[.]start[.](auto|order|delay)[[:space:]]*=' "$root"/*/*/config \
  2>/dev/null | sed 's/^/S /'
# Lockers ("L name") and what is mounted under each Bob's wormhole ("W bob/locker").
for locker in "$root"/lockers/*; do
  [ -d "$locker" ] && echo "L ${locker##*/}"
done
awk -v p="$root/wormholes/" 'index($2, p) == 1 { print "W " substr($2, length(p) + 1) }' \
  /proc/self/mounts
exit 0
"""
_START_LINE = re.compile(
    r"(?:.*/)?([^/]+)/([^/]+)/config:\s*lxc\.start\.(auto|order|delay)\s*=\s*(\S*)"
)
SCAN_TIMEOUT_S = 60.0


async def scan_host(shell: HostShell, host: Host) -> HostScan:
    disks = [d.name for d in host.disks]
    argv = ["sh", "-c", SCRIPT, "bob-scan", str(host.storage.root), MARKER, STATE_SCRIPT, *disks]
    result = await shell.run(argv, timeout=SCAN_TIMEOUT_S)
    return parse(result.stdout)


def parse(output: str) -> HostScan:
    containers: list[SeenContainer] = []
    marks: dict[tuple[str, str], str] = {}
    starts: dict[tuple[str, str], dict[str, str]] = {}
    base_lines: list[str] = []
    rootfs_lines: list[str] = []
    lockers: set[str] = set()
    mounts: set[tuple[str, str]] = set()
    for line in output.splitlines():
        if line.startswith("B "):
            base_lines.append(line[2:])
            continue
        if line.startswith("R "):
            rootfs_lines.append(line[2:])
            continue
        if line.startswith("S "):
            if match := _START_LINE.fullmatch(line[2:]):
                disk, name, key, value = match.groups()
                starts.setdefault((disk, name), {})[key] = value  # the last one counts, as in LXC
            continue
        if line.startswith("L "):
            lockers.add(line[2:])
            continue
        if line.startswith("W "):
            bob, _, locker = line[2:].partition("/")
            if locker:
                mounts.add((bob, locker))
            continue
        fields = line.split()
        if len(fields) == 4 and fields[0] == "M":
            marks[(fields[1], fields[2])] = fields[3] or "?"
        elif len(fields) == 5 and fields[0] == "C":
            _, disk, name, state, owner = fields
            containers.append(SeenContainer(disk, name, state, None if owner == "-" else owner))
    bases = parse_state("\n".join(base_lines)) if base_lines else None
    # A container LXC knows has a config: no lxc.start line in it means none is set.
    autostart = {
        (c.disk, c.name): _start_values(starts.get((c.disk, c.name), {}))
        for c in containers
        if c.state != "ABSENT"
    }
    return HostScan(containers, marks, bases, rootfs_lines, autostart, lockers, mounts)


def _start_values(found: dict[str, str]) -> tuple[str, str, str]:
    return (found.get("auto") or "-", found.get("order") or "-", found.get("delay") or "-")
