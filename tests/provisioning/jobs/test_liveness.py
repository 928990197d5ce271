"""A job's status: what its runner stored, unless no runner holds it any more (interrupted)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.jobs.liveness import UNCLAIMED_GRACE, JobStatus, job_status
from provisioning.records import JobRecord, JobState
from tests.provisioning.jobs.scripted import params, step

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def job(
    state: JobState, lease_expires_at: datetime | None, created_at: datetime = NOW
) -> JobRecord:
    return JobRecord(
        id="j1",
        kind="create",
        params={},
        state=state,
        requested_by="cli",
        source="cli",
        created_at=created_at,
        owner=None if lease_expires_at is None else "bob@x:1",
        lease_expires_at=lease_expires_at,
    )


@pytest.mark.parametrize(
    ("state", "lease", "expected"),
    [
        (JobState.RUNNING, NOW + SECOND, JobStatus.RUNNING),
        (JobState.UNDOING, NOW + SECOND, JobStatus.UNDOING),
        (JobState.PENDING, NOW + SECOND, JobStatus.PENDING),  # claimed, not started yet
        (JobState.RUNNING, NOW - SECOND, JobStatus.INTERRUPTED),
        (JobState.RUNNING, NOW, JobStatus.INTERRUPTED),  # a released lease ends now
        (JobState.UNDOING, NOW - SECOND, JobStatus.INTERRUPTED),
        (JobState.PENDING, NOW - SECOND, JobStatus.INTERRUPTED),
        (JobState.SUCCEEDED, None, JobStatus.SUCCEEDED),
        (JobState.FAILED, None, JobStatus.FAILED),
        (JobState.CANCELLED, None, JobStatus.CANCELLED),
    ],
)
def test_an_unfinished_job_is_interrupted_once_its_lease_has_run_out(state, lease, expected):
    assert expected == job_status(job(state, lease), NOW)


def test_a_job_nobody_claimed_is_pending_for_a_grace_period_then_interrupted():
    fresh = job(JobState.PENDING, None, created_at=NOW - UNCLAIMED_GRACE + SECOND)
    left = job(JobState.PENDING, None, created_at=NOW - UNCLAIMED_GRACE)

    assert (JobStatus.PENDING, JobStatus.INTERRUPTED) == (
        job_status(fresh, NOW),
        job_status(left, NOW),
    )


async def test_a_run_stopped_by_ctrl_c_leaves_its_job_interrupted(runner, submit, store, world):
    """The runner gives its lease up when the run is cancelled, so the job reads interrupted
    at once instead of ``running`` until the lease would have run out."""
    submitted = await submit(params(step("clone", block=True)))
    task = asyncio.create_task(runner.run(submitted.id))
    await world.wait_reached("clone")
    assert JobStatus.RUNNING == job_status(await store.get_job(submitted.id), datetime.now(UTC))

    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    after = await store.get_job(submitted.id)
    assert (JobState.RUNNING, JobStatus.INTERRUPTED) == (
        after.state,
        job_status(after, datetime.now(UTC) + timedelta(milliseconds=1)),
    )
