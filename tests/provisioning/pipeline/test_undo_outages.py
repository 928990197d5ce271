"""One job's undo lanes on a host that does not answer wait for it together.

The retry window belongs to the job and the host: one lane retries for all, the others wait for
its outcome. A host that stays away so costs one window however many Bobs the job had there,
and is asked about as often as for one Bob; a host that comes back is tried again by every lane.
"""

from __future__ import annotations

import asyncio

import pytest

from provisioning.core.models import PlannedBob
from provisioning.fakes import FakeShell
from provisioning.hosts.errors import HostUnreachable
from provisioning.jobs.steps import StepContext
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.create import Clone
from provisioning.pipeline.errors import StepFailed
from tests.provisioning.pipeline.unit import Logged, reserve_one

LANES = 10
UNREACHABLE = HostUnreachable(host="host-a", address="a", port=22, reason="connection refused")


def other_job(ctx: StepContext, job_id: str) -> StepContext:
    return StepContext(job=ctx.job.model_copy(update={"id": job_id}), sink=Logged())


def lanes_of(bob: PlannedBob) -> list[PlannedBob]:
    return [bob.model_copy(update={"name": f"bob{n:03}"}) for n in range(1, LANES + 1)]


async def undo_all(pipeline: Pipeline, ctx: StepContext, bobs: list[PlannedBob]) -> list[object]:
    return await asyncio.gather(
        *(Clone(pipeline, bob).undo(ctx) for bob in bobs), return_exceptions=True
    )


async def test_a_host_that_stays_away_is_waited_out_once_for_all_the_lanes_of_a_job(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("test", raises=UNREACHABLE)
    with pytest.raises(StepFailed):
        await Clone(pipeline, bob).undo(other_job(ctx, "alone"))
    asked_for_one = len(shell.argvs)
    assert asked_for_one > 2  # premise: one lane alone retries the host several times

    outcomes = await undo_all(pipeline, ctx, lanes_of(bob))

    assert all(isinstance(o, StepFailed) for o in outcomes)
    assert all("(still failing after 0.2 s)" in str(o) for o in outcomes)
    asked_for_ten = len(shell.argvs) - asked_for_one
    # One retrying lane, plus each other lane's own first try: not ten windows of retries.
    assert asked_for_ten <= asked_for_one + LANES + 2, (asked_for_one, asked_for_ten)


async def test_when_the_host_answers_again_every_waiting_lane_tries_again(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("test", exit_status=1)  # once it answers: no container left
    shell.on("test", raises=UNREACHABLE, times=LANES + 2)  # every lane's first try, two retries

    outcomes = await undo_all(pipeline, ctx, lanes_of(bob))

    assert [None] * LANES == outcomes


async def test_another_job_waits_for_the_host_in_its_own_window(
    pipeline: Pipeline, shell: FakeShell, quick_undo: None
) -> None:
    ctx, bob = await reserve_one(pipeline)
    shell.on("test", raises=UNREACHABLE)
    with pytest.raises(StepFailed):
        await Clone(pipeline, bob).undo(other_job(ctx, "first"))
    shell.on("test", exit_status=1)
    shell.on("test", raises=UNREACHABLE, times=1)

    await Clone(pipeline, bob).undo(ctx)  # retried, not failed on the other job's verdict
