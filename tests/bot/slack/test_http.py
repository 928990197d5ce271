"""/bob over real HTTP: Bolt verifies Slack's signature, the command is parsed, checked, answered.

Every request here is signed like Slack signs it, except the ones that test the refusals.
"""

from __future__ import annotations

import json
import time

import pytest

from provisioning.records import NewJob
from tests.bot.slack.harness import SlackBot, slack_bot, with_access
from tests.fleets import make_fleet
from tests.slack_fake import button_body, mention_event, sign, slash_body


@pytest.fixture
async def bob(tmp_path):
    async with slack_bot(with_access(make_fleet()), tmp_path) as bot:
        yield bot


async def nothing_ran(bob: SlackBot) -> bool:
    posted = bob.fake.calls_to("chat.postMessage") + bob.fake.calls_to("chat.update")
    return not posted and not await bob.store.list_jobs() and not await bob.store.occupants()


async def test_a_signed_list_command_is_answered_in_the_ack(bob):
    status, ack = await bob.command("list")

    assert 200 == status
    assert ack["text"].startswith("```host-a (dc1, overlay): 0/14 used, 14 free")


async def test_bolt_asks_slack_who_it_is_once(bob):
    await bob.command("list")
    await bob.command("jobs")

    assert 1 == len(bob.fake.calls_to("auth.test"))


async def test_a_tampered_signature_is_refused_and_audited(bob):
    body = slash_body("create 3", user="UALICE")
    headers = sign(body)
    tampered = body.replace("create+3", "create+9")

    status, _ = await bob.post(tampered, headers)

    assert 401 == status
    assert await nothing_ran(bob)
    entry = (await bob.audit())[-1]
    expected = ("unverified:UALICE", "CBOBS", "/bob create 9", "rejected")
    assert expected == (entry.actor, entry.origin, entry.command, entry.outcome)


async def test_a_request_signed_with_another_secret_is_refused(bob):
    body = slash_body("create 3")

    status, _ = await bob.post(body, sign(body, secret="not-the-secret"))

    assert (401, True) == (status, await nothing_ran(bob))
    assert "bad signature or stale timestamp" == (await bob.audit())[-1].detail


async def test_a_stale_timestamp_is_refused_even_when_correctly_signed(bob):
    body = slash_body("create 3")
    ten_minutes_ago = int(time.time()) - 600

    status, _ = await bob.post(body, sign(body, timestamp=ten_minutes_ago))

    assert (401, True) == (status, await nothing_ran(bob))
    assert ["rejected"] == [e.outcome for e in await bob.audit()]


async def test_an_unsigned_request_is_refused(bob):
    body = slash_body("create 3")

    status, _ = await bob.post(body, {"Content-Type": "application/x-www-form-urlencoded"})

    assert (401, True) == (status, await nothing_ran(bob))


async def test_an_unauthorized_user_is_told_why_and_audited(bob):
    status, ack = await bob.command("create 3", user="UMALLORY")

    assert 200 == status
    assert ack["text"].startswith(":no_entry: you may not run `create`; it is open to <@UALICE>")
    assert await nothing_ran(bob)
    entry = (await bob.audit())[-1]
    assert ("UMALLORY", "CBOBS", "create 3", "refused") == (
        entry.actor,
        entry.origin,
        entry.command,
        entry.outcome,
    )


async def test_a_command_without_a_rule_is_for_admins_only(bob):
    _, ack = await bob.command("rebuild-base all", user="UALICE")

    assert (
        ":no_entry: only bob's admins may run `rebuild-base` (no access rule for it)."
        in ack["text"]
    )


async def test_a_member_of_an_allowed_group_may_run_the_command(bob):
    _, ack = await bob.command("create 2 --dry-run", user="UGROUPIE")
    _, create = await bob.command("create 99999", user="UGROUPIE")

    assert ack["text"].startswith("```would create 2 Bobs:")
    assert "count: must be a whole number" in create["text"]


async def test_read_only_commands_are_open_to_everyone(bob):
    _, ack = await bob.command("jobs", user="USTRANGER")

    assert "```no jobs yet```" == ack["text"]


