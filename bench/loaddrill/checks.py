"""The drill's invariants, each checked against the hosts, the store or the reconciler.

A broken invariant is appended to ``violations`` as one line saying what and where; nothing
here raises, so one broken rule does not hide the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence

from provisioning.core.models import CreatePlan
from provisioning.records import BobRecord, BobState, JobState
from provisioning.store import SqlStore

from .outcomes import HalfDestroyed, JobOutcome
from .witness import HostsView

FINISHED = (JobState.SUCCEEDED, JobState.FAILED)


class Checks:
    def __init__(
        self, store: SqlStore, violations: list[str], half_destroyed: list[HalfDestroyed]
    ) -> None:
        self._store, self.violations, self.half_destroyed = store, violations, half_destroyed

    def _fail(self, phase: str, text: str) -> None:
        self.violations.append(f"{phase}: {text}")

    def _once(self, phase: str, what: str, values: Iterable[Hashable]) -> None:
        for value, times in Counter(values).items():
            if times > 1:
                self._fail(phase, f"{what} {value} {times} times")

    def plans_disjoint(self, plans: Sequence[CreatePlan]) -> None:
        """Plans reserved at the same time share no name, address or slot."""
        bobs = [b for p in plans for b in p.bobs]
        self._once("create plans", "name", (b.name for b in bobs))
        self._once("create plans", "address", (b.ip for b in bobs))
        self._once("create plans", "slot", ((b.host, b.disk, b.slot) for b in bobs))

    async def creates(self, jobs: Sequence[JobOutcome], victim: str | None) -> None:
        """A create either made all its Bobs, ready, or failed leaving none of them."""
        recorded = {b.name: b for b in await self._store.list_bobs()}
        for outcome in jobs:
            job = f"create job {outcome.job.id}"
            self._finished("create", job, outcome, victim)
            if outcome.job.state is JobState.SUCCEEDED:
                for name in outcome.names:
                    bob = recorded.get(name)
                    if bob is None or bob.state is not BobState.READY:
                        state = "no record" if bob is None else bob.state.value
                        self._fail("create", f"{job} succeeded but {name} is {state}")
            else:
                kept = [n for n in outcome.names if n in recorded]
                if kept:
                    self._fail("create", f"{job} failed but its undo kept {kept}")
                for line in outcome.undo_failed:
                    self._fail("create", f"{job}: undo failed: {line}")

    async def destroys(
        self, phase: str, jobs: Sequence[JobOutcome], victim: str | None
    ) -> set[str]:
        """A destroy that succeeded left no record of its Bobs (``agree`` checks the hosts).

        Returns the Bobs failed destroys left recorded as destroying: half-destroyed (see
        ``half_destroy``), which destroy's design allows (a re-run finishes them) and the
        drill's promise does not.
        """
        recorded = {b.name: b for b in await self._store.list_bobs()}
        half: set[str] = set()
        for outcome in jobs:
            job = f"destroy job {outcome.job.id}"
            self._finished(phase, job, outcome, victim)
            kept = [n for n in outcome.names if n in recorded]
            if outcome.job.state is JobState.SUCCEEDED and kept:
                self._fail(phase, f"{job} succeeded but {kept} are still recorded")
            for name in kept:
                if recorded[name].state is BobState.DESTROYING:
                    half.add(name)
                else:
                    self._fail(phase, f"{job} failed leaving {name} {recorded[name].state}")
        return half

    def half_destroy(
        self,
        bobs: Sequence[BobRecord],
        half: set[str],
        view: HostsView,
        findings: Sequence[tuple[str, str]],
        victim: str | None,
    ) -> None:
        """Each half-destroyed Bob: its host, what is left of it, what reconcile says."""
        containers = {c.name: c.state for c in view.containers}
        for bob in sorted((b for b in bobs if b.name in half), key=lambda b: b.name):
            self.half_destroyed.append(
                HalfDestroyed(
                    name=bob.name,
                    host=bob.host,
                    host_went_away=bob.host == victim,
                    container=containers.get(bob.name),
                    findings=tuple(line for subject, line in findings if subject == bob.name),
                )
            )

    def _finished(self, phase: str, job: str, outcome: JobOutcome, victim: str | None) -> None:
        """It succeeded or failed; and failed only if it had a Bob on the host that went away."""
        if outcome.raised is not None:
            self._fail(phase, f"{job}: the runner raised {outcome.raised}")
        elif outcome.job.state not in FINISHED:
            self._fail(phase, f"{job} ended {outcome.job.state.value}, not succeeded or failed")
        elif outcome.job.state is JobState.FAILED and victim not in outcome.hosts.values():
            self._fail(phase, f"{job} failed with no Bob on {victim}: {outcome.failure}")

    def agree(
        self,
        phase: str,
        view: HostsView,
        bobs: Sequence[BobRecord],
        half: Collection[str] = frozenset(),
    ) -> None:
        """The hosts hold exactly the recorded Bobs, each once, running at its own address
        (a half-destroyed Bob's container may be gone: ``half_destroy`` reports it)."""
        self._once(phase, "container name on the hosts", (c.name for c in view.containers))
        self._once(phase, "address on the hosts", (c.address for c in view.containers if c.address))
        self._once(phase, "recorded address", (b.ip for b in bobs if b.ip is not None))
        self._once(phase, "recorded slot", ((b.host, b.disk, b.slot) for b in bobs))
        found = {(c.host, c.disk, c.name): c for c in view.containers}
        for bob in bobs:
            container = found.pop((bob.host, bob.disk, bob.name), None)
            if container is None and bob.name not in half:
                self._fail(
                    phase,
                    f"{bob.name} is recorded ({bob.state.value}) on {bob.host}/{bob.disk},"
                    " which has no such container",
                )
                continue
            seen = None if container is None else (container.state, container.address)
            if bob.state is BobState.READY and seen != ("RUNNING", str(bob.ip)):
                self._fail(
                    phase,
                    f"{bob.name} is ready at {bob.ip} in the store, its container is "
                    + ("gone" if seen is None else f"{seen[0]} at {seen[1]}"),
                )
        for (host, disk, name), _ in sorted(found.items()):
            self._fail(phase, f"container {name} on {host}/{disk} has no record")
        names = {(c.host, c.disk, c.name) for c in view.containers}
        for host, disk, entry in view.entries:
            if (host, disk, entry) not in names:
                self._fail(phase, f"{host}/{disk} holds {entry!r}, which is no container")

    async def no_reservations(self, phase: str) -> None:
        """With every job finished, nothing is held for a Bob in the making."""
        for r in await self._store.list_reservations():
            self._fail(phase, f"reservation {r.name} ({r.host}/{r.disk}, {r.ip}) of job {r.job_id}")

    def reconciled(
        self, phase: str, findings: Sequence[tuple[str, str]], half: Collection[str] = frozenset()
    ) -> None:
        """No difference, but about half-destroyed Bobs (``half_destroy`` reports those)."""
        for subject, line in findings:
            if subject not in half:
                self._fail(phase, f"reconcile: {line}")

    def nothing_left(
        self, bobs: Sequence[BobRecord], view: HostsView, strays: dict[str, list[str]]
    ) -> None:
        """At the end bob knows no Bob, and the hosts are as the sandbox made them: no
        container, file or process."""
        for bob in bobs:
            self._fail("end", f"{bob.name} is still recorded ({bob.state.value}) on {bob.host}")
        for c in view.containers:
            self._fail("end", f"container {c.name} on {c.host}/{c.disk} ({c.state})")
        for host, disk, entry in view.entries:
            self._fail("end", f"{host}/{disk} still holds {entry!r}")
        for host, processes in sorted(strays.items()):
            for process in processes:
                self._fail("end", f"process left on {host}: {process}")
