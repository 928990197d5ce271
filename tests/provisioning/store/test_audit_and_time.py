"""The audit log, and the rule that every timestamp in and out of the store is aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from provisioning.config import Fleet
from provisioning.errors import StoreError
from provisioning.records import AuditEntry, BobState, JobState, JournalEntry, StepEvent
from provisioning.store import SqlStore
from tests.provisioning.store.helpers import create_job, planner

CEST = timezone(timedelta(hours=2), "CEST")


def audit_entry(n: int, at: datetime) -> AuditEntry:
    return AuditEntry(
        at=at,
        actor=f"U0USER{n}",
        source="slack",
        origin="C0CHANNEL",
        command=f"create {n}",
        outcome="accepted" if n % 2 else "denied",
        detail=None if n % 2 else "not in S0INFRA",
    )


async def test_the_audit_log_returns_entries_as_written_newest_first(store: SqlStore) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    written = [audit_entry(n, start + timedelta(minutes=n)) for n in range(3)]
    for e in written:
        await store.audit(e)

    assert list(reversed(written)) == await store.audit_log()


async def test_the_audit_log_honours_its_limit(store: SqlStore) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    for n in range(5):
        await store.audit(audit_entry(n, start))

    assert ["create 4", "create 3"] == [e.command for e in await store.audit_log(limit=2)]


async def test_every_timestamp_read_back_is_aware_utc(
    store: SqlStore, example_fleet: Fleet
) -> None:
    job, _ = await store.reserve(create_job(2), planner(example_fleet, 2))
    await store.claim_job(job.id, "runner-a", timedelta(minutes=1))
    await store.set_job_state(job.id, JobState.RUNNING)
    await store.promote_reservation("bob001", BobState.CREATING)
    await store.append_journal(
        JournalEntry(
            job_id=job.id,
            step_index=0,
            step="clone",
            lane="host-a",
            host="host-a",
            event=StepEvent.STARTED,
            at=datetime.now(UTC),
        )
    )
    await store.audit(audit_entry(1, datetime.now(UTC)))
    await store.set_job_state(job.id, JobState.SUCCEEDED)

    stored = await store.get_job(job.id)
    stamps = {
        "job.created_at": stored.created_at,
        "job.started_at": stored.started_at,
        "job.finished_at": stored.finished_at,
        "reservation.created_at": (await store.list_reservations())[0].created_at,
        "bob.created_at": (await store.list_bobs())[0].created_at,
        "journal.at": (await store.journal(job.id))[0].at,
        "audit.at": (await store.audit_log())[0].at,
    }
    assert {k: timedelta(0) for k in stamps} == {
        k: v.utcoffset() if v is not None else None for k, v in stamps.items()
    }
    assert {k: UTC for k in stamps} == {k: v.tzinfo if v else None for k, v in stamps.items()}


async def test_an_aware_non_utc_time_reads_back_as_the_same_instant_in_utc(
    store: SqlStore,
) -> None:
    at = datetime(2030, 6, 1, 14, 30, 15, 123456, tzinfo=CEST)

    await store.audit(audit_entry(1, at))

    (back,) = await store.audit_log()
    assert (datetime(2030, 6, 1, 12, 30, 15, 123456, tzinfo=UTC), UTC) == (back.at, back.at.tzinfo)


async def test_a_naive_time_is_refused_and_nothing_is_written(store: SqlStore) -> None:
    with pytest.raises(StoreError, match="naive datetime"):
        await store.audit(audit_entry(1, datetime(2030, 1, 1, 12, 0)))

    assert [] == await store.audit_log()
