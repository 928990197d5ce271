"""The job runner: submit, claim, run, cancel and resume jobs, holding a lease while it works."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

from provisioning import logfields
from provisioning.jobs.errors import JobNotClaimed, LeaseLost, UnknownJobKind
from provisioning.jobs.events import JobFinished, ProgressBus
from provisioning.jobs.execution import JobExecution
from provisioning.jobs.failures import CANCEL_REQUESTED, describe_error
from provisioning.jobs.limits import HostSlots
from provisioning.jobs.registry import JobFactory, JobKinds
from provisioning.jobs.replay import replay
from provisioning.ports import JobStore
from provisioning.records import JobRecord, JobState

log = logging.getLogger("bob.jobs")


def unique_owner(prefix: str = "bob") -> str:
    """A lease owner name no other process uses, now or after a restart of this one.

    Two replicas must never share an owner name: the store lets an owner re-claim its own
    job at once, which is only safe for the process that really holds it.
    """
    return f"{prefix}@{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class _Running:
    """A job this runner is working on (claimed, or about to be)."""

    execution: JobExecution | None = None
    lease_lost: bool = False


class JobRunner:
    """Runs jobs from the store, one lease per job, so several replicas can share a store.

    A job is claimed with a lease that a background task renews every third of its length
    while the job runs. If this process dies the lease runs out and any replica's
    :meth:`resume_unfinished` picks the job up from its journal.
    """

    def __init__(
        self,
        store: JobStore,
        kinds: JobKinds,
        bus: ProgressBus,
        *,
        owner: str,
        per_host_limit: int = 4,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        self._store = store
        self._kinds = kinds
        self._bus = bus
        self.owner = owner
        self._lease = lease
        self._slots = HostSlots(per_host_limit)
        self._running: dict[str, _Running] = {}

    async def run(self, job_id: str) -> JobRecord:
        """Claim the job and carry it through to the end; the returned record's state tells.

        Raises JobNotClaimed when the job is finished or another owner holds a live lease,
        UnknownJobKind when no factory is registered for it (nothing is claimed then), and
        LeaseLost when another owner took the job over mid-run. If the call is cancelled the
        job is left as a crash would leave it, and its lease is released for a quick resume.
        """
        if job_id in self._running:
            raise JobNotClaimed(f"job {job_id} is already running here", job_id=job_id)
        running = self._running[job_id] = _Running()
        try:
            return await self._claim_and_run(job_id, running)
        finally:
            del self._running[job_id]

    async def resume_unfinished(self) -> list[JobRecord]:
        """Claim and finish every unfinished job that no live owner holds.

        Jobs another replica is running are skipped. Returns the final records of the jobs
        run here.
        """
        jobs = [j for j in await self._store.unfinished_jobs() if j.id not in self._running]
        results = await asyncio.gather(
            *(self._resume_one(job) for job in jobs), return_exceptions=True
        )
        finished: list[JobRecord] = []
        failures: list[BaseException] = []
        for result in results:
            if isinstance(result, JobRecord):
                finished.append(result)
            elif isinstance(result, BaseException):
                failures.append(result)
        if failures:
            raise failures[0]
        return finished

    async def cancel(self, job_id: str) -> bool:
        """Ask for the job to stop and be undone; False when it is already finished.

        The request is recorded in the store, so the replica running the job sees it between
        steps or at its next lease renewal; if the job runs here, its steps stop right away.
        """
        requested = await self._store.request_cancel(job_id)
        running = self._running.get(job_id)
        if running is not None and running.execution is not None:
            running.execution.abort(CANCEL_REQUESTED)
        log.info("job.cancel_requested job=%s accepted=%s", job_id, requested)
        return requested

    # -- internals ----------------------------------------------------------------------------

    async def _resume_one(self, job: JobRecord) -> JobRecord | None:
        try:
            return await self.run(job.id)
        except JobNotClaimed as exc:
            log.info("job.resume_skipped job=%s reason=%s", job.id, exc)
        except UnknownJobKind as exc:
            # Perhaps a newer replica knows the kind; leave the job for it.
            log.warning("job.resume_skipped job=%s reason=%s", job.id, exc)
        except LeaseLost as exc:
            log.warning("job.resume_lost job=%s reason=%s", job.id, exc)
        return None

    async def _claim_and_run(self, job_id: str, running: _Running) -> JobRecord:
        # Every record logged while the job is held here names it: its heartbeat's too.
        with logfields.bound(job=job_id):
            return await self._claim_and_run_bound(job_id, running)

    async def _claim_and_run_bound(self, job_id: str, running: _Running) -> JobRecord:
        job = await self._store.get_job(job_id)
        factory = self._kinds.factory(job.kind)
        claimed = await self._store.claim_job(job_id, self.owner, self._lease)
        if claimed is None:
            raise JobNotClaimed(_why_not_claimed(await self._store.get_job(job_id)), job_id=job_id)
        log.info("job.claimed job=%s owner=%s state=%s", job_id, self.owner, claimed.state)
        drive = asyncio.create_task(self._drive(claimed, factory, running))
        heartbeat = asyncio.create_task(self._heartbeat(job_id, running, drive))
        try:
            await drive
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if running.lease_lost and (current is None or not current.cancelling()):
                raise LeaseLost(
                    f"job {job_id} was taken over by another owner; stopped here",
                    job_id=job_id,
                ) from None
            raise
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            if not _completed(drive):
                await self._release(job_id)
        return await self._store.get_job(job_id)

    async def _drive(self, job: JobRecord, factory: JobFactory, running: _Running) -> None:
        journal = await self._store.journal(job.id)
        try:
            definition = factory(job)
            progress = replay(job.id, definition, journal)
        except Exception as exc:
            # The params or the journal cannot change, so retrying would fail the same way.
            error = f"cannot rebuild the job's steps: {describe_error(exc)}"
            log.error("job.unbuildable job=%s error=%s", job.id, error)
            await self._store.set_job_state(job.id, JobState.FAILED, error=error)
            await self._bus.publish(
                JobFinished(job_id=job.id, state=JobState.FAILED, error=error, duration_s=0.0)
            )
            return
        execution = JobExecution(
            job=job,
            definition=definition,
            progress=progress,
            store=self._store,
            bus=self._bus,
            slots=self._slots,
        )
        running.execution = execution
        await execution.execute()

    async def _heartbeat(self, job_id: str, running: _Running, drive: asyncio.Task[None]) -> None:
        interval = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await self._store.renew_lease(job_id, self.owner, self._lease)
                job = await self._store.get_job(job_id)
            except Exception:
                # Transient store trouble: the lease has two more intervals to be renewed.
                log.warning("job.lease_renew_failed job=%s", job_id, exc_info=True)
                continue
            if job.state.finished:
                return
            if not renewed and job.owner != self.owner:
                log.error("job.lease_lost job=%s new_owner=%s", job_id, job.owner)
                running.lease_lost = True
                drive.cancel()
                return
            if job.cancel_requested and running.execution is not None:
                # A cancel from another process stops even a long step, not just the next one.
                running.execution.abort(CANCEL_REQUESTED)

    async def _release(self, job_id: str) -> None:
        """Let another replica resume at once instead of waiting for the lease to run out."""
        try:
            # A zero lease is an expired one; the store only renews it if we are the owner.
            await self._store.renew_lease(job_id, self.owner, timedelta(0))
        except Exception:
            log.warning("job.lease_release_failed job=%s", job_id, exc_info=True)


def _completed(task: asyncio.Task[None]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def _why_not_claimed(job: JobRecord) -> str:
    if job.state.finished:
        return f"job {job.id} is already {job.state}"
    return f"job {job.id} is held by {job.owner} until {job.lease_expires_at}"
