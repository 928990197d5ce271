"""Whether anyone is working on a job: an unfinished job that no runner holds is interrupted.

The store keeps what the last runner wrote (``running``, ``undoing``); only the lease says
whether that runner is still there. Everything that shows or acts on a job's status reads it
through :func:`job_status`, so the CLI, the board, Slack and reconcile agree.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from provisioning.records import JobRecord, JobState

# A job nobody has claimed yet may be one submitted a moment ago whose runner is about to
# claim it; only after this long is it taken for left behind.
UNCLAIMED_GRACE = timedelta(seconds=60)


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    UNDOING = "undoing"
    INTERRUPTED = "interrupted"  # unfinished, and no runner holds it: resume or cancel it
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


def held(job: JobRecord, now: datetime) -> bool:
    """A runner holds the job: its lease has not run out."""
    return job.lease_expires_at is not None and job.lease_expires_at > now


def job_status(job: JobRecord, now: datetime) -> JobStatus:
    """The job's state as stored, except that an unfinished job whose lease ran out (or that
    nobody claimed within :data:`UNCLAIMED_GRACE`) is ``interrupted``."""
    if job.state.finished or held(job, now):
        return JobStatus(job.state.value)
    unclaimed = job.lease_expires_at is None and job.state is JobState.PENDING
    if unclaimed and now < job.created_at + UNCLAIMED_GRACE:
        return JobStatus.PENDING
    return JobStatus.INTERRUPTED


def interrupted(job: JobRecord, now: datetime) -> bool:
    return job_status(job, now) is JobStatus.INTERRUPTED
