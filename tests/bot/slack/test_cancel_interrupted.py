"""`/bob cancel` of a job no runner holds: this replica takes the job over and undoes it, and
its answer says so instead of promising a runner that is gone."""

from __future__ import annotations

from datetime import timedelta

from provisioning.records import JobState, NewJob
from tests.bot.slack.harness import slack_bot, with_access
from tests.fleets import make_fleet


async def test_cancel_of_an_interrupted_job_undoes_it_here(tmp_path):
    async with slack_bot(with_access(make_fleet()), tmp_path) as bob:
        left = await bob.store.create_job(
            NewJob(kind="destroy", params={"bobs": [], "wait": 0}, requested_by="t", source="t")
        )
        await bob.store.claim_job(left.id, "dead-replica", timedelta(seconds=-1))
        await bob.store.set_job_state(left.id, JobState.RUNNING)

        _, ack = await bob.command(f"cancel {left.id}", user="UALICE")
        await bob.idle()

        assert (
            f"job {left.id}: cancel requested; no runner holds it (interrupted while running), "
            "so it is undone here now"
        ) == ack["text"]
        assert JobState.CANCELLED == (await bob.store.get_job(left.id)).state
