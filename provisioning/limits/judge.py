"""Whether a host can honour the limits asked of a Bob, and the change if it can (pure).

Decided from a :class:`~provisioning.limits.probe.Reading` before any job exists, so a refusal
changes nothing: a memory limit below what the Bob uses now (the kernel would reclaim or kill
to get there), a CPU the host does not have, a Bob whose container or config is missing, a
cgroup file that cannot be read (its value is what an undo would write back).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from provisioning.config.models import CgroupLimits
from provisioning.limits.files import human_bytes, memory_used
from provisioning.limits.keys import cpu_list, cpus
from provisioning.limits.lxcconf import configured
from provisioning.limits.probe import Reading
from provisioning.lxc.cgroups import CgroupLayout, memory_bytes, settings


class Change(BaseModel):
    """One Bob's limit change as its job carries it: what to write and what was there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    host: str
    disk: str
    layout: CgroupLayout
    running: bool
    target: dict[str, str]  # cgroup file → value written, live and in the config
    before_config: dict[str, str | None]  # cgroup file → its config value then (None: no line)
    before_live: dict[str, str]  # cgroup file → its live value then (running Bobs only)


class Refused(Exception):
    """The reasons a Bob's limits cannot be changed as asked, one each."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def judge(
    *,
    name: str,
    host: str,
    disk: str,
    layout: CgroupLayout,
    reading: Reading,
    limits: CgroupLimits,
) -> Change:
    """The change ``limits`` make to Bob ``name``, or Refused saying why the host cannot."""
    if reading.state is None or reading.config is None:
        raise Refused([f"{name}: no container {disk}/{name} on {host} (or no config)"])
    reasons: list[str] = []
    wanted = settings(limits, layout)
    if limits.memory is not None and reading.running:
        used = memory_used(layout, reading.live)
        if used is None:
            reasons.append(f"{name}: its memory usage cannot be read on {host}")
        elif memory_bytes(limits.memory) < used:
            reasons.append(
                f"{name}: memory={limits.memory} is below the {human_bytes(used)} it uses now "
                "(the kernel would have to reclaim or kill to get there)"
            )
    if limits.cpuset is not None and reading.host_cpus:
        missing = cpus(limits.cpuset) - reading.host_cpus
        if missing:
            reasons.append(
                f"{name}: cpuset={limits.cpuset} names {_cpus(missing)}, which {host} "
                f"does not have (it has {cpu_list(reading.host_cpus)})"
            )
    if reading.running:
        unread = [s.file for s in wanted if s.file not in reading.live]
        if unread:
            reasons.append(f"{name}: cannot read {', '.join(unread)} on {host}")
    if reasons:
        raise Refused(reasons)
    now = configured(reading.config, layout)
    return Change(
        name=name,
        host=host,
        disk=disk,
        layout=layout,
        running=reading.running,
        target={s.file: s.value for s in wanted},
        before_config={s.file: now.get(s.file) for s in wanted},
        before_live={s.file: reading.live[s.file] for s in wanted if reading.running},
    )


def _cpus(numbers: frozenset[int]) -> str:
    return f"CPU{'s' if len(numbers) > 1 else ''} {cpu_list(numbers)}"
