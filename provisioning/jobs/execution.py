"""One claimed job, carried out: lanes of steps, journaled, then undone if anything went wrong."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from provisioning import logfields
from provisioning.errors import StepTimeout
from provisioning.jobs.events import ProgressBus
from provisioning.jobs.failures import CANCEL_REQUESTED, Abort, describe_error
from provisioning.jobs.limits import HostSlots
from provisioning.jobs.replay import CANCELLED_DETAIL, Replay
from provisioning.jobs.reporter import Reporter
from provisioning.jobs.steps import JobDefinition, StepContext
from provisioning.ports import JobStore
from provisioning.records import JobRecord, JobState, StepEvent

log = logging.getLogger("bob.jobs")

T = TypeVar("T")
SKIPPED_ON_RESUME = "already done (found on resume)"


class JobExecution:
    """Runs a job the caller has claimed, from wherever its journal says it stands."""

    def __init__(
        self,
        *,
        job: JobRecord,
        definition: JobDefinition,
        progress: Replay,
        store: JobStore,
        bus: ProgressBus,
        slots: HostSlots,
    ) -> None:
        self.job = job
        self._definition = definition
        self._steps = definition.steps
        self._progress = progress
        self._store = store
        self._slots = slots
        self._report = Reporter(job, definition.steps, store, bus)
        self._aborted = asyncio.Event()
        self.abort_reason: Abort | None = None
        self._interrupted: list[str] = []
        # Lanes that failed on their own (``lanes_fail="alone"``): lane → why.
        self._failed_lanes: dict[str, str] = {}

    @property
    def _alone(self) -> bool:
        return self._definition.lanes_fail == "alone"

    def abort(self, why: Abort) -> None:
        """Stop every lane: in-flight steps are cancelled, no new step starts.

        The first reason wins; the job is then undone.
        """
        if self.abort_reason is None:
            self.abort_reason = why
            log.info("job.aborting job=%s reason=%s", self.job.id, why.reason)
        self._aborted.set()

    async def execute(self) -> None:
        # Every record logged under the job names it; its lanes and steps add their own fields.
        with logfields.bound(job=self.job.id):
            await self._execute()

    async def _execute(self) -> None:
        started = time.monotonic()
        lanes = self._definition.lanes
        await self._report.job_started(tuple(lanes), resumed=self.job.state is not JobState.PENDING)
        why = self._undo_on_resume()
        if why is None:
            if self.job.state is not JobState.RUNNING:
                await self._store.set_job_state(self.job.id, JobState.RUNNING)
            async with asyncio.TaskGroup() as lanes_group:
                for lane, indices in lanes.items():
                    lanes_group.create_task(self._lane(lane, indices), name=f"lane {lane}")
            why = self.abort_reason
        if why is None and self._failed_lanes:
            why = Abort(self._lanes_failed(len(lanes)))
            error = await self._undo(why, only=set(self._failed_lanes))
            await self._finish(JobState.FAILED, error, started)
            return
        if why is None:
            await self._finish(JobState.SUCCEEDED, None, started)
            return
        only = None
        if self.job.state is JobState.UNDOING and self._alone and not why.cancelled:
            only = self._failed_in_journal()  # a resumed undo of lanes that failed alone
        error = await self._undo(why, only=only)
        await self._finish(JobState.CANCELLED if why.cancelled else JobState.FAILED, error, started)

    def _undo_on_resume(self) -> Abort | None:
        """After a crash, whether the job must be undone rather than continued."""
        job = self.job
        if job.state is JobState.UNDOING:
            return Abort(job.error or "resumed an interrupted undo", job.cancel_requested)
        if job.cancel_requested:
            return CANCEL_REQUESTED  # a cancelled job is undone, never carried on
        if job.state is not JobState.RUNNING:
            return None
        failed = self._progress.first_failure
        if failed is not None:
            # The crash came after a step failed but before the undo was under way.
            detail = self._progress.steps[failed].detail
            if detail == CANCELLED_DETAIL:
                return Abort(f"cancelled; {self._steps[failed].describe()} was interrupted", True)
            if not self._alone:
                return Abort(f"{self._steps[failed].describe()} failed: {detail}")
            # Lanes fail alone: the failed lanes stay failed (see _lane), the others go on.
        if self._definition.on_resume == "undo":
            return Abort(
                "interrupted by a crash or restart; undone as its on_resume policy asks",
                job.cancel_requested,
            )
        return None

    # -- running steps ------------------------------------------------------------------------

    def _failed_in_journal(self) -> set[str]:
        """The lanes with a step that failed (not one stopped by an abort)."""
        return {
            self._steps[i].lane
            for i, p in enumerate(self._progress.steps)
            if p.applied is StepEvent.FAILED and p.detail != CANCELLED_DETAIL
        }

    def _lanes_failed(self, total: int) -> str:
        failed = self._failed_lanes
        reasons = "; ".join(failed[lane] for lane in sorted(failed))
        return f"{len(failed)} of {total} lanes failed (the others finished): {reasons}"

    async def _lane(self, lane: str, indices: list[int]) -> None:
        with logfields.bound(lane=lane):
            await self._run_lane(lane, indices)

    async def _run_lane(self, lane: str, indices: list[int]) -> None:
        current: int | None = None
        try:
            for current in indices:
                progress = self._progress.steps[current]
                if progress.done:
                    continue
                if progress.applied is StepEvent.FAILED:
                    # Resumed after a crash: this lane had failed on its own (lanes fail alone).
                    where = self._steps[current].describe()
                    self._failed_lanes[lane] = f"{where} failed: {progress.detail}"
                    return
                if not await self._may_start() or not await self._step(current):
                    return
        except Exception as exc:
            # The store failed mid-step: treat it as the step failing, so the job (or, when
            # lanes fail alone, the lane) is undone.
            where = self._steps[current].describe() if current is not None else f"lane {lane}"
            log.exception("lane.error job=%s lane=%s", self.job.id, lane)
            reason = f"{where} failed: {describe_error(exc)}"
            if self._alone:
                self._failed_lanes[lane] = reason
            else:
                self.abort(Abort(reason))

    async def _may_start(self) -> bool:
        if self.abort_reason is not None:
            return False
        # Asking the store between steps is what lets a cancel from another process stop us.
        if (await self._store.get_job(self.job.id)).cancel_requested:
            self.abort(CANCEL_REQUESTED)
            return False
        return True

    async def _step(self, index: int) -> bool:
        """Run one step under its host's limit; False when the lane must stop."""
        with self._log_fields(index):
            return await self._step_bound(index)

    async def _step_bound(self, index: int) -> bool:
        semaphore = self._slots.semaphore(self._steps[index].host)
        if semaphore is not None and await self._unless_aborted(semaphore.acquire()) is None:
            return False
        try:
            if self.abort_reason is not None:
                return False
            if self._progress.steps[index].interrupted:
                found = await self._recheck(index)
                if found is None:  # the check failed, or the job was aborted meanwhile
                    return False
                if found:
                    return True
                return await self._apply(index, announce=False)
            return await self._apply(index, announce=True)
        finally:
            if semaphore is not None:
                semaphore.release()

    async def _recheck(self, index: int) -> bool | None:
        """Ask an interrupted step whether its effect is in place; None if the lane must stop."""
        await self._report.step_started(index, journal=False)
        began = time.monotonic()
        task = await self._unless_aborted(self._bounded(index, self._settled_check, "check"))
        if task is None or task.exception() is not None:
            await self._failed(index, began, _error(task), prefix="check failed: ")
            return None
        if not task.result():
            return False
        self._progress.steps[index].applied = StepEvent.SKIPPED
        await self._report.step_finished(index, "skipped", began, SKIPPED_ON_RESUME)
        return True

    async def _settled_check(self, ctx: StepContext) -> bool:
        step = self._steps[ctx.index]
        await step.settle(ctx)
        return await step.check(ctx)

    async def _apply(self, index: int, *, announce: bool) -> bool:
        # Noted before the journal write: if that write fails the step is still undone.
        self._progress.mark_started(index)
        if announce:
            await self._report.step_started(index)
        else:
            await self._report.journal(index, StepEvent.STARTED)
        began = time.monotonic()
        task = await self._unless_aborted(self._bounded(index, self._steps[index].apply, "apply"))
        if task is None or task.exception() is not None:
            await self._failed(index, began, _error(task))
            return False
        self._progress.steps[index].applied = StepEvent.SUCCEEDED
        await self._report.step_finished(index, "succeeded", began)
        return True

    async def _failed(
        self, index: int, began: float, exc: BaseException | None, *, prefix: str = ""
    ) -> None:
        """Record a failed step (``exc``) or an aborted one (None); a failure aborts the job."""
        step = self._steps[index]
        detail = CANCELLED_DETAIL if exc is None else prefix + describe_error(exc)
        self._progress.steps[index].applied = StepEvent.FAILED
        await self._report.step_finished(
            index, "failed", began, detail, blame=getattr(exc, "blame", None)
        )
        if exc is None:
            self._interrupted.append(step.describe())
        elif self._alone:
            self._failed_lanes[step.lane] = f"{step.describe()} failed: {detail}"
        else:
            self.abort(Abort(f"{step.describe()} failed: {detail}"))

    async def _bounded(
        self, index: int, call: Callable[[StepContext], Awaitable[T]], what: str
    ) -> T:
        step = self._steps[index]
        deadline = asyncio.timeout(step.timeout)
        try:
            async with deadline:
                return await call(self._context(index))
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # the step's own timeout (a socket, a command), reported as it is
            raise StepTimeout(
                f"{what} of step {step.name!r} timed out after {step.timeout:g} s",
                job_id=self.job.id,
                step=step.name,
            ) from exc

    async def _unless_aborted(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T] | None:
        """Run ``work`` until it ends or the job is aborted; None if the abort came first.

        The finished task is returned so the caller reads its result or exception. ``work``
        is over (finished or cancelled) when this returns, so an aborted step is never still
        running while the job undoes it.
        """
        task = asyncio.ensure_future(work)
        aborted = asyncio.ensure_future(self._aborted.wait())
        try:
            await asyncio.wait({task, aborted}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            aborted.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        return None if task.cancelled() else task

    def _log_fields(self, index: int) -> AbstractContextManager[None]:
        step = self._steps[index]
        return logfields.bound(step=step.name, lane=step.lane, **step.log_fields())

    def _context(self, index: int) -> StepContext:
        step = self._steps[index]
        return StepContext(
            job=self.job,
            step=step.name,
            index=index,
            lane=step.lane,
            host=step.host,
            sink=self._report.log_line,
        )

    # -- undoing and finishing ----------------------------------------------------------------

    async def _undo(self, why: Abort, *, only: set[str] | None = None) -> str:
        """Undo every started step, and every step in effect from submission; returns the error.

        ``only``: the lanes to undo (those that failed alone); the others' work stands.

        Lanes are undone at the same time, each from its last started step back. A lane stops
        at its first undo that fails: its earlier steps made what the failed one still uses (a
        container keeps its address, name and slot), so they stay held and the error says so.
        """
        error = why.reason
        if why.cancelled and self._interrupted:
            error += f" (interrupted {', '.join(self._interrupted)})"
        # The reason is stored now so a resumed undo can still tell why the job failed.
        await self._store.set_job_state(self.job.id, JobState.UNDOING, error=error)
        await self._report.undo_started(error)
        lanes: dict[str, list[int]] = {}
        for index in self._progress.to_undo():
            if only is not None and self._steps[index].lane not in only:
                continue
            lanes.setdefault(self._steps[index].lane, []).append(index)
        # Every lane runs to its end even if another one's store write fails; then that raises.
        results = await asyncio.gather(
            *(self._undo_lane(indices) for indices in lanes.values()), return_exceptions=True
        )
        failures: list[str] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            if result is not None:
                failures.append(result)
        if failures:
            error += f"; undo failed for {'; '.join(failures)} — clean up by hand"
        return error

    async def _undo_lane(self, indices: list[int]) -> str | None:
        """Undo one lane's steps, latest first, up to the first failure, which is returned."""
        for position, index in enumerate(indices):
            failure = await self._undo_step(index)
            if failure is None:
                continue
            kept = indices[position + 1 :]
            if not kept:
                return failure
            names = ", ".join(repr(self._steps[i].name) for i in kept)
            note = f"not undone, kept for what {self._steps[index].name!r} left: {names}"
            await self._report.log_line(self._context(index), note)
            return f"{failure} ({note})"
        return None

    async def _undo_step(self, index: int) -> str | None:
        """Undo one step, never raising: a failure is returned so the other undos still run."""
        with self._log_fields(index):
            return await self._undo_step_bound(index)

    async def _undo_step_bound(self, index: int) -> str | None:
        step = self._steps[index]
        await self._report.step_undo_began(index)
        began = time.monotonic()
        try:
            async with self._slots.hold(step.host):
                if self._progress.steps[index].interrupted:
                    await self._bounded(index, step.settle, "undo")
                await self._bounded(index, step.undo, "undo")
        except Exception as exc:
            detail = describe_error(exc)
            await self._report.step_undone(index, began, detail)
            return f"{step.describe()}: {detail}"
        self._progress.steps[index].undo = StepEvent.UNDONE
        await self._report.step_undone(index, began, None)
        return None

    async def _finish(self, state: JobState, error: str | None, started: float) -> None:
        await self._store.set_job_state(self.job.id, state, error=error)
        await self._report.job_finished(state, error, time.monotonic() - started)


def _error(task: asyncio.Task[Any] | None) -> BaseException | None:
    """What a step raised; None when it was cancelled by an abort."""
    return None if task is None else task.exception()
