"""cgroup file values as the kernel reads them back: compared, and told in words (pure).

The kernel keeps memory limits in whole pages (a limit of 100000000 reads back 99999744) and
CPU lists in its own spelling (``0,1`` reads back ``0-1``), so a value is compared as the
kernel would store it, never as text.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from provisioning.limits.keys import cpus
from provisioning.lxc.cgroups import FILES, CgroupLayout

PAGE = 4096
# v1 reads "no limit" as the largest page multiple below 2**63; v2 as "max".
_UNLIMITED = 2**62

# What a Bob uses, per layout: memory in bytes; CPU time (v1: ns in cpuacct.usage, v2: the
# usage_usec line of cpu.stat).
USAGE_FILES: dict[CgroupLayout, tuple[str, str]] = {
    CgroupLayout.V1: ("memory.usage_in_bytes", "cpuacct.usage"),
    CgroupLayout.V2: ("memory.current", "cpu.stat"),
}


def read_files(layout: CgroupLayout) -> list[str]:
    """Every file ``bob limit BOB`` reads: the limits, then the usage."""
    return [*FILES[layout].values(), *USAGE_FILES[layout]]


def _bytes(value: str) -> int | None:
    text = value.strip()
    if text == "max":
        return None
    number = int(text)
    return None if number >= _UNLIMITED else number // PAGE * PAGE


def same(file: str, wanted: str, live: str | None) -> bool:
    """Whether ``live`` (read back from ``file``) is what writing ``wanted`` leaves there."""
    if live is None:
        return False
    try:
        if file.startswith("memory."):
            return _bytes(wanted) == _bytes(live)
        if file == "cpuset.cpus":
            return cpus(wanted) == cpus(live)
    except ValueError:
        return False
    return wanted.strip() == live.strip()


def memory_used(layout: CgroupLayout, values: Mapping[str, str]) -> int | None:
    text = values.get(USAGE_FILES[layout][0], "").strip()
    return int(text) if text.isdigit() else None


def cpu_seconds(layout: CgroupLayout, values: Mapping[str, str]) -> float | None:
    text = values.get(USAGE_FILES[layout][1], "")
    if layout is CgroupLayout.V1:
        return int(text) / 1e9 if text.strip().isdigit() else None
    words = text.split()
    for key, value in itertools.pairwise(words):
        if key == "usage_usec" and value.isdigit():
            return int(value) / 1e6
    return None


def human_bytes(number: int) -> str:
    """``268435456`` → ``256M``; sizes that are no whole unit get one decimal (``3.2M``)."""
    for unit, size in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if number >= size:
            whole, rest = divmod(number, size)
            return f"{whole}{unit}" if not rest else f"{number / size:.1f}{unit}"
    return f"{number}B"


def shown(file: str, value: str | None) -> str:
    """A limit's value as a person reads it."""
    if value is None:
        return "?"
    if file.startswith("memory."):
        try:
            number = _bytes(value)
        except ValueError:
            return value
        return "no limit" if number is None else human_bytes(number)
    return value.strip()
