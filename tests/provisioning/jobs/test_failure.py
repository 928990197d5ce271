"""Failure: the other lanes stop, every started step is undone, last started first."""

from provisioning.jobs.events import ProgressBus
from provisioning.jobs.registry import JobKinds
from provisioning.jobs.runner import JobRunner
from provisioning.jobs.steps import JobDefinition, Step
from provisioning.records import JobState, NewJob, StepEvent
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import params, step

UNDO_EVENTS = (StepEvent.UNDO_STARTED, StepEvent.UNDONE, StepEvent.UNDO_FAILED)


async def test_a_failed_step_ends_the_job_failed(runner, submit):
    job = await submit(params(step("clone"), step("start", fail="no init")))

    final = await runner.run(job.id)

    assert JobState.FAILED == final.state


async def test_started_steps_are_undone_in_reverse_order_of_start(runner, submit, world):
    job = await submit(
        params(step("dns"), step("clone"), step("start", fail="no init"), step("attach"))
    )

    await runner.run(job.id)

    assert ["start", "clone", "dns"] == world.calls_of("undo")


async def test_undo_is_journaled_started_then_undone_for_each_step(runner, submit, store):
    job = await submit(params(step("clone"), step("start", fail="no init")))

    await runner.run(job.id)

    assert [
        ("start", "undo-started"),
        ("start", "undone"),
        ("clone", "undo-started"),
        ("clone", "undone"),
    ] == pairs(await store.journal(job.id), *UNDO_EVENTS)


async def test_undo_leaves_no_effect_behind(runner, submit, world):
    job = await submit(
        params(step("dns", lane="a"), step("clone", lane="b"), step("start", lane="b", fail="x"))
    )

    await runner.run(job.id)

    assert set() == world.effects


async def test_steps_that_never_started_are_not_undone(runner, submit, world):
    job = await submit(params(step("clone", fail="disk full"), step("start")))

    await runner.run(job.id)

    assert (["clone"], ["clone"]) == (world.calls_of("apply"), world.calls_of("undo"))


async def test_the_failed_step_is_journaled_with_the_error_type_and_message(runner, submit, store):
    job = await submit(params(step("clone", fail="disk full")))

    await runner.run(job.id)

    failed = [e for e in await store.journal(job.id) if e.event is StepEvent.FAILED]
    assert ["RuntimeError: disk full"] == [e.detail for e in failed]


async def test_an_error_with_stderr_keeps_the_stderr_in_the_journal(runner, submit, store):
    job = await submit(
        params(step("clone", fail="rsync exited 23", stderr="rsync: No space left\n"))
    )

    await runner.run(job.id)

    failed = [e for e in await store.journal(job.id) if e.event is StepEvent.FAILED]
    assert ["CommandFailed: rsync exited 23\nstderr: rsync: No space left"] == [
        e.detail for e in failed
    ]


async def test_the_job_error_names_the_step_lane_host_and_reason(runner, submit):
    job = await submit(params(step("clone", lane="bob007", host="host-c", fail="disk full")))

    final = await runner.run(job.id)

    assert "step 'clone' (lane bob007, host host-c) failed: RuntimeError: disk full" == final.error


async def test_a_failure_cancels_the_step_running_in_a_sibling_lane(runner, submit, store, world):
    job = await submit(
        params(
            step("clone-1", lane="bob001", block=True),
            step("start-1", lane="bob001"),
            step("clone-2", lane="bob002", fail="disk full", delay=0.01),
        )
    )

    await runner.run(job.id)

    assert [("clone-1", "cancelled")] == [
        (e.step, e.detail)
        for e in await store.journal(job.id)
        if e.event is StepEvent.FAILED and e.lane == "bob001"
    ]
    assert ["clone-1", "clone-2"] == sorted(world.calls_of("apply"))


async def test_the_cancelled_sibling_step_is_undone_too(runner, submit, world):
    job = await submit(
        params(
            step("clone-1", lane="bob001", block=True),
            step("clone-2", lane="bob002", fail="x", delay=0.01),
        )
    )

    await runner.run(job.id)

    assert ["clone-1", "clone-2"] == sorted(world.calls_of("undo"))


async def test_the_job_is_undoing_while_its_steps_are_undone(runner, submit, store, bus):
    states = []

    async def snapshot(event):
        if event.type == "step.undone":
            states.append((await store.get_job(event.job_id)).state)

    bus.subscribe(snapshot)
    job = await submit(params(step("clone"), step("start", fail="x")))

    await runner.run(job.id)

    assert [JobState.UNDOING, JobState.UNDOING] == states


