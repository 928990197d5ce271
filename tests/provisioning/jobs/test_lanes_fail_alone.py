"""A job kind says whether its lanes stand or fall together.

"together" (a create: a half-made fleet is worth nothing) is the default: one lane's failure
aborts and undoes every lane. "alone" (a destroy: each Bob is its own errand): the failed lane
stops and only it is undone; the other lanes run to their end and keep what they did.
"""

import asyncio

from provisioning.records import JobState, StepEvent
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import leave_crashed, params, step
from tests.waiting import until


async def test_by_default_a_failed_lane_cancels_and_undoes_the_others(runner, submit, world):
    job = await submit(
        params(
            step("stop-1", lane="bob001", block=True),
            step("stop-2", lane="bob002", fail="host away", delay=0.01),
        )
    )

    final = await runner.run(job.id)

    assert JobState.FAILED == final.state
    assert ["stop-1", "stop-2"] == sorted(world.calls_of("undo"))


async def test_a_lane_that_fails_alone_does_not_cancel_the_other_lanes(
    runner, submit, store, world
):
    job = await submit(
        params(
            step("stop-1", lane="bob001", block=True),
            step("remove-1", lane="bob001"),
            step("stop-2", lane="bob002", fail="host away", delay=0.01),
            lanes_fail="alone",
        )
    )
    task = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("stop-2")

    async def failure_journaled() -> bool:
        return ("stop-2", "failed") in pairs(await store.journal(job.id))

    # The failure is in (under "together" stop-1 is cancelled now); only then may stop-1 go on.
    await until(failure_journaled, "stop-2's failure in the journal", timeout=2)
    world.gate("stop-1").set()

    final = await asyncio.wait_for(task, 2)

    assert {"stop-1", "remove-1"} == world.effects
    assert ["remove-1", "stop-1", "stop-2"] == sorted(world.calls_of("apply"))
    assert JobState.FAILED == final.state


async def test_only_the_lane_that_failed_alone_is_undone(runner, submit, world):
    job = await submit(
        params(
            step("stop-1", lane="bob001"),
            step("stop-2", lane="bob002"),
            step("remove-2", lane="bob002", fail="host away", delay=0.01),
            lanes_fail="alone",
        )
    )

    await runner.run(job.id)

    assert ["remove-2", "stop-2"] == sorted(world.calls_of("undo"))
    assert {"stop-1"} == world.effects


async def test_the_error_of_a_job_whose_lanes_fail_alone_names_each_failed_lane(runner, submit):
    job = await submit(
        params(
            step("stop-1", lane="bob001", host="host-a", fail="host away"),
            step("stop-2", lane="bob002"),
            step("stop-3", lane="bob003", host="host-a", fail="host away"),
            lanes_fail="alone",
        )
    )

    final = await runner.run(job.id)

    assert final.error is not None
    assert final.error.startswith("2 of 3 lanes failed")
    assert "'stop-1' (lane bob001, host host-a) failed" in final.error
    assert "'stop-3' (lane bob003, host host-a) failed" in final.error


async def test_a_job_whose_lanes_fail_alone_succeeds_when_none_fails(runner, submit):
    job = await submit(params(step("a", lane="1"), step("b", lane="2"), lanes_fail="alone"))

    assert JobState.SUCCEEDED == (await runner.run(job.id)).state


async def test_a_cancel_still_stops_every_lane_of_a_job_whose_lanes_fail_alone(
    runner, submit, store, world
):
    job = await submit(
        params(
            step("stop-1", lane="bob001", block=True),
            step("stop-2", lane="bob002", block=True),
            lanes_fail="alone",
        )
    )
    task = asyncio.create_task(runner.run(job.id))
    await world.wait_reached("stop-1")
    await world.wait_reached("stop-2")
    await runner.cancel(job.id)

    final = await asyncio.wait_for(task, 3)

    assert JobState.CANCELLED == final.state
    assert set() == world.effects


async def test_a_resumed_job_keeps_its_failed_lane_failed_and_finishes_the_others(
    runner, submit, store, world
):
    job = await submit(
        params(
            step("stop-1", lane="bob001"),
            step("remove-1", lane="bob001"),
            step("stop-2", lane="bob002"),
            step("remove-2", lane="bob002"),
            lanes_fail="alone",
        )
    )
    await leave_crashed(
        store,
        job,
        ("stop-1", StepEvent.STARTED),
        ("stop-1", StepEvent.FAILED),
        ("stop-2", StepEvent.STARTED),
        ("stop-2", StepEvent.SUCCEEDED),
        detail="RuntimeError: host away",
    )
    world.effects.add("stop-2")

    [final] = await runner.resume_unfinished()

    assert ["remove-2"] == world.calls_of("apply")
    assert ["stop-1"] == world.calls_of("undo")
    assert (JobState.FAILED, {"stop-2", "remove-2"}) == (final.state, world.effects)
    assert final.error is not None
    assert "1 of 2 lanes failed" in final.error
