"""A job may move its reservation to another address, never onto one that is held."""

import ipaddress

import pytest

from provisioning.core.plan import plan_create
from provisioning.errors import ConflictError
from provisioning.records import NewJob
from tests.fleets import make_fleet

IP = ipaddress.IPv4Address
FLEET = make_fleet()


async def reserve(store, count):
    return await store.reserve(NewJob(kind="create"), lambda held: plan_create(FLEET, held, count))


async def test_a_reservation_moves_to_a_free_address(store):
    job, plan = await reserve(store, 1)
    await store.readdress(job.id, plan.bobs[0].name, IP("10.250.1.200"))
    assert [IP("10.250.1.200")] == [r.ip for r in await store.list_reservations(job.id)]


async def test_an_address_held_by_another_reservation_is_refused(store):
    job, plan = await reserve(store, 2)
    with pytest.raises(ConflictError, match=r"10\.250\.1\.3 is already held"):
        await store.readdress(job.id, plan.bobs[0].name, plan.bobs[1].ip)


async def test_only_the_jobs_own_reservation_moves(store):
    _, plan = await reserve(store, 1)
    other, _ = await reserve(store, 1)
    with pytest.raises(ConflictError, match="holds no reservation for bob001"):
        await store.readdress(other.id, plan.bobs[0].name, IP("10.250.1.201"))
