from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from provisioning.fakes import MemoryJobStore
from provisioning.jobs.events import Event, ProgressBus
from provisioning.jobs.runner import JobRunner
from provisioning.records import JobRecord, NewJob
from tests.provisioning.jobs.scripted import KIND, World, scripted_kinds


@pytest.fixture
def store() -> MemoryJobStore:
    return MemoryJobStore()


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def bus() -> ProgressBus:
    return ProgressBus()


@pytest.fixture
def events(bus: ProgressBus) -> list[Event]:
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    bus.subscribe(record)
    return seen


@pytest.fixture
def make_runner(store: MemoryJobStore, world: World, bus: ProgressBus) -> Callable[..., JobRunner]:
    def make(owner: str = "replica-1", **options: Any) -> JobRunner:
        options.setdefault("lease", timedelta(seconds=30))
        return JobRunner(store, scripted_kinds(world), bus, owner=owner, **options)

    return make


@pytest.fixture
def runner(make_runner: Callable[..., JobRunner]) -> JobRunner:
    return make_runner()


@pytest.fixture
def submit(store: MemoryJobStore) -> Callable[[dict[str, Any]], Any]:
    """Record a pending scripted job, as any replica's submit would."""

    async def submit(job_params: dict[str, Any]) -> JobRecord:
        return await store.create_job(NewJob(kind=KIND, params=job_params))

    return submit
