"""Pure rules for ``attach``: which Bobs are unattached, and which may take the label asked for.

No I/O: the caller passes bob's records and the node lists it read from *every* configured
controller (a controller that could not be read must stop the attach — its nodes are unknown,
and a Bob that is in fact attached there would be attached twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from provisioning.config.models import Fleet
from provisioning.config.models import JenkinsController as ControllerConfig
from provisioning.core.executors import choose_heavy
from provisioning.core.models import Occupant
from provisioning.core.names import parse_number
from provisioning.errors import ShortfallError, UsageError
from provisioning.jenkins.models import JenkinsNode
from provisioning.records import BobRecord, BobState


class Choice(BaseModel):
    """The Bobs chosen for ``controller``/``label`` and, for every other Bob, why not."""

    model_config = ConfigDict(frozen=True)

    controller: str
    label: str
    heavy: bool
    executors: int
    requested: int
    chosen: tuple[BobRecord, ...]
    refused: dict[str, str]

    @property
    def available(self) -> int:
        return len(self.chosen)

    @property
    def short(self) -> bool:
        return self.available < self.requested

    def why_not(self) -> str:
        """The refusals grouped by reason: ``2 already attached to ci-main (bob001, bob002)``."""
        groups: dict[str, list[str]] = defaultdict(list)
        for name, reason in sorted(self.refused.items()):
            groups[reason].append(name)
        return "; ".join(
            f"{len(names)} {reason} ({', '.join(names)})" for reason, names in groups.items()
        )

    def describe(self) -> str:
        kind = "heavy " if self.heavy else ""
        head = (
            f"attach {self.available} of {self.requested} to {self.controller} with {kind}label "
            f"{self.label} ({self.executors} executor{'s' if self.executors != 1 else ''} each)"
        )
        lines = [head, *(f"  {b.name} on {b.host}/{b.disk}" for b in self.chosen)]
        if self.refused:
            lines.append(f"  not available: {self.why_not()}")
        return "\n".join(lines)

    def require_all(self) -> Choice:
        if self.short:
            raise ShortfallError(
                f"asked to attach {self.requested} Bobs to {self.controller} as {self.label}, "
                f"{self.available} available"
                + (f"; not available: {self.why_not()}" if self.refused else "; no Bobs are ready"),
                requested=self.requested,
                available=self.available,
                where=self.why_not(),
            )
        return self


def controller_config(fleet: Fleet, name: str) -> ControllerConfig:
    for controller in fleet.jenkins:
        if controller.name == name:
            return controller
    known = ", ".join(c.name for c in fleet.jenkins) or "none configured"
    raise UsageError(f"unknown Jenkins controller {name!r}; known: {known}")


def check_label(fleet: Fleet, controller: str, label: str) -> ControllerConfig:
    """The controller's config, if it exists and has ``label``; a UsageError otherwise."""
    config = controller_config(fleet, controller)
    if label not in config.labels:
        known = ", ".join(sorted(config.labels)) or "none configured"
        raise UsageError(f"label {label!r} is not configured for {controller}; known: {known}")
    return config


def attached_names(nodes: Mapping[str, Sequence[JenkinsNode]]) -> dict[str, str]:
    """Bob name → the controller where bob made its agent (the first, if on several).

    Only nodes bob made: a node someone made by hand under a Bob's name is not that Bob's agent.
    """
    where: dict[str, str] = {}
    for controller, listed in nodes.items():
        for node in listed:
            if node.managed:
                where.setdefault(node.name, controller)
    return where


def foreign_names(nodes: Mapping[str, Sequence[JenkinsNode]]) -> dict[str, str]:
    """Node name → the controller of a node bob did not make (the first, if on several)."""
    where: dict[str, str] = {}
    for controller, listed in nodes.items():
        for node in listed:
            if not node.managed:
                where.setdefault(node.name, controller)
    return where


def heavy_names(fleet: Fleet, nodes: Mapping[str, Sequence[JenkinsNode]]) -> set[str]:
    """Names of nodes that carry a heavy label on any configured controller.

    A node made by hand counts too: whoever made it may well run heavy builds on that Bob.
    """
    heavy: set[str] = set()
    for controller in fleet.jenkins:
        labels = set(controller.heavy_labels)
        heavy.update(n.name for n in nodes.get(controller.name, ()) if n.label_set & labels)
    return heavy


def choose(
    fleet: Fleet,
    controller: str,
    label: str,
    count: int,
    bobs: Sequence[BobRecord],
    nodes: Mapping[str, Sequence[JenkinsNode]],
) -> Choice:
    """Choose up to ``count`` unattached, ready Bobs in placement order.

    A heavy label goes only to Bobs whose disk has no other heavy Bob (store flag or a heavy
    label on any controller), one per disk per call as well. Never raises for a shortfall:
    call :meth:`Choice.require_all` for that, so ``--dry-run`` can show a partial choice.
    """
    config = check_label(fleet, controller, label)
    if count < 1:
        raise UsageError(f"count must be at least 1, got {count}")
    missing = [c.name for c in fleet.jenkins if c.name not in nodes]
    if missing:
        raise UsageError(f"cannot tell which Bobs are attached: no node list from {missing}")

    attached = attached_names(nodes)
    foreign = foreign_names(nodes)
    heavy_now = heavy_names(fleet, nodes)
    order = _placement_order(fleet)
    refused: dict[str, str] = {}
    eligible: list[BobRecord] = []
    for bob in sorted(bobs, key=lambda b: (order.get((b.host, b.disk), (len(order), 0)), b.slot)):
        if bob.state is not BobState.READY:
            refused[bob.name] = f"not ready ({bob.state.value})"
        elif parse_number(bob.name, fleet.naming) is None:
            refused[bob.name] = "not a build Bob (a staging environment)"
        elif bob.name in foreign:
            # Attaching would collide with it, and it is not this Bob's agent either.
            refused[bob.name] = f"a node of that name on {foreign[bob.name]} was not made by bob"
        elif bob.name in attached:
            refused[bob.name] = f"already attached to {attached[bob.name]}"
        elif bob.controller is not None:
            # Claimed by a running attach (or a node someone removed by hand): never twice.
            refused[bob.name] = f"recorded as attached to {bob.controller}"
        elif (bob.host, bob.disk) not in order:
            refused[bob.name] = "on a host or disk not in the config"
        elif fleet.host(bob.host).drained:
            refused[bob.name] = f"on drained host {bob.host}"
        else:
            eligible.append(bob)

    heavy = label in config.heavy_labels
    if heavy:
        occupants = [
            b.as_occupant().model_copy(update={"heavy": b.heavy or b.name in heavy_now})
            for b in bobs
        ]
        picked, passed_over = choose_heavy([_occupant(b) for b in eligible], occupants, count)
        by_name = {b.name: b for b in eligible}
        chosen = tuple(by_name[o.name] for o in picked)
        refused.update(passed_over)
    else:
        chosen = tuple(eligible[:count])

    return Choice(
        controller=controller,
        label=label,
        heavy=heavy,
        executors=config.labels[label],
        requested=count,
        chosen=chosen,
        refused=refused,
    )


def _placement_order(fleet: Fleet) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (host.name, disk.name): (h, d)
        for h, host in enumerate(fleet.hosts)
        for d, disk in enumerate(host.disks)
    }


def _occupant(bob: BobRecord) -> Occupant:
    return bob.as_occupant()
