"""The DnsZoneClient contract: MemoryZones, DnsClient on a real BIND, and the shared-transfer
wrapper every runtime puts in front of them answer alike.

Both start with the same zones: a hand-made ``printer`` A record and hand-made PTRs for
10.250.1.10 and .11; 10.250.1.12 is free.
"""

from __future__ import annotations

import ipaddress

import pytest

from provisioning.dns import (
    AddressTaken,
    DnsClient,
    DnsError,
    DnsZoneClient,
    NameTaken,
    SharedTransfers,
    Tag,
    tagged_owners,
)
from provisioning.fakes import MemoryZones
from tests.bind import StartBind, Zone

FORWARD = "bob.test"
REVERSE = "1.250.10.in-addr.arpa"
FREE = ipaddress.IPv4Address("10.250.1.12")
OTHER_FREE = ipaddress.IPv4Address("10.250.1.14")
USED = ipaddress.IPv4Address("10.250.1.10")
SEEDS = [
    (FORWARD, "printer", "A", "10.250.1.11"),
    (REVERSE, "10", "PTR", "used1.bob.test."),
    (REVERSE, "11", "PTR", "printer.bob.test."),
]


@pytest.fixture(params=["memory", "bind", "shared"])
def zones(request: pytest.FixtureRequest) -> DnsZoneClient:
    if request.param == "shared":
        return SharedTransfers(request.getfixturevalue("memory_zones"))
    if request.param == "memory":
        return request.getfixturevalue("memory_zones")  # type: ignore[no-any-return]
    start_bind: StartBind = request.getfixturevalue("start_bind")
    bind = start_bind(
        [
            Zone(zone, [f"{name} {type} {data}" for z, name, type, data in SEEDS if z == zone])
            for zone in (FORWARD, REVERSE)
        ]
    )
    return DnsClient(bind.settings(), bind.secret)


@pytest.fixture
def memory_zones() -> MemoryZones:
    fake = MemoryZones([FORWARD, REVERSE])
    for seed in SEEDS:
        fake.add(*seed)
    return fake


async def bobs(zones: DnsZoneClient, zone: str) -> list[tuple[str, str, str]]:
    """The A, PTR and TXT records of ``zone`` (SOA and NS are the server's own business)."""
    return sorted(
        (r.name, r.type, r.data) for r in await zones.axfr(zone) if r.type in ("A", "PTR", "TXT")
    )


async def test_a_claim_writes_ptr_and_a_each_with_the_jobs_tag(zones: DnsZoneClient) -> None:
    await zones.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    tag = "bob job=job1 name=bob001"
    assert [
        ("bob001.bob.test", "A", "10.250.1.12"),
        ("bob001.bob.test", "TXT", tag),
        ("printer.bob.test", "A", "10.250.1.11"),
    ] == await bobs(zones, FORWARD)
    assert {"12.1.250.10.in-addr.arpa": [Tag("job1", "bob001")]} == tagged_owners(
        await zones.axfr(REVERSE)
    )
    assert await zones.ptr_exists(FREE, REVERSE)


async def test_claiming_again_for_the_same_job_succeeds(zones: DnsZoneClient) -> None:
    await zones.claim("bob001", FORWARD, FREE, REVERSE, "job1")
    before = await bobs(zones, FORWARD), await bobs(zones, REVERSE)

    await zones.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    assert before == (await bobs(zones, FORWARD), await bobs(zones, REVERSE))


async def test_an_address_with_a_ptr_is_taken(zones: DnsZoneClient) -> None:
    before = await bobs(zones, FORWARD)

    with pytest.raises(AddressTaken):
        await zones.claim("bob001", FORWARD, USED, REVERSE, "job1")

    assert before == await bobs(zones, FORWARD)


async def test_a_name_held_by_another_job_is_taken_and_the_ptr_given_back(
    zones: DnsZoneClient,
) -> None:
    await zones.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    with pytest.raises(NameTaken):
        await zones.claim("bob001", FORWARD, OTHER_FREE, REVERSE, "job2")

    assert not await zones.ptr_exists(OTHER_FREE, REVERSE)


async def test_a_claim_into_a_zone_not_served_fails_and_gives_the_ptr_back(
    zones: DnsZoneClient,
) -> None:
    with pytest.raises(DnsError, match="NOTAUTH"):
        await zones.claim("bob001", "other.test", FREE, REVERSE, "job1")

    assert not await zones.ptr_exists(FREE, REVERSE)


async def test_release_deletes_only_bobs_records_and_may_repeat(zones: DnsZoneClient) -> None:
    before = await bobs(zones, FORWARD), await bobs(zones, REVERSE)
    await zones.claim("bob001", FORWARD, FREE, REVERSE, "job1")

    await zones.release("bob001", FREE, FORWARD, REVERSE)
    await zones.release("bob001", FREE, FORWARD, REVERSE)
    await zones.release("bob099", OTHER_FREE, FORWARD, REVERSE)

    assert before == (await bobs(zones, FORWARD), await bobs(zones, REVERSE))


async def test_ptr_exists_tells_used_from_free(zones: DnsZoneClient) -> None:
    assert (True, False) == (
        await zones.ptr_exists(USED, REVERSE),
        await zones.ptr_exists(FREE),
    )


async def test_an_address_outside_the_reverse_zone_is_refused(zones: DnsZoneClient) -> None:
    with pytest.raises(DnsError, match="NOTZONE"):
        await zones.claim("bob001", FORWARD, ipaddress.IPv4Address("10.9.9.9"), REVERSE, "job1")
