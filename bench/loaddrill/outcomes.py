"""A finished job of the drill, and how its journal reads: where it failed and its undo."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.jobs.replay import CANCELLED_DETAIL
from provisioning.records import JobRecord, JournalEntry, StepEvent


@dataclass
class JobOutcome:
    job: JobRecord  # as it finished (or as submitted, if running it raised)
    hosts: dict[str, str]  # the Bobs it was to create or destroy → their hosts
    journal: list[JournalEntry]
    raised: str | None = None  # the runner raised instead of finishing the job

    @property
    def names(self) -> list[str]:
        return list(self.hosts)

    @property
    def failure(self) -> str | None:
        """Where and why it failed: the first step that really failed, else the job's error."""
        if self.raised is not None:
            return f"the runner raised {self.raised}"
        for entry in self.journal:
            if entry.event is StepEvent.FAILED and entry.detail != CANCELLED_DETAIL:
                return f"{entry.step}@{entry.host}: {first_line(entry.detail)}"
        return first_line(self.job.error) or None

    @property
    def undo_failed(self) -> list[str]:
        return [
            f"{e.step}@{e.host} ({e.lane}): {first_line(e.detail)}"
            for e in self.journal
            if e.event is StepEvent.UNDO_FAILED
        ]

    @property
    def undo_waits(self) -> int:
        """How often a step (an undo, or a destroy step) waited for its host to come back."""
        return sum(
            1 for e in self.journal if e.event is StepEvent.LOG and "again in" in (e.detail or "")
        )

    def durations(self, event: StepEvent = StepEvent.SUCCEEDED) -> dict[str, list[float]]:
        steps: dict[str, list[float]] = {}
        for e in self.journal:
            if e.event is event and e.duration_s is not None:
                steps.setdefault(e.step, []).append(e.duration_s)
        return steps


@dataclass(frozen=True)
class HalfDestroyed:
    """A Bob a failed destroy left recorded as destroying, and what is left of it."""

    name: str
    host: str
    host_went_away: bool  # False: its host stayed up (its lane was cancelled, say)
    container: str | None  # its container's state, None if the container is gone
    findings: tuple[str, ...]  # what the reconciler said about it

    def __str__(self) -> str:
        host = "the host that went away" if self.host_went_away else "its host stayed up"
        container = f"container {self.container}" if self.container else "container gone"
        said = "; ".join(self.findings) or "nothing"
        return f"{self.name} on {self.host} ({host}): record kept, {container}; reconcile: {said}"


def first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""
