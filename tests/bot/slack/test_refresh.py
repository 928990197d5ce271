"""/bob refresh: the plan with Confirm/Cancel first, the job only once confirmed; a dry run
only shows the plan. (The refresh job itself runs on the real sandbox:
tests/provisioning/pipeline/test_refresh.py.)"""

from __future__ import annotations

import pytest

from bot.slack.blocks import CONFIRM_ACTION
from handlers.parse import parse
from handlers.refresh import PlanRefresh, RefreshBobs
from provisioning.core.plan import plan_create
from provisioning.records import BobState, JobState, NewJob
from tests.bot.slack.harness import ACCESS, SlackBot, slack_bot, with_access
from tests.bot.slack.test_confirm import buttons
from tests.fleets import make_fleet

RULES = {**ACCESS["rules"], "refresh": {"users": ["UALICE"]}}
FLEET = with_access(make_fleet(), {**ACCESS, "rules": RULES})


@pytest.fixture
async def bob(tmp_path):
    """Three ready Bobs on host-a, whose base is now v2: bob001 and bob002 come from v1."""
    async with slack_bot(FLEET, tmp_path) as bot:
        job, plan = await bot.store.reserve(
            NewJob(kind="create"), lambda held: plan_create(FLEET, held, 3, host="host-a")
        )
        for name, version in zip(plan.names, (1, 1, 2), strict=True):
            await bot.store.promote_reservation(name, BobState.READY, base_version=version)
        await bot.store.record_base("host-a", 2)
        await bot.store.set_job_state(job.id, JobState.SUCCEEDED)
        yield bot


async def refresh_jobs(bob: SlackBot) -> list[list[str]]:
    return [
        [b["name"] for b in j.params["bobs"]]
        for j in await bob.store.list_jobs()
        if j.kind == "refresh"
    ]


async def test_refresh_stale_posts_the_plan_and_starts_a_job_only_when_confirmed(bob):
    _, ack = await bob.command("refresh --stale")
    message = (await bob.fake.wait_for(lambda: bob.fake.top_level("CBOBS")))[0]

    assert (
        "refresh waits for a confirmation: press Confirm on the plan in the channel" == ack["text"]
    )
    plan = message.blocks[1]["text"]["text"]
    assert "would refresh 2 Bobs (one at a time), same name and address:" in plan
    assert "bob001 on host-a/disk1 10.250.1.2: v1 → v2" in plan
    assert "bob003" not in plan
    assert [] == await refresh_jobs(bob)

    await bob.click(CONFIRM_ACTION, buttons(message)[CONFIRM_ACTION], user="UALICE")
    await bob.fake.wait_for(lambda: bob.fake.messages[message.ts].edits)

    assert [["bob001", "bob002"]] == await refresh_jobs(bob)
    assert "confirmed by <@UALICE>: job " in bob.fake.messages[message.ts].text


async def test_refresh_dry_run_shows_the_plan_and_asks_nothing(bob):
    _, ack = await bob.command("refresh bob003 --dry-run")

    assert "would refresh 1 Bob (one at a time)" in ack["text"]
    assert "bob003 on host-a/disk1 10.250.1.4: v2 → v2" in ack["text"]
    assert [] == bob.fake.top_level("CBOBS")
    assert [] == await refresh_jobs(bob)


async def test_refresh_needs_its_access_rule(bob):
    _, ack = await bob.command("refresh --stale", user="UCAROL")

    assert "you may not run `refresh`" in ack["text"]
    assert [] == bob.fake.top_level("CBOBS")


def test_refresh_reads_names_host_parallel_and_dry_run() -> None:
    assert RefreshBobs(names=("bob001", "bob002"), host="host-a", parallel=2) == (
        parse("refresh bob001,bob002 on host-a --parallel 2").request
    )
    assert PlanRefresh(stale=True) == parse("refresh --stale --dry-run").request
    assert "refresh" == parse("refresh --stale").command
