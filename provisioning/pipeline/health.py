"""Host health from the job stream: failed host steps put a host in cool-down, a success clears it.

A subscriber on the progress bus, so every job kind counts without the runner knowing hosts.
Only steps that run commands on the host count: a DNS or Jenkins failure says nothing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from provisioning.config.models import HostHealth
from provisioning.core.health import after_failure
from provisioning.jobs.events import Event, StepFinished
from provisioning.ports import HostStates
from provisioning.records import HostState

HOST_STEPS = frozenset(
    {"clone", "configure", "start", "wait-ready", "personalize", "bootstrap", "stop", "remove"}
)


def _now() -> datetime:
    return datetime.now(UTC)


class HostHealthMonitor:
    def __init__(
        self, store: HostStates, rules: HostHealth, clock: Callable[[], datetime] = _now
    ) -> None:
        self._store, self._rules, self._clock = store, rules, clock
        self._failing: set[str] | None = None  # hosts with a failure count, read once

    async def __call__(self, event: Event) -> None:
        if not isinstance(event, StepFinished) or event.host is None:
            return
        if event.step not in HOST_STEPS or event.outcome == "skipped":
            return
        failing = await self._hosts_failing()
        if event.outcome == "failed":
            error, now = event.error or "failed", self._clock()
            await self._store.update_host_state(
                event.host, lambda s: after_failure(s, error, now, self._rules)
            )
            failing.add(event.host)
        elif event.host in failing:
            await self._store.update_host_state(event.host, _recovered)
            failing.discard(event.host)

    async def _hosts_failing(self) -> set[str]:
        if self._failing is None:
            self._failing = {s.host for s in await self._store.host_states() if s.failures}
        return self._failing


def _recovered(state: HostState) -> HostState:
    return state.model_copy(update={"failures": 0, "cooling_until": None})
