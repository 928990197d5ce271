"""One read of everything the board shows: slots from the store, agents from the controllers."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.attachments import Controllers, NodeLists, compare, read_nodes
from handlers.overview import Overview, build_overview
from handlers.queries import unavailable_hosts
from provisioning.config.models import Fleet
from provisioning.jenkins.models import JenkinsNode
from provisioning.store import SqlStore


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
    # Base versions and stale markers join here with the base-version branch.


async def read_board(fleet: Fleet, store: SqlStore, controllers: Controllers) -> Board:
    bobs, reservations = await store.list_bobs(), await store.list_reservations()
    lists = await read_nodes(controllers) if controllers else None
    truth = compare(bobs, lists, known=[r.name for r in reservations]) if lists else None
    overview = build_overview(
        fleet,
        bobs,
        reservations,
        jenkins=truth,
        unavailable=await unavailable_hosts(store, fleet),
    )
    columns = _columns(fleet, lists) if lists else []
    return Board(overview, columns, frozenset(b.name for b in bobs if b.heavy))


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
