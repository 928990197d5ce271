"""cgroup limits written for the host's cgroup layout.

On a cgroup v1 (or hybrid) host LXC enforces ``lxc.cgroup.*`` keys and silently ignores
``lxc.cgroup2.*`` ones (a warning in its log), and the reverse on a pure v2 host — so the layout is
detected per host and the keys are chosen to match.
"""

from __future__ import annotations

import enum
import re

from provisioning.config.models import CgroupLimits

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}

# `stat -fc %T /sys/fs/cgroup` prints the filesystem type of the cgroup root.
DETECT_ARGV = ("stat", "-fc", "%T", "/sys/fs/cgroup")


class CgroupLayout(enum.StrEnum):
    V1 = "v1"  # tmpfs at /sys/fs/cgroup with one hierarchy per controller (also "hybrid")
    V2 = "v2"  # cgroup2fs mounted at /sys/fs/cgroup


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


def limit_lines(limits: CgroupLimits, layout: CgroupLayout) -> list[str]:
    lines: list[str] = []
    if layout is CgroupLayout.V1:
        if limits.memory:
            lines.append(f"lxc.cgroup.memory.limit_in_bytes = {memory_bytes(limits.memory)}")
        if limits.cpu_shares:
            lines.append(f"lxc.cgroup.cpu.shares = {limits.cpu_shares}")
        if limits.cpuset:
            lines.append(f"lxc.cgroup.cpuset.cpus = {limits.cpuset}")
    else:
        if limits.memory:
            lines.append(f"lxc.cgroup2.memory.max = {memory_bytes(limits.memory)}")
        if limits.cpu_shares:
            lines.append(f"lxc.cgroup2.cpu.weight = {shares_to_weight(limits.cpu_shares)}")
        if limits.cpuset:
            lines.append(f"lxc.cgroup2.cpuset.cpus = {limits.cpuset}")
    return lines
