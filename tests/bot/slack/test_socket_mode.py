"""/bob over Socket Mode: bob opens a websocket to (fake) Slack and answers envelopes on it.

No public URL and no signature: Slack authenticates the connection with the app token.
"""

from __future__ import annotations

import pytest

from tests.bot.slack.harness import slack_bot, with_access
from tests.fleets import make_fleet
from tests.slack_fake import APP_TOKEN, button_payload, mention_event, slash_payload


@pytest.fixture
async def bob(tmp_path):
    async with slack_bot(with_access(make_fleet()), tmp_path, socket_mode=True) as bot:
        await bot.fake.wait_for(lambda: bot.fake.socket_connected, timeout=5)
        yield bot


async def test_bob_opens_the_connection_with_the_app_token(bob):
    opened = bob.fake.calls_to("apps.connections.open")

    assert [APP_TOKEN] == [c.params["token"] for c in opened]


async def answered(bob, text: str, user: str = "UALICE") -> tuple[dict, dict]:
    """Send /bob ``text`` down the websocket: bob's ack, then the answer at the response_url."""
    payload = slash_payload(text, user=user, response_url=bob.fake.response_url(text))
    ack = await bob.fake.socket_send("slash_commands", payload)
    return ack, await bob.fake.wait_for(lambda: bob.fake.answers.get(text))


async def test_a_slash_command_is_acked_on_the_websocket_and_answered_after(bob):
    ack, answer = await answered(bob, "create 1 --dry-run")

    assert "payload" not in ack  # an empty ack: nothing to wait for before it
    assert answer["text"].startswith("```would create 1 Bob:\n  bob001  host-a/disk1")


async def test_an_unauthorized_user_is_refused_and_audited_over_the_socket_too(bob):
    _, answer = await answered(bob, "create 2", user="UEVE")

    assert answer["text"].startswith(":no_entry: you may not run `create`")
    entry = (await bob.audit())[-1]
    assert ("UEVE", "create 2", "refused") == (entry.actor, entry.command, entry.outcome)
    assert [] == await bob.store.list_jobs()


async def test_a_mention_is_answered_in_its_thread(bob):
    event = mention_event("help jobs")

    await bob.fake.socket_send("events_api", event)
    posted = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postMessage"))

    assert (event["event"]["ts"], "```jobs\n  recent jobs```") == (
        posted[0].params["thread_ts"],
        posted[0].params["text"],
    )


async def test_a_stale_button_is_answered_privately(bob):
    payload = button_payload("bob_confirm", "no-such-token", user="UALICE")

    await bob.fake.socket_send("interactive", payload)
    said = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))

    assert said[0].params["text"].startswith("This confirmation is no longer valid")
