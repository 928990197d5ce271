"""cgroup limits written for the host's cgroup layout.

On a cgroup v1 (or hybrid) host LXC enforces ``lxc.cgroup.*`` keys and silently ignores
``lxc.cgroup2.*`` ones (a warning in its log), and the reverse on a pure v2 host — so the layout is
detected per host and the keys are chosen to match. :func:`settings` is the one translation from
bob's limits to cgroup files: a new Bob's config lines and a live ``bob limit`` both use it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from provisioning.config.models import CgroupLimits

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}

# `stat -fc %T /sys/fs/cgroup` prints the filesystem type of the cgroup root.
DETECT_ARGV = ("stat", "-fc", "%T", "/sys/fs/cgroup")


class CgroupLayout(enum.StrEnum):
    V1 = "v1"  # tmpfs at /sys/fs/cgroup with one hierarchy per controller (also "hybrid")
    V2 = "v2"  # cgroup2fs mounted at /sys/fs/cgroup

    @property
    def config_prefix(self) -> str:
        """What LXC config keys for this layout start with."""
        return "lxc.cgroup" if self is CgroupLayout.V1 else "lxc.cgroup2"


# bob's limit → the cgroup file that holds it, per layout.
FILES: dict[CgroupLayout, dict[str, str]] = {
    CgroupLayout.V1: {
        "memory": "memory.limit_in_bytes",
        "cpu_shares": "cpu.shares",
        "cpuset": "cpuset.cpus",
    },
    CgroupLayout.V2: {"memory": "memory.max", "cpu_shares": "cpu.weight", "cpuset": "cpuset.cpus"},
}


@dataclass(frozen=True)
class Setting:
    """One value for one cgroup file: ``limit`` is bob's name for it (``memory``)."""

    limit: str
    file: str
    value: str

    def line(self, layout: CgroupLayout) -> str:
        return f"{layout.config_prefix}.{self.file} = {self.value}"


def layout_from_fstype(fstype: str) -> CgroupLayout:
    return CgroupLayout.V2 if fstype.strip() == "cgroup2fs" else CgroupLayout.V1


def memory_bytes(value: str) -> int:
    match = re.fullmatch(r"([0-9]+)([KMG]?)", value)
    if not match:
        raise ValueError(f"memory limit {value!r} is not a number with an optional K, M or G")
    return int(match.group(1)) * _UNITS[match.group(2)]


def shares_to_weight(shares: int) -> int:
    """cgroup v1 cpu.shares (2..262144) mapped onto v2 cpu.weight (1..10000), as runc does."""
    return 1 + ((shares - 2) * 9999) // 262142


def settings(limits: CgroupLimits, layout: CgroupLayout) -> list[Setting]:
    """The cgroup file values that carry ``limits`` on ``layout``; unset limits have none."""
    files = FILES[layout]
    out: list[Setting] = []
    if limits.memory:
        out.append(Setting("memory", files["memory"], str(memory_bytes(limits.memory))))
    if limits.cpu_shares:
        shares = limits.cpu_shares
        weight = shares if layout is CgroupLayout.V1 else shares_to_weight(shares)
        out.append(Setting("cpu_shares", files["cpu_shares"], str(weight)))
    if limits.cpuset:
        out.append(Setting("cpuset", files["cpuset"], limits.cpuset))
    return out


def limit_lines(limits: CgroupLimits, layout: CgroupLayout) -> list[str]:
    return [s.line(layout) for s in settings(limits, layout)]
