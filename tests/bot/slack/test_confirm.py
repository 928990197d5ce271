"""Destroy asks first: a plan with Confirm/Cancel that only the requester or an admin may
press, and that expires. (Confirmed destroys run on the real sandbox: test_scenario.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.blocks import CANCEL_ACTION, CONFIRM_ACTION
from provisioning.core.plan import plan_create
from provisioning.records import BobState, JobState, NewJob
from tests.bot.slack.harness import SlackBot, options, slack_bot, with_access
from tests.fleets import make_fleet
from tests.slack_fake import Message

FLEET = with_access(make_fleet())


async def bobs_on_record(bob: SlackBot, count: int) -> list[str]:
    """Bobs the store knows as ready (the hosts are not involved: nothing here runs a job)."""
    job, plan = await bob.store.reserve(
        NewJob(kind="create"), lambda held: plan_create(FLEET, held, count)
    )
    for name in plan.names:
        await bob.store.promote_reservation(name, BobState.READY)
    await bob.store.set_job_state(job.id, JobState.SUCCEEDED)
    return list(plan.names)


@pytest.fixture
async def bob(tmp_path):
    async with slack_bot(FLEET, tmp_path) as bot:
        await bobs_on_record(bot, 2)
        yield bot


async def ask_to_destroy(bob: SlackBot, *, user: str = "UALICE") -> tuple[dict[str, Any], Message]:
    _, ack = await bob.command("destroy bob001 bob002", user=user)
    message = await bob.fake.wait_for(lambda: bob.fake.top_level("CBOBS"))
    return ack, message[0]


def buttons(message: Message) -> dict[str, str]:
    actions = next(b for b in message.blocks if b["type"] == "actions")
    return {e["action_id"]: e["value"] for e in actions["elements"]}


async def jobs_after_setup(bob: SlackBot) -> int:
    return len(await bob.store.list_jobs()) - 1


async def test_destroy_posts_the_plan_with_confirm_and_cancel(bob):
    ack, message = await ask_to_destroy(bob)

    assert (
        "destroy waits for a confirmation: press Confirm on the plan in the channel" == ack["text"]
    )
    assert {CONFIRM_ACTION, CANCEL_ACTION} == set(buttons(message))
    plan = message.blocks[1]["text"]["text"]
    assert plan.startswith("```would destroy 2 Bobs:\n  bob001  host-a/disk1  10.250.1.2  ready")
    assert 0 == await jobs_after_setup(bob)
    assert "awaiting-confirmation" == (await bob.audit())[-1].outcome


async def test_another_user_cannot_confirm(bob):
    _, message = await ask_to_destroy(bob)

    await bob.click(CONFIRM_ACTION, buttons(message)[CONFIRM_ACTION], user="UCAROL")
    said = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))

    assert ("UCAROL", "Only <@UALICE> or an admin may answer this. Nothing was done.") == (
        said[0].params["user"],
        said[0].params["text"],
    )
    assert 0 == await jobs_after_setup(bob)
    assert 0 == bob.fake.messages[message.ts].edits  # the buttons are still there for Alice
    entry = (await bob.audit())[-1]
    assert ("UCAROL", "refused", "requested by UALICE") == (
        entry.actor,
        entry.outcome,
        entry.detail,
    )


async def test_the_requester_may_cancel(bob):
    _, message = await ask_to_destroy(bob)

    await bob.click(CANCEL_ACTION, buttons(message)[CANCEL_ACTION], user="UALICE")
    await bob.fake.wait_for(lambda: bob.fake.messages[message.ts].edits)

    assert "cancelled by <@UALICE>: nothing was done" in bob.fake.messages[message.ts].text
    assert [] == [b for b in bob.fake.messages[message.ts].blocks if b["type"] == "actions"]
    assert 0 == await jobs_after_setup(bob)
    assert "cancelled" == (await bob.audit())[-1].outcome


async def test_a_second_click_after_an_answer_changes_nothing(bob):
    _, message = await ask_to_destroy(bob)
    token = buttons(message)[CANCEL_ACTION]
    await bob.click(CANCEL_ACTION, token, user="UALICE")
    await bob.fake.wait_for(lambda: bob.fake.messages[message.ts].edits)

    await bob.click(CONFIRM_ACTION, token, user="UALICE")
    said = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))

    assert said[0].params["text"].startswith("This confirmation is no longer valid")
    assert 0 == await jobs_after_setup(bob)


async def test_an_unanswered_confirmation_expires(tmp_path):
    async with slack_bot(FLEET, tmp_path, options=options(confirm_ttl_s=0.3)) as bob:
        await bobs_on_record(bob, 2)
        _, message = await ask_to_destroy(bob)
        confirm = buttons(message)[CONFIRM_ACTION]

        await bob.fake.wait_for(lambda: bob.fake.messages[message.ts].edits, timeout=5)
        await bob.click(CONFIRM_ACTION, confirm, user="UALICE")
        said = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))

        assert "expired: nothing was done" in bob.fake.messages[message.ts].text
        assert said[0].params["text"].startswith("This confirmation is no longer valid")
        assert 0 == await jobs_after_setup(bob)
        assert ["awaiting-confirmation", "expired"] == [e.outcome for e in await bob.audit()]


async def test_destroying_a_bob_bob_never_knew_is_refused_without_confirmation(bob):
    _, ack = await bob.command("destroy bob404 bob01")

    assert ":warning: no Bob named bob404, bob01; did you mean bob001?" == ack["text"]
    assert [] == bob.fake.top_level("CBOBS")


async def test_an_admin_may_answer_for_the_requester(bob):
    _, message = await ask_to_destroy(bob)

    await bob.click(CANCEL_ACTION, buttons(message)[CANCEL_ACTION], user="UADMIN")
    await bob.fake.wait_for(lambda: bob.fake.messages[message.ts].edits)

    assert "cancelled by <@UADMIN>: nothing was done" in bob.fake.messages[message.ts].text
    assert ("UADMIN", "cancelled") == (
        (await bob.audit())[-1].actor,
        (await bob.audit())[-1].outcome,
    )
