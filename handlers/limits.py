"""``limit``: show a Bob's cgroup limits and usage, or change them live and in its config.

The same for every front end (CLI, Slack, board): :func:`read_limits` reads each Bob from its
host (never from bob's records), :func:`plan_limits` decides whether the hosts can honour what
was asked — every refusal told at once, before any job exists, so nothing changes — and
:func:`submit_limits` plans again and hands the change to a journaled ``limit`` job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from pydantic import Field

from handlers.plans import unknown_names
from handlers.provision import Caller
from handlers.requests import HostName, _Request, build
from provisioning.config.models import CgroupLimits, Fleet, Host
from provisioning.core.plan import MAX_BATCH
from provisioning.errors import BobError, UsageError
from provisioning.limits import probe
from provisioning.limits.files import cpu_seconds, human_bytes, memory_used, shown
from provisioning.limits.judge import Change, Refused, judge
from provisioning.limits.keys import LIMITS, read_assignments
from provisioning.limits.lxcconf import configured
from provisioning.lxc.cgroups import FILES, CgroupLayout, shares_to_weight
from provisioning.lxc.layout import disk_path
from provisioning.pipeline.context import detect_cgroup_layout
from provisioning.pipeline.kinds import LIMIT
from provisioning.ports import FleetStore, Shells, StateStore
from provisioning.records import BobRecord, JobRecord, NewJob

NOTHING_CHANGED = "nothing was changed"


class ShowLimits(_Request):
    """``limit NAME…``: each Bob's limits and usage as its host reads them."""

    names: tuple[HostName, ...] = Field(min_length=1, max_length=MAX_BATCH)


class LimitBobs(ShowLimits):
    """``limit NAME… KEY=VALUE…``; the words are checked by :func:`read_assignments`."""

    assignments: tuple[str, ...] = Field(min_length=1, max_length=len(LIMITS) * 2)


class PlanLimits(LimitBobs):
    """``limit … --dry-run``."""


def limit_request(words: Sequence[str], *, dry_run: bool = False) -> ShowLimits:
    """The request ``limit WORDS…`` makes, the same from every front end: Bob names and
    ``KEY=VALUE`` words in any order (``bob001,bob002`` is two names); names alone show."""
    if options := [w for w in words if w.startswith("--")]:
        raise UsageError(f"unknown option {options[0]}")
    names = tuple(n for w in words if "=" not in w for n in w.split(",") if n)
    assignments = tuple(w for w in words if "=" in w)
    if not names:
        raise UsageError("name at least one Bob")
    if not assignments:
        return build(ShowLimits, names=names)
    limits, problems = read_assignments(assignments)
    if problems and not limits.model_dump(exclude_none=True):
        # No limit is left for a host to judge, so these are every reason there is: refused
        # here, at the edge, before any host is asked.
        raise UsageError("; ".join(problems))
    return build(PlanLimits if dry_run else LimitBobs, names=names, assignments=assignments)


@dataclass(frozen=True)
class BobLimits:
    """One Bob and what its host says about its limits."""

    bob: BobRecord
    layout: CgroupLayout
    reading: probe.Reading


async def _records(fleet: Fleet, store: FleetStore, names: Sequence[str]) -> list[BobRecord]:
    found: list[BobRecord] = []
    missing: list[str] = []
    for name in dict.fromkeys(names):
        record = await store.get_bob(name)
        if record is None:
            missing.append(name)
        elif record.host not in {h.name for h in fleet.hosts}:
            raise UsageError(f"{name} is on host {record.host}, which is not in the config")
        else:
            found.append(record)
    if missing:
        raise UsageError(unknown_names(missing, [b.name for b in await store.list_bobs()]))
    return found


async def read_limits(
    fleet: Fleet, store: FleetStore, shells: Shells, names: Sequence[str]
) -> list[BobLimits]:
    """The named Bobs as their hosts read them: one round trip per host for its cgroup
    layout, then one per Bob, all hosts and Bobs at once."""
    records = await _records(fleet, store, names)
    hosts = sorted({r.host for r in records})
    found = await asyncio.gather(*(detect_cgroup_layout(shells.get(h)) for h in hosts))
    layouts = dict(zip(hosts, found, strict=True))

    async def one(bob: BobRecord) -> BobLimits:
        layout = layouts[bob.host]
        shell, host = shells.get(bob.host), fleet.host(bob.host)
        return BobLimits(bob, layout, await probe.read(shell, host, bob.disk, bob.name, layout))

    return list(await asyncio.gather(*(one(r) for r in records)))


async def plan_limits(
    fleet: Fleet, store: FleetStore, shells: Shells, request: LimitBobs
) -> list[Change]:
    """Each Bob's change, or one UsageError naming every bad word and every limit a host
    cannot honour."""
    limits, reasons = read_assignments(request.assignments)
    changes: list[Change] = []
    try:
        bobs = await read_limits(fleet, store, shells, request.names)
    except UsageError as exc:  # a Bob bob does not know: told beside the bad words
        raise UsageError("\n".join([*reasons, str(exc)])) from exc
    for found in bobs:
        try:
            changes.append(_judge(found, limits))
        except Refused as refused:
            reasons += refused.reasons
    if reasons:
        raise UsageError("\n".join([*reasons, NOTHING_CHANGED]))
    return changes


