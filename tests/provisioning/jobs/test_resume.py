"""Resume after a crash: the journal says where the job stood; nothing happens twice."""

from datetime import timedelta

import pytest

from provisioning.jobs.replay import CANCELLED_DETAIL
from provisioning.jobs.steps import JobDefinition
from provisioning.records import JobState, StepEvent
from tests.provisioning.jobs.journal import pairs
from tests.provisioning.jobs.scripted import leave_crashed, params, step

STARTED, SUCCEEDED, FAILED = StepEvent.STARTED, StepEvent.SUCCEEDED, StepEvent.FAILED
UNDO_STARTED, UNDONE = StepEvent.UNDO_STARTED, StepEvent.UNDONE


async def test_steps_that_succeeded_before_the_crash_are_not_run_again(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start"), step("attach")))
    world.effects.add("clone")
    await leave_crashed(store, job, ("clone", STARTED), ("clone", SUCCEEDED))

    [final] = await runner.resume_unfinished()

    assert (JobState.SUCCEEDED, ["start", "attach"]) == (final.state, world.calls_of("apply"))


async def test_an_interrupted_step_whose_effect_is_missing_is_applied_again(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start")))
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert ["check clone", "apply clone", "apply start"] == world.calls


async def test_an_interrupted_step_whose_effect_is_in_place_is_skipped(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start")))
    world.effects.add("clone")  # the crash came after the effect, before the journal write
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert ["check clone", "apply start"] == world.calls


async def test_an_interrupted_step_is_settled_before_it_is_checked(runner, submit, store, world):
    # What the dead runner left running for the step must not race the check (Step.settle).
    job = await submit(params(step("clone"), step("start")))
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert ["settle clone", "check clone"] == world.settling


async def test_an_interrupted_step_is_settled_before_it_is_undone(runner, submit, store, world):
    job = await submit(params(step("dns"), step("clone"), on_resume="undo"))
    await leave_crashed(store, job, ("dns", STARTED), ("dns", SUCCEEDED), ("clone", STARTED))

    await runner.resume_unfinished()

    assert ["settle clone", "undo clone", "undo dns"] == world.settling


async def test_a_step_found_done_on_resume_is_journaled_skipped(runner, submit, store, world):
    job = await submit(params(step("clone"), step("start")))
    world.effects.add("clone")
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert [("clone", "already done (found on resume)")] == [
        (e.step, e.detail) for e in await store.journal(job.id) if e.event is StepEvent.SKIPPED
    ]


async def test_a_step_found_done_on_resume_is_published_as_skipped(
    runner, submit, store, world, events
):
    job = await submit(params(step("clone")))
    world.effects.add("clone")
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert ["skipped"] == [e.outcome for e in events if e.type == "step.finished"]


async def test_a_resumed_job_says_so_when_it_starts(runner, submit, store, events):
    job = await submit(params(step("clone")))
    await leave_crashed(store, job)

    await runner.resume_unfinished()

    assert [True] == [e.resumed for e in events if e.type == "job.started"]


async def test_with_the_undo_policy_every_started_step_is_undone_last_first(
    runner, submit, store, world
):
    job = await submit(params(step("dns"), step("clone"), step("start"), on_resume="undo"))
    await leave_crashed(store, job, ("dns", STARTED), ("dns", SUCCEEDED), ("clone", STARTED))

    [final] = await runner.resume_unfinished()

    assert (JobState.FAILED, [], ["clone", "dns"]) == (
        final.state,
        world.calls_of("apply"),
        world.calls_of("undo"),
    )


async def test_with_the_undo_policy_the_error_says_the_job_was_interrupted(runner, submit, store):
    job = await submit(params(step("clone"), on_resume="undo"))
    await leave_crashed(store, job, ("clone", STARTED))

    [final] = await runner.resume_unfinished()

    assert "interrupted by a crash or restart; undone as its on_resume policy asks" == final.error


async def test_with_the_undo_policy_the_interrupted_step_is_not_checked(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), on_resume="undo"))
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert [] == world.calls_of("check")


async def test_an_interrupted_undo_finishes_without_undoing_a_step_twice(
    runner, submit, store, world
):
    job = await submit(params(step("dns"), step("clone"), step("start", fail="no init")))
    await leave_crashed(
        store,
        job,
        *[(n, e) for n in ("dns", "clone") for e in (STARTED, SUCCEEDED)],
        ("start", STARTED),
        ("start", FAILED),
        ("start", UNDO_STARTED),
        ("start", UNDONE),
        ("clone", UNDO_STARTED),
        state=JobState.UNDOING,
        error="step 'start' (lane main) failed: RuntimeError: no init",
    )

    [final] = await runner.resume_unfinished()

    assert (
        ["clone", "dns"],
        JobState.FAILED,
        "step 'start' (lane main) failed: RuntimeError: no init",
    ) == (
        world.calls_of("undo"),
        final.state,
        final.error,
    )


async def test_a_crash_between_a_failure_and_the_undo_still_undoes(runner, submit, store, world):
    job = await submit(params(step("clone"), step("start"), step("attach")))
    await leave_crashed(
        store,
        job,
        ("clone", STARTED),
        ("clone", SUCCEEDED),
        ("start", STARTED),
        ("start", FAILED),
        detail="RuntimeError: no init",
    )

    [final] = await runner.resume_unfinished()

    assert (["start", "clone"], [], "step 'start' (lane main) failed: RuntimeError: no init") == (
        world.calls_of("undo"),
        world.calls_of("apply"),
        final.error,
    )


async def test_a_job_cancelled_before_the_crash_is_undone_and_ends_cancelled(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start")))
    await leave_crashed(store, job, ("clone", STARTED), ("clone", FAILED), detail=CANCELLED_DETAIL)
    await store.request_cancel(job.id)

    [final] = await runner.resume_unfinished()

    assert (JobState.CANCELLED, ["clone"]) == (final.state, world.calls_of("undo"))


async def test_a_step_applied_again_on_resume_is_undone_in_its_new_start_order(
    runner, submit, store, world
):
    job = await submit(
        params(
            step("clone", lane="a"),
            step("dns", lane="b"),
            step("start", lane="b", fail="x", delay=0.02),
        )
    )
    world.effects.add("dns")
    await leave_crashed(store, job, ("clone", STARTED), ("dns", STARTED), ("dns", SUCCEEDED))

    await runner.resume_unfinished()

    # Before the crash clone started before dns; on resume it started again, after dns.
    assert ["clone", "dns"] == [name for name in world.calls_of("undo") if name != "start"]


async def test_a_job_whose_steps_no_longer_match_its_journal_fails_untouched(
    runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start")))
    await leave_crashed(store, job, ("start", STARTED))
    store.jobs[job.id] = store.jobs[job.id].model_copy(
        update={"params": params(step("start"), step("clone"))}
    )

    [final] = await runner.resume_unfinished()

    assert (JobState.FAILED, []) == (final.state, world.calls)
    assert final.error.startswith(
        "cannot rebuild the job's steps: JobError: journal entry for step 'start'"
    )


async def test_a_job_another_replica_holds_is_left_alone(make_runner, submit, store, world):
    job = await submit(params(step("clone")))
    await store.claim_job(job.id, "live-replica", timedelta(seconds=30))

    resumed = await make_runner().resume_unfinished()

    assert ([], []) == (resumed, world.calls)


async def test_pending_jobs_are_run_by_resume(runner, submit, world):
    job = await submit(params(step("clone")))

    [final] = await runner.resume_unfinished()

    assert (job.id, JobState.SUCCEEDED) == (final.id, final.state)


async def test_the_resumed_journal_reads_as_one_story(runner, submit, store, world):
    job = await submit(params(step("clone"), step("start")))
    world.effects.add("clone")
    await leave_crashed(store, job, ("clone", STARTED))

    await runner.resume_unfinished()

    assert [
        ("clone", "started"),
        ("clone", "skipped"),
        ("start", "started"),
        ("start", "succeeded"),
    ] == pairs(await store.journal(job.id))


def test_a_definition_rejects_an_unknown_resume_policy():
    with pytest.raises(ValueError, match="on_resume must be 'continue' or 'undo'"):
        JobDefinition(steps=[], on_resume="retry")  # type: ignore[arg-type]


async def test_a_check_that_fails_on_resume_fails_the_job_and_undoes_the_step(
    make_runner, submit, store, world
):
    job = await submit(params(step("clone"), step("start")))
    await leave_crashed(store, job, ("clone", STARTED))
    world.broken_checks.add("clone")

    [final] = await make_runner().resume_unfinished()

    assert (JobState.FAILED, [], ["clone"]) == (
        final.state,
        world.calls_of("apply"),
        world.calls_of("undo"),
    )
    assert "step 'clone' (lane main) failed: check failed: RuntimeError: cannot look" == final.error
