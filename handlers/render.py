"""Plain-text views for the terminal (and Slack's plain-text fallbacks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from handlers.overview import Overview, SlotView
from handlers.rebuild import RebuildPlan
from provisioning.core.durations import describe_duration
from provisioning.core.models import CreatePlan
from provisioning.jobs.failures import pointing_to_steps
from provisioning.jobs.liveness import JobStatus, job_status
from provisioning.records import JobRecord, JournalEntry, StepEvent
from provisioning.words import plural


def render_plan(
    plan: CreatePlan, skipped: Mapping[str, str] | None = None, notes: Sequence[str] = ()
) -> str:
    """The plan, (``skipped``) the hosts placement left out and why, and what it could not
    know (``notes``: DNS not read, addresses looked up only when claimed)."""
    lines = [f"would create {plural(len(plan.bobs), 'Bob')}:"]
    lines += [
        f"  {b.name}  {b.host}/{b.disk}  {b.ip}/{b.prefix_length} via {b.gateway}"
        for b in plan.bobs
    ]
    lines += render_skipped(skipped or {})
    lines += [f"  note: {note}" for note in notes]
    return "\n".join(lines)


def render_skipped(skipped: Mapping[str, str]) -> list[str]:
    """One line per host placement left out, with why (drained, cooling down until …)."""
    return [f"  skipped {host}: {why}" for host, why in sorted(skipped.items())]


def render_rebuild_plan(plan: RebuildPlan) -> str:
    at_once = "one host at a time" if plan.parallel == 1 else f"{plan.parallel} hosts at a time"
    lines = [
        f"would rebuild the base on {len(plan.hosts)} host(s), {at_once}, "
        "stopping at the first failure:"
    ]
    lines += [f"  {h.describe()}" for h in plan.hosts]
    if plan.skipped:
        lines.append(f"  skipped (drained; name them to include): {', '.join(plan.skipped)}")
    return "\n".join(lines)


def _slot_line(v: SlotView) -> str:
    parts = [f"{v.name:<10}", f"{v.state:<10}", f"{str(v.ip) if v.ip else '-':<15}"]
    if v.base_version is not None:
        parts.append(f"base v{v.base_version}" + (" STALE" if v.stale else ""))
    if v.detail:
        parts.append(v.detail)
    if v.expires_at is not None:
        parts.append(f"expires {v.expires_at:%Y-%m-%d %H:%M} UTC")
    if v.job_id and v.state in ("reserved", "creating", "destroying", "interrupted"):
        parts.append(f"job {v.job_id}")
    if v.flag:
        parts.append(f"! {v.flag}")
    return "    " + "  ".join(parts).rstrip()


def render_overview(overview: Overview) -> str:
    lines: list[str] = []
    for h in overview.hosts:
        flag = "  DRAINED" if h.drained else ""
        if h.unavailable:
            flag += f"  ({h.unavailable})"
        base = f", base v{h.base_version}" if h.base_version is not None else ""
        lines.append(
            f"{h.name} ({h.datacenter}, {h.backend}{base}){flag}: "
            f"{h.used}/{h.capacity} used, {max(h.capacity - h.used, 0)} free"
        )
        for d in h.disks:
            room = "full" if d.free == 0 else f"{d.free} free"
            lines.append(f"  {d.name}  {len(d.bobs)}/{d.max_bobs}  {room}")
            lines += [_slot_line(v) for v in d.bobs]
    if overview.unplaced:
        lines.append("not in the config (host or disk removed):")
        lines += [_slot_line(v) for v in overview.unplaced]
    if overview.controllers or overview.idle_after_s:
        lines.append("jenkins:")
        lines += [f"  {line}" for line in overview.controllers]
        lines += [f"  ! {line}" for line in overview.strays]
        lines += [
            f"  {name}: agents idle {describe_duration(s)} are detached and their Bobs destroyed"
            for name, s in sorted(overview.idle_after_s.items())
        ]
    return "\n".join(lines) if lines else "no hosts"


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def render_jobs(jobs: list[JobRecord], now: datetime) -> str:
    if not jobs:
        return "no jobs yet"
    lines = [f"{'ID':<10}{'KIND':<14}{'STATE':<13}{'CREATED (UTC)':<21}BY"]
    lines += [
        f"{j.id:<10}{j.kind:<14}{job_status(j, now):<13}{_when(j.created_at):<21}{j.requested_by}"
        for j in jobs
    ]
    return "\n".join(lines)


def ways_on(job_id: str) -> str:
    """What to do with a job no runner holds."""
    return f"`bob resume {job_id}` finishes it, `bob cancel {job_id}` rolls it back"


_ENDINGS = frozenset(
    {
        StepEvent.SUCCEEDED,
        StepEvent.FAILED,
        StepEvent.SKIPPED,
        StepEvent.UNDONE,
        StepEvent.UNDO_FAILED,
    }
)
_UNDO_EVENTS = frozenset({StepEvent.UNDONE, StepEvent.UNDO_FAILED})


_DETAIL_INDENT = "\n" + " " * 16


def render_job(job: JobRecord, journal: list[JournalEntry], now: datetime) -> str:
    status = job_status(job, now)
    lines = [
        f"job {job.id}: {job.kind}, {status}",
        f"  requested by {job.requested_by} via {job.source} at {_when(job.created_at)} UTC",
    ]
    if status is JobStatus.INTERRUPTED:
        lines.append(f"  no runner holds it (it was {job.state.value}): {ways_on(job.id)}")
    if job.finished_at and job.started_at:
        lines.append(f"  took {(job.finished_at - job.started_at).total_seconds():.2f}s")
    if job.error:
        failed = (e.detail for e in journal if e.event is StepEvent.FAILED)
        lines.append(f"  error: {pointing_to_steps(job.error, failed)}")
    if journal:
        lines.append("  steps:")
    finished = {(e.step_index, e.event in _UNDO_EVENTS) for e in journal if e.event in _ENDINGS}
    for e in journal:
        is_start = e.event in (StepEvent.STARTED, StepEvent.UNDO_STARTED)
        if is_start and (e.step_index, e.event is StepEvent.UNDO_STARTED) in finished:
            continue  # the line that ends it carries the timing
        timing = f"{e.duration_s:7.3f}s" if e.duration_s is not None else " " * 8
        where = f"{e.lane}:{e.step}" + (f" @{e.host}" if e.host else "")
        # A detail of several lines (a batch of build output, a failure's stderr) stays
        # indented under its entry, so the step list still reads as one entry per line start.
        detail = f"  {e.detail}".replace("\n", _DETAIL_INDENT) if e.detail else ""
        lines.append(f"    {timing}  {e.event.value:<11} {where}{detail}")
    return "\n".join(lines)
