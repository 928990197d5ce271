"""Host health from the job stream: jobs that fail on a host put it in cool-down, a success
on it clears that.

A subscriber on the progress bus, so every job kind counts without the runner knowing hosts.
What counts is one failure per host per job, and only a failure that is the host's doing:
a job's sibling lanes failing on the same broken disk are one failure, not three; a lane
cancelled because another failed is no failure at all; and a DNS, Jenkins, store or conflict
error says nothing about the host, even from a step that runs there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from provisioning.config.models import HostHealth
from provisioning.core.health import after_failure
from provisioning.jobs.events import Event, JobFinished, StepFinished
from provisioning.ports import HostStates
from provisioning.records import HostState

HOST_STEPS = frozenset(
    {
        "clone",
        "configure",
        "identity",
        "start",
        "wait-ready",
        "personalize",
        "bootstrap",
        "stop",
        "remove",
    }
)
# BobError.blame values that are the host's doing: its own errors, or a step on it that hung.
HOST_FAULTS = frozenset({"host", "timeout"})


def _now() -> datetime:
    return datetime.now(UTC)


class HostHealthMonitor:
    def __init__(
        self, store: HostStates, rules: HostHealth, clock: Callable[[], datetime] = _now
    ) -> None:
        self._store, self._rules, self._clock = store, rules, clock
        self._failing: set[str] | None = None  # hosts with a failure count, read once
        self._counted: set[tuple[str, str]] = set()  # (job, host): this job's failure is in

    async def __call__(self, event: Event) -> None:
        if isinstance(event, JobFinished):
            self._counted = {(job, host) for job, host in self._counted if job != event.job_id}
            return
        if not isinstance(event, StepFinished) or event.host is None:
            return
        if event.step not in HOST_STEPS or event.outcome == "skipped":
            return
        if event.outcome == "failed":
            await self._failed(event, event.host)
        elif event.host in await self._hosts_failing():
            await self._store.update_host_state(event.host, _recovered)
            (await self._hosts_failing()).discard(event.host)

    async def _failed(self, event: StepFinished, host: str) -> None:
        if event.blame not in HOST_FAULTS or (event.job_id, host) in self._counted:
            return
        self._counted.add((event.job_id, host))
        error, now = event.error or "failed", self._clock()
        await self._store.update_host_state(
            host, lambda s: after_failure(s, error, now, self._rules)
        )
        (await self._hosts_failing()).add(host)

    async def _hosts_failing(self) -> set[str]:
        if self._failing is None:
            self._failing = {s.host for s in await self._store.host_states() if s.failures}
        return self._failing


def _recovered(state: HostState) -> HostState:
    return state.model_copy(update={"failures": 0, "cooling_until": None})
