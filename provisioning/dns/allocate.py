"""Finding free addresses (and taken names) in DNS, and claiming one without racing anybody.

Free means: a candidate of the subnet (not network, broadcast, gateway or reserved), not held
by a reservation in the store, and with no name at its PTR owner in the reverse zone. Two ways
to find out, chosen by ``DnsSettings.allocation``:

- ``axfr``: one zone transfer of the reverse zone gives every used address at once;
- ``scan``: a PTR query per candidate in address order (the original method), a bounded
  number in flight, until enough answer NXDOMAIN.

Whatever was found, the address is only ours once ``claim`` succeeded: its update carries the
prerequisite "this PTR name does not exist", so of several allocators that found the same
address exactly one gets it, and the others move on to the next candidate.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Literal

from provisioning.config.models import Subnet
from provisioning.core.addresses import candidates
from provisioning.dns.errors import AddressTaken
from provisioning.dns.port import DnsZoneClient, ZoneRecord
from provisioning.dns.zone import address_of, names_in, reverse_zone
from provisioning.errors import ShortfallError

Strategy = Literal["axfr", "scan"]
Found = tuple[Subnet, ipaddress.IPv4Address]

DEFAULT_CONCURRENCY = 8
# How many free candidates claim_first_free looks up at once. A transfer yields them all for
# the price of one, a scan pays a query each; a few spare ones let a loser of a race move on
# without looking again.
CLAIM_BATCH = 8


async def allocate(
    client: DnsZoneClient,
    subnets: Sequence[Subnet],
    held: Collection[ipaddress.IPv4Address],
    count: int,
    *,
    strategy: Strategy = "axfr",
    concurrency: int = DEFAULT_CONCURRENCY,
) -> list[Found]:
    """The first ``count`` free addresses across ``subnets`` in config order.

    Nothing is claimed: use :func:`claim_first_free` to take one. Raises ShortfallError when
    fewer are free, DnsError when DNS cannot say (an unanswered address is never free).
    """
    found = await _first_free(client, subnets, held, count, strategy, concurrency)
    if len(found) < count:
        raise _shortfall(client, subnets, count, len(found))
    return found


async def claim_first_free(
    client: DnsZoneClient,
    subnets: Sequence[Subnet],
    held: Collection[ipaddress.IPv4Address],
    *,
    name: str,
    job_id: str,
    strategy: Strategy = "axfr",
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Found:
    """Find the first free address and claim it for ``name``; the next one if it was taken.

    Every lost race excludes that address, so this ends: with an address, with ShortfallError
    when none is left, or with the DnsError / NameTaken the claim raised.
    """
    excluded = set(held)
    while True:
        batch = await _first_free(client, subnets, excluded, CLAIM_BATCH, strategy, concurrency)
        if not batch:
            raise _shortfall(client, subnets, 1, 0)
        for subnet, address in batch:
            try:
                await client.claim(name, subnet.forward_zone, address, reverse_zone(subnet), job_id)
            except AddressTaken:
                excluded.add(address)
                continue
            return subnet, address


async def forward_names(client: DnsZoneClient, zone: str) -> set[str]:
    """Every name in the forward zone, relative and lower case (``bob007``), from one AXFR.

    The hostname gap-fill counts these, so a hand-made record's name is never handed out.
    """
    return names_in(await client.axfr(zone), zone)


def used_addresses(records: Iterable[ZoneRecord]) -> set[ipaddress.IPv4Address]:
    """The addresses whose PTR owner has any record at all (a bare TXT makes it used too).

    That is exactly what the claim's prerequisite "this name does not exist" tests.
    """
    used: set[ipaddress.IPv4Address] = set()
    for record in records:
        address = address_of(record.name)
        if address is not None:
            used.add(address)
    return used


async def _first_free(
    client: DnsZoneClient,
    subnets: Sequence[Subnet],
    held: Collection[ipaddress.IPv4Address],
    limit: int,
    strategy: Strategy,
    concurrency: int,
) -> list[Found]:
    """Up to ``limit`` free addresses, in order; fewer when the subnets run out."""
    if strategy == "axfr":
        return await _by_transfer(client, subnets, held, limit)
    return await _by_scan(client, _unheld(subnets, held), limit, concurrency)


async def _by_transfer(
    client: DnsZoneClient,
    subnets: Sequence[Subnet],
    held: Collection[ipaddress.IPv4Address],
    limit: int,
) -> list[Found]:
    found: list[Found] = []
    used_in: dict[str, set[ipaddress.IPv4Address]] = {}
    for subnet in subnets:
        zone = reverse_zone(subnet)
        # Transferred lazily and once: later subnets are only looked at if earlier ones are
        # full, and subnets sharing a zone share its transfer.
        if zone not in used_in:
            used_in[zone] = used_addresses(await client.axfr(zone))
        used = used_in[zone]
        for address in candidates(subnet):
            if address not in used and address not in held:
                found.append((subnet, address))
                if len(found) == limit:
                    return found
    return found


async def _by_scan(
    client: DnsZoneClient,
    pending: Iterator[tuple[Subnet, ipaddress.IPv4Address, str]],
    limit: int,
    concurrency: int,
) -> list[Found]:
    """PTR queries in address order, ``concurrency`` in flight, answers consumed in order.

    Consuming in order keeps "first free" exact despite the concurrency, and an error for an
    earlier address surfaces even when a later one answered NXDOMAIN.
    """
    found: list[Found] = []
    in_flight: deque[tuple[Subnet, ipaddress.IPv4Address, asyncio.Task[bool]]] = deque()
    try:
        while True:
            while len(in_flight) < concurrency and (item := next(pending, None)) is not None:
                subnet, address, zone = item
                query = asyncio.ensure_future(client.ptr_exists(address, zone))
                in_flight.append((subnet, address, query))
            if not in_flight:
                return found
            subnet, address, query = in_flight.popleft()
            if not await query:
                found.append((subnet, address))
                if len(found) == limit:
                    return found
    finally:
        # Enough found, or an error: the look-ahead queries are not needed any more.
        for _, _, query in in_flight:
            query.cancel()
        await asyncio.gather(*(query for _, _, query in in_flight), return_exceptions=True)


def _unheld(
    subnets: Sequence[Subnet], held: Collection[ipaddress.IPv4Address]
) -> Iterator[tuple[Subnet, ipaddress.IPv4Address, str]]:
    for subnet in subnets:
        zone = reverse_zone(subnet)
        for address in candidates(subnet):
            if address not in held:
                yield subnet, address, zone


def _shortfall(
    client: DnsZoneClient, subnets: Sequence[Subnet], count: int, available: int
) -> ShortfallError:
    where = ", ".join(f"{s.cidr} (zone {reverse_zone(s)})" for s in subnets) or "none configured"
    return ShortfallError(
        f"need {count} free addresses, only {available} free in {where} "
        f"according to DNS server {client.server} and the reservations",
        requested=count,
        available=available,
        where=where,
    )
