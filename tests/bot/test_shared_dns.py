"""A create from Slack and one from the board, in the same bob serve, read each zone through
one transfer: every front end holds the runtime's DNS client, and the runtime shares transfers.

Each zone's transfer is held until both creates wait on it, so the two always overlap; the
count of transfers the DNS server saw says whether they shared.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from types import FrameType
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.access import Gate
from bot.slack.commands import Invocation, handle
from bot.slack.confirm import Confirmations
from bot.slack.deliver import Poster
from bot.slack.service import BobService
from bot.web import Access, board_context
from handlers.provision import Caller
from handlers.requests import CreateBobs
from provisioning.config.models import AccessControl, AccessRule, WebSettings
from provisioning.dns import ZoneRecord, reverse_zone
from provisioning.fakes import FakeShell, MemoryZones
from provisioning.jobs import JobKinds, JobRunner, ProgressBus
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.provisioning.hostcheck.probes import NOW, probe_output
from tests.waiting import until_true

FLEET = make_fleet()
# In the order a create reads them: forward zones, then reverse zones.
ZONES = [
    *sorted({s.forward_zone for s in FLEET.subnets}),
    *sorted(map(reverse_zone, FLEET.subnets)),
]


class HeldZones(MemoryZones):
    """Counts the transfers asked of it; each zone's waits until the test opens it."""

    def __init__(self, zones: Iterable[str]) -> None:
        super().__init__(zones)
        self.transfers: Counter[str] = Counter()
        self.open = {zone: asyncio.Event() for zone in zones}

    async def axfr(self, zone: str) -> list[ZoneRecord]:
        self.transfers[zone] += 1
        await self.open[zone].wait()
        return await super().axfr(zone)


class OneShell:
    def __init__(self, shell: FakeShell) -> None:
        self.shell = shell

    def get(self, host: str) -> FakeShell:
        return self.shell


@pytest.fixture
async def zones() -> HeldZones:
    return HeldZones(ZONES)


@pytest.fixture
async def rt(tmp_path, zones: HeldZones) -> AsyncIterator[Runtime]:
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    shell = FakeShell("host-a")  # every host passes create's preflight
    shell.on("sh", "-c", stdout=probe_output().replace(f"now {NOW}", f"now {int(time.time())}"))
    bus = ProgressBus()
    runner = JobRunner(store, JobKinds(), bus, owner="serving")
    settings = Settings(FLEET, "test", "unused", tmp_path)
    try:
        yield Runtime(settings, store, zones, bus, runner, {}, OneShell(shell))
    finally:
        await store.close()


def awaiting(task: asyncio.Task[Any]) -> Iterator[FrameType]:
    """The frames of the coroutines ``task`` is suspended in, outermost first."""
    coro: Any = task.get_coro()
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        yield coro.cr_frame
        coro = coro.cr_await


def reading(task: asyncio.Task[Any], zone: str) -> bool:
    return any(
        f.f_code.co_name == "axfr" and f.f_locals.get("zone") == zone for f in awaiting(task)
    )


async def test_a_create_from_slack_and_one_from_the_board_share_each_zone_transfer(rt, zones):
    service = BobService(
        rt,
        Poster(AsyncWebClient(token="")),  # nothing is posted: the jobs are not started
        Gate(AccessControl(admins=AccessRule(users=("UALICE",))), NoGroups()),
        Confirmations(ttl_s=300),
    )
    board, jobs = board_context(rt, Access.for_bind(WebSettings(), "127.0.0.1"))
    slack = asyncio.create_task(handle(Invocation(service, "UALICE", "CBOBS", "create 1")))
    web = asyncio.create_task(
        board.launcher.create(
            CreateBobs(count=1), Caller("alice", "web", "127.0.0.1", "make it: 1")
        )
    )

    for zone in ZONES:
        await until_true(
            lambda zone=zone: reading(slack, zone) and reading(web, zone),
            f"both creates wait for the transfer of {zone}",
        )
        zones.open[zone].set()
    reply = await slack
    await web
    if reply.then is not None:
        reply.then.close()
    await jobs.aclose()

    assert reply.ok, reply.text
    assert {zone: 1 for zone in ZONES} == dict(zones.transfers)


class NoGroups:
    async def members(self, group: str) -> frozenset[str]:
        return frozenset()
