"""Jobs: who runs them (leases), how they end, how they are cancelled, what they journal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from provisioning.records import JobState, JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore

LEASE = timedelta(minutes=1)
# A lease that ran out before it was granted: an expired lease without sleeping in the test.
EXPIRED = timedelta(seconds=-1)


def job(kind: str = "destroy") -> NewJob:
    return NewJob(kind=kind, params={"names": ["bob001"]}, requested_by="U0TEST", source="test")


def entry(job_id: str, step_index: int, event: StepEvent, at: datetime) -> JournalEntry:
    return JournalEntry(
        job_id=job_id,
        step_index=step_index,
        step=f"step-{step_index}",
        lane="host-a",
        host="host-a",
        event=event,
        at=at,
        duration_s=None if event is StepEvent.STARTED else 1.5,
        detail=f"{event} {step_index}",
    )


async def test_a_new_job_is_pending_and_unowned(store: SqlStore) -> None:
    created = await store.create_job(job())

    assert (JobState.PENDING, None, None, False) == (
        created.state,
        created.owner,
        created.lease_expires_at,
        created.cancel_requested,
    )
    assert created == await store.get_job(created.id)


async def test_claiming_an_unowned_job_grants_a_lease(store: SqlStore) -> None:
    created = await store.create_job(job())
    before = datetime.now(UTC)

    claimed = await store.claim_job(created.id, "runner-a", LEASE)

    assert claimed is not None
    assert "runner-a" == claimed.owner
    assert claimed.lease_expires_at is not None
    assert before + LEASE <= claimed.lease_expires_at <= datetime.now(UTC) + LEASE
    assert claimed == await store.get_job(created.id)


async def test_another_owner_cannot_claim_while_the_lease_is_live(store: SqlStore) -> None:
    created = await store.create_job(job())
    held = await store.claim_job(created.id, "runner-a", LEASE)

    taken = await store.claim_job(created.id, "runner-b", LEASE)

    assert taken is None
    assert held == await store.get_job(created.id)


async def test_the_owner_can_claim_its_job_again(store: SqlStore) -> None:
    created = await store.create_job(job())
    await store.claim_job(created.id, "runner-a", LEASE)

    again = await store.claim_job(created.id, "runner-a", LEASE)

    assert again is not None
    assert "runner-a" == again.owner


async def test_another_owner_can_claim_once_the_lease_has_expired(store: SqlStore) -> None:
    created = await store.create_job(job())
    await store.claim_job(created.id, "runner-a", EXPIRED)

    taken = await store.claim_job(created.id, "runner-b", LEASE)

    assert taken is not None
    assert "runner-b" == taken.owner


async def test_only_one_of_many_concurrent_claimants_wins(store: SqlStore) -> None:
    created = await store.create_job(job())

    claims = await asyncio.gather(
        *(store.claim_job(created.id, f"runner-{i}", LEASE) for i in range(10))
    )

    winners = [c.owner for c in claims if c is not None]
    assert 1 == len(winners)
    assert winners[0] == (await store.get_job(created.id)).owner


async def test_a_finished_job_cannot_be_claimed(store: SqlStore) -> None:
    created = await store.create_job(job())
    await store.set_job_state(created.id, JobState.SUCCEEDED)

    assert None is await store.claim_job(created.id, "runner-a", LEASE)


async def test_only_the_owner_can_renew_a_lease(store: SqlStore) -> None:
    created = await store.create_job(job())
    claimed = await store.claim_job(created.id, "runner-a", LEASE)
    assert claimed is not None
    assert claimed.lease_expires_at is not None

    renewed_by_other = await store.renew_lease(created.id, "runner-b", 10 * LEASE)
    renewed_by_owner = await store.renew_lease(created.id, "runner-a", 10 * LEASE)

    assert (False, True) == (renewed_by_other, renewed_by_owner)
    after = await store.get_job(created.id)
    assert after.lease_expires_at is not None
    assert after.lease_expires_at > claimed.lease_expires_at + 8 * LEASE


async def test_running_records_the_start_and_finishing_releases_the_lease(
    store: SqlStore,
) -> None:
    created = await store.create_job(job())
    await store.claim_job(created.id, "runner-a", LEASE)

    await store.set_job_state(created.id, JobState.RUNNING)
    running = await store.get_job(created.id)
    await store.set_job_state(created.id, JobState.FAILED, error="step 3 timed out")
    failed = await store.get_job(created.id)

    assert (JobState.RUNNING, "runner-a", None) == (
        running.state,
        running.owner,
        running.finished_at,
    )
    assert running.started_at is not None
    assert (JobState.FAILED, "step 3 timed out", None, None, running.started_at) == (
        failed.state,
        failed.error,
        failed.owner,
        failed.lease_expires_at,
        failed.started_at,
    )
    assert failed.finished_at is not None
    assert failed.finished_at >= running.started_at


async def test_unfinished_jobs_are_listed_oldest_first(store: SqlStore) -> None:
    first = await store.create_job(job())
    done = await store.create_job(job())
    last = await store.create_job(job())
    await store.set_job_state(done.id, JobState.SUCCEEDED)
    await store.set_job_state(last.id, JobState.UNDOING)

    assert [first.id, last.id] == [j.id for j in await store.unfinished_jobs()]


async def test_cancelling_an_unfinished_job_flags_it(store: SqlStore) -> None:
    created = await store.create_job(job())

    accepted = await store.request_cancel(created.id)

    assert (True, True) == (accepted, (await store.get_job(created.id)).cancel_requested)


async def test_cancelling_a_finished_job_is_refused_and_changes_nothing(store: SqlStore) -> None:
    created = await store.create_job(job())
    await store.set_job_state(created.id, JobState.SUCCEEDED)
    finished = await store.get_job(created.id)

    accepted = await store.request_cancel(created.id)

    assert (False, finished) == (accepted, await store.get_job(created.id))


async def test_cancelling_an_unknown_job_is_refused(store: SqlStore) -> None:
    assert False is await store.request_cancel("00000000")


async def test_the_journal_reads_back_in_the_order_it_was_written(store: SqlStore) -> None:
    ours, theirs = await store.create_job(job()), await store.create_job(job())
    start = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    # Timestamps deliberately run backwards: order is the order of appending, not of ``at``.
    written = [
        entry(ours.id, 0, StepEvent.STARTED, start),
        entry(ours.id, 0, StepEvent.SUCCEEDED, start - timedelta(seconds=1)),
        entry(ours.id, 1, StepEvent.FAILED, start - timedelta(seconds=2)),
        entry(ours.id, 0, StepEvent.UNDONE, start - timedelta(seconds=3)),
    ]
    for e in written:
        await store.append_journal(e)
        await store.append_journal(entry(theirs.id, 9, StepEvent.LOG, start))

    assert written == await store.journal(ours.id)


async def test_jobs_are_listed_newest_first_up_to_the_limit(store: SqlStore) -> None:
    created = [await store.create_job(job(kind=f"k{i}")) for i in range(4)]

    assert [c.id for c in reversed(created)][:3] == [j.id for j in await store.list_jobs(3)]


async def test_worked_on_names_the_lanes_a_job_of_that_kind_journaled(store: SqlStore) -> None:
    at = datetime.now(UTC)
    created = await store.create_job(job("create"))
    destroyed = await store.create_job(job("destroy"))
    for job_id, lane in ((created.id, "bob001"), (created.id, "bob002"), (destroyed.id, "bob003")):
        await store.append_journal(
            entry(job_id, 0, StepEvent.SUCCEEDED, at).model_copy(update={"lane": lane})
        )

    assert {"bob002"} == await store.worked_on("create", ["bob002", "bob003", "bob004"])
    assert set() == await store.worked_on("create", [])
