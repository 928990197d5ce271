"""What a job holds from its submission (a create's reservations) is given back when the job
is undone, even in a lane that never got to start: nothing else would ever release it."""

from __future__ import annotations

from provisioning.records import JobState
from tests.provisioning.jobs.scripted import params, step


def reserve(lane: str, **behaviour):
    return step("reserve", lane, host="host-a", from_submission=True, **behaviour)


async def test_a_job_cancelled_before_it_ran_gives_back_what_it_held_from_submission(
    runner, submit, world
):
    job = await submit(params(reserve("bob1"), step("clone", "bob1")))
    await runner.cancel(job.id)

    final = await runner.run(job.id)

    assert (JobState.CANCELLED, [], ["reserve"]) == (
        final.state,
        world.calls_of("apply"),
        world.calls_of("undo"),
    )


async def test_a_lane_stopped_before_its_reservation_step_still_gives_the_reservation_back(
    runner, submit, world
):
    job = await submit(
        params(
            reserve("bob1"),
            step("clone", "bob1", host="host-a", fail="no such directory"),
            step("dns", "bob2", delay=1),  # still busy when bob1's clone fails
            reserve("bob2"),
        )
    )

    final = await runner.run(job.id)

    assert (JobState.FAILED, 1, ["clone", "dns", "reserve", "reserve"]) == (
        final.state,
        world.calls_of("apply").count("reserve"),
        sorted(world.calls_of("undo")),
    )
