"""One read of everything the board shows: slots from the store, agents from the controllers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from handlers.attachments import Controllers, NodeLists, compare, read_nodes
from handlers.limits import fleet_limits
from handlers.overview import Overview, build_overview
from handlers.queries import interrupted_jobs, unavailable_hosts
from provisioning.config.models import Fleet
from provisioning.jenkins.models import JenkinsNode
from provisioning.jobs.events import Event, JobFinished, ProgressBus
from provisioning.ports import Shells, StateStore

T = TypeVar("T")


@dataclass(frozen=True)
class Agent:
    name: str
    labels: str
    condition: str  # drained, offline, N busy, or empty


@dataclass(frozen=True)
class Column:
    """One Jenkins controller and the agents bob made on it (or why it could not be read)."""

    controller: str
    agents: list[Agent]
    error: str = ""


@dataclass(frozen=True)
class Board:
    overview: Overview
    columns: list[Column]
    heavy: frozenset[str]  # Bobs that hold their disk's heavy executor
    limits: Mapping[str, str] = field(default_factory=dict)  # Bob → its limits, in short


class ReadCache(Generic[T]):
    """What ``read`` returns, read at most once per ``ttl`` seconds.

    A live board refreshes whenever a job finishes a step, and each read asks outside systems
    (a script on every controller, a command on every host); what it shows changes when a job
    ends (or by hand, which the ttl covers), so a finished job empties the cache.
    """

    def __init__(self, read: Callable[[], Awaitable[T]], bus: ProgressBus, ttl: float) -> None:
        self._read = read
        self._ttl = ttl
        self._value: T | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()
        bus.subscribe(self._on_event)

    async def _on_event(self, event: Event) -> None:
        if isinstance(event, JobFinished):
            self._value = None

    async def read(self) -> T:
        async with self._lock:  # one read for all the boards that asked at once
            if self._value is None or time.monotonic() - self._read_at > self._ttl:
                self._value = await self._read()
                self._read_at = time.monotonic()
            return self._value


LimitsCache = ReadCache[Mapping[str, str]]


class NodeCache:
    """The controllers' node lists (None without controllers), read at most once per ``ttl``."""

    def __init__(self, controllers: Controllers, bus: ProgressBus, ttl: float = 10.0) -> None:
        self._controllers = controllers
        self._cache = ReadCache(lambda: read_nodes(controllers), bus, ttl)

    async def read(self) -> NodeLists | None:
        return await self._cache.read() if self._controllers else None


def limits_cache(fleet: Fleet, shells: Shells, bus: ProgressBus, ttl: float = 15.0) -> LimitsCache:
    """Each Bob's limits as its LXC config keeps them, one command per host (see
    :func:`handlers.limits.fleet_limits`)."""
    return ReadCache(lambda: fleet_limits(fleet, shells), bus, ttl)


async def read_board(
    fleet: Fleet, store: StateStore, nodes: NodeCache, limits: LimitsCache | None = None
) -> Board:
    bobs, reservations = await store.list_bobs(), await store.list_reservations()
    lists = await nodes.read()
    known = [r.name for r in reservations]
    truth = compare(bobs, lists, known, fleet.naming) if lists else None
    overview = build_overview(
        fleet,
        bobs,
        reservations,
        jenkins=truth,
        unavailable=await unavailable_hosts(store, fleet),
        base_versions=await store.base_versions(),
        interrupted=await interrupted_jobs(store, datetime.now(UTC)),
    )
    columns = _columns(fleet, lists) if lists else []
    heavy = frozenset(b.name for b in bobs if b.heavy)
    return Board(overview, columns, heavy, await limits.read() if limits else {})


def _columns(fleet: Fleet, lists: NodeLists) -> list[Column]:
    columns = []
    for config in fleet.jenkins:
        name = config.name
        if name in lists.errors:
            columns.append(Column(name, [], f"could not be read: {lists.errors[name]}"))
            continue
        mine = sorted((n for n in lists.nodes.get(name, []) if n.managed), key=lambda n: n.name)
        columns.append(Column(name, [Agent(n.name, n.labels, _condition(n)) for n in mine]))
    return columns


def _condition(node: JenkinsNode) -> str:
    if node.temporarily_offline:
        return "drained"
    if node.offline:
        return "offline"
    return f"{node.busy_executors} busy" if node.busy_executors else ""
