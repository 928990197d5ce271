"""What is on one host's disks, in one SSH round trip: containers, their owners, clone marks."""

from __future__ import annotations

from provisioning.bases.versions import STATE_SCRIPT, parse_state
from provisioning.config.models import Host
from provisioning.hosts.shell import HostShell
from provisioning.lxc.config import MARKER
from provisioning.reconcile.model import HostScan, SeenContainer

# "M disk name job" per clone mark, "C disk name state owner-job|-" per directory on a disk.
# Every directory counts: a clone interrupted before its config was written is still a leftover.
# "S disk name auto order delay" per config: its lxc.start.* values (the last of each, as LXC
# reads them; "-" where there is none).
SCRIPT = r"""
root=$1; marker=$2; state=$3; shift 3
key='^[[:space:]]*lxc\.start\.(auto|order|delay)'
start_re="s/$key[[:space:]]*=[[:space:]]*([^[:space:]]*).*/\1=\2/p"
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
    [ -f "$entry/config" ] || continue
    auto=- order=- delay=-
    for kv in $(sed -nE "$start_re" "$entry/config"); do
      case $kv in
        auto=*) auto=${kv#auto=} ;; order=*) order=${kv#order=} ;; delay=*) delay=${kv#delay=} ;;
      esac
    done
    echo "S $disk $name ${auto:--} ${order:--} ${delay:--}"
  done
done
# The host's base versions ("B current|version|lock …") and every clone's rootfs line ("R …"):
# which old bases a clone still reads as its lower dir.
[ -d "$root/base" ] && sh -c "$state" state "$root/base" | sed 's/^/B /'
for config in "$root"/*/*/config; do
  [ -f "$config" ] && grep -H '^[[:space:]]*lxc.rootfs.path' "$config" | sed 's/^/R /'
done
exit 0
"""
SCAN_TIMEOUT_S = 60.0


async def scan_host(shell: HostShell, host: Host) -> HostScan:
    disks = [d.name for d in host.disks]
    argv = ["sh", "-c", SCRIPT, "bob-scan", str(host.storage.root), MARKER, STATE_SCRIPT, *disks]
    result = await shell.run(argv, timeout=SCAN_TIMEOUT_S)
    return parse(result.stdout)


def parse(output: str) -> HostScan:
    containers: list[SeenContainer] = []
    marks: dict[tuple[str, str], str] = {}
    starts: dict[tuple[str, str], tuple[str, str, str]] = {}
    base_lines: list[str] = []
    rootfs_lines: list[str] = []
    for line in output.splitlines():
        if line.startswith("B "):
            base_lines.append(line[2:])
            continue
        if line.startswith("R "):
            rootfs_lines.append(line[2:])
            continue
        fields = line.split()
        if len(fields) == 4 and fields[0] == "M":
            marks[(fields[1], fields[2])] = fields[3] or "?"
        elif len(fields) == 6 and fields[0] == "S":
            starts[(fields[1], fields[2])] = (fields[3], fields[4], fields[5])
        elif len(fields) == 5 and fields[0] == "C":
            _, disk, name, state, owner = fields
            containers.append(SeenContainer(disk, name, state, None if owner == "-" else owner))
    bases = parse_state("\n".join(base_lines)) if base_lines else None
    return HostScan(containers, marks, bases, rootfs_lines, starts)