def _judge(found: BobLimits, limits: CgroupLimits) -> Change:
    bob = found.bob
    return judge(
        name=bob.name,
        host=bob.host,
        disk=bob.disk,
        layout=found.layout,
        reading=found.reading,
        limits=limits,
    )


async def submit_limits(
    fleet: Fleet, store: StateStore, shells: Shells, request: LimitBobs, caller: Caller
) -> tuple[JobRecord, list[Change]]:
    try:
        changes = await plan_limits(fleet, store, shells, request)
    except BobError as exc:
        await store.audit(caller.entry("refused", str(exc).splitlines()[0]))
        raise
    job = await store.create_job(
        NewJob(
            kind=LIMIT,
            params={"bobs": [c.model_dump(mode="json") for c in changes]},
            requested_by=caller.actor,
            source=caller.source,
        )
    )
    await store.audit(caller.entry("submitted", f"job {job.id}: {', '.join(request.names)}"))
    return job, changes


# The limit lines of every container config on the disks given as arguments, "PATH:LINE" each.
_CONFIG_LINES = r"""for d; do
  for f in "$d"/*/config; do [ -r "$f" ] && grep -H -E '^lxc\.cgroup2?\.' "$f"; done
done; true"""


async def fleet_limits(fleet: Fleet, shells: Shells) -> dict[str, str]:
    """Bob name → its limits in short (``256M · shares 512 · cpus 0-1``), as the LXC configs on
    its host keep them (what it runs with since its last start or ``bob limit``); one command
    per host, all hosts at once. A host that does not answer leaves its Bobs out."""

    async def one(host: Host) -> dict[str, str]:
        disks = [str(disk_path(host, d.name)) for d in host.disks]
        try:
            out = (
                await shells.get(host.name).run(["sh", "-c", _CONFIG_LINES, "sh", *disks])
            ).stdout
        except BobError:
            return {}
        lines: dict[str, list[str]] = {}
        for row in out.splitlines():
            path, _, line = row.partition(":")
            lines.setdefault(PurePosixPath(path).parent.name, []).append(line)
        return {name: in_short("\n".join(found)) for name, found in lines.items()}

    found: dict[str, str] = {}
    for part in await asyncio.gather(*(one(h) for h in fleet.hosts)):
        found.update(part)
    return found


def in_short(config: str) -> str:
    """A config's limits in a few words, whichever layout its lines are for."""
    words = []
    for layout in CgroupLayout:
        values = configured(config, layout)
        memory, cpu, cpuset = FILES[layout].values()
        if memory in values:
            words.append(shown(memory, values[memory]))
        if cpu in values:
            words.append(f"{'shares' if layout is CgroupLayout.V1 else 'weight'} {values[cpu]}")
        if cpuset in values:
            words.append(f"cpus {values[cpuset]}")
    return " · ".join(words)


# -- views ---------------------------------------------------------------------------------------


def _weight_note(change: Change) -> str:
    """How a v2 host's weight came from the shares asked for: said wherever it is shown."""
    if "cpu.weight" not in change.target:
        return ""
    return (
        "\n  (cgroup v2 has no cpu.shares: cpu.weight = 1 + (shares - 2) * 9999 / 262142, "
        f"as runc maps it; 1024 shares are weight {shares_to_weight(1024)})"
    )


def render_plan(changes: Sequence[Change], verb: str = "would set") -> str:
    lines = []
    for c in changes:
        how = "live and in its config" if c.running else "in its config (not running)"
        parts = [
            f"{file} {shown(file, c.before_live.get(file, c.before_config[file] or 'unset'))} → "
            f"{shown(file, value)}"
            for file, value in c.target.items()
        ]
        lines.append(f"{verb} {c.name} (cgroup {c.layout}) {how}: {', '.join(parts)}")
        lines[-1] += _weight_note(c)
    return "\n".join(lines)


def render_limits(found: Sequence[BobLimits]) -> str:
    """Per Bob: each limit live (as the kernel holds it) beside its config line, and usage."""
    blocks = []
    for bob in found:
        r, layout = bob.reading, bob.layout
        state = (r.state or "no container").lower()
        lines = [f"{bob.bob.name} on {bob.bob.host}/{bob.bob.disk}: {state}, cgroup {layout}"]
        config = configured(r.config or "", layout)
        for limit, file in FILES[layout].items():
            now = shown(file, r.live.get(file)) if r.running else "-"
            line = config.get(file)
            kept = f"{layout.config_prefix}.{file} = {line}" if line else "not in its config"
            lines.append(f"  {limit:<11} {file:<22} {now:<9} ({kept})")
        if r.running:
            used, spent = memory_used(layout, r.live), cpu_seconds(layout, r.live)
            memory = human_bytes(used) if used is not None else "?"
            cpu = f"{spent:.2f} s" if spent is not None else "?"
            lines.append(f"  using       {memory} memory, {cpu} CPU time")
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
