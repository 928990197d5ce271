"""A dry run of create decides as create does: the same store, fleet and DNS zones, against a
real BIND holding a hand-made name and a hand-made PTR. When DNS cannot be read, the dry run
says so instead of guessing."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers import queries
from handlers.provision import Caller, submit_create
from handlers.render import render_plan
from handlers.requests import CreateBobs, PlanCreate
from provisioning.config.models import Fleet
from provisioning.core.models import CreatePlan
from provisioning.dns import DnsClient
from provisioning.dns.errors import DnsError
from provisioning.store import SqlStore
from tests.bind import BindServer, StartBind, Zone, ptr_lines
from tests.fleets import make_fleet

IP = ipaddress.IPv4Address
REVERSE = "1.250.10.in-addr.arpa"
CALLER = Caller(actor="tester", source="cli", origin="pytest", command="create 3")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def bind(start_bind: StartBind) -> BindServer:
    """bob.test holds a hand-made bob002 (elsewhere); 10.250.1.3 has a hand-made PTR."""
    return start_bind(
        [
            Zone("bob.test", ["bob002 A 192.0.2.7"]),
            Zone(REVERSE, ptr_lines(["10.250.1.3"], REVERSE, target="printer.example.")),
        ]
    )


def pointed_at(bind: BindServer, **settings: object) -> tuple[Fleet, DnsClient]:
    dns = bind.settings(**settings)
    return make_fleet().model_copy(update={"dns": dns}), DnsClient(dns, bind.secret)


def placed(plan: CreatePlan) -> list[tuple[str, IP]]:
    return [(b.name, b.ip) for b in plan.bobs]


async def test_the_dry_run_skips_the_hand_made_name_and_ptr_as_the_create_then_does(
    bind: BindServer, store: SqlStore
) -> None:
    fleet, dns = pointed_at(bind)
    dry = await queries.dry_run_create(fleet, store, PlanCreate(count=3), dns)
    _, reserved = await submit_create(fleet, store, CreateBobs(count=3), CALLER, dns)

    expected = [
        ("bob001", IP("10.250.1.2")),
        ("bob003", IP("10.250.1.4")),
        ("bob004", IP("10.250.1.5")),
    ]
    assert expected == placed(dry.plan)
    assert placed(reserved) == placed(dry.plan)
    assert () == dry.notes


async def test_a_dry_run_that_cannot_read_dns_says_so_and_the_create_refuses(
    bind: BindServer, store: SqlStore
) -> None:
    fleet, dns = pointed_at(bind, tsig_key_name="not-the-key")

    dry = await queries.dry_run_create(fleet, store, PlanCreate(count=1), dns)

    shown = render_plan(dry.plan, {}, dry.notes)
    assert "note: DNS not read (" in shown
    assert "this plan ignores the zones' records, and create refuses until" in shown
    with pytest.raises(DnsError):
        await submit_create(fleet, store, CreateBobs(count=1), CALLER, dns)


async def test_with_the_scan_strategy_the_plan_says_addresses_are_looked_up_when_claimed(
    bind: BindServer, store: SqlStore
) -> None:
    fleet, dns = pointed_at(bind, allocation="scan")

    dry = await queries.dry_run_create(fleet, store, PlanCreate(count=2), dns)

    assert ["bob001", "bob003"] == dry.plan.names
    assert 1 == len(dry.notes)
    assert "looked up in DNS one by one when claimed (allocation: scan)" in dry.notes[0]
