"""Cancelling a job: a request recorded in the store that the job's runner honours, or, when
no runner holds the job any more, an undo the canceller runs itself."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.provision import Caller
from handlers.queries import find_job
from handlers.requests import CancelJob
from provisioning.jobs.liveness import interrupted
from provisioning.ports import AuditLog, JobStore
from provisioning.records import JobRecord, JournalEntry, StepEvent


class CancelStore(JobStore, AuditLog, Protocol):
    """What cancelling needs from the store."""


class Next(enum.Enum):
    """Who undoes the job now that its cancel is recorded."""

    ITS_RUNNER = "its-runner"  # a live runner holds it and sees the request
    CALLER = "caller"  # nobody holds it: the caller takes it and runs the undo
    NOTHING = "nothing"  # it had finished already


@dataclass(frozen=True)
class Cancel:
    job: JobRecord
    next: Next

    @property
    def accepted(self) -> bool:
        return self.next is not Next.NOTHING

    def text(self) -> str:
        """What happens next, in the words every front end uses."""
        job = self.job
        if self.next is Next.NOTHING:
            return already(job)
        if self.next is Next.CALLER:
            return (
                f"job {job.id}: cancel requested; no runner holds it (interrupted while "
                f"{job.state.value}), so it is undone here now"
            )
        return f"job {job.id}: cancel requested; its runner stops and undoes it"


async def cancel_job(
    store: CancelStore, request: CancelJob, caller: Caller, now: datetime
) -> Cancel:
    """Record the request and say who acts on it.

    A runner holding the job (here or a replica) sees the request between steps or at its
    next lease renewal. An interrupted job has no runner to see it: ``Next.CALLER`` tells
    the caller to run the job itself, which then undoes it (see ``JobRunner.run``).
    """
    job = await find_job(store, request.job_id)
    accepted = await store.request_cancel(job.id)
    if not accepted:
        job = await store.get_job(job.id)  # it may have finished since it was read
        outcome = Cancel(job, Next.NOTHING)
    else:
        outcome = Cancel(job, Next.CALLER if interrupted(job, now) else Next.ITS_RUNNER)
    detail = f"job {job.id}" + ("" if accepted else f" already {job.state.value}")
    await store.audit(caller.entry("cancel-requested" if accepted else "no-op", detail))
    return outcome


def already(job: JobRecord) -> str:
    """What asking a finished job to do more (cancel it, resume it) is told."""
    return f"job {job.id} already {job.state.value}"


def undo_failures(journal: list[JournalEntry]) -> list[str]:
    """Steps whose latest undo failed: what a cancel left for someone to clean up."""
    last: dict[int, JournalEntry] = {}
    for entry in journal:
        if entry.event in (StepEvent.UNDONE, StepEvent.UNDO_FAILED):
            last[entry.step_index] = entry
    return [f"{e.lane}:{e.step}" for e in last.values() if e.event is StepEvent.UNDO_FAILED]
