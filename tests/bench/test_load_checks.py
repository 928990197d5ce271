"""The load drill's invariant checks, on hand-made readings: each broken rule is named."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from bench.loaddrill.checks import Checks
from bench.loaddrill.witness import Container, HostsView
from provisioning.core.models import CreatePlan, PlannedBob
from provisioning.records import BobRecord, BobState

IP = ipaddress.IPv4Address


def planned(name: str, host: str, slot: int, ip: str) -> PlannedBob:
    return PlannedBob(
        name=name, host=host, disk="disk1", slot=slot, ip=IP(ip), gateway=IP("10.0.0.1"),
        prefix_length=24,
    )  # fmt: skip


def record(name: str, host: str, slot: int, ip: str, state: BobState = BobState.READY):
    return BobRecord(
        name=name, host=host, disk="disk1", slot=slot, ip=IP(ip), state=state,
        created_at=datetime.now(UTC),
    )  # fmt: skip


def checks() -> Checks:
    return Checks(None, [], [])  # type: ignore[arg-type]  # these checks never ask the store


def test_plans_held_at_once_must_not_share_a_name_an_address_or_a_slot() -> None:
    check = checks()
    check.plans_disjoint(
        [
            CreatePlan(bobs=(planned("bob001", "host-a", 0, "10.0.0.2"),)),
            CreatePlan(bobs=(planned("bob001", "host-a", 0, "10.0.0.2"),)),
            CreatePlan(bobs=(planned("bob003", "host-b", 0, "10.0.0.3"),)),
        ]
    )

    assert [
        "create plans: name bob001 2 times",
        "create plans: address 10.0.0.2 2 times",
        "create plans: slot ('host-a', 'disk1', 0) 2 times",
    ] == check.violations


def test_the_hosts_must_hold_exactly_the_recorded_bobs_each_once_running_at_its_address() -> None:
    check = checks()
    view = HostsView(
        containers=(
            Container("host-a", "disk1", "bob001", "RUNNING", "10.0.0.2"),
            Container("host-b", "disk1", "bob001", "RUNNING", "10.0.0.2"),
            Container("host-a", "disk1", "bob002", "STOPPED", None),
        ),
        entries=(("host-a", "disk1", "bob001"), ("host-a", "disk1", "bob001.bob-tmp")),
    )
    bobs = [
        record("bob001", "host-a", 0, "10.0.0.2"),
        record("bob002", "host-a", 1, "10.0.0.3"),
        record("bob003", "host-b", 1, "10.0.0.4", BobState.DESTROYING),
        record("bob004", "host-b", 2, "10.0.0.5", BobState.DESTROYING),
    ]

    check.agree("create", view, bobs, half={"bob004"})

    assert [
        "create: container name on the hosts bob001 2 times",
        "create: address on the hosts 10.0.0.2 2 times",
        "create: bob002 is ready at 10.0.0.3 in the store, its container is STOPPED at None",
        "create: bob003 is recorded (destroying) on host-b/disk1, which has no such container",
        "create: container bob001 on host-b/disk1 has no record",
        "create: host-a/disk1 holds 'bob001.bob-tmp', which is no container",
    ] == check.violations  # bob004, half-destroyed, is reported apart
