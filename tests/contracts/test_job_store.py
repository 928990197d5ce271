"""The JobStore contract: the in-memory fake and SqlStore (SQLite, PostgreSQL) answer alike.

Unit tests of the runner use MemoryJobStore; these assertions are what lets them trust it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from provisioning.errors import UsageError
from provisioning.fakes import MemoryJobStore
from provisioning.ports import JobStore
from provisioning.records import JobState, JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore

LEASE = timedelta(minutes=5)
LAPSED = timedelta(seconds=-1)

IMPLEMENTATIONS = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=IMPLEMENTATIONS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[JobStore]:
    if request.param == "memory":
        yield MemoryJobStore()
        return
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'bob.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    sql = await SqlStore.open(url)
    try:
        yield sql
    finally:
        await sql.close()


def entry(job_id: str, step: str, event: StepEvent = StepEvent.STARTED) -> JournalEntry:
    return JournalEntry(
        job_id=job_id,
        step_index=0,
        step=step,
        lane="bob001",
        host="host-a",
        event=event,
        at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        detail="why",
    )


async def test_a_new_job_is_pending_and_reads_back_as_created(store: JobStore) -> None:
    made = await store.create_job(
        NewJob(kind="create", params={"n": 1}, requested_by="ann", source="slack")
    )

    assert made == await store.get_job(made.id)
    assert (JobState.PENDING, None, None, False) == (
        made.state,
        made.owner,
        made.started_at,
        made.cancel_requested,
    )
    assert ("create", {"n": 1}, "ann", "slack") == (
        made.kind,
        made.params,
        made.requested_by,
        made.source,
    )


async def test_an_unknown_job_is_a_usage_error(store: JobStore) -> None:
    with pytest.raises(UsageError, match="no job with id 'nope'"):
        await store.get_job("nope")


async def test_jobs_are_found_by_the_start_of_their_id_and_nothing_else(
    store: JobStore,
) -> None:
    ids = sorted([(await store.create_job(NewJob(kind="create"))).id for _ in range(3)])

    assert [ids[0]] == await store.job_ids_starting(ids[0])
    assert ids[:2] == await store.job_ids_starting("", limit=2)
    # a LIKE wildcard in the typed text is a character, not a pattern
    assert [] == await store.job_ids_starting("%")
    assert [] == await store.job_ids_starting(ids[0][1:])


async def test_jobs_list_newest_first_and_unfinished_oldest_first(store: JobStore) -> None:
    first, second, third = [await store.create_job(NewJob(kind="create")) for _ in range(3)]
    await store.set_job_state(second.id, JobState.SUCCEEDED)

    assert [third.id, second.id] == [j.id for j in await store.list_jobs(limit=2)]
    assert [first.id, third.id] == [j.id for j in await store.unfinished_jobs()]


async def test_a_live_lease_keeps_other_owners_out_but_not_its_own(store: JobStore) -> None:
    job = await store.create_job(NewJob(kind="create"))

    claimed = await store.claim_job(job.id, "replica-1", LEASE)

    assert claimed is not None
    assert "replica-1" == claimed.owner
    assert claimed.lease_expires_at is not None
    assert await store.claim_job(job.id, "replica-2", LEASE) is None
    assert await store.claim_job(job.id, "replica-1", LEASE) is not None


async def test_a_lapsed_lease_can_be_taken_over(store: JobStore) -> None:
    job = await store.create_job(NewJob(kind="create"))
    await store.claim_job(job.id, "replica-1", LAPSED)

    taken = await store.claim_job(job.id, "replica-2", LEASE)

    assert taken is not None
    assert "replica-2" == taken.owner
    assert await store.renew_lease(job.id, "replica-1", LEASE) is False
    assert await store.renew_lease(job.id, "replica-2", LEASE) is True


async def test_an_unknown_job_cannot_be_claimed_renewed_or_cancelled(store: JobStore) -> None:
    assert await store.claim_job("nope", "replica-1", LEASE) is None
    assert await store.renew_lease("nope", "replica-1", LEASE) is False
    assert await store.request_cancel("nope") is False


async def test_finishing_frees_the_job_and_keeps_the_error(store: JobStore) -> None:
    job = await store.create_job(NewJob(kind="create"))
    await store.claim_job(job.id, "replica-1", LEASE)

    await store.set_job_state(job.id, JobState.FAILED, error="boom")

    done = await store.get_job(job.id)
    assert (JobState.FAILED, "boom", None, None) == (
        done.state,
        done.error,
        done.owner,
        done.lease_expires_at,
    )
    assert done.finished_at is not None
    assert await store.claim_job(job.id, "replica-1", LEASE) is None
    assert await store.request_cancel(job.id) is False


async def test_a_resumed_job_keeps_the_time_it_first_started(store: JobStore) -> None:
    job = await store.create_job(NewJob(kind="create"))
    await store.set_job_state(job.id, JobState.RUNNING)
    started = (await store.get_job(job.id)).started_at

    await store.set_job_state(job.id, JobState.RUNNING)

    assert started is not None
    assert started == (await store.get_job(job.id)).started_at


async def test_cancel_is_recorded_on_an_unfinished_job(store: JobStore) -> None:
    job = await store.create_job(NewJob(kind="create"))

    assert await store.request_cancel(job.id) is True
    assert (await store.get_job(job.id)).cancel_requested


async def test_the_journal_keeps_each_jobs_entries_in_order(store: JobStore) -> None:
    one, other = [await store.create_job(NewJob(kind="create")) for _ in range(2)]
    written = [entry(one.id, "clone"), entry(other.id, "x"), entry(one.id, "start")]
    for e in written:
        await store.append_journal(e)

    assert [written[0], written[2]] == await store.journal(one.id)
    assert [] == await store.journal("nope")
