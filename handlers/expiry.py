"""Bobs whose time is up: a time to live that ended (`create --ttl`), or an agent idle longer
than its controller's ``idle_after_s``. `bob serve` destroys them (detaching agents first), the
retention Jenkins' cloud plugins give their agents.

Only ready Bobs that no unfinished job works on are considered, and only agents that are online
and idle: an offline agent is the reconciler's to report, and a busy one is never taken away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.attachments import Controllers, read_nodes
from handlers.jenkins import agents_of
from handlers.provision import Caller, submit_destroy
from handlers.requests import DestroyBobs
from provisioning.config.models import Fleet
from provisioning.core.durations import describe_duration
from provisioning.jenkins.models import JenkinsNode
from provisioning.ports import StateStore
from provisioning.records import BobRecord, BobState, JobRecord

SOURCE = "expiry"


@dataclass(frozen=True)
class Expired:
    name: str
    reason: str

    def line(self) -> str:
        return f"{self.name} ({self.reason})"


def due(
    bobs: Sequence[BobRecord],
    nodes: Mapping[str, Sequence[JenkinsNode]],
    idle_after_s: Mapping[str, float],
    now: datetime,
    in_flight: Iterable[str] = (),
) -> list[Expired]:
    """Which Bobs to destroy now and why; each Bob once, its time to live first."""
    busy = set(in_flight)
    ready = {b.name: b for b in bobs if b.state is BobState.READY and b.name not in busy}
    found: dict[str, Expired] = {}
    for bob in ready.values():
        if bob.expires_at is not None and bob.expires_at <= now:
            ended = describe_duration((now - bob.expires_at).total_seconds())
            found[bob.name] = Expired(bob.name, f"its time to live ended {ended} ago")
    for controller, limit in idle_after_s.items():
        for node in nodes.get(controller, ()):
            if node.name in found or node.name not in ready or not _idle(node):
                continue
            assert node.idle_since_ms is not None
            idle_s = now.timestamp() - node.idle_since_ms / 1000
            if idle_s >= limit:
                found[node.name] = Expired(
                    node.name,
                    f"idle on {controller} for {describe_duration(idle_s)}, "
                    f"more than its idle_after_s ({describe_duration(limit)})",
                )
    return sorted(found.values(), key=lambda e: e.name)


def _idle(node: JenkinsNode) -> bool:
    return node.managed and node.idle and not node.offline and node.idle_since_ms is not None


def in_flight(jobs: Iterable[JobRecord]) -> set[str]:
    """Every Bob an unfinished job names (destroy and refresh ``bobs``, (de)attach ``agents``)."""
    return {
        entry["name"]
        for job in jobs
        for key in ("bobs", "agents")
        for entry in job.params.get(key) or ()
        if isinstance(entry, dict) and "name" in entry
    }


async def submit_expiry(
    fleet: Fleet, store: StateStore, controllers: Controllers, now: datetime
) -> tuple[JobRecord | None, list[Expired]]:
    """A destroy job for every Bob whose time is up (agents detached first), or None."""
    idle_after = {
        c.name: c.idle_after_s
        for c in fleet.jenkins
        if c.idle_after_s is not None and c.name in controllers
    }
    lists = await read_nodes({name: controllers[name] for name in idle_after})
    expired = due(
        await store.list_bobs(),
        lists.nodes,
        idle_after,
        now,
        in_flight(await store.unfinished_jobs()),
    )
    if not expired:
        return None, []
    names = [e.name for e in expired]
    caller = Caller(
        actor="bob",
        source=SOURCE,
        origin=SOURCE,
        command="expire " + ", ".join(e.line() for e in expired),
    )
    agents = await agents_of(store, controllers, names)
    job, _ = await submit_destroy(
        fleet, store, DestroyBobs(names=tuple(names)), caller, agents=agents
    )
    return job, expired
