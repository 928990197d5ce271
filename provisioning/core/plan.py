"""The create plan: names, slots and addresses for N new Bobs, decided from known state."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

from provisioning.config.models import Fleet
from provisioning.core import addresses, names, placement
from provisioning.core.models import CreatePlan, Occupant, PlannedBob
from provisioning.errors import UsageError

# A sanity bound on one request; the fleet's capacity is the real limit.
MAX_BATCH = 10_000


def plan_create(
    fleet: Fleet,
    occupants: Iterable[Occupant],
    count: int,
    *,
    host: str | None = None,
    other_names: Iterable[str] = (),
    other_addresses: Iterable[ipaddress.IPv4Address] = (),
    unavailable: Mapping[str, str] | None = None,
) -> CreatePlan:
    """Plan ``count`` new Bobs. Deterministic: the same inputs give the same plan.

    ``occupants`` are existing Bobs and in-flight reservations; ``other_names`` and
    ``other_addresses`` are taken elsewhere (DNS, Jenkins) and must not be reused.
    """
    if not 1 <= count <= MAX_BATCH:
        raise UsageError(f"count must be between 1 and {MAX_BATCH}, got {count}")
    held = list(occupants)
    slots = placement.place(
        fleet, (o.where for o in held), count, host=host, unavailable=unavailable
    )
    new_names = names.next_names([o.name for o in held] + list(other_names), fleet.naming, count)
    used_ips = {o.ip for o in held if o.ip is not None} | set(other_addresses)
    datacenters = [fleet.host(slot.host).datacenter for slot in slots]
    free = {
        dc: iter(addresses.first_free(fleet.subnets_for(dc), used_ips, datacenters.count(dc)))
        for dc in dict.fromkeys(datacenters)
    }
    bobs: list[PlannedBob] = []
    for name, slot, dc in zip(new_names, slots, datacenters, strict=True):
        subnet, ip = next(free[dc])
        bobs.append(
            PlannedBob(
                name=name,
                host=slot.host,
                disk=slot.disk,
                slot=slot.slot,
                ip=ip,
                gateway=subnet.gateway,
                prefix_length=subnet.cidr.prefixlen,
            )
        )
    return CreatePlan(bobs=tuple(bobs))
