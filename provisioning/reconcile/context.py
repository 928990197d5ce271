"""What every comparison needs to know about one reconcile pass, worked out once.

Pure: built from a Truth and the time it was read at; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from provisioning.jobs.liveness import interrupted
from provisioning.reconcile.model import SeenContainer, Truth
from provisioning.records import BobRecord, JobRecord, ReservationRecord


@dataclass
class Context:
    truth: Truth
    live: list[JobRecord] = field(default_factory=list)  # unfinished, a runner holds the lease
    stopped: list[JobRecord] = field(default_factory=list)  # unfinished, nobody holds it
    working: set[str] = field(default_factory=set)  # names a live job works on
    held: dict[str, str] = field(default_factory=dict)  # name → the interrupted job holding it
    unread: dict[str, str] = field(default_factory=dict)  # system → why it was not read
    seen: dict[str, list[tuple[str, SeenContainer]]] = field(default_factory=dict)
    # Names a job owns, running or interrupted (its resume or cancel deals with them), and the
    # Bobs that are not among them: the ones compared.
    busy: set[str] = field(default_factory=set)
    bobs: list[BobRecord] = field(default_factory=list)
    places: set[tuple[str, str, str]] = field(default_factory=set)  # (host, disk, name) of Bobs

    @classmethod
    def of(cls, truth: Truth) -> Context:
        ctx = cls(truth)
        for job in truth.unfinished:
            (ctx.stopped if interrupted(job, truth.read_at) else ctx.live).append(job)
        ctx.working = _names(truth, ctx.live)
        for job in ctx.stopped:
            for name in sorted(_names(truth, [job]) - ctx.working):
                ctx.held.setdefault(name, job.id)
        ctx.busy = ctx.working | set(ctx.held)
        ctx.bobs = [b for b in truth.bobs if b.name not in ctx.busy]
        ctx.places = {(b.host, b.disk, b.name) for b in truth.bobs}
        ctx.unread = dict(truth.errors)
        for host in sorted(truth.skipped_hosts):
            ctx.unread.setdefault(f"host:{host}", "left out of this pass (--host)")
        for host, scan in sorted(truth.hosts.items()):
            for container in scan.containers:
                ctx.seen.setdefault(container.name, []).append((host, container))
        return ctx

    def stale(self) -> list[ReservationRecord]:
        """Reservations held by a job that is over."""
        return [
            r
            for r in self.truth.reservations
            if r.job_id in self.truth.finished_jobs and r.name not in self.busy
        ]

    def container_seen(self, bob: BobRecord) -> bool | None:
        """Whether the Bob's own container is on its host; None when that host was not read."""
        scan = self.truth.hosts.get(bob.host)
        if scan is None:
            return None
        return any((c.disk, c.name) == (bob.disk, bob.name) for c in scan.containers)


def _names(truth: Truth, jobs: list[JobRecord]) -> set[str]:
    ids = {j.id for j in jobs}
    names = {r.name for r in truth.reservations if r.job_id in ids}
    names |= {b.name for b in truth.bobs if b.job_id in ids}
    for job in jobs:
        names |= set(_names_in(job.params))
    return names


def _names_in(value: Any) -> Iterable[str]:
    """Every ``name`` field in a job's params (plans, destroy lists, attach lists …)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "name" and isinstance(item, str):
                yield item
            else:
                yield from _names_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names_in(item)
