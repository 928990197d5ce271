"""An in-memory JobStore with the same rules as SqlStore, for unit tests of what uses the port.

tests/contracts/test_job_store.py holds it and SqlStore to the same assertions.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from provisioning.errors import UsageError
from provisioning.records import JobRecord, JobState, JournalEntry, NewJob


def _now() -> datetime:
    return datetime.now(UTC)


class MemoryJobStore:
    """Implements provisioning.ports.JobStore."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        # The clock leases are given and judged by: a test can stop time to judge them exactly.
        self.clock = clock
        self.jobs: dict[str, JobRecord] = {}
        self.entries: list[JournalEntry] = []
        self.renewals = 0

    async def create_job(self, job: NewJob) -> JobRecord:
        record = JobRecord(
            id=secrets.token_hex(4),
            kind=job.kind,
            params=job.params,
            state=JobState.PENDING,
            requested_by=job.requested_by,
            source=job.source,
            created_at=_now(),
        )
        self.jobs[record.id] = record
        return record

    async def get_job(self, job_id: str) -> JobRecord:
        if job_id not in self.jobs:
            raise UsageError(f"no job with id {job_id!r}")
        return self.jobs[job_id]

    async def job_ids_starting(self, prefix: str, limit: int = 10) -> list[str]:
        return sorted(i for i in self.jobs if i.startswith(prefix))[:limit]

    async def list_jobs(self, limit: int = 20) -> list[JobRecord]:
        return sorted(self.jobs.values(), key=lambda j: j.created_at, reverse=True)[:limit]

    async def unfinished_jobs(self) -> list[JobRecord]:
        return sorted(
            (j for j in self.jobs.values() if not j.state.finished), key=lambda j: j.created_at
        )

    async def claim_job(self, job_id: str, owner: str, lease: timedelta) -> JobRecord | None:
        job = self.jobs.get(job_id)
        if job is None:
            return None
        now = self.clock()
        free = (
            job.owner in (None, owner) or job.lease_expires_at is None or job.lease_expires_at < now
        )
        if job.state.finished or not free:
            return None
        return self._update(job_id, owner=owner, lease_expires_at=now + lease)

    async def renew_lease(self, job_id: str, owner: str, lease: timedelta) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.owner != owner:
            return False
        self.renewals += 1
        self._update(job_id, lease_expires_at=self.clock() + lease)
        return True

    async def set_job_state(
        self, job_id: str, state: JobState, *, error: str | None = None
    ) -> None:
        changes: dict[str, object] = {"state": state}
        if state is JobState.RUNNING:
            # A resumed job keeps the time it first started: durations must span the crash.
            changes["started_at"] = self.jobs[job_id].started_at or _now()
        if state.finished:
            changes.update(finished_at=_now(), owner=None, lease_expires_at=None)
        if error is not None:
            changes["error"] = error
        self._update(job_id, **changes)

    async def request_cancel(self, job_id: str) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.state.finished:
            return False
        self._update(job_id, cancel_requested=True)
        return True

    async def append_journal(self, entry: JournalEntry) -> None:
        self.entries.append(entry)

    async def journal(self, job_id: str) -> list[JournalEntry]:
        return [e for e in self.entries if e.job_id == job_id]

    def _update(self, job_id: str, **changes: object) -> JobRecord:
        self.jobs[job_id] = self.jobs[job_id].model_copy(update=changes)
        return self.jobs[job_id]
