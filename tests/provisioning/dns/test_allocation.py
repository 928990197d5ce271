"""Finding the first free address against a real BIND: both strategies, same answers.

The default zones (see conftest): gateway .1, .2–.9 reserved, PTRs at .10, .11 and .13.
"""

from __future__ import annotations

import ipaddress

import pytest

from provisioning.dns import DnsClient, DnsError, allocate, claim_first_free
from provisioning.errors import ShortfallError
from tests.bind import Zone, ptr_lines
from tests.provisioning.dns.conftest import FORWARD, REVERSE, subnet

STRATEGIES = ["axfr", "scan"]


def ips(*last_octets: int, prefix: str = "10.250.1.") -> list[ipaddress.IPv4Address]:
    return [ipaddress.IPv4Address(f"{prefix}{n}") for n in last_octets]


def addresses(found) -> list[ipaddress.IPv4Address]:
    return [address for _, address in found]


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_the_first_free_address_is_the_first_hole_after_gateway_and_reserved_range(
    client, strategy
):
    found = await allocate(client, [subnet()], held=set(), count=1, strategy=strategy)

    assert ips(12) == addresses(found)


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_several_free_addresses_come_in_address_order(client, strategy):
    found = await allocate(
        client, [subnet()], held=set(), count=4, strategy=strategy, concurrency=3
    )

    assert ips(12, 14, 15, 16) == addresses(found)


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_addresses_held_by_store_reservations_are_not_free(client, strategy):
    found = await allocate(client, [subnet()], held=set(ips(12, 14)), count=2, strategy=strategy)

    assert ips(15, 16) == addresses(found)


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_network_and_broadcast_are_never_handed_out(start_bind, strategy):
    """In 10.250.1.248/29 every host address is gateway or used; .248 and .255 have no PTR,
    yet the subnet is full."""
    used = [f"10.250.1.{n}" for n in range(250, 255)]
    bind = start_bind([Zone(FORWARD), Zone(REVERSE, ptr_lines(used, REVERSE))])
    client = DnsClient(bind.settings(), bind.secret)
    small = subnet("10.250.1.248/29", "10.250.1.249")

    with pytest.raises(
        ShortfallError,
        match=rf"only 0 free in 10\.250\.1\.248/29 \(zone {REVERSE}\) "
        rf"according to DNS server 127\.0\.0\.1:{bind.port}",
    ):
        await allocate(client, [small], held=set(), count=1, strategy=strategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_when_the_first_subnet_is_full_the_next_one_is_used(client, strategy):
    small = subnet("10.250.1.8/30", "10.250.1.9")  # hosts .9 (gateway) and .10 (used)
    found = await allocate(client, [small, subnet()], held=set(), count=2, strategy=strategy)

    assert [("10.250.1.0/24", ips(12)[0]), ("10.250.1.0/24", ips(14)[0])] == [
        (str(s.cidr), a) for s, a in found
    ]


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_an_address_outside_the_served_zones_is_an_error_never_free(client, strategy):
    """10.250.9.0/24 has no zone on this server: REFUSED (or NOTAUTH for a transfer). An
    allocator that took that for NXDOMAIN would hand out addresses nobody can resolve."""
    unserved = subnet("10.250.9.0/24", "10.250.9.1")

    with pytest.raises(
        DnsError, match=r"(REFUSED|NOTAUTH) from DNS server .* for zone 9\.250\.10\.in-addr\.arpa"
    ):
        await allocate(client, [unserved], held=set(), count=1, strategy=strategy)


async def test_both_strategies_agree_on_a_zone_with_many_holes(start_bind):
    used = [n for n in range(10, 250) if n % 3 and n % 7]
    bind = start_bind([Zone(FORWARD), Zone(REVERSE, ptr_lines(map(str, ips(*used)), REVERSE))])
    client = DnsClient(bind.settings(), bind.secret)
    held = {12, 21, 30}
    free = [n for n in range(10, 255) if n not in used and n not in held]

    by_axfr = await allocate(client, [subnet()], set(ips(*held)), count=40, strategy="axfr")
    by_scan = await allocate(client, [subnet()], set(ips(*held)), count=40, strategy="scan")

    assert ips(*free[:40]) == addresses(by_axfr) == addresses(by_scan)


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_claim_first_free_claims_the_first_free_address(bind, client, strategy):
    _, address = await claim_first_free(
        client, [subnet()], held=set(), name="bob001", job_id="job1", strategy=strategy
    )

    assert ips(12) == [address]
    assert ("12.1.250.10.in-addr.arpa", "PTR", "bob001.bob.test.") in bind.records(REVERSE)
    assert ("bob001.bob.test", "A", "10.250.1.12") in bind.records(FORWARD)


async def test_claim_first_free_moves_on_when_the_address_was_taken_meanwhile(bind, client):
    """Another allocator took .12 between our look and our claim: we get .14."""

    class Racing:
        """The real client, but somebody else claims .12 just before our first claim."""

        server = client.server

        def __init__(self) -> None:
            self.raced = False

        async def axfr(self, zone):
            return await client.axfr(zone)

        async def ptr_exists(self, address, zone=None):
            return await client.ptr_exists(address, zone)

        async def release(self, *args):
            await client.release(*args)

        async def claim(self, name, forward_zone, address, reverse_zone, job_id):
            if not self.raced:
                self.raced = True
                await client.claim("bob900", forward_zone, address, reverse_zone, "other-job")
            await client.claim(name, forward_zone, address, reverse_zone, job_id)

    _, address = await claim_first_free(
        Racing(), [subnet()], held=set(), name="bob001", job_id="job1"
    )

    assert ips(14) == [address]


async def test_claim_first_free_in_a_full_subnet_is_a_shortfall(client):
    tiny = subnet("10.250.1.8/30", "10.250.1.9")

    with pytest.raises(ShortfallError, match=r"only 0 free in 10\.250\.1\.8/30"):
        await claim_first_free(client, [tiny], held=set(), name="bob001", job_id="job1")
