"""What a serving replica does on its own: it picks up jobs a dead replica left once their
lease has run out, and it reconciles on a schedule, reporting differences to the channel once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from provisioning.jobs.liveness import interrupted
from provisioning.records import JobRecord, JobState, NewJob
from tests.bot.slack.harness import options, reconciling_fleet, slack_bot, with_access
from tests.fleets import make_fleet
from tests.waiting import until_true

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def job(**fields: Any) -> JobRecord:
    base = {
        "id": "j1",
        "kind": "destroy",
        "params": {},
        "state": JobState.RUNNING,
        "requested_by": "t",
        "source": "test",
        "created_at": NOW - timedelta(minutes=10),
    }
    return JobRecord(**{**base, **fields})


def test_a_job_is_orphaned_once_its_lease_has_run_out():
    assert not interrupted(job(owner="a", lease_expires_at=NOW + timedelta(seconds=1)), NOW)
    assert interrupted(job(owner="a", lease_expires_at=NOW), NOW)


def test_a_job_nobody_claimed_is_orphaned_only_after_a_grace_period():
    assert not interrupted(job(state=JobState.PENDING, created_at=NOW - timedelta(seconds=5)), NOW)
    assert interrupted(job(state=JobState.PENDING, created_at=NOW - timedelta(minutes=5)), NOW)


async def test_a_job_left_by_a_dead_replica_is_finished_by_the_sweep(tmp_path):
    async with slack_bot(with_access(make_fleet()), tmp_path, options=options(sweep_s=0.1)) as bob:
        left = await bob.store.create_job(
            NewJob(kind="destroy", params={"bobs": [], "wait": 0}, requested_by="t", source="t")
        )
        # The dead replica claimed it with a lease that has run out by now.
        await bob.store.claim_job(left.id, "dead-replica", timedelta(milliseconds=1))

        async with asyncio.timeout(10):
            while (await bob.store.get_job(left.id)).state is not JobState.SUCCEEDED:
                await asyncio.sleep(0.05)
        await bob.idle()  # created after start-up: only the sweep can have run it


async def test_the_periodic_reconcile_reports_differences_to_the_channel_once(tmp_path):
    # A peer that hangs up on every connection: every host is unreadable, at once, and each
    # pass's attempts to read them are counted.
    attempts = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1
        writer.close()

    peer = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    fleet = reconciling_fleet(tmp_path, peer.sockets[0].getsockname()[1])
    async with peer, slack_bot(fleet, tmp_path) as bob:
        posted = await bob.fake.wait_for(
            lambda: [
                c for c in bob.fake.calls_to("chat.postMessage") if c.params["channel"] == "C0OPS"
            ]
        )
        per_pass = attempts  # the first pass's, which the report came from
        assert per_pass > 0  # premise: the passes are seen
        # Three more passes, the same differences.
        await until_true(lambda: attempts >= 4 * per_pass, "three more reconcile passes")

        reports = [
            c for c in bob.fake.calls_to("chat.postMessage") if c.params["channel"] == "C0OPS"
        ]
        assert 1 == len(reports)
        lines = posted[0].params["text"].splitlines()
        assert "bob reconcile: 2 differences" == lines[0]
        assert lines[1].startswith("• unreadable                 host:host-a: could not be read")
