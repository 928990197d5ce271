"""The drill's figures, as printed: Bobs made, jobs failed and why, wall and per-phase times."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable

from provisioning.records import JobState

from .drill import DrillResult, Phase
from .outcomes import HalfDestroyed, JobOutcome

Print = Callable[[str], None]


def report(result: DrillResult, out: Print = print) -> None:
    shape = result.shape
    asked = shape.jobs * shape.bobs
    out(
        f"\n{shape.jobs} concurrent `create {shape.bobs}` ({asked} Bobs) on {result.hosts} hosts,"
        f" then concurrent destroys; one host's sshd away {shape.outage_s:g} s in each phase"
    )
    out(f"Bobs made: {len(result.made)} of {asked}")
    out(f"\n  {'phase':9} {'jobs':>4} {'ok':>3} {'failed':>6} {'submit s':>8} {'run s':>7}"
        f" {'check s':>7} {'reconcile s':>11} {'differences':>11}")  # fmt: skip
    for phase in result.phases:
        ok = sum(j.job.state is JobState.SUCCEEDED and j.raised is None for j in phase.jobs)
        out(
            f"  {phase.name:9} {len(phase.jobs):4} {ok:3} {len(phase.jobs) - ok:6}"
            f" {phase.submit_s:8.2f} {phase.run_s:7.2f} {phase.check_s:7.2f}"
            f" {phase.reconcile_s:11.2f} {len(phase.differences):11}"
        )
    for phase in result.phases:
        _outage(phase, out)
        _failures(phase, out)
    create = next((p for p in result.phases if p.name == "create"), None)
    if create is not None:
        _steps(create, out)
    made = len(result.made)
    create_run = create.run_s if create is not None else 0.0
    out(
        f"\nwall time {result.wall_s:.1f} s"
        + (f"; {made / create_run * 60:.0f} Bobs/min in the create phase" if create_run else "")
    )
    if result.half_destroyed:
        _half_destroyed(result.half_destroyed, out)
    if result.violations:
        out(f"\nINVARIANTS BROKEN ({len(result.violations)}):")
        for line in result.violations:
            out(f"  {line}")
    if not result.violations and not result.half_destroyed:
        out(
            "\ninvariants held: no name, address or slot twice; every job succeeded or failed"
            " leaving nothing; hosts = store after each phase; reconcile 0 differences; nothing"
            " left at the end"
        )


def _half_destroyed(half: list[HalfDestroyed], out: Print) -> None:
    stayed = sum(not h.host_went_away for h in half)
    left = Counter(h.container or "gone" for h in half)
    out(
        f"\nHALF-DESTROYED by failed destroys: {len(half)} Bobs recorded as destroying until the"
        f" clean-up's re-run; {stayed} of them on hosts that stayed up; containers: "
        + ", ".join(f"{n} {state}" for state, n in sorted(left.items()))
    )
    for bob in half:
        out(f"  {bob}")


def _outage(phase: Phase, out: Print) -> None:
    o = phase.outage
    if o is None:
        if phase.name != "clean-up":
            out(f"\n{phase.name}: no outage (its trigger was never reached)")
        return
    out(
        f"\n{phase.name}: {o.host}'s sshd stopped at {o.stopped_at_s:.1f} s, once"
        f" {o.lanes_past_marker} of its {o.lanes} lanes had passed `{o.marker}`;"
        f" answering again {o.down_s:.1f} s later ({o.pids_stopped} sshd processes stopped)"
    )


def _failures(phase: Phase, out: Print) -> None:
    failed = [j for j in phase.jobs if j.job.state is not JobState.SUCCEEDED or j.raised]
    waits = sum(j.undo_waits for j in phase.jobs)
    if waits:
        out(f"  steps (undo, or destroy's) that waited for a host to come back: {waits}")
    if not failed:
        return
    out(f"  failed {phase.name} jobs ({len(failed)}), why:")
    reasons = Counter(_reason(j) for j in failed)
    for reason, times in reasons.most_common():
        out(f"    {times} × {reason}")
    for job in failed:
        out(f"    job {job.job.id} [{job.job.state.value}] {len(job.names)} Bobs: {job.failure}")


def _reason(job: JobOutcome) -> str:
    """The failure without what differs between jobs (names, job ids): for counting."""
    failure = job.failure or "no reason recorded"
    step, _, rest = failure.partition(": ")
    return f"{step}: {rest.split(':', 1)[0]}" if rest else step


def _steps(phase: Phase, out: Print) -> None:
    steps: dict[str, list[float]] = {}
    for job in phase.jobs:
        for step, durations in job.durations().items():
            steps.setdefault(step, []).extend(durations)
    if not steps:
        return
    out("\ncreate steps that succeeded, seconds per Bob: median / 95th percentile / max")
    for step, durations in steps.items():
        p95 = statistics.quantiles(durations, n=20)[-1] if len(durations) > 1 else durations[0]
        out(f"  {step:12} {statistics.median(durations):6.2f} {p95:6.2f} {max(durations):6.2f}")
