"""A job's progress as Slack shows it, rebuilt from runner events; no I/O here.

``apply`` returns the thread replies an event deserves (milestones, warnings, failures) so
the caller decides how to deliver them; ``summary`` is the parent message's live text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from provisioning.jobs.events import (
    Event,
    JobFinished,
    JobStarted,
    StepFinished,
    StepLog,
    StepStarted,
    StepUndone,
    UndoStarted,
)
from provisioning.records import JobState

BAR_WIDTH = 20
EXCERPT_CHARS = 600
# A running step's latest log line beside its lane (e.g. a build's output): one line, cut short.
SAID_CHARS = 80


@dataclass
class LaneView:
    """One lane of a job: for create and destroy, one Bob."""

    name: str
    host: str | None = None
    step: str | None = None
    done: int = 0
    failed: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    said: str = ""  # the running step's latest log line

    def status(self, per_lane: int, done_word: str = "ready") -> str:
        if self.failed:
            return f"failed at {self.step}"
        if per_lane and self.done >= per_lane:
            return done_word
        return self.step or "waiting"


@dataclass
class JobView:
    job_id: str
    kind: str = "job"
    lanes: dict[str, LaneView] = field(default_factory=dict)
    total_steps: int = 0
    finished_steps: int = 0
    resumed: bool = False
    state: JobState | None = None
    error: str | None = None
    duration_s: float | None = None
    undone: list[str] = field(default_factory=list)

    @property
    def per_lane(self) -> int:
        return self.total_steps // len(self.lanes) if self.lanes else 0

    @property
    def finished(self) -> bool:
        return self.state is not None

    def apply(self, event: Event) -> list[str]:
        """Update from ``event``; the thread replies it calls for, in order."""
        if isinstance(event, JobStarted):
            self.kind, self.total_steps, self.resumed = event.kind, event.total_steps, event.resumed
            self.lanes = {name: self.lanes.get(name, LaneView(name)) for name in event.lanes}
            return ["resumed after a restart of bob"] if event.resumed else []
        if isinstance(event, StepStarted):
            lane = self._lane(event.lane)
            lane.step, lane.host = event.step, event.host or lane.host
            lane.said = ""
            return []
        if isinstance(event, StepLog):
            # The parent message shows it, so it costs no reply: the thread's edits are already
            # limited to one a second, however fast a build prints.
            lines = [line for line in event.line.split("\n") if line.strip()]
            if lines:
                self._lane(event.lane).said = _cut(lines[-1].strip(), SAID_CHARS)
            return []
        if isinstance(event, StepFinished):
            return self._step_finished(event)
        if isinstance(event, UndoStarted):
            return [f":warning: undoing what was done: {event.reason}"]
        if isinstance(event, StepUndone):
            what = f"{event.lane} {event.step}"
            self.undone.append(what if event.ok else f"{what} (UNDO FAILED: {event.error})")
            return [] if event.ok else [f":warning: could not undo {what}: {event.error}"]
        if isinstance(event, JobFinished):
            self.state, self.error, self.duration_s = event.state, event.error, event.duration_s
            return []
        return []

    def _lane(self, name: str) -> LaneView:
        return self.lanes.setdefault(name, LaneView(name))

    def _step_finished(self, event: StepFinished) -> list[str]:
        lane = self._lane(event.lane)
        lane.step, lane.host = event.step, event.host or lane.host
        lane.timings[event.step] = event.duration_s
        lane.said = ""
        if event.outcome == "failed":
            lane.failed = True
            where = f" on {lane.host}" if lane.host else ""
            excerpt = (event.error or "no error text")[-EXCERPT_CHARS:]
            return [f":x: {lane.name} failed at `{event.step}`{where}:\n```{excerpt}```"]
        lane.done += 1
        self.finished_steps += 1
        if self.per_lane and lane.done == self.per_lane:
            took = sum(lane.timings.values())
            where = f" on {lane.host}" if lane.host else ""
            return [f":white_check_mark: {lane.name} {_done_word(self.kind)}{where} ({took:.1f}s)"]
        return []

    def _status(self, lane: LaneView) -> str:
        return lane.status(self.per_lane, _done_word(self.kind))

    # -- renderings ---------------------------------------------------------------------------

    def headline(self) -> str:
        count = len(self.lanes)
        what = f"{self.kind} of {count} Bob{'s' if count != 1 else ''}" if count else self.kind
        state = self.state.value if self.state else ("running" if self.lanes else "queued")
        return f"job {self.job_id}: {what}, {state}"

    def progress_bar(self) -> str:
        share = self.finished_steps / self.total_steps if self.total_steps else 0.0
        if self.state is JobState.SUCCEEDED:
            share = 1.0
        filled = round(share * BAR_WIDTH)
        return f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {share:4.0%}"

    def lane_lines(self) -> list[str]:
        return [
            f"{lane.name:<10} {self._status(lane):<16} {lane.host or ''}".rstrip()
            + (f"  | {lane.said}" if lane.said and not self.finished else "")
            for lane in self.lanes.values()
        ]

    def summary(self) -> str:
        """The parent message in plain text (also Block Kit's fallback)."""
        lines = [self.headline(), self.progress_bar(), *self.lane_lines()]
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)

    def final_summary(self) -> str:
        """The thread's last reply: outcome, every Bob's outcome and per-step timings."""
        took = f" in {self.duration_s:.1f}s" if self.duration_s is not None else ""
        lines = [f"{self.headline()}{took}"]
        ready = [
            lane.name for lane in self.lanes.values() if self._status(lane) == _done_word(self.kind)
        ]
        if ready and self.state is JobState.SUCCEEDED:
            lines.append(f"{_done_word(self.kind)}: {', '.join(ready)}")
        if self.error:
            lines.append(f"error: {self.error}")
        for lane in self.lanes.values():
            steps = "  ".join(f"{step} {secs:.2f}s" for step, secs in lane.timings.items())
            lines.append(f"{lane.name} ({self._status(lane)}): {steps or 'no steps ran'}")
        if self.undone:
            lines.append(f"undone: {', '.join(self.undone)}")
        return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _done_word(kind: str) -> str:
    return {"create": "ready", "destroy": "destroyed"}.get(kind, "done")
