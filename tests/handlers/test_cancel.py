"""Cancel says truthfully who undoes the job: its runner, or (no runner holds it) the caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.cancel import Next, cancel_job
from handlers.provision import Caller
from handlers.requests import CancelJob
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore

CALLER = Caller("alice", "cli", "laptop", "cancel")


@pytest.fixture
async def store(tmp_path):
    opened = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'bob.db'}")
    yield opened
    await opened.close()


async def running_job(store: SqlStore, lease: timedelta) -> str:
    job = await store.create_job(NewJob(kind="create"))
    await store.claim_job(job.id, "bob@elsewhere:1", lease)
    await store.set_job_state(job.id, JobState.RUNNING)
    return job.id


async def test_a_job_whose_runner_is_gone_is_undone_by_the_caller(store):
    job_id = await running_job(store, timedelta(0))

    cancel = await cancel_job(store, CancelJob(job_id=job_id), CALLER, datetime.now(UTC))

    assert (Next.CALLER, True) == (cancel.next, (await store.get_job(job_id)).cancel_requested)
    assert (
        f"job {job_id}: cancel requested; no runner holds it (interrupted while running), "
        "so it is undone here now"
    ) == cancel.text()


async def test_a_job_a_runner_holds_is_left_to_that_runner(store):
    job_id = await running_job(store, timedelta(minutes=5))

    cancel = await cancel_job(store, CancelJob(job_id=job_id), CALLER, datetime.now(UTC))

    assert (Next.ITS_RUNNER, f"job {job_id}: cancel requested; its runner stops and undoes it") == (
        cancel.next,
        cancel.text(),
    )


async def test_a_finished_job_is_not_cancelled(store):
    job = await store.create_job(NewJob(kind="create"))
    await store.set_job_state(job.id, JobState.FAILED)

    cancel = await cancel_job(store, CancelJob(job_id=job.id), CALLER, datetime.now(UTC))

    assert (Next.NOTHING, f"job {job.id} already failed") == (
        cancel.next,
        cancel.text(),
    )
