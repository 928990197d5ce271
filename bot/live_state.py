"""Where a followed job stands, lane by lane, folded from its progress events.

What the live table draws and the end-of-job summary tells: each lane (a Bob, or a group of
hosts for a base rebuild) with the host it works on, its current step and how long it has run,
the job's share of steps done, and each failure with its lane, host and step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

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

# The job kinds that have a lane per Bob, named after it.
BOB_KINDS = frozenset({"create", "destroy", "attach", "detach"})
LaneState = Literal[
    "waiting", "running", "done", "failed", "undoing", "rolled back", "undo failed", "stopped"
]


@dataclass
class Lane:
    name: str
    host: str | None = None
    step: str | None = None  # the step running now, else the last one that ran
    state: LaneState = "waiting"
    started: datetime | None = None
    ended: datetime | None = None
    output: str = ""  # the last line the running step's command printed

    def elapsed_s(self, now: datetime) -> float:
        if self.started is None:
            return 0.0
        return ((self.ended or now) - self.started).total_seconds()


@dataclass(frozen=True)
class Failure:
    lane: str
    host: str | None
    step: str
    error: str


@dataclass
class JobProgress:
    job_id: str
    kind: str
    total_steps: int
    resumed: bool
    lanes: dict[str, Lane]
    steps_done: int = 0
    undoing: str | None = None  # why the job is rolling back, once it is
    failures: list[Failure] = field(default_factory=list)
    finished: JobFinished | None = None

    @classmethod
    def starting(cls, event: JobStarted) -> JobProgress:
        return cls(
            job_id=event.job_id,
            kind=event.kind,
            total_steps=event.total_steps,
            resumed=event.resumed,
            lanes={name: Lane(name) for name in event.lanes},
        )

    @property
    def lanes_are_bobs(self) -> bool:
        """Whether each lane is one Bob (a base rebuild's lanes are groups of hosts)."""
        return self.kind in BOB_KINDS

    def lane(self, name: str) -> Lane:
        return self.lanes.setdefault(name, Lane(name))

    def apply(self, event: Event) -> None:
        """Fold one of this job's events in."""
        if isinstance(event, StepStarted):
            lane = self.lane(event.lane)
            # A local step (reserve, dns, …) names no host: the lane stays where it works.
            lane.host = event.host or lane.host
            lane.step, lane.state, lane.output = event.step, "running", ""
            lane.started = lane.started or event.at
            lane.ended = None
        elif isinstance(event, StepFinished):
            self._step_finished(event)
        elif isinstance(event, StepLog):
            lines = [line for line in event.line.splitlines() if line.strip()]
            if lines:
                self.lane(event.lane).output = lines[-1]
        elif isinstance(event, UndoStarted):
            self.undoing = event.reason
        elif isinstance(event, StepUndone):
            self._undone(event)
        elif isinstance(event, JobFinished):
            self.finished = event
            for lane in self.lanes.values():
                if lane.state == "undoing":
                    lane.state = "rolled back"

    def stop(self, at: datetime) -> None:
        """Bob stops following the job midway: the steps under way stop where they stand."""
        for lane in self.lanes.values():
            if lane.state == "running":
                lane.state, lane.ended = "stopped", at

    def _undone(self, event: StepUndone) -> None:
        lane = self.lane(event.lane)
        lane.ended = event.at
        if lane.state == "undo failed":  # the lane stays at the undo that failed
            return
        lane.step, lane.state = event.step, "undoing" if event.ok else "undo failed"
        if not event.ok:  # what it kept stays behind: told with the failures
            failure = Failure(event.lane, lane.host, f"undo {event.step}", event.error or "")
            self.failures.append(failure)

    def _step_finished(self, event: StepFinished) -> None:
        lane = self.lane(event.lane)
        lane.host = event.host or lane.host
        lane.step, lane.ended = event.step, event.at
        lane.started = lane.started or event.at
        self.steps_done += 1
        if event.outcome == "failed":
            lane.state = "failed"
            self.failures.append(Failure(event.lane, event.host, event.step, event.error or ""))
        else:
            # Done for now: the lane's next step, if it has one, sets it running again (the
            # events tell the job's step count, not each lane's).
            lane.state = "done"


def now() -> datetime:
    return datetime.now(UTC)
