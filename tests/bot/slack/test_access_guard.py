"""Access is checked by Bolt middleware before any listener runs: an unlisted user's command,
mention and Confirm click are refused, audited and told why, and no listener ever sees them —
not even one added later that checks nothing itself."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.blocks import CONFIRM_ACTION
from tests.bot.slack.harness import SlackBot, slack_bot
from tests.bot.slack.test_confirm import FLEET, ask_to_destroy, bobs_on_record, buttons
from tests.slack_fake import mention_event, sign, slash_payload

NOBODY = "UMALLORY"  # in no rule, no group, not an admin


@pytest.fixture
async def bob(tmp_path):
    async with slack_bot(FLEET, tmp_path) as bot:
        await bobs_on_record(bot, 2)
        yield bot


async def refusals(bob: SlackBot) -> list[tuple[str, str, str | None]]:
    return [(e.actor, e.command, e.detail) for e in await bob.audit() if e.outcome == "refused"]


async def test_a_listener_that_checks_nothing_never_sees_an_unlisted_user(bob):
    assert bob.bot.slack is not None
    seen: list[str] = []

    @bob.bot.slack.app.command("/bob-extra")
    async def careless(ack: Any, command: dict[str, Any]) -> None:
        seen.append(command["user_id"])
        await ack()

    for user in (NOBODY, "UALICE"):
        body = urlencode(slash_payload("destroy bob001", user=user) | {"command": "/bob-extra"})
        status, _ = await bob.post(body, sign(body))
        assert 200 == status

    assert ["UALICE"] == seen
    assert [(NOBODY, "destroy bob001")] == [(a, c) for a, c, _ in await refusals(bob)]


REFUSED_DESTROY = "you may not run `destroy`; it is open to <@UALICE>, <@UCAROL>"


async def test_an_unlisted_users_command_mention_and_click_are_refused_and_audited(bob):
    _, message = await ask_to_destroy(bob, user="UALICE")
    jobs_before = len(await bob.store.list_jobs())

    _, answer = await bob.command("destroy bob001", user=NOBODY)
    mention = json.dumps(mention_event("destroy bob002", user=NOBODY))
    await bob.post(mention, sign(mention) | {"Content-Type": "application/json"})
    await bob.click(CONFIRM_ACTION, buttons(message)[CONFIRM_ACTION], user=NOBODY)
    told = await bob.fake.wait_for(lambda: told_privately(bob, count=2))
    await bob.idle()

    assert f":no_entry: {REFUSED_DESTROY}. Nothing was done." == answer["text"]
    assert [
        f":no_entry: {REFUSED_DESTROY}. Nothing was done.",
        "Only <@UALICE> or an admin may answer this. Nothing was done.",
    ] == sorted(told)
    assert sorted(
        [
            (NOBODY, "destroy bob001", REFUSED_DESTROY),
            (NOBODY, "<@UBOB> destroy bob002", REFUSED_DESTROY),
            (NOBODY, f"{CONFIRM_ACTION} destroy bob001 bob002", "requested by UALICE"),
        ]
    ) == sorted(await refusals(bob))
    assert jobs_before == len(await bob.store.list_jobs())
    assert 0 == bob.fake.messages[message.ts].edits  # the buttons still wait for Alice


def told_privately(bob: SlackBot, *, count: int) -> list[str] | None:
    """What bob told NOBODY in ephemeral messages, once there are ``count`` of them."""
    calls = bob.fake.calls_to("chat.postEphemeral")
    told = [str(c.params["text"]) for c in calls if c.params.get("user") == NOBODY]
    return told if len(told) >= count else None
