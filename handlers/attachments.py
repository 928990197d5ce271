"""Where Bobs are agents, read from the controllers, and where that disagrees with bob's records."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from provisioning.config.models import Naming
from provisioning.core.names import parse_number
from provisioning.errors import BobError
from provisioning.jenkins.models import JenkinsNode
from provisioning.jenkins.port import JenkinsController
from provisioning.records import BobRecord

Controllers = Mapping[str, JenkinsController]


@dataclass(frozen=True)
class NodeLists:
    """Every controller's nodes, read once; a controller that could not be read is in errors."""

    nodes: dict[str, list[JenkinsNode]]
    errors: dict[str, BobError]

    def require_all(self) -> dict[str, list[JenkinsNode]]:
        """The node lists, or the first controller's error (its own type: auth, down…)."""
        for name in sorted(self.errors):
            raise self.errors[name]
        return self.nodes

    def find(self, name: str) -> list[tuple[str, JenkinsNode]]:
        return [(c, n) for c, listed in self.nodes.items() for n in listed if n.name == name]


async def read_nodes(controllers: Controllers) -> NodeLists:
    """All controllers concurrently; a BobError (down, 401, trace) is kept, not raised."""
    names = list(controllers)
    results = await asyncio.gather(
        *(controllers[n].list_nodes() for n in names), return_exceptions=True
    )
    nodes: dict[str, list[JenkinsNode]] = {}
    errors: dict[str, BobError] = {}
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BobError):
            errors[name] = result
        elif isinstance(result, BaseException):
            raise result
        else:
            nodes[name] = result
    return NodeLists(nodes, errors)


@dataclass(frozen=True)
class Attachment:
    """One Bob as the overview shows it: ``ci-main/heavy`` and, if any, what disagrees."""

    detail: str = ""
    flag: str = ""


@dataclass(frozen=True)
class JenkinsTruth:
    by_bob: dict[str, Attachment]
    controllers: list[str]  # one summary line per controller
    # bob's nodes the store does not know, and nodes named like a Bob that bob did not make
    strays: list[str] = field(default_factory=list)


def compare(
    bobs: Sequence[BobRecord],
    lists: NodeLists,
    known: Sequence[str] = (),
    naming: Naming | None = None,
) -> JenkinsTruth:
    """Per Bob, the agent the controllers report, flagged where bob's records say otherwise.

    ``known``: other names bob's store holds (reservations), which are not strays.
    ``naming``: with it, a node bob did not make whose name is a Bob's name (``bob006``) is
    flagged too; one sharing a Bob's record is flagged on that Bob's line.
    """
    by_bob = {b.name: _attachment(b, lists) for b in bobs}
    names = {b.name for b in bobs} | set(known)
    records = {b.name for b in bobs}
    strays = [
        _stray(controller, node, names)
        for controller, listed in sorted(lists.nodes.items())
        for node in listed
        if (node.managed and node.name not in names)
        or (
            not node.managed
            and node.name not in records
            and naming is not None
            and parse_number(node.name, naming) is not None
        )
    ]
    summary = [_summary(c, lists.nodes[c]) for c in sorted(lists.nodes)]
    summary += [f"{c}: could not be read ({e})" for c, e in sorted(lists.errors.items())]
    return JenkinsTruth(by_bob, summary, strays)


def _stray(controller: str, node: JenkinsNode, names: set[str]) -> str:
    if node.managed:
        return f"{node.name} on {controller}: an agent bob made, but bob's store has no such Bob"
    held = " (a name bob has reserved)" if node.name in names else ""
    return f"{node.name} on {controller}: named like a Bob{held}, but bob did not make this node"


def _attachment(bob: BobRecord, lists: NodeLists) -> Attachment:
    recorded = f"{bob.controller}/{bob.label}" if bob.controller else None
    found = lists.find(bob.name)
    foreign = [c for c, node in found if not node.managed]
    mine = [(c, node) for c, node in found if node.managed]
    if foreign:
        return Attachment(
            recorded or "", f"a node named {bob.name} on {', '.join(foreign)} is not bob's"
        )
    if len(mine) > 1:
        where = ", ".join(f"{c}/{n.labels}" for c, n in mine)
        return Attachment(where, "an agent of several controllers")
    if mine:
        controller, node = mine[0]
        actual = f"{controller}/{node.labels}"
        detail = actual + _condition(node)
        if recorded != actual:
            return Attachment(detail, f"bob's records say {recorded or 'not attached'}")
        return Attachment(detail)
    if bob.controller is None:
        return Attachment()
    if bob.controller in lists.errors:
        return Attachment(f"{recorded}?", f"from bob's records: {bob.controller} could not be read")
    return Attachment("", f"bob's records say {recorded}, but {bob.controller} has no such agent")


def _condition(node: JenkinsNode) -> str:
    if node.temporarily_offline:
        return " (drained)"
    if node.offline:
        return " (offline)"
    if node.busy_executors:
        return f" ({node.busy_executors} busy)"
    return ""


def _summary(controller: str, nodes: list[JenkinsNode]) -> str:
    mine = [n for n in nodes if n.managed]
    online = sum(1 for n in mine if not n.offline)
    plural = "s" if len(mine) != 1 else ""
    return f"{controller}: {len(mine)} agent{plural} made by bob, {online} online"
