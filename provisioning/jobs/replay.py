"""Where a job stands, read back from its journal: the runner's memory after a crash."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from provisioning.errors import JobError
from provisioning.jobs.steps import JobDefinition
from provisioning.records import JournalEntry, StepEvent

# The detail of a FAILED entry for a step stopped because its job was aborted elsewhere.
CANCELLED_DETAIL = "cancelled"

_APPLY = {StepEvent.STARTED, StepEvent.SUCCEEDED, StepEvent.FAILED, StepEvent.SKIPPED}
_UNDO = {StepEvent.UNDO_STARTED, StepEvent.UNDONE, StepEvent.UNDO_FAILED}


@dataclass
class StepProgress:
    """The last apply-side and undo-side events the journal holds for one step."""

    applied: StepEvent | None = None
    undo: StepEvent | None = None
    detail: str | None = None

    @property
    def started(self) -> bool:
        return self.applied is not None

    @property
    def done(self) -> bool:
        return self.applied in (StepEvent.SUCCEEDED, StepEvent.SKIPPED)

    @property
    def interrupted(self) -> bool:
        """Started with no outcome recorded: its effect may be absent, partial or complete."""
        return self.applied is StepEvent.STARTED

    @property
    def undone(self) -> bool:
        return self.undo is StepEvent.UNDONE


@dataclass
class Replay:
    steps: list[StepProgress]
    # Indices in the order their (latest) apply started: undo walks it backwards.
    start_order: list[int] = field(default_factory=list)
    first_failure: int | None = None
    # Steps in effect from the job's submission (Step.from_submission), oldest effects first.
    from_submission: list[int] = field(default_factory=list)

    def note_failure(self, index: int, detail: str | None) -> None:
        # A step that really failed is the reason, not the siblings cancelled because of it,
        # whichever reached the journal first.
        current = self.first_failure
        if current is None or (
            self.steps[current].detail == CANCELLED_DETAIL and detail != CANCELLED_DETAIL
        ):
            self.first_failure = index

    def mark_started(self, index: int) -> None:
        if index in self.start_order:
            self.start_order.remove(index)
        self.start_order.append(index)
        self.steps[index].applied = StepEvent.STARTED

    def to_undo(self) -> list[int]:
        """Started steps, last started first; then what the submission did, which is older."""
        never_started = [i for i in reversed(self.from_submission) if i not in self.start_order]
        order = [*reversed(self.start_order), *never_started]
        return [i for i in order if not self.steps[i].undone]


def replay(job_id: str, definition: JobDefinition, journal: Sequence[JournalEntry]) -> Replay:
    """Fold the journal (in append order) into per-step progress.

    Raises JobError when the journal names steps the definition does not have at that
    position: the factory is not deterministic, and acting on a guess could repeat or skip
    side effects.
    """
    state = Replay(
        steps=[StepProgress() for _ in definition.steps],
        from_submission=[i for i, s in enumerate(definition.steps) if s.from_submission],
    )
    for entry in journal:
        if entry.event is StepEvent.LOG:
            continue
        index = entry.step_index
        if not 0 <= index < len(definition.steps) or definition.steps[index].name != entry.step:
            raise JobError(
                f"journal entry for step {entry.step!r} at position {index} does not match "
                "the job's steps as rebuilt from its params; refusing to guess",
                job_id=job_id,
                step=entry.step,
            )
        progress = state.steps[index]
        if entry.event is StepEvent.STARTED:
            state.mark_started(index)
        elif entry.event in _APPLY:
            progress.applied = entry.event
            progress.detail = entry.detail
            if entry.event is StepEvent.FAILED:
                state.note_failure(index, entry.detail)
        elif entry.event in _UNDO:
            progress.undo = entry.event
    return state
