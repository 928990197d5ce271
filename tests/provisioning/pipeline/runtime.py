"""bob wired as bot/runtime.py wires it (store, HostPool, pipelines, runner, bus), for tests.

    async with bob_runtime(fleet, db_url) as bob:
        job, plan = await bob.create(3)
        job, gone = await bob.destroy("bob001")

Fleet variants are modified copies of the sandbox's own bob.yaml, loaded by bob's loader.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.runtime import PER_HOST_LIMIT
from handlers.provision import Caller, submit_create, submit_destroy
from handlers.requests import CreateBobs, DestroyBobs
from provisioning.config import Fleet, load_fleet
from provisioning.core.models import CreatePlan
from provisioning.dns import DnsZoneClient
from provisioning.hosts.ssh import HostPool
from provisioning.jenkins.port import JenkinsController
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.outages import UNDO_PATIENCE, Patience
from provisioning.records import JobRecord
from provisioning.store import SqlStore
from sandbox import SandboxInfo

CALLER = Caller(actor="tester", source="test", origin="pytest", command="test")


def db_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory}/bob.db"


@dataclass
class Bob:
    fleet: Fleet
    store: SqlStore
    bus: ProgressBus
    runner: JobRunner
    dns: DnsZoneClient | None = None

    async def submit_create(
        self, count: int, host: str | None = None
    ) -> tuple[JobRecord, CreatePlan]:
        return await submit_create(
            self.fleet, self.store, CreateBobs(count=count, host=host), CALLER, self.dns
        )

    async def create(self, count: int, host: str | None = None) -> tuple[JobRecord, CreatePlan]:
        """Submit and run a create; the job's final record and its plan."""
        job, plan = await self.submit_create(count, host)
        return await self.runner.run(job.id), plan

    async def submit_destroy(self, *names: str) -> tuple[JobRecord | None, list[str]]:
        return await submit_destroy(self.fleet, self.store, DestroyBobs(names=names), CALLER)

    async def destroy(self, *names: str) -> tuple[JobRecord | None, list[str]]:
        """Submit and run a destroy; the job's final record (None if nothing to do) and the
        names that were already gone."""
        job, gone = await self.submit_destroy(*names)
        return (None if job is None else await self.runner.run(job.id)), gone


@asynccontextmanager
async def bob_runtime(
    fleet: Fleet,
    url: str,
    owner: str = "test",
    dns: DnsZoneClient | None = None,
    jenkins: Mapping[str, JenkinsController] | None = None,
    undo_patience: Patience = UNDO_PATIENCE,
) -> AsyncIterator[Bob]:
    store = await SqlStore.open(url)
    pool = HostPool(fleet.hosts)
    registry = JobKinds()
    pipeline = Pipeline(
        fleet=fleet,
        shells=pool,
        store=store,
        dns=dns,
        jenkins=jenkins or {},
        undo_patience=undo_patience,
    )
    kinds.register(registry, pipeline)
    bus = ProgressBus()
    try:
        runner = JobRunner(
            store, registry, bus, owner=unique_owner(owner), per_host_limit=PER_HOST_LIMIT
        )
        yield Bob(fleet, store, bus, runner, dns)
    finally:
        try:
            await pool.close_all()
        finally:
            await store.close()


def fleet_variant(
    info: SandboxInfo,
    directory: Path,
    *,
    disks: Mapping[str, Sequence[int]] | None = None,
    bridges: Mapping[str, str] | None = None,
    bootstrap: Sequence[str] | None = None,
) -> Fleet:
    """The sandbox's bob.yaml with some values changed, written to ``directory`` and loaded.

    ``disks`` maps a host to the max_bobs of its disks in order; ``bridges`` a host to its bridge.
    """
    document: dict[str, Any] = yaml.safe_load(info.config_path.read_text())
    for host in document["hosts"]:
        for disk, room in zip(host["disks"], (disks or {}).get(host["name"], ()), strict=False):
            disk["max_bobs"] = room
        host["bridge"] = (bridges or {}).get(host["name"], host["bridge"])
    if bootstrap is not None:
        document["bob_defaults"]["bootstrap"] = list(bootstrap)
    path = directory / "bob.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return load_fleet(path)
