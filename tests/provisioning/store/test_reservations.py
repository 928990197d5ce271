"""Reserving, promoting and releasing: the life of a slot from plan to Bob."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from provisioning.config import Fleet
from provisioning.core.models import CreatePlan, Occupant
from provisioning.core.plan import plan_create
from provisioning.errors import ConflictError, ShortfallError, UsageError
from provisioning.records import BobState
from provisioning.store import SqlStore
from tests.provisioning.store.helpers import create_job, planner, small_fleet, violations


async def test_reserve_returns_the_job_exactly_as_stored(
    store: SqlStore, example_fleet: Fleet
) -> None:
    job, plan = await store.reserve(create_job(2), planner(example_fleet, 2))

    assert job == await store.get_job(job.id)
    assert {"count": 2, "plan": plan.model_dump(mode="json")} == job.params


async def test_reservations_carry_the_plans_names_slots_and_addresses(
    store: SqlStore, example_fleet: Fleet
) -> None:
    job, plan = await store.reserve(create_job(2), planner(example_fleet, 2))

    held = await store.list_reservations(job.id)
    assert [(b.name, b.host, b.disk, b.slot, b.ip) for b in plan.bobs] == [
        (r.name, r.host, r.disk, r.slot, r.ip) for r in held
    ]


async def test_a_full_fleet_refuses_with_shortfall_and_writes_nothing(store: SqlStore) -> None:
    fleet = small_fleet(2)
    await store.reserve(create_job(2), planner(fleet, 2))
    jobs_before, held_before = await store.list_jobs(), await store.list_reservations()

    with pytest.raises(ShortfallError) as refused:
        await store.reserve(create_job(1), planner(fleet, 1))

    assert (1, 0) == (refused.value.requested, refused.value.available)
    assert jobs_before == await store.list_jobs()
    assert held_before == await store.list_reservations()


async def test_a_planner_that_fails_leaves_no_job_and_no_reservation(store: SqlStore) -> None:
    def broken(_occupants: Sequence[Occupant]) -> CreatePlan:
        raise RuntimeError("planner bug")

    with pytest.raises(RuntimeError, match="planner bug"):
        await store.reserve(create_job(1), broken)

    assert ([], []) == (await store.list_jobs(), await store.list_reservations())


async def test_a_plan_that_takes_a_held_slot_is_a_conflict_and_writes_nothing(
    store: SqlStore, example_fleet: Fleet
) -> None:
    _, held_plan = await store.reserve(create_job(1), planner(example_fleet, 1))
    jobs_before, held_before = await store.list_jobs(), await store.list_reservations()

    def blind(_occupants: Sequence[Occupant]) -> CreatePlan:
        return held_plan  # the database's unique constraints are the last line of defence

    with pytest.raises(ConflictError):
        await store.reserve(create_job(1), blind)

    assert jobs_before == await store.list_jobs()
    assert held_before == await store.list_reservations()


async def test_the_planner_sees_bobs_and_reservations_as_occupants(
    store: SqlStore, example_fleet: Fleet
) -> None:
    await store.reserve(create_job(2), planner(example_fleet, 2))
    await store.promote_reservation("bob001", BobState.READY)
    seen: list[list[str]] = []

    def spy(occupants: Sequence[Occupant]) -> CreatePlan:
        seen.append(sorted(o.name for o in occupants))
        return plan_create(example_fleet, occupants, 1)

    await store.reserve(create_job(1), spy)

    assert [["bob001", "bob002"]] == seen


async def test_promotion_turns_a_reservation_into_a_bob_in_the_same_place(
    store: SqlStore, example_fleet: Fleet
) -> None:
    job, plan = await store.reserve(create_job(1), planner(example_fleet, 1))
    (planned,) = plan.bobs

    bob = await store.promote_reservation(planned.name, BobState.CREATING)

    assert (planned.name, planned.host, planned.disk, planned.slot, planned.ip) == (
        bob.name,
        bob.host,
        bob.disk,
        bob.slot,
        bob.ip,
    )
    assert (BobState.CREATING, job.id) == (bob.state, bob.job_id)
    assert bob == await store.get_bob(planned.name)
    assert [] == await store.list_reservations()


async def test_promotion_keeps_every_slot_occupied(store: SqlStore, example_fleet: Fleet) -> None:
    await store.reserve(create_job(3), planner(example_fleet, 3))
    before = sorted((o.name, o.host, o.disk, o.slot, o.ip) for o in await store.occupants())

    await store.promote_reservation("bob002", BobState.READY)

    after = sorted((o.name, o.host, o.disk, o.slot, o.ip) for o in await store.occupants())
    assert before == after


async def test_promoting_an_existing_bob_only_changes_its_state(
    store: SqlStore, example_fleet: Fleet
) -> None:
    await store.reserve(create_job(1), planner(example_fleet, 1))
    creating = await store.promote_reservation("bob001", BobState.CREATING)

    ready = await store.promote_reservation("bob001", BobState.READY)

    assert creating.model_copy(update={"state": BobState.READY}) == ready
    assert ready == await store.get_bob("bob001")


async def test_promoting_an_unknown_name_is_a_usage_error(store: SqlStore) -> None:
    with pytest.raises(UsageError, match="bob404"):
        await store.promote_reservation("bob404", BobState.READY)


async def test_releasing_a_job_frees_only_that_jobs_reservations(
    store: SqlStore, example_fleet: Fleet
) -> None:
    kept, _ = await store.reserve(create_job(2), planner(example_fleet, 2))
    dropped, _ = await store.reserve(create_job(3), planner(example_fleet, 3))

    released = await store.release_reservations(dropped.id)

    assert 3 == released
    assert ["bob001", "bob002"] == [r.name for r in await store.list_reservations()]
    assert [kept.id, kept.id] == [r.job_id for r in await store.list_reservations()]


async def test_releasing_named_reservations_keeps_the_others(
    store: SqlStore, example_fleet: Fleet
) -> None:
    job, _ = await store.reserve(create_job(3), planner(example_fleet, 3))

    released = await store.release_reservations(job.id, ["bob001", "bob003"])

    assert 2 == released
    assert ["bob002"] == [r.name for r in await store.list_reservations(job.id)]


async def test_released_names_slots_and_addresses_are_handed_out_again(
    store: SqlStore, example_fleet: Fleet
) -> None:
    job, first = await store.reserve(create_job(2), planner(example_fleet, 2))
    await store.release_reservations(job.id)

    _, second = await store.reserve(create_job(2), planner(example_fleet, 2))

    assert first == second


async def test_promotion_waits_for_a_reservation_being_planned(
    store: SqlStore, store_url: str, example_fleet: Fleet
) -> None:
    """A promotion moves a row from ``reservations`` to ``bobs``. Were it allowed to commit
    while a planner reads those two tables, the planner could see the row in neither and hand
    its name, slot and address out again; so promotion takes the same fleet lock."""
    await store.reserve(create_job(1), planner(example_fleet, 1))
    ready, go, promoted = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []

    async def promote_elsewhere() -> None:
        other = await SqlStore.open(store_url)  # its own connections, as another replica
        try:
            ready.set()
            await asyncio.to_thread(go.wait)
            await other.promote_reservation("bob001", BobState.READY)
            promoted.set()
        finally:
            await other.close()

    def other_replica() -> None:
        try:
            asyncio.run(promote_elsewhere())
        except BaseException as exc:
            failures.append(exc)
            ready.set()

    thread = threading.Thread(target=other_replica)
    thread.start()
    await asyncio.to_thread(ready.wait)
    promoted_while_planning: list[bool] = []

    def slow_planner(occupants: Sequence[Occupant]) -> CreatePlan:
        go.set()
        # Blocking the event loop keeps this reservation's transaction, and its lock, open.
        promoted_while_planning.append(promoted.wait(timeout=0.5))
        return plan_create(example_fleet, occupants, 1)

    await store.reserve(create_job(1), slow_planner)
    await asyncio.to_thread(thread.join)

    assert [] == failures
    assert [False] == promoted_while_planning
    assert [] == violations(example_fleet, await store.occupants())


async def test_a_hosts_base_version_only_ever_grows(store):
    await store.record_base("host-a", 2)
    await store.record_base("host-a", 1)  # a clone that read the pointer before a swap
    await store.record_base("host-b", 1)
    await store.record_base("host-b", 3)

    assert {"host-a": 2, "host-b": 3} == await store.base_versions()


async def test_a_promoted_bob_keeps_the_base_version_it_was_cloned_from(store, example_fleet):
    _, plan = await store.reserve(create_job(1), planner(example_fleet, 1))

    bob = await store.promote_reservation(plan.bobs[0].name, BobState.READY, base_version=3)

    assert (3, 3) == (bob.base_version, (await store.get_bob(bob.name)).base_version)


async def test_a_time_to_live_runs_from_the_reservation_and_stays_with_the_bob(
    store: SqlStore, example_fleet: Fleet
) -> None:
    request = create_job(1)
    request = request.model_copy(update={"params": {**request.params, "ttl_s": 3600}})
    job, plan = await store.reserve(request, planner(example_fleet, 1))
    (held,) = await store.list_reservations(job.id)
    assert held.expires_at is not None
    assert 3600 == (held.expires_at - job.created_at).total_seconds()

    bob = await store.promote_reservation(plan.bobs[0].name, BobState.READY)

    assert held.expires_at == bob.expires_at == (await store.get_bob(bob.name)).expires_at


async def test_a_bob_made_without_a_time_to_live_never_expires(
    store: SqlStore, example_fleet: Fleet
) -> None:
    _, plan = await store.reserve(create_job(1), planner(example_fleet, 1))

    bob = await store.promote_reservation(plan.bobs[0].name, BobState.READY)

    assert bob.expires_at is None
