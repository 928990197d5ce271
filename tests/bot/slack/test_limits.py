"""/bob limit: a change is access-controlled like every change; showing limits is a report.
(The limit job itself runs on the real sandbox: tests/provisioning/limits/test_live_limits.py.)"""

from __future__ import annotations

import pytest

from tests.bot.slack.harness import ACCESS, slack_bot, with_access
from tests.fleets import make_fleet

FLEET = with_access(make_fleet(), ACCESS)  # no rule for limit: admins only


@pytest.fixture
async def bob(tmp_path):
    async with slack_bot(FLEET, tmp_path) as bot:
        yield bot


async def test_changing_limits_without_a_rule_is_for_admins_only_and_audited(bob):
    _, ack = await bob.command("limit bob001 memory=2G", user="UALICE")

    assert ":no_entry: only bob's admins may run `limit` (no access rule for it)." in ack["text"]
    [entry] = [e for e in await bob.audit() if e.command == "limit bob001 memory=2G"]
    assert ("UALICE", "refused") == (entry.actor, entry.outcome)
    assert [] == [j for j in await bob.store.list_jobs() if j.kind == "limit"]


async def test_an_unknown_limit_key_is_answered_with_what_was_meant_and_the_usage(bob):
    _, ack = await bob.command("limit bob001 mem=2G", user="UADMIN")

    assert [
        "unknown limit 'mem'; did you mean memory? (keys: memory, cpu_shares, cpuset)",
        "usage: `/bob limit NAME… [memory=2G] [cpu_shares=512] [cpuset=0-1] [--dry-run]`",
    ] == ack["text"].splitlines()


async def test_showing_the_limits_of_a_bob_bob_does_not_know_names_the_likely_one(bob):
    _, ack = await bob.command("limit bob1", user="USTRANGER")

    assert ":warning: no Bob named bob1; there are no Bobs" == ack["text"]
