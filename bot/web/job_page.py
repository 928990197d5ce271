"""A job's story, told from its journal: per Bob (lane) its steps with outcome and timing, the
output each step streamed, what failed and what was undone. The live page re-renders the same
fragment as the journal grows, so a running job and a finished one look alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.web.html import Html, html, join
from handlers.provision import skipped_hosts
from handlers.render import render_skipped, ways_on
from provisioning.jobs.failures import pointing_to_steps
from provisioning.jobs.liveness import JobStatus, job_status
from provisioning.records import JobRecord, JournalEntry, StepEvent

_OUTCOME = {
    StepEvent.STARTED: "running",
    StepEvent.SUCCEEDED: "ok",
    StepEvent.FAILED: "failed",
    StepEvent.SKIPPED: "done already",
}
# The create pipeline's last step: a lane that passed it is a Bob that is ready.
READY_STEP = "ready"


@dataclass
class _Step:
    index: int
    name: str
    host: str | None
    outcome: str = "waiting"
    duration: float | None = None
    detail: str = ""
    undo: str = ""
    undo_duration: float | None = None
    log: list[str] = field(default_factory=list)


@dataclass
class _Lane:
    name: str
    steps: dict[int, _Step] = field(default_factory=dict)

    def status(self, job: JobRecord) -> str:
        steps = sorted(self.steps.values(), key=lambda s: s.index)
        if any(s.undo for s in steps):
            return "undo failed" if any(s.undo == "undo failed" for s in steps) else "undone"
        if any(s.outcome == "failed" for s in steps):
            return "failed"
        if any(s.name == READY_STEP and s.outcome in ("ok", "done already") for s in steps):
            return "ready"
        running = [s.name for s in steps if s.outcome == "running"]
        if running:
            return f"running: {', '.join(running)}"
        return "done" if job.state.finished else "waiting"


def lanes_of(journal: list[JournalEntry]) -> list[_Lane]:
    lanes: dict[str, _Lane] = {}
    for e in journal:
        lane = lanes.setdefault(e.lane, _Lane(e.lane))
        step = lane.steps.setdefault(e.step_index, _Step(e.step_index, e.step, e.host))
        if e.event is StepEvent.LOG:
            step.log.append(e.detail or "")
        elif e.event in _OUTCOME:
            step.outcome = _OUTCOME[e.event]
            step.duration = e.duration_s
            if e.event is StepEvent.FAILED:
                step.detail = e.detail or ""
        elif e.event is StepEvent.UNDO_STARTED:
            step.undo = "undoing"
        else:
            step.undo = "undone" if e.event is StepEvent.UNDONE else "undo failed"
            step.undo_duration = e.duration_s
            if e.event is StepEvent.UNDO_FAILED:
                step.detail = e.detail or step.detail
    return list(lanes.values())


def job_fragment(job: JobRecord, journal: list[JournalEntry], now: datetime) -> Html:
    status = job_status(job, now)
    took = ""
    if job.started_at and job.finished_at:
        took = f"{(job.finished_at - job.started_at).total_seconds():.2f}s"
    told = lanes_of(journal)
    error = _job_error(job.error, told) if job.error else ""
    lanes = join(_lane(lane, job) for lane in told)
    return html(
        """<h1>job {} <small>{}</small></h1>
<p>state <strong class="state state-{}" id="job-state">{}</strong> {}</p>
<p class="who">requested by {} via {} at {} UTC</p>
{}{}
<div class="lanes">{}</div>""",
        job.id,
        job.kind,
        status,
        status,
        html("in {}", took) if took else _ways_on(job, status),
        job.requested_by,
        job.source,
        job.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        error,
        _skipped(job),
        lanes or html("<p>no step has started yet</p>"),
    )


def _job_error(error: str, lanes: list[_Lane]) -> Html:
    """The job's error, less what its steps' rows tell."""
    details = (s.detail for lane in lanes for s in lane.steps.values())
    return html('<p class="problem" id="job-error">{}</p>', pointing_to_steps(error, details))


def _skipped(job: JobRecord) -> Html | str:
    lines = render_skipped(skipped_hosts(job))
    if not lines:
        return ""
    return html('<pre class="skipped" id="job-skipped">{}</pre>', "\n".join(lines))


def _ways_on(job: JobRecord, status: JobStatus) -> Html | str:
    if status is not JobStatus.INTERRUPTED:
        return ""
    return html('<span class="ways-on">no runner holds it: {}</span>', ways_on(job.id))


def _lane(lane: _Lane, job: JobRecord) -> Html:
    status = lane.status(job)
    rows = join(_step(s) for s in sorted(lane.steps.values(), key=lambda s: s.index))
    return html(
        """<section class="lane" data-lane="{}">
<h2>{} <span class="lane-state state-{}">{}</span></h2>
<table><thead><tr><th>step</th><th>host</th><th>outcome</th><th>took</th><th>undo</th></tr></thead>
<tbody>{}</tbody></table>
</section>""",
        lane.name,
        lane.name,
        status.split(":")[0].replace(" ", "-"),
        status,
        rows,
    )


def _seconds(value: float | None) -> str:
    return f"{value:.2f}s" if value is not None else ""


def _step(step: _Step) -> Html:
    detail = html('<div class="problem">{}</div>', step.detail) if step.detail else ""
    undo = f"{step.undo} {_seconds(step.undo_duration)}".strip()
    row = html(
        '<tr class="step outcome-{}" data-step="{}"><td>{}{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td><td>{}</td></tr>",
        step.outcome.replace(" ", "-"),
        step.name,
        step.name,
        detail,
        step.host or "",
        step.outcome,
        _seconds(step.duration),
        undo,
    )
    if not step.log:
        return row
    return html(
        '{}<tr class="log"><td colspan="5"><pre>{}</pre></td></tr>', row, "\n".join(step.log)
    )
