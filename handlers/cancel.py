"""Cancelling a job: a request recorded in the store that the job's runner honours."""

from __future__ import annotations

from typing import Protocol

from handlers.provision import Caller
from handlers.requests import CancelJob
from provisioning.ports import AuditLog, JobStore
from provisioning.records import JobRecord


class CancelStore(JobStore, AuditLog, Protocol):
    """What cancelling needs from the store."""


async def cancel_job(
    store: CancelStore, request: CancelJob, caller: Caller
) -> tuple[JobRecord, bool]:
    """Ask the job to stop and undo; also returns False when it had already finished.

    Whichever runner holds the job (here or a replica) sees the request between steps or at
    its next lease renewal, so this works without reaching the process running it.
    """
    job = await store.get_job(request.job_id)
    accepted = await store.request_cancel(job.id)
    outcome = "cancel-requested" if accepted else "no-op"
    detail = f"job {job.id}" + ("" if accepted else f" already {job.state.value}")
    await store.audit(caller.entry(outcome, detail))
    return job, accepted
