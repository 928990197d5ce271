"""/bob locker over real HTTP: reading lockers is open to everyone, a change needs the `locker`
access rule, and a refused change leaves no job and an audit row."""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.lockers.records import LockerRecord
from tests.bot.slack.harness import slack_bot, with_access
from tests.fleets import make_fleet

ACCESS = {"rules": {"locker": {"users": ["UALICE"]}}, "admins": {"users": ["UADMIN"]}}


async def test_anyone_lists_lockers_but_only_the_rule_changes_them(tmp_path):
    async with slack_bot(with_access(make_fleet(), ACCESS), tmp_path) as bob:
        await bob.store.add_locker(
            LockerRecord(
                name="cache",
                host="host-a",
                backend="dir",
                job_id="j",
                created_at=datetime.now(UTC),
            )
        )
        _, listed = await bob.command("locker list", user="UCAROL")
        assert listed["text"].startswith("```cache")
        assert "not mounted" in listed["text"]

        _, refused = await bob.command("locker create data on host-a", user="UCAROL")
        assert refused["text"].startswith(":no_entry: you may not run `locker`")
        assert await bob.store.list_jobs() == []
        assert (await bob.audit())[-1].outcome == "refused"

        _, wrong = await bob.command("locker mount cache into bob009", user="UALICE")
        assert wrong["text"] == ":warning: no Bob named bob009"
        assert await bob.store.list_jobs() == []
