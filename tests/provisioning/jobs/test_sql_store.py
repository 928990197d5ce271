"""The runner on the real SqlStore (SQLite): the journal and job states as the store keeps them."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.jobs.errors import JobNotClaimed
from provisioning.jobs.events import ProgressBus
from provisioning.jobs.runner import JobRunner
from provisioning.records import JobState, NewJob, StepEvent
from provisioning.store.sql import SqlStore
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import KIND, params, scripted_kinds, step
from tests.waiting import until


@pytest.fixture
async def sql_store(tmp_path):
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    yield store
    await store.close()


@pytest.fixture
def replica(sql_store, world):
    def make(owner, **options):
        return JobRunner(sql_store, scripted_kinds(world), ProgressBus(), owner=owner, **options)

    return make


async def test_a_two_lane_job_succeeds_with_its_journal_in_the_store(sql_store, replica):
    runner = replica("replica-1")
    job = await sql_store.create_job(
        NewJob(
            kind=KIND,
            params=params(
                step("clone-1", lane="bob001", host="host-a"),
                step("clone-2", lane="bob002", host="host-a"),
            ),
        )
    )

    final = await runner.run(job.id)

    journal = await sql_store.journal(job.id)
    assert (JobState.SUCCEEDED, None, None) == (final.state, final.owner, final.lease_expires_at)
    assert [("clone-1", "started"), ("clone-1", "succeeded")] == pairs(
        [e for e in journal if e.lane == "bob001"]
    )
    assert {0.0} == {e.at.utcoffset().total_seconds() for e in journal}


async def test_a_failed_job_leaves_its_undo_in_the_store(sql_store, replica, world):
    runner = replica("replica-1")
    job = await sql_store.create_job(
        NewJob(kind=KIND, params=params(step("clone"), step("start", fail="no init")))
    )

    final = await runner.run(job.id)

    assert [
        ("clone", "started"),
        ("clone", "succeeded"),
        ("start", "started"),
        ("start", "failed"),
        ("start", "undo-started"),
        ("start", "undone"),
        ("clone", "undo-started"),
        ("clone", "undone"),
    ] == pairs(await sql_store.journal(job.id))
    assert (JobState.FAILED, "step 'start' (lane main) failed: RuntimeError: no init") == (
        final.state,
        final.error,
    )


async def test_another_replica_cannot_claim_a_job_while_its_lease_is_renewed(
    sql_store, replica, world
):
    first = replica("replica-1", lease=timedelta(seconds=0.3))
    job = await sql_store.create_job(NewJob(kind=KIND, params=params(step("converge", block=True))))
    task = asyncio.create_task(first.run(job.id))
    await world.wait_reached("converge")
    claimed = await sql_store.get_job(job.id)
    assert claimed.lease_expires_at is not None

    async def held_past_the_first_lease() -> bool:
        # The store's own clock: the first lease has run out, and a renewal holds the job.
        now = datetime.now(UTC)
        expires = (await sql_store.get_job(job.id)).lease_expires_at
        return now > claimed.lease_expires_at and expires is not None and expires > now

    await until(held_past_the_first_lease, "a renewal holding the job past its first lease")

    with pytest.raises(JobNotClaimed):
        await replica("replica-2").run(job.id)
    world.gate("converge").set()
    assert JobState.SUCCEEDED == (await task).state


async def test_a_cancel_from_another_replica_stops_the_job(sql_store, replica, world):
    first = replica("replica-1", lease=timedelta(seconds=0.3))
    job = await sql_store.create_job(
        NewJob(kind=KIND, params=params(step("converge", block=True), step("attach")))
    )
    task = asyncio.create_task(first.run(job.id))
    await world.wait_reached("converge")

    assert True is await replica("replica-2").cancel(job.id)
    final = await asyncio.wait_for(task, 3)

    assert (JobState.CANCELLED, ["converge"], ["converge"]) == (
        final.state,
        world.calls_of("apply"),
        world.calls_of("undo"),
    )
    assert [("converge", "cancelled")] == [
        (e.step, e.detail) for e in await sql_store.journal(job.id) if e.event is StepEvent.FAILED
    ]
