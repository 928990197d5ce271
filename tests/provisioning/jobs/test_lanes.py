"""Lanes: steps in a lane run in order, lanes run side by side, hosts cap concurrent steps."""

import asyncio

from provisioning.records import JobState, StepEvent
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import params, step


async def test_steps_in_a_lane_run_in_the_order_the_job_lists_them(runner, submit, world):
    job = await submit(params(step("clone"), step("network"), step("start")))

    await runner.run(job.id)

    assert ["apply clone", "apply network", "apply start"] == world.calls


async def test_each_step_is_journaled_started_before_succeeded(runner, submit, store):
    job = await submit(params(step("clone"), step("start")))

    await runner.run(job.id)

    assert [
        ("clone", "started"),
        ("clone", "succeeded"),
        ("start", "started"),
        ("start", "succeeded"),
    ] == pairs(await store.journal(job.id))


async def test_journal_entries_carry_lane_host_utc_time_and_duration(runner, submit, store):
    job = await submit(params(step("clone", lane="bob001", host="host-a", delay=0.02)))

    await runner.run(job.id)

    started, succeeded = await store.journal(job.id)
    assert ("bob001", "host-a", 0) == (succeeded.lane, succeeded.host, succeeded.step_index)
    assert [0.0, 0.0] == [e.at.utcoffset().total_seconds() for e in (started, succeeded)]
    assert None is started.duration_s
    assert succeeded.duration_s >= 0.02


async def test_a_job_whose_steps_all_succeed_ends_succeeded(runner, submit):
    job = await submit(params(step("clone"), step("start")))

    final = await runner.run(job.id)

    assert (JobState.SUCCEEDED, None, None) == (final.state, final.error, final.owner)


async def test_lanes_run_at_the_same_time(runner, submit, world):
    # Each lane's first step finishes only once the other lane's has started: run one lane
    # after the other and the job times out instead.
    job = await submit(
        params(
            step("clone-1", lane="bob001", block=True), step("clone-2", lane="bob002", block=True)
        )
    )
    task = asyncio.create_task(runner.run(job.id))

    await world.wait_reached("clone-1")
    await world.wait_reached("clone-2")
    world.gate("clone-1").set()
    world.gate("clone-2").set()

    assert JobState.SUCCEEDED == (await asyncio.wait_for(task, 2)).state


async def test_lanes_keep_their_own_order_while_interleaving(runner, submit, store):
    job = await submit(
        params(
            step("a1", lane="a", delay=0.01),
            step("b1", lane="b", delay=0.01),
            step("a2", lane="a"),
            step("b2", lane="b"),
        )
    )

    await runner.run(job.id)

    succeeded = pairs(await store.journal(job.id), StepEvent.SUCCEEDED)
    order = [name for name, _ in succeeded]
    assert (True, True) == (
        order.index("a1") < order.index("a2"),
        order.index("b1") < order.index("b2"),
    )


async def test_no_more_than_the_per_host_limit_run_at_once_on_one_host(make_runner, submit, world):
    runner = make_runner(per_host_limit=2)
    job = await submit(
        params(*(step(f"clone-{i}", lane=f"bob{i}", host="host-a", delay=0.02) for i in range(6)))
    )

    await runner.run(job.id)

    assert 2 == world.peak["host-a"]


async def test_the_per_host_limit_does_not_hold_back_other_hosts(make_runner, submit, world):
    runner = make_runner(per_host_limit=1)
    job = await submit(
        params(
            *(step(f"a{i}", lane=f"a{i}", host="host-a", delay=0.02) for i in range(3)),
            *(step(f"b{i}", lane=f"b{i}", host="host-b", delay=0.02) for i in range(3)),
            *(step(f"x{i}", lane=f"x{i}", delay=0.02) for i in range(3)),
        )
    )

    await runner.run(job.id)

    assert {"host-a": 1, "host-b": 1, "-": 3} == dict(world.peak)


async def test_the_per_host_limit_holds_across_jobs_of_one_runner(make_runner, submit, world):
    runner = make_runner(per_host_limit=2)
    jobs = [
        await submit(
            params(*(step(f"j{j}-{i}", lane=f"l{i}", host="host-a", delay=0.02) for i in range(3)))
        )
        for j in range(2)
    ]

    await asyncio.gather(*(runner.run(job.id) for job in jobs))

    assert 2 == world.peak["host-a"]
