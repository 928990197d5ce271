"""IPv4 addresses for Bobs: candidates in address order, skipping what must never be handed out."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from provisioning.config.models import Subnet
from provisioning.errors import ShortfallError


def candidates(subnet: Subnet) -> Iterator[ipaddress.IPv4Address]:
    """Usable addresses of ``subnet`` in order: not network, broadcast, gateway or reserved."""
    for address in subnet.cidr.hosts():
        if address == subnet.gateway or any(address in r for r in subnet.reserved):
            continue
        yield address


def first_free(
    subnets: Iterable[Subnet], used: Iterable[ipaddress.IPv4Address], count: int
) -> list[tuple[Subnet, ipaddress.IPv4Address]]:
    """The first ``count`` addresses not in ``used``, across ``subnets`` in config order."""
    taken = set(used)
    subnet_list = list(subnets)
    found: list[tuple[Subnet, ipaddress.IPv4Address]] = []
    for subnet in subnet_list:
        for address in candidates(subnet):
            if len(found) == count:
                return found
            if address not in taken:
                found.append((subnet, address))
    if len(found) == count:
        return found
    cidrs = ", ".join(str(s.cidr) for s in subnet_list) or "none configured"
    raise ShortfallError(
        f"need {count} addresses, only {len(found)} free in subnets {cidrs}",
        requested=count,
        available=len(found),
        where=cidrs,
    )
