"""Talking to bob in Slack: what a refusal, a mistake or a greeting gets, and what the audit
log keeps of it. Real Bolt over HTTP, a fake Slack (see harness.py)."""

from __future__ import annotations

import json

import pytest

from tests.bot.slack.harness import SlackBot, slack_bot, with_access
from tests.fleets import make_fleet
from tests.slack_fake import mention_event, sign


@pytest.fixture
async def bob(tmp_path):
    async with slack_bot(with_access(make_fleet()), tmp_path) as bot:
        yield bot


async def mention(bob: SlackBot, text: str, **kwargs: str) -> None:
    body = json.dumps(mention_event(text, **kwargs))
    status, _ = await bob.post(body, sign(body) | {"Content-Type": "application/json"})
    assert 200 == status


async def test_the_audit_log_tells_a_refusal_from_a_mistake_a_shortfall_and_an_unknown_host(bob):
    said = {
        text: (await bob.command(text, user=user))[1]["text"]
        for text, user in [
            ("create 3", "UMALLORY"),
            ("create lots", "UALICE"),
            ("create 99", "UALICE"),
            ("create 2 on host-z", "UALICE"),
        ]
    }

    assert [
        ("UMALLORY", "create 3", "refused"),
        ("UALICE", "create lots", "invalid"),
        ("UALICE", "create 99", "shortfall"),
        ("UALICE", "create 2 on host-z", "unknown-host"),
    ] == [(e.actor, e.command, e.outcome) for e in await bob.audit()]
    assert said["create 99"].startswith(":warning: need room for 99 Bobs, the fleet has room")


async def test_a_refused_mention_inside_a_thread_is_answered_in_that_thread(bob):
    await mention(bob, "make 5 bobs", user="UMALLORY", thread_ts="1700000000.000042")

    ephemeral = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))
    assert ("UMALLORY", "1700000000.000042") == (
        ephemeral[0].params["user"],
        ephemeral[0].params.get("thread_ts"),
    )


async def test_a_mistaken_mention_inside_a_thread_is_answered_in_that_thread(bob):
    await mention(bob, "make lots of bobs", thread_ts="1700000000.000043")

    ephemeral = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))
    assert "1700000000.000043" == ephemeral[0].params.get("thread_ts")
    assert ephemeral[0].params["text"].startswith("I don't know")


async def test_hi_gets_a_short_greeting_and_the_three_most_used_commands(bob):
    _, answer = await bob.command("hi", user="USTRANGER")

    lines = answer["text"].splitlines()
    assert lines[0].startswith("Hi! ")
    assert ["create", "list", "destroy"] == [line.strip("`").split()[0] for line in lines[1:4]]
    assert "`/bob help` has the rest." == lines[-1]
    assert "reconcile" not in answer["text"]
