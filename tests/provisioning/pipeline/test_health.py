"""The host health monitor reads the job stream: jobs that fail on a host cool it down, a
successful step on it ends that, and only the host's own failures count, once per job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from provisioning.config.models import HostHealth
from provisioning.errors import ConflictError
from provisioning.fakes import MemoryJobStore
from provisioning.hosts.errors import CommandFailed
from provisioning.jobs import JobDefinition, JobKinds, JobRunner, ProgressBus, Step, StepContext
from provisioning.jobs.events import Event, JobFinished, StepFinished
from provisioning.pipeline.errors import step_failed
from provisioning.pipeline.health import HostHealthMonitor
from provisioning.records import JobState, NewJob
from provisioning.store import SqlStore

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def finished(
    step: str,
    outcome: str,
    host: str = "host-a",
    *,
    job: str = "j1",
    lane: str = "bob001",
    error: str = "HostUnreachable: timed out",
    blame: str | None = "host",
) -> StepFinished:
    failed = outcome == "failed"
    return StepFinished(
        job_id=job,
        step=step,
        lane=lane,
        host=host,
        index=0,
        outcome=outcome,  # type: ignore[arg-type]
        duration_s=0.1,
        error=error if failed else None,
        blame=blame if failed else None,
    )


@pytest.fixture
def monitor(store: SqlStore) -> HostHealthMonitor:
    return HostHealthMonitor(store, HostHealth(failures=2, cooldown_s=60), clock=lambda: NOW)


async def states(store: SqlStore) -> dict[str, tuple[int, datetime | None]]:
    return {s.host: (s.failures, s.cooling_until) for s in await store.host_states()}


async def test_repeated_failures_cool_the_host_down(store: SqlStore, monitor) -> None:
    await monitor(finished("clone", "failed", job="j1"))
    await monitor(finished("start", "failed", job="j2"))

    assert {"host-a": (2, NOW + timedelta(seconds=60))} == await states(store)


async def test_a_success_on_the_host_ends_the_cool_down(store: SqlStore, monitor) -> None:
    await monitor(finished("clone", "failed", job="j1"))
    await monitor(finished("clone", "failed", job="j2"))
    await monitor(finished("clone", "succeeded", job="j3"))

    assert {"host-a": (0, None)} == await states(store)


@pytest.mark.parametrize("step", ["dns", "attach", "reserve", "ready", "remove-node"])
async def test_steps_that_do_not_run_on_the_host_never_count(
    store: SqlStore, monitor, step
) -> None:
    await monitor(finished(step, "failed"))
    await monitor(finished(step, "failed"))

    assert {} == await states(store)


async def test_lanes_of_one_job_failing_on_a_host_are_one_failure(store: SqlStore, monitor) -> None:
    error = "StepFailed: clone of bob00N on host-a failed: CommandFailed: no such directory"
    for lane in ("bob001", "bob002", "bob003"):
        await monitor(finished("clone", "failed", lane=lane, error=error))

    assert {"host-a": (1, None)} == await states(store)


async def test_the_next_job_failing_there_is_the_second_failure(store: SqlStore, monitor) -> None:
    await monitor(finished("clone", "failed", job="j1"))
    await monitor(finished("clone", "failed", job="j1", lane="bob002"))
    await monitor(JobFinished(job_id="j1", state=JobState.FAILED, duration_s=1.0))
    await monitor(finished("clone", "failed", job="j2"))

    assert {"host-a": (2, NOW + timedelta(seconds=60))} == await states(store)


async def test_lanes_cancelled_because_another_failed_never_count(store: SqlStore, monitor) -> None:
    for job in ("j1", "j2"):
        await monitor(finished("bootstrap", "failed", job=job, error="cancelled", blame=None))

    assert {} == await states(store)


@pytest.mark.parametrize(
    ("error", "blame"),
    [
        ("StepFailed: clone of bob001 on host-a failed: ConflictError: a container exists", None),
        ("StepFailed: start of bob001 on host-a failed: DnsError: SERVFAIL", "dns"),
        ("StoreError: cannot reach the state store", None),
    ],
)
async def test_a_host_step_failing_for_a_reason_other_than_the_host_never_counts(
    store: SqlStore, monitor, error, blame
) -> None:
    for job in ("j1", "j2"):
        await monitor(finished("clone", "failed", job=job, error=error, blame=blame))

    assert {} == await states(store)


async def test_a_step_that_timed_out_on_the_host_counts(store: SqlStore, monitor) -> None:
    for job in ("j1", "j2"):
        await monitor(finished("bootstrap", "failed", job=job, blame="timeout"))

    assert {"host-a": (2, NOW + timedelta(seconds=60))} == await states(store)


@pytest.mark.parametrize(
    ("cause", "blame"),
    [
        (CommandFailed(host="host-a", argv=["lxc-copy"], exit_status=1, stderr="no dir"), "host"),
        (ConflictError("a container host-a/bob001 already exists"), None),
    ],
)
def test_a_step_failure_keeps_the_blame_of_what_it_ran_into(cause, blame) -> None:
    failed = step_failed(
        doing="clone of bob001", host="host-a", job_id="j1", step="clone", cause=cause
    )

    assert blame == failed.blame


class _Step(Step):
    """Lane bob001's clone fails on its host; lane bob002's start waits until cancelled."""

    def __init__(self, name: str, lane: str) -> None:
        self.name, self.lane, self.host = name, lane, "host-a"

    async def apply(self, ctx: StepContext) -> None:
        if self.name == "clone":
            raise CommandFailed(host="host-a", argv=["lxc-copy"], exit_status=1, stderr="no dir")
        await asyncio.Event().wait()

    async def undo(self, ctx: StepContext) -> None:
        pass

    async def check(self, ctx: StepContext) -> bool:
        return False


async def test_a_failed_step_reports_whose_fault_it_was_on_the_bus() -> None:
    store, bus, events = MemoryJobStore(), ProgressBus(), []

    async def record(event: Event) -> None:
        events.append(event)

    bus.subscribe(record)
    steps = JobKinds(
        {"two": lambda job: JobDefinition([_Step("start", "bob002"), _Step("clone", "bob001")])}
    )
    runner = JobRunner(store, steps, bus, owner="test")
    job = await store.create_job(NewJob(kind="two"))

    await runner.run(job.id)

    assert [("clone", "host"), ("start", None)] == [
        (e.step, e.blame) for e in events if isinstance(e, StepFinished)
    ]
