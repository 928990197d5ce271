"""Leases: one owner runs a job at a time; a lease held alive keeps other replicas out."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.jobs.errors import JobNotClaimed, LeaseLost
from provisioning.records import JobState
from tests.clock import StoppedClock
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import params, step
from tests.waiting import until


async def test_a_job_another_owner_holds_is_not_run(runner, submit, store, world):
    job = await submit(params(step("clone")))
    await store.claim_job(job.id, "replica-2", timedelta(seconds=30))

    with pytest.raises(JobNotClaimed, match=f"job {job.id} is held by replica-2 until"):
        await runner.run(job.id)
    assert [] == world.calls


async def test_a_finished_job_is_not_run_again(runner, submit, world):
    job = await submit(params(step("clone")))
    await runner.run(job.id)

    with pytest.raises(JobNotClaimed, match=f"job {job.id} is already succeeded"):
        await runner.run(job.id)
    assert ["apply clone"] == world.calls


async def test_a_job_already_running_here_is_not_started_twice(runner, submit, world):
    job = await submit(params(step("clone", block=True)))
    first = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("clone")

    with pytest.raises(JobNotClaimed, match="already running here"):
        await runner.run(job.id)
    world.gate("clone").set()
    await first
    assert ["apply clone"] == world.calls


async def test_the_lease_is_renewed_while_a_long_step_runs(make_runner, submit, store, world):
    # The store's time stands still unless moved: "past the first lease" is exact, and a slow
    # machine cannot let a renewed lease lapse between the renewal and the other's claim.
    store.clock = clock = StoppedClock(datetime.now(UTC))
    lease = timedelta(seconds=0.15)
    job = await submit(params(step("converge", block=True)))
    task = asyncio.create_task(make_runner(lease=lease).run(job.id))
    await world.wait_reached("converge")

    clock.advance(lease * 10)  # well past the first lease

    async def renewed() -> bool:
        expires = (await store.get_job(job.id)).lease_expires_at
        return expires is not None and expires > clock.now

    await until(renewed, "the lease renewed past the first one", timeout=2)
    with pytest.raises(JobNotClaimed, match="is held by replica-1"):
        await make_runner(owner="replica-2").run(job.id)
    world.gate("converge").set()
    assert JobState.SUCCEEDED == (await task).state


async def test_a_runner_that_lost_its_lease_stops_without_touching_the_job(
    make_runner, submit, store, world
):
    job = await submit(params(step("converge", block=True)))
    task = asyncio.create_task(make_runner(lease=timedelta(seconds=0.15)).run(job.id))
    await world.wait_reached("converge")

    # As if this replica had stalled past its lease and replica-2 had claimed the job.
    store._update(job.id, owner="replica-2")
    with pytest.raises(LeaseLost):
        await asyncio.wait_for(task, 2)

    assert ([("converge", "started")], JobState.RUNNING, []) == (
        pairs(await store.journal(job.id)),
        (await store.get_job(job.id)).state,
        world.calls_of("undo"),
    )


async def test_stopping_the_runner_leaves_the_job_for_another_replica_at_once(
    make_runner, submit, store, world
):
    job = await submit(params(step("clone", block=True), step("start")))
    task = asyncio.create_task(make_runner().run(job.id))
    await world.wait_reached("clone")

    task.cancel()  # e.g. the service shutting down
    with pytest.raises(asyncio.CancelledError):
        await task
    world.gate("clone").set()
    [final] = await make_runner(owner="replica-2").resume_unfinished()

    assert (JobState.SUCCEEDED, ["clone", "clone", "start"]) == (
        final.state,
        world.calls_of("apply"),  # clone never finished the first time, so it runs again
    )


async def test_a_stopped_runner_journals_nothing_for_the_step_it_abandoned(
    make_runner, submit, store, world
):
    job = await submit(params(step("clone", block=True)))
    task = asyncio.create_task(make_runner().run(job.id))
    await world.wait_reached("clone")

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert ([("clone", "started")], JobState.RUNNING) == (
        pairs(await store.journal(job.id)),
        (await store.get_job(job.id)).state,
    )
