"""Telling what happens to a job twice: in the journal, the truth a resume reads back, and on
the bus, what people watch. Journal first, so an event never announces what the store lacks."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Literal

from provisioning.jobs.events import (
    JobFinished,
    JobStarted,
    ProgressBus,
    StepFinished,
    StepLog,
    StepStarted,
    StepUndone,
    UndoStarted,
)
from provisioning.jobs.steps import Step, StepContext
from provisioning.ports import JobStore
from provisioning.records import JobRecord, JobState, JournalEntry, StepEvent

log = logging.getLogger("bob.jobs")

Outcome = Literal["succeeded", "failed", "skipped"]
_OUTCOME_EVENT = {
    "succeeded": StepEvent.SUCCEEDED,
    "failed": StepEvent.FAILED,
    "skipped": StepEvent.SKIPPED,
}


class Reporter:
    """Journal entries, events and log lines for one job."""

    def __init__(
        self, job: JobRecord, steps: list[Step], store: JobStore, bus: ProgressBus
    ) -> None:
        self._job = job
        self._steps = steps
        self._store = store
        self._bus = bus

    async def journal(
        self,
        index: int,
        event: StepEvent,
        *,
        began: float | None = None,
        detail: str | None = None,
    ) -> None:
        step = self._steps[index]
        await self._store.append_journal(
            JournalEntry(
                job_id=self._job.id,
                step_index=index,
                step=step.name,
                lane=step.lane,
                host=step.host,
                event=event,
                at=datetime.now(UTC),
                duration_s=None if began is None else time.monotonic() - began,
                detail=detail,
            )
        )

    async def job_started(self, lanes: tuple[str, ...], resumed: bool) -> None:
        job = self._job
        log.info(
            "job.started job=%s kind=%s steps=%d lanes=%d resumed=%s",
            job.id,
            job.kind,
            len(self._steps),
            len(lanes),
            resumed,
        )
        await self._bus.publish(
            JobStarted(
                job_id=job.id,
                kind=job.kind,
                lanes=lanes,
                total_steps=len(self._steps),
                resumed=resumed,
            )
        )

    async def step_started(self, index: int, *, journal: bool = True) -> None:
        """``journal=False`` when re-checking a step whose STARTED entry is already there."""
        step = self._steps[index]
        if journal:
            await self.journal(index, StepEvent.STARTED)
        log.info(
            "step.started job=%s step=%s lane=%s host=%s index=%d",
            self._job.id,
            step.name,
            step.lane,
            step.host,
            index,
        )
        await self._bus.publish(
            StepStarted(
                job_id=self._job.id, step=step.name, lane=step.lane, host=step.host, index=index
            )
        )

    async def step_finished(
        self,
        index: int,
        outcome: Outcome,
        began: float,
        detail: str | None = None,
        *,
        blame: str | None = None,
    ) -> None:
        step = self._steps[index]
        await self.journal(index, _OUTCOME_EVENT[outcome], began=began, detail=detail)
        duration = time.monotonic() - began
        # INFO whatever the outcome: a failed step is the job's news, which its progress, its
        # journal and its outcome report; the log (stderr, warnings only by default) is not
        # where a user should read it twice.
        log.info(
            "step.finished job=%s step=%s lane=%s host=%s outcome=%s duration_s=%.3f detail=%s",
            self._job.id,
            step.name,
            step.lane,
            step.host,
            outcome,
            duration,
            detail,
        )
        await self._bus.publish(
            StepFinished(
                job_id=self._job.id,
                step=step.name,
                lane=step.lane,
                host=step.host,
                index=index,
                outcome=outcome,
                duration_s=duration,
                error=detail if outcome == "failed" else None,
                blame=blame,
            )
        )

    async def log_line(self, ctx: StepContext, line: str) -> None:
        await self.journal(ctx.index, StepEvent.LOG, detail=line)
        await self._bus.publish(
            StepLog(job_id=self._job.id, step=ctx.step, lane=ctx.lane, line=line)
        )

    async def undo_started(self, reason: str) -> None:
        log.info("job.undoing job=%s reason=%s", self._job.id, reason)
        await self._bus.publish(UndoStarted(job_id=self._job.id, reason=reason))

    async def step_undo_began(self, index: int) -> None:
        await self.journal(index, StepEvent.UNDO_STARTED)

    async def step_undone(self, index: int, began: float, error: str | None) -> None:
        step = self._steps[index]
        event = StepEvent.UNDONE if error is None else StepEvent.UNDO_FAILED
        await self.journal(index, event, began=began, detail=error)
        if error is None:
            log.info("step.undone job=%s step=%s lane=%s", self._job.id, step.name, step.lane)
        else:
            log.error(
                "step.undo_failed job=%s step=%s lane=%s host=%s detail=%s",
                self._job.id,
                step.name,
                step.lane,
                step.host,
                error,
            )
        await self._bus.publish(
            StepUndone(
                job_id=self._job.id, step=step.name, lane=step.lane, ok=error is None, error=error
            )
        )

    async def job_finished(self, state: JobState, error: str | None, duration: float) -> None:
        log.info(
            "job.finished job=%s state=%s duration_s=%.3f error=%s",
            self._job.id,
            state,
            duration,
            error,
        )
        await self._bus.publish(
            JobFinished(job_id=self._job.id, state=state, error=error, duration_s=duration)
        )
