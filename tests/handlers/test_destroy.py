"""destroy's names, the same for every front end (CLI, Slack, board): a Bob that exists goes,
one bob made that is gone already is a no-op, and a name bob never knew is a mistake."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.plans import dry_run_destroy, render_destroy_plan
from handlers.provision import Caller, submit_destroy
from handlers.requests import DestroyBobs
from provisioning.core.plan import plan_create
from provisioning.errors import UsageError
from provisioning.records import BobState, JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore
from tests.fleets import make_fleet

FLEET = make_fleet()
CALLER = Caller(actor="tester", source="slack", origin="pytest", command="destroy")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """bob001 and bob003 made by a create job; bob002 made by it too, and destroyed since."""
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    try:
        job, plan = await store.reserve(
            NewJob(kind="create"), lambda held: plan_create(FLEET, held, 3)
        )
        for index, bob in enumerate(plan.bobs):
            await store.append_journal(
                JournalEntry(
                    job_id=job.id,
                    step_index=index,
                    step="reserve",
                    lane=bob.name,
                    host=bob.host,
                    event=StepEvent.SUCCEEDED,
                    at=datetime.now(UTC),
                )
            )
        await store.release_reservations(job.id, ["bob002"])
        for name in ("bob001", "bob003"):
            await store.promote_reservation(name, BobState.READY)
        yield store
    finally:
        await store.close()


async def test_the_plan_sorts_names_into_doomed_and_gone(store):
    plan = await dry_run_destroy(store, DestroyBobs(names=("bob001", "bob002")))

    assert ["would destroy 1 Bob:", "already gone: bob002"] == [
        line for line in render_destroy_plan(plan).splitlines() if not line.startswith("  ")
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("nosuch",), "no Bob named nosuch; Bobs: bob001, bob003 (`bob list` shows them all)"),
        (("bob1", "bob003"), "no Bob named bob1; did you mean bob001?"),
        (("bob003", "bbo003"), "no Bob named bbo003; did you mean bob003?"),
    ],
)
async def test_a_name_bob_never_knew_is_refused_by_plan_and_submit_alike(store, names, message):
    request = DestroyBobs(names=names)
    with pytest.raises(UsageError) as planned:
        await dry_run_destroy(store, request)
    with pytest.raises(UsageError) as submitted:
        await submit_destroy(FLEET, store, request, CALLER)

    assert (message, message) == (str(planned.value), str(submitted.value))
    assert ["create"] == [job.kind for job in await store.list_jobs()]
    assert [("invalid", message)] == [(a.outcome, a.detail) for a in await store.audit_log()]
