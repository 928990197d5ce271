"""The composition root for doing work: store, host shells, pipelines, runner and progress bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.settings import Settings
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.store import SqlStore

# sshd's MaxStartups and the host's disks both suffer past a handful of concurrent clones.
PER_HOST_LIMIT = 6


@dataclass
class Runtime:
    settings: Settings
    store: SqlStore
    bus: ProgressBus
    runner: JobRunner


@asynccontextmanager
async def runtime(settings: Settings, store: SqlStore) -> AsyncIterator[Runtime]:
    pool = HostPool(settings.fleet.hosts)
    registry = JobKinds()
    kinds.register(registry, Pipeline(fleet=settings.fleet, shells=pool, store=store))
    bus = ProgressBus()
    runner = JobRunner(
        store, registry, bus, owner=unique_owner("bob-cli"), per_host_limit=PER_HOST_LIMIT
    )
    try:
        yield Runtime(settings, store, bus, runner)
    finally:
        await pool.close_all()
