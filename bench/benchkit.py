"""What the sandbox benches share: a sandbox of their own and a bob wired to it in-process.

Each bench names its own prefix, network index and DNS port so that benches, tests and the
demo sandbox never collide; everything lives under a temporary directory and is always removed.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from handlers.provision import Caller, submit_create
from handlers.requests import CreateBobs
from provisioning.config import Fleet, load_fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.records import JobState
from provisioning.store import SqlStore
from sandbox import SandboxOptions, sandbox_down, sandbox_up

CALLER = Caller(actor="bench", source="bench", origin="bench", command="bench")


@dataclass
class BenchBob:
    fleet: Fleet
    store: SqlStore
    dns: DnsClient
    pool: HostPool
    runner: JobRunner

    async def create_spread(self, count: int) -> bool:
        """``count`` more Bobs spread evenly over the hosts, as a real fleet would be; False
        (said on stderr) when a create fails."""
        hosts = [h.name for h in self.fleet.hosts]
        for i, host in enumerate(hosts):
            want = count // len(hosts) + (1 if i < count % len(hosts) else 0)
            if not want:
                continue
            job, _ = await submit_create(
                self.fleet, self.store, CreateBobs(count=want, host=host), CALLER, self.dns
            )
            if (await self.runner.run(job.id)).state is not JobState.SUCCEEDED:
                print(f"create on {host} failed", file=sys.stderr)
                return False
        return True


@asynccontextmanager
async def sandboxed_bob(
    label: str, *, hosts: int, prefix: str, net_index: int, dns_port: int
) -> AsyncIterator[BenchBob]:
    """A fresh overlay sandbox of ``hosts`` hosts and a bob (SQLite, no Jenkins) driving it."""
    with tempfile.TemporaryDirectory(prefix=f"bob-bench-{label}-") as tmp:
        state = Path(tmp) / "sandbox"
        options = SandboxOptions(
            hosts=hosts, backend="overlay", state_dir=state, prefix=prefix,
            net_index=net_index, dns_port=dns_port,
        )  # fmt: skip
        info = await sandbox_up(options)
        try:
            fleet = load_fleet(info.config_path)
            assert fleet.dns is not None
            dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
            store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp}/bob.db")
            pool = HostPool(fleet.hosts)
            try:
                registry = JobKinds()
                kinds.register(registry, Pipeline(fleet=fleet, shells=pool, store=store, dns=dns))
                runner = JobRunner(store, registry, ProgressBus(), owner=unique_owner("bench"))
                yield BenchBob(fleet, store, dns, pool, runner)
            finally:
                await pool.close_all()
                await store.close()
        finally:
            await sandbox_down(state)
