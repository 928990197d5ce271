"""Cancel: from this process the running step stops at once; from another, at the next check."""

import asyncio
from datetime import timedelta

from provisioning.records import JobState, StepEvent
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import leave_crashed, params, step


async def test_cancel_stops_the_running_step_and_ends_the_job_cancelled(runner, submit, world):
    job = await submit(params(step("clone", block=True), step("start")))
    task = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("clone")

    await runner.cancel(job.id)
    final = await asyncio.wait_for(task, 2)

    assert (JobState.CANCELLED, "cancelled by request (interrupted step 'clone' (lane main))") == (
        final.state,
        final.error,
    )


async def test_a_cancelled_step_is_journaled_failed_as_cancelled_and_undone(
    runner, submit, store, world
):
    job = await submit(params(step("clone", block=True), step("start")))
    task = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("clone")

    await runner.cancel(job.id)
    await asyncio.wait_for(task, 2)

    assert [
        ("clone", "started"),
        ("clone", "failed"),
        ("clone", "undo-started"),
        ("clone", "undone"),
    ] == pairs(await store.journal(job.id))
    assert ["cancelled"] == [
        e.detail for e in await store.journal(job.id) if e.event is StepEvent.FAILED
    ]


async def test_a_cancel_recorded_by_another_process_stops_the_job_before_its_next_step(
    runner, submit, store, world
):
    job = await submit(params(step("clone", block=True), step("start")))
    task = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("clone")

    await store.request_cancel(job.id)  # what another replica's runner.cancel() records
    world.gate("clone").set()
    final = await asyncio.wait_for(task, 2)

    assert (JobState.CANCELLED, ["clone"], ["clone"]) == (
        final.state,
        world.calls_of("apply"),
        world.calls_of("undo"),
    )


async def test_a_cancel_from_another_process_interrupts_a_long_step_at_lease_renewal(
    make_runner, submit, store, world
):
    runner = make_runner(lease=timedelta(seconds=0.3))
    job = await submit(params(step("converge", block=True)))
    task = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("converge")

    await store.request_cancel(job.id)
    final = await asyncio.wait_for(task, 2)

    assert (JobState.CANCELLED, {"converge"}) == (final.state, set(world.calls_of("undo")))


async def test_a_job_cancelled_before_it_runs_applies_nothing(runner, submit, world):
    job = await submit(params(step("clone"), step("start")))
    await runner.cancel(job.id)

    final = await runner.run(job.id)

    assert (JobState.CANCELLED, []) == (final.state, world.calls)


async def test_cancelling_a_finished_job_is_refused(runner, submit):
    job = await submit(params(step("clone")))
    await runner.run(job.id)

    assert False is await runner.cancel(job.id)


async def test_cancelling_an_interrupted_job_undoes_it_even_when_every_step_was_done(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start")))
    world.effects |= {"clone", "start"}
    await leave_crashed(
        store,
        job,
        ("clone", StepEvent.STARTED),
        ("clone", StepEvent.SUCCEEDED),
        ("start", StepEvent.STARTED),
        ("start", StepEvent.SUCCEEDED),
    )
    await store.request_cancel(job.id)

    final = await runner.run(job.id)

    assert (JobState.CANCELLED, ["start", "clone"], set()) == (
        final.state,
        world.calls_of("undo"),
        world.effects,
    )
