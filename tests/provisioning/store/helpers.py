"""Fleets, planners and the invariants every reservation test checks after the fact."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from provisioning.config import Fleet
from provisioning.core.models import CreatePlan, Occupant
from provisioning.core.plan import plan_create
from provisioning.errors import ShortfallError
from provisioning.ports import Planner
from provisioning.records import JobRecord, NewJob
from provisioning.store import SqlStore


def small_fleet(*max_bobs: int) -> Fleet:
    """One host in one datacenter with a disk per number given: ``small_fleet(2, 1)``."""
    return Fleet.model_validate(
        {
            "hosts": [
                {
                    "name": "host-a",
                    "ssh": {"address": "10.250.0.2"},
                    "datacenter": "dc1",
                    "disks": [
                        {"name": f"disk{i + 1}", "max_bobs": n} for i, n in enumerate(max_bobs)
                    ],
                }
            ],
            "subnets": [{"cidr": "10.250.1.0/24", "gateway": "10.250.1.1", "datacenter": "dc1"}],
        }
    )


def planner(fleet: Fleet, count: int) -> Planner:
    def plan(occupants: Sequence[Occupant]) -> CreatePlan:
        return plan_create(fleet, occupants, count)

    return plan


def create_job(count: int) -> NewJob:
    return NewJob(kind="create", params={"count": count}, requested_by="U0TEST", source="test")


@dataclass(frozen=True)
class Granted:
    job: JobRecord
    plan: CreatePlan


@dataclass(frozen=True)
class Refused:
    requested: int
    available: int


async def attempt(store: SqlStore, fleet: Fleet, count: int) -> Granted | Refused:
    """One create request as a caller makes it: granted whole, or refused with ShortfallError."""
    try:
        job, plan = await store.reserve(create_job(count), planner(fleet, count))
    except ShortfallError as exc:
        return Refused(requested=exc.requested, available=exc.available)
    return Granted(job=job, plan=plan)


def violations(fleet: Fleet, occupants: Sequence[Occupant]) -> list[str]:
    """Every way ``occupants`` break the fleet's rules; empty when the store is consistent."""
    problems: list[str] = []
    disks = {(h.name, d.name): d.max_bobs for h in fleet.hosts for d in h.disks}
    per_disk = Counter((o.host, o.disk) for o in occupants)
    for (host, disk), n in sorted(per_disk.items()):
        if (host, disk) not in disks:
            problems.append(f"{n} occupant(s) on unknown disk {host}/{disk}")
        elif n > disks[(host, disk)]:
            problems.append(f"{host}/{disk} overbooked: {n} > max_bobs {disks[(host, disk)]}")
    for what, values in (
        ("name", [o.name for o in occupants]),
        ("ip", [str(o.ip) for o in occupants]),
        ("slot", [f"{o.host}/{o.disk}#{o.slot}" for o in occupants]),
    ):
        problems += [f"duplicate {what} {v} ×{n}" for v, n in Counter(values).items() if n > 1]
    for o in occupants:
        if (o.host, o.disk) in disks and not 0 <= o.slot < disks[(o.host, o.disk)]:
            problems.append(f"{o.name}: slot {o.slot} outside {o.host}/{o.disk}")
        datacenter = fleet.host(o.host).datacenter if o.host in _hosts(fleet) else None
        subnets = [s.cidr for s in fleet.subnets if s.datacenter == datacenter]
        if o.ip is None or not any(ipaddress.IPv4Address(o.ip) in net for net in subnets):
            problems.append(f"{o.name}: address {o.ip} is not in {o.host}'s subnets")
    return problems


def _hosts(fleet: Fleet) -> set[str]:
    return {h.name for h in fleet.hosts}
