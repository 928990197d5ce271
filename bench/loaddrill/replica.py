"""One bob replica, wired as bot/runtime.py wires it: its own store connection, SSH
connections, DNS client and job runner (its own lease owner), on the drill's shared store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.runtime import PER_HOST_LIMIT
from handlers.provision import Caller, submit_create, submit_destroy
from handlers.requests import CreateBobs, DestroyBobs
from provisioning.config import Fleet
from provisioning.core.models import CreatePlan
from provisioning.dns import DnsClient, secret_from_env
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.records import JobRecord
from provisioning.store import SqlStore

CALLER = Caller(actor="load-drill", source="bench", origin="bench", command="load drill")


@dataclass
class Replica:
    name: str
    fleet: Fleet
    store: SqlStore
    pool: HostPool
    dns: DnsClient | None
    bus: ProgressBus
    runner: JobRunner

    async def submit_create(self, count: int) -> tuple[JobRecord, CreatePlan]:
        return await submit_create(
            self.fleet, self.store, CreateBobs(count=count), CALLER, self.dns
        )

    async def submit_destroy(self, names: list[str]) -> JobRecord | None:
        job, _ = await submit_destroy(
            self.fleet, self.store, DestroyBobs(names=tuple(names)), CALLER
        )
        return job

    async def run(self, job: JobRecord) -> JobRecord:
        return await self.runner.run(job.id)


@asynccontextmanager
async def replica(fleet: Fleet, url: str, name: str) -> AsyncIterator[Replica]:
    store = await SqlStore.open(url)
    pool = HostPool(fleet.hosts)
    dns = None if fleet.dns is None else DnsClient(fleet.dns, secret_from_env(fleet.dns))
    registry = JobKinds()
    kinds.register(registry, Pipeline(fleet=fleet, shells=pool, store=store, dns=dns))
    bus = ProgressBus()
    runner = JobRunner(
        store, registry, bus, owner=unique_owner(name), per_host_limit=PER_HOST_LIMIT
    )
    try:
        yield Replica(name, fleet, store, pool, dns, bus, runner)
    finally:
        try:
            await pool.close_all()
        finally:
            await store.close()