async def test_a_failed_undo_keeps_what_the_earlier_steps_of_its_lane_hold(runner, submit, world):
    # The container could not be removed, so its address (dns) must not be given back.
    job = await submit(
        params(step("dns"), step("clone", undo_fail="host away"), step("start", fail="x"))
    )

    final = await runner.run(job.id)

    assert ["start", "clone"] == world.calls_of("undo")
    assert {"clone", "dns"} == world.effects
    assert JobState.FAILED == final.state
    assert (
        "step 'start' (lane main) failed: RuntimeError: x; undo failed for step 'clone' "
        "(lane main): RuntimeError: host away (not undone, kept for what 'clone' left: 'dns') "
        "— clean up by hand"
    ) == final.error


async def test_a_failed_undo_in_one_lane_does_not_stop_the_other_lanes_undo(runner, submit, world):
    job = await submit(
        params(
            step("dns-a", lane="a"),
            step("clone-a", lane="a", undo_fail="host away"),
            step("dns-b", lane="b"),
            step("clone-b", lane="b"),
            step("start-b", lane="b", fail="x"),
        )
    )

    await runner.run(job.id)

    assert {"clone-a", "dns-a"} == world.effects
    assert {"clone-a", "start-b", "clone-b", "dns-b"} == set(world.calls_of("undo"))


async def test_a_step_made_with_the_job_is_undone_even_if_its_lane_never_started(
    make_runner, submit, world
):
    runner = make_runner(per_host_limit=1)  # lane b waits for lane a's slot, which then fails
    job = await submit(
        params(
            step("clone-a", lane="a", host="host-a", delay=0.05, fail="x"),
            step("reserve-b", lane="b", host="host-a", from_submission=True),
        )
    )

    await runner.run(job.id)

    assert (["clone-a"], ["clone-a", "reserve-b"]) == (
        world.calls_of("apply"),
        sorted(world.calls_of("undo")),
    )


async def test_lanes_are_undone_at_the_same_time(runner, submit, world):
    job = await submit(
        params(
            step("clone-a", lane="a", undo_delay=0.3),
            step("clone-b", lane="b", undo_delay=0.3),
            step("start-b", lane="b", fail="x"),
        )
    )

    await runner.run(job.id)

    assert 2 == world.peak["undo"]


async def test_an_undo_failure_is_journaled_and_reported_in_the_job_error(runner, submit, store):
    job = await submit(
        params(step("clone", host="host-a", undo_fail="device busy"), step("start", fail="x"))
    )

    final = await runner.run(job.id)

    assert [("clone", "undo-failed")] == pairs(await store.journal(job.id), StepEvent.UNDO_FAILED)
    assert (
        "step 'start' (lane main) failed: RuntimeError: x; undo failed for step 'clone' "
        "(lane main, host host-a): RuntimeError: device busy — clean up by hand"
    ) == final.error
    assert JobState.FAILED == final.state


async def test_a_step_past_its_timeout_fails_with_step_timeout(runner, submit, store):
    job = await submit(params(step("converge", timeout=0.05, block=True)))

    final = await runner.run(job.id)

    failed = [e.detail for e in await store.journal(job.id) if e.event is StepEvent.FAILED]
    assert ["StepTimeout: apply of step 'converge' timed out after 0.05 s"] == failed
    assert JobState.FAILED == final.state


async def test_a_timed_out_step_is_undone(runner, submit, world):
    job = await submit(params(step("converge", timeout=0.05, block=True)))

    await runner.run(job.id)

    assert ["converge"] == world.calls_of("undo")


class ConnectTimesOut(Step):
    """A step whose own I/O times out long before the runner's deadline."""

    name = "connect"
    timeout = 5.0

    async def apply(self, ctx):
        raise TimeoutError("ssh connect timed out")

    async def undo(self, ctx):
        pass

    async def check(self, ctx):
        return False


async def test_a_timeout_raised_by_the_step_itself_is_reported_as_it_is(store):
    kinds = JobKinds({"ssh": lambda job: JobDefinition(steps=[ConnectTimesOut()])})
    runner = JobRunner(store, kinds, ProgressBus(), owner="replica-1")
    job = await store.create_job(NewJob(kind="ssh"))

    await runner.run(job.id)

    failed = [e.detail for e in await store.journal(job.id) if e.event is StepEvent.FAILED]
    assert ["TimeoutError: ssh connect timed out"] == failed