async def test_bad_arguments_get_the_usage_and_an_audit_row(bob):
    status, ack = await bob.command("create lots", user="UALICE")

    assert 200 == status
    assert [
        "count: must be a whole number from 1 to 10000 (got 'lots')",
        "usage: `/bob create [N] [on HOST] [for 8h] [--dry-run]`",
    ] == ack["text"].splitlines()
    assert await nothing_ran(bob)
    entry = (await bob.audit())[-1]
    assert ("UALICE", "create lots", "invalid") == (entry.actor, entry.command, entry.outcome)


async def test_an_unknown_command_suggests_the_closest_one(bob):
    _, ack = await bob.command("destory bob001")

    assert ack["text"].startswith("I don't know `destory`. Did you mean `destroy NAME…`?")


async def test_a_mention_in_plain_words_is_answered_in_its_thread(bob):
    event = mention_event("show bobs on host-a", user="USTRANGER")
    body = json.dumps(event)
    headers = sign(body) | {"Content-Type": "application/json"}

    status, _ = await bob.post(body, headers)
    reply = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postMessage"))

    assert 200 == status
    assert event["event"]["ts"] == reply[0].params["thread_ts"]
    assert reply[0].params["text"].startswith("```host-a (dc1, overlay)")


async def test_a_refused_mention_is_answered_privately(bob):
    body = json.dumps(mention_event("make 5 bobs", user="UMALLORY"))

    await bob.post(body, sign(body) | {"Content-Type": "application/json"})
    ephemeral = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postEphemeral"))

    assert "UMALLORY" == ephemeral[0].params["user"]
    assert ephemeral[0].params["text"].startswith(":no_entry: you may not run `create`")


async def test_cancel_records_the_request_for_the_jobs_runner(bob):
    job = await bob.store.create_job(NewJob(kind="create"))

    _, ack = await bob.command(f"cancel {job.id}", user="UALICE")

    assert f"job {job.id}: cancel requested; its runner stops and undoes it" == ack["text"]
    assert (await bob.store.get_job(job.id)).cancel_requested
    entry = (await bob.audit())[-1]
    assert (f"cancel {job.id}", "cancel-requested") == (entry.command, entry.outcome)


async def test_cancelling_an_unknown_job_says_so(bob):
    _, ack = await bob.command("cancel abcdef12", user="UALICE")

    assert ":warning: no job with id 'abcdef12'" == ack["text"]


async def test_a_forged_button_click_is_refused_and_audited_with_what_it_claimed(bob):
    body = button_body("bob_confirm", "some-token", user="UMALLORY")

    status, _ = await bob.post(body, sign(body, secret="guessed"))

    assert (401, True) == (status, await nothing_ran(bob))
    entry = (await bob.audit())[-1]
    assert ("unverified:UMALLORY", "CBOBS", "block_actions", "rejected") == (
        entry.actor,
        entry.origin,
        entry.command,
        entry.outcome,
    )


async def test_a_timestamp_that_is_not_a_number_is_refused_and_audited(bob):
    body = slash_body("create 3", user="UALICE")
    headers = sign(body) | {"X-Slack-Request-Timestamp": "soon"}

    status, _ = await bob.post(body, headers)

    assert (401, True) == (status, await nothing_ran(bob))
    entry = (await bob.audit())[-1]
    assert ("unverified:UALICE", "/bob create 3", "rejected") == (
        entry.actor,
        entry.command,
        entry.outcome,
    )


async def test_a_forged_mention_is_audited_with_the_user_and_text_it_claimed(bob):
    body = json.dumps(mention_event("make 5 bobs", user="UMALLORY"))
    headers = sign(body, secret="guessed") | {"Content-Type": "application/json"}

    status, _ = await bob.post(body, headers)

    assert (401, True) == (status, await nothing_ran(bob))
    entry = (await bob.audit())[-1]
    assert ("unverified:UMALLORY", "CBOBS", "app_mention: <@UBOB> make 5 bobs", "rejected") == (
        entry.actor,
        entry.origin,
        entry.command,
        entry.outcome,
    )


async def test_a_command_is_answered_while_slacks_web_api_is_away_from_bob(bob):
    bob.fake.down = True  # from the first request on: bob never learnt who it is in Slack

    status, answer = await bob.command("help list")

    assert 200 == status
    assert "```list [HOST]\n  Bobs by host and disk, with free room```" == answer["text"]
