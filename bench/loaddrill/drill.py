"""The load drill: concurrent creates, then concurrent destroys, a host's sshd away in each.

``await run_drill(info, work, shape)`` runs it on a sandbox that is up (and leaves it up, as
empty as bob leaves it): each of ``shape.jobs`` replicas submits one ``create shape.bobs``, all
at once, and runs it; then the Bobs that exist are dealt round-robin to as many destroys, again
all at once; whatever a failed destroy left is destroyed once more at the end. After each phase
the hosts, the store and the reconciler are compared (see ``checks``); every broken invariant
is collected in ``DrillResult.violations``, never raised, so the figures are always complete.
Bobs a failed destroy left recorded as destroying are collected apart, in ``half_destroyed``:
destroy's own rule allows them (a re-run finishes them), the drill's promise does not.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from handlers.reconcile import reconcile
from provisioning.config import Fleet, load_fleet
from provisioning.core.models import CreatePlan
from provisioning.dns import DnsClient, secret_from_env
from provisioning.hosts.ssh import HostPool
from provisioning.records import JobRecord
from sandbox import SandboxInfo

from .checks import Checks
from .outage import Outage, OutageRecord
from .outcomes import HalfDestroyed, JobOutcome
from .replica import Replica, replica
from .witness import read_hosts, strays


@dataclass(frozen=True)
class Shape:
    jobs: int = 10  # concurrent jobs per phase, one per replica
    bobs: int = 10  # Bobs per create job
    outage_s: float = 3.0  # how long the victim host's sshd stays away, in each phase


@dataclass
class Phase:
    name: str
    jobs: list[JobOutcome] = field(default_factory=list)
    submit_s: float = 0.0
    run_s: float = 0.0
    check_s: float = 0.0
    reconcile_s: float = 0.0
    outage: OutageRecord | None = None
    differences: list[str] = field(default_factory=list)  # the reconciler's findings
    victim: str | None = None  # the host whose sshd went away


@dataclass
class DrillResult:
    shape: Shape
    hosts: int
    phases: list[Phase] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # Bobs failed destroys left recorded as destroying, one line each (see Checks.destroys).
    half_destroyed: list[HalfDestroyed] = field(default_factory=list)
    made: list[str] = field(default_factory=list)  # Bobs that existed after the creates
    wall_s: float = 0.0


async def run_drill(
    info: SandboxInfo, work: Path, shape: Shape, fleet: Fleet | None = None
) -> DrillResult:
    """``fleet``: the sandbox's own config unless given (a variant with less room, say)."""
    fleet = fleet or load_fleet(info.config_path)
    url = f"sqlite+aiosqlite:///{work}/bob.db"
    result = DrillResult(shape, len(info.hosts))
    began = time.perf_counter()
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(replica(fleet, url, f"replica-{n}"))
            for n in range(shape.jobs)
        ]
        checks = Checks(replicas[0].store, result.violations, result.half_destroyed)
        await _create_phase(info, fleet, replicas, shape, checks, result)
        await _destroy_phase(info, fleet, replicas, shape, checks, result)
        await _clean_up_phase(info, fleet, replicas[0], checks, result)
    result.wall_s = time.perf_counter() - began
    return result


async def _create_phase(
    info: SandboxInfo,
    fleet: Fleet,
    replicas: Sequence[Replica],
    shape: Shape,
    checks: Checks,
    result: DrillResult,
) -> None:
    phase = Phase("create")
    result.phases.append(phase)
    started = time.perf_counter()
    submitted = await asyncio.gather(
        *(r.submit_create(shape.bobs) for r in replicas), return_exceptions=True
    )
    phase.submit_s = time.perf_counter() - started
    runs: list[tuple[Replica, JobRecord, dict[str, str]]] = []
    plans: list[CreatePlan] = []
    for r, outcome in zip(replicas, submitted, strict=True):
        if isinstance(outcome, BaseException):
            result.violations.append(f"create: {r.name}'s submission was refused: {outcome!r}")
            continue
        job, plan = outcome
        plans.append(plan)
        runs.append((r, job, {b.name: b.host for b in plan.bobs}))
    # Every plan is held at once (all were reserved before any job ran): they must be disjoint.
    checks.plans_disjoint(plans)
    victim = Counter(b.host for p in plans for b in p.bobs).most_common(1)
    if victim:
        phase.victim, lanes = victim[0]
        await _run_jobs(info, phase, runs, shape, phase.victim, "start", lanes)
    await _settle(info, fleet, replicas[0], checks, phase, set())
    await checks.creates(phase.jobs, phase.victim)
    result.made = sorted(b.name for b in await replicas[0].store.list_bobs())


