"""Job kinds: a job is rebuilt from its kind and params; a runner leaves a kind it does not know."""

import pytest

from provisioning.jobs.errors import UnknownJobKind
from provisioning.jobs.registry import JobKinds
from provisioning.jobs.steps import JobDefinition
from provisioning.records import JobState, NewJob


def no_steps(job):
    return JobDefinition(steps=[])


def test_an_unknown_kind_is_an_error_that_lists_the_known_kinds():
    kinds = JobKinds({"create": no_steps, "destroy": no_steps})

    with pytest.raises(
        UnknownJobKind, match=r"unknown job kind 'crate' \(known kinds: create, destroy\)"
    ):
        kinds.factory("crate")


def test_a_kind_cannot_be_registered_twice():
    kinds = JobKinds({"create": no_steps})

    with pytest.raises(ValueError, match="job kind 'create' is already registered"):
        kinds.register("create", no_steps)


async def test_a_job_of_a_kind_this_runner_does_not_know_is_left_unclaimed(runner, store):
    job = await store.create_job(NewJob(kind="rebuild-base"))

    with pytest.raises(UnknownJobKind):
        await runner.run(job.id)

    assert (JobState.PENDING, None) == (
        (await store.get_job(job.id)).state,
        (await store.get_job(job.id)).owner,
    )


async def test_a_job_whose_params_cannot_be_built_fails_with_the_reason(runner, store):
    job = await store.create_job(NewJob(kind="scripted", params={"stepz": []}))

    final = await runner.run(job.id)

    assert (JobState.FAILED, "cannot rebuild the job's steps: KeyError: 'steps'") == (
        final.state,
        final.error,
    )
