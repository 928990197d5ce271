"""The host health monitor reads the job stream: failed host steps cool a host down, a
successful one ends it, and steps that do not run on the host never count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisioning.config.models import HostHealth
from provisioning.jobs.events import StepFinished
from provisioning.pipeline.health import HostHealthMonitor
from provisioning.store import SqlStore

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def finished(step: str, outcome: str, host: str = "host-a") -> StepFinished:
    return StepFinished(
        job_id="j1",
        step=step,
        lane="bob001",
        host=host,
        index=0,
        outcome=outcome,  # type: ignore[arg-type]
        duration_s=0.1,
        error="HostUnreachable: timed out" if outcome == "failed" else None,
    )


@pytest.fixture
def monitor(store: SqlStore) -> HostHealthMonitor:
    return HostHealthMonitor(store, HostHealth(failures=2, cooldown_s=60), clock=lambda: NOW)


async def states(store: SqlStore) -> dict[str, tuple[int, datetime | None]]:
    return {s.host: (s.failures, s.cooling_until) for s in await store.host_states()}


async def test_repeated_failures_cool_the_host_down(store: SqlStore, monitor) -> None:
    await monitor(finished("clone", "failed"))
    await monitor(finished("start", "failed"))

    assert {"host-a": (2, NOW + timedelta(seconds=60))} == await states(store)


async def test_a_success_on_the_host_ends_the_cool_down(store: SqlStore, monitor) -> None:
    await monitor(finished("clone", "failed"))
    await monitor(finished("clone", "failed"))
    await monitor(finished("clone", "succeeded"))

    assert {"host-a": (0, None)} == await states(store)


@pytest.mark.parametrize("step", ["dns", "attach", "reserve", "ready", "remove-node"])
async def test_steps_that_do_not_run_on_the_host_never_count(
    store: SqlStore, monitor, step
) -> None:
    await monitor(finished(step, "failed"))
    await monitor(finished(step, "failed"))

    assert {} == await states(store)