async def _destroy_phase(
    info: SandboxInfo,
    fleet: Fleet,
    replicas: Sequence[Replica],
    shape: Shape,
    checks: Checks,
    result: DrillResult,
) -> None:
    phase = Phase("destroy")
    result.phases.append(phase)
    bobs = sorted(await replicas[0].store.list_bobs(), key=lambda b: b.name)
    groups = [{b.name: b.host for b in bobs[n :: shape.jobs]} for n in range(shape.jobs)]
    started = time.perf_counter()
    submitted = await asyncio.gather(
        *(r.submit_destroy(list(g)) for r, g in zip(replicas, groups, strict=True) if g),
        return_exceptions=True,
    )
    phase.submit_s = time.perf_counter() - started
    runs: list[tuple[Replica, JobRecord, dict[str, str]]] = []
    for r, group, outcome in zip(replicas, [g for g in groups if g], submitted, strict=False):
        if isinstance(outcome, BaseException) or outcome is None:
            result.violations.append(
                f"destroy: {r.name}'s submission of {list(group)}: {outcome!r}"
            )
            continue
        runs.append((r, outcome, group))
    victim = Counter(b.host for b in bobs).most_common(1)
    if victim:
        phase.victim, lanes = victim[0]
        await _run_jobs(info, phase, runs, shape, phase.victim, "stop", lanes)
    half = await checks.destroys(phase.name, phase.jobs, phase.victim)
    await _settle(info, fleet, replicas[0], checks, phase, half)


async def _clean_up_phase(
    info: SandboxInfo, fleet: Fleet, bob: Replica, checks: Checks, result: DrillResult
) -> None:
    """What failed destroys left, destroyed again with every host up: then nothing is left."""
    phase = Phase("clean-up")
    result.phases.append(phase)
    left = {b.name: b.host for b in sorted(await bob.store.list_bobs(), key=lambda b: b.name)}
    if left:
        job = await bob.submit_destroy(list(left))
        if job is not None:
            await _run_jobs(info, phase, [(bob, job, left)], None, None, "", 0)
    half = await checks.destroys(phase.name, phase.jobs, phase.victim)
    await _settle(info, fleet, bob, checks, phase, half)
    checks.nothing_left(await bob.store.list_bobs(), await read_hosts(info), strays(info))


async def _run_jobs(
    info: SandboxInfo,
    phase: Phase,
    runs: Sequence[tuple[Replica, JobRecord, dict[str, str]]],
    shape: Shape | None,
    victim: str | None,
    marker: str,
    lanes: int,
) -> None:
    """Run the jobs at once; with a ``shape`` and a ``victim``, take its sshd away midway."""
    started = time.perf_counter()
    async with _outage(info, phase, runs, shape, victim, marker, lanes, started):
        finished = await asyncio.gather(*(r.run(job) for r, job, _ in runs), return_exceptions=True)
    phase.run_s = time.perf_counter() - started
    for (r, job, names), final in zip(runs, finished, strict=True):
        journal = await r.store.journal(job.id)
        if isinstance(final, BaseException):
            phase.jobs.append(JobOutcome(job, names, journal, raised=repr(final)))
        else:
            phase.jobs.append(JobOutcome(final, names, journal))


@asynccontextmanager
async def _outage(
    info: SandboxInfo,
    phase: Phase,
    runs: Sequence[tuple[Replica, JobRecord, dict[str, str]]],
    shape: Shape | None,
    victim: str | None,
    marker: str,
    lanes: int,
    began: float,
) -> AsyncIterator[None]:
    if shape is None or victim is None:
        yield
        return
    outage = Outage(info.state_dir, victim, marker, lanes, shape.outage_s, began)
    buses = {id(r.bus): r.bus for r, _, _ in runs}.values()
    for bus in buses:
        bus.subscribe(outage.on_event)
    task = asyncio.create_task(outage.run())
    try:
        yield
    finally:
        for bus in buses:
            bus.unsubscribe(outage.on_event)
        if outage.stopped:
            phase.outage = await task  # sshd answers again before anything is checked
        else:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def _settle(
    info: SandboxInfo, fleet: Fleet, bob: Replica, checks: Checks, phase: Phase, half: set[str]
) -> None:
    """Compare the hosts with the store, then reconcile as a separate `bob reconcile` would.

    ``half``: Bobs failed destroys left half-destroyed, reported apart from the violations.
    """
    started = time.perf_counter()
    view, bobs = await read_hosts(info), await bob.store.list_bobs()
    checks.agree(phase.name, view, bobs, half)
    await checks.no_reservations(phase.name)
    phase.check_s = time.perf_counter() - started
    started = time.perf_counter()
    findings = await _reconcile(fleet, bob)
    phase.reconcile_s = time.perf_counter() - started
    phase.differences = [line for _, line in findings]
    checks.reconciled(phase.name, findings, half)
    checks.half_destroy(bobs, half, view, findings, phase.victim)


async def _reconcile(fleet: Fleet, bob: Replica) -> list[tuple[str, str]]:
    """The reconciler's findings (and jobs it sees in progress): (subject, line) each."""
    pool = HostPool(fleet.hosts)
    dns = None if fleet.dns is None else DnsClient(fleet.dns, secret_from_env(fleet.dns))
    try:
        report = await reconcile(fleet, bob.store, pool, dns, {})
    finally:
        await pool.close_all()
    lines = [
        (f.subject, f"{f.kind.value} {f.subject} on {f.host}/{f.disk}: {f.detail}")
        for f in report.findings
    ]
    return lines + [("", f"in progress: {what}") for what in report.in_progress]


__all__ = ["DrillResult", "JobOutcome", "Phase", "Shape", "run_drill"]
