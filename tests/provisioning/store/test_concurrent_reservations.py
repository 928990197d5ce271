"""Twenty reservations at once, as asyncio tasks sharing one store: never overbook, never reuse.

Every test reads the store afterwards and compares what it holds with what callers were told.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from provisioning.config import Fleet
from provisioning.records import ReservationRecord
from provisioning.store import SqlStore
from tests.provisioning.store.helpers import Granted, Refused, attempt, small_fleet, violations

# 1, 2, 3, 1, 2, 3, …: twenty requests for 39 Bobs in all.
MIXED_COUNTS = [i % 3 + 1 for i in range(20)]


def names_by_job(held: list[ReservationRecord]) -> dict[str, list[str]]:
    by_job: dict[str, list[str]] = defaultdict(list)
    for r in held:
        by_job[r.job_id].append(r.name)
    return {job: sorted(names) for job, names in by_job.items()}


async def reserve_all(store: SqlStore, fleet: Fleet, counts: list[int]) -> list[Granted | Refused]:
    return await asyncio.gather(*(attempt(store, fleet, n) for n in counts))


async def test_twenty_concurrent_requests_that_fit_are_all_granted(
    store: SqlStore, example_fleet: Fleet
) -> None:
    assert sum(MIXED_COUNTS) <= example_fleet.capacity, "test premise: the demand fits"

    outcomes = await reserve_all(store, example_fleet, MIXED_COUNTS)

    granted = [o for o in outcomes if isinstance(o, Granted)]
    assert MIXED_COUNTS == [len(o.plan.bobs) for o in granted]
    held = await store.list_reservations()
    assert sorted(n for o in granted for n in o.plan.names) == [r.name for r in held]
    assert sum(MIXED_COUNTS) == len(held)
    assert [] == violations(example_fleet, await store.occupants())


async def test_each_granted_request_holds_exactly_its_plan(
    store: SqlStore, example_fleet: Fleet
) -> None:
    outcomes = await reserve_all(store, example_fleet, MIXED_COUNTS)

    told = {o.job.id: sorted(o.plan.names) for o in outcomes if isinstance(o, Granted)}
    assert told == names_by_job(await store.list_reservations())
    stored_plans = {
        job.id: sorted(b["name"] for b in job.params["plan"]["bobs"])
        for job in await store.list_jobs(limit=100)
    }
    assert told == stored_plans


async def test_demand_beyond_capacity_fills_the_fleet_and_refuses_the_rest_whole(
    store: SqlStore, example_fleet: Fleet
) -> None:
    counts = [3] * 20
    assert sum(counts) > example_fleet.capacity, "test premise: the demand does not fit"

    outcomes = await reserve_all(store, example_fleet, counts)

    granted = [o for o in outcomes if isinstance(o, Granted)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert example_fleet.capacity // 3 == len(granted)
    assert len(counts) - len(granted) == len(refused)
    held = await store.list_reservations()
    assert example_fleet.capacity - example_fleet.capacity % 3 == len(held)
    assert sorted(o.job.id for o in granted) == sorted(
        j.id for j in await store.list_jobs(limit=100)
    )
    assert {o.job.id: sorted(o.plan.names) for o in granted} == names_by_job(held)
    assert [] == violations(example_fleet, await store.occupants())


async def test_a_request_is_refused_only_when_it_really_does_not_fit(store: SqlStore) -> None:
    fleet = small_fleet(4, 3, 3)

    outcomes = await reserve_all(store, fleet, MIXED_COUNTS)

    held = await store.list_reservations()
    free_at_the_end = fleet.capacity - len(held)
    # Room only shrinks, so a request refused at any moment must still not fit at the end.
    assert [] == [o for o in outcomes if isinstance(o, Refused) and o.requested <= free_at_the_end]
    assert sum(len(o.plan.bobs) for o in outcomes if isinstance(o, Granted)) == len(held)
    assert [] == violations(fleet, await store.occupants())
