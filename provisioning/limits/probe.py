"""What a Bob's limits are now, read from its host in one SSH round trip.

Its state, its LXC config, the host's online CPUs and, when it runs, each cgroup file through
``lxc-cgroup`` (which finds the container's cgroup however LXC named it, ``-1`` suffix and all).
Nothing here comes from bob's records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from provisioning.config.models import Host
from provisioning.hosts.shell import HostShell
from provisioning.limits.files import read_files
from provisioning.limits.keys import cpus
from provisioning.lxc import layout as paths
from provisioning.lxc.cgroups import CgroupLayout

CONFIG_MARK = "--- bob: config"
# A fixed script: the lxcpath, name and config path arrive as $1..$3, the files after them; no
# value is ever parsed by a shell. One line per readable file (its lines joined by spaces).
PROBE = f"""p=$1 n=$2 c=$3; shift 3
s=$(lxc-info -P "$p" -n "$n" -s -H 2>/dev/null) || s=
printf 'state %s\\n' "$s"
printf 'cpus %s\\n' "$(cat /sys/devices/system/cpu/online 2>/dev/null)"
if [ "$s" = RUNNING ]; then
  for k in "$@"; do
    if v=$(lxc-cgroup -P "$p" -n "$n" "$k" 2>/dev/null); then
      printf 'file %s %s\\n' "$k" "$(printf '%s' "$v" | tr '\\n' ' ')"
    fi
  done
fi
if [ -r "$c" ]; then echo '{CONFIG_MARK}'; cat "$c"; fi
"""


@dataclass(frozen=True)
class Reading:
    """One Bob's limits as its host tells them."""

    state: str | None  # RUNNING, STOPPED, … None: no such container
    config: str | None  # None: no config file
    host_cpus: frozenset[int]
    live: dict[str, str] = field(default_factory=dict)  # cgroup file → value (running only)

    @property
    def running(self) -> bool:
        return self.state == "RUNNING"


def probe_argv(host: Host, disk: str, name: str, layout: CgroupLayout) -> list[str]:
    lxcpath = str(paths.disk_path(host, disk))
    config = str(paths.config_path(host, disk, name))
    return ["sh", "-c", PROBE, "sh", lxcpath, name, config, *read_files(layout)]


def parse(stdout: str) -> Reading:
    head, mark, config = stdout.partition(CONFIG_MARK + "\n")
    state: str | None = None
    online: frozenset[int] = frozenset()
    live: dict[str, str] = {}
    for line in head.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "state":
            state = rest.strip() or None
        elif kind == "cpus":
            online = cpus(rest)
        elif kind == "file":
            file, _, value = rest.partition(" ")
            live[file] = value.strip()
    return Reading(state=state, config=config if mark else None, host_cpus=online, live=live)


async def read(shell: HostShell, host: Host, disk: str, name: str, layout: CgroupLayout) -> Reading:
    return parse((await shell.run(probe_argv(host, disk, name, layout))).stdout)
