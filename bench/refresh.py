"""How long `bob refresh --stale` takes after a rebuild, and how long each Bob is out of service.

Run as root from the repository: ``.venv/bin/python bench/refresh.py [--bobs 6] [--parallel 1 3]``.

It builds a sandbox of its own (prefix ``bobrefr``, addresses 10.250.80-89.*, with its own BIND,
everything under a temporary directory; overlay clones of the busybox base) and always removes
it again. It creates the Bobs (spread over two hosts), then for each ``--parallel`` value
rebuilds the base on both hosts and refreshes every stale Bob with that many at once. It prints
the job's wall time, the time per Bob, and each Bob's time out of service: from its old
container's stop to its new one answering ping, read from the job's journal. No Jenkins: the
drain and re-attach cost a few script-console round trips on top. A measurement: it exits 0
whether or not the figures are good, 1 only if the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from handlers.provision import Caller, submit_create
from handlers.rebuild import submit_rebuild
from handlers.refresh import RefreshBobs, submit_refresh
from handlers.requests import CreateBobs, RebuildBase
from provisioning.config import load_fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.records import JobState, JournalEntry, StepEvent
from provisioning.store import SqlStore
from sandbox import SandboxOptions, sandbox_down, sandbox_up

PREFIX, NET_INDEX = "bobrefr", 80  # clear of the default sandbox, the other benches and tests
CALLER = Caller(actor="bench", source="bench", origin="bench", command="bench")


def out_of_service(journal: list[JournalEntry]) -> list[float]:
    """Per Bob, seconds from its old container's stop starting to its new one answering ping.

    A lane refreshes its Bobs in order, so within a lane each ``stop-old`` start pairs with the
    next ``wait-ready`` success.
    """
    stopped: dict[str, list[float]] = {}
    ready: dict[str, list[float]] = {}
    for e in journal:
        if e.step == "stop-old" and e.event is StepEvent.STARTED:
            stopped.setdefault(e.lane, []).append(e.at.timestamp())
        elif e.step == "wait-ready" and e.event is StepEvent.SUCCEEDED:
            ready.setdefault(e.lane, []).append(e.at.timestamp())
    return [
        up - down
        for lane, downs in stopped.items()
        for down, up in zip(downs, ready.get(lane, []), strict=False)
    ]


async def bench(bobs: int, parallel: list[int]) -> int:
    with tempfile.TemporaryDirectory(prefix="bob-bench-refresh-") as tmp:
        state = Path(tmp) / "sandbox"
        options = SandboxOptions(
            hosts=2, backend="overlay", state_dir=state, prefix=PREFIX, net_index=NET_INDEX,
            dns_port=15183,
        )  # fmt: skip
        info = await sandbox_up(options)
        try:
            return await _measure(info.config_path, Path(tmp), bobs, parallel)
        finally:
            await sandbox_down(state)


async def _measure(config: Path, tmp: Path, total: int, parallel: list[int]) -> int:
    fleet = load_fleet(config)
    assert fleet.dns is not None
    dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp}/bob.db")
    pool = HostPool(fleet.hosts)
    try:
        registry = JobKinds()
        kinds.register(registry, Pipeline(fleet=fleet, shells=pool, store=store, dns=dns))
        runner = JobRunner(store, registry, ProgressBus(), owner=unique_owner("bench"))
        for i, host in enumerate(h.name for h in fleet.hosts):
            want = total // 2 + (1 if i < total % 2 else 0)
            job, _ = await submit_create(
                fleet, store, CreateBobs(count=want, host=host), CALLER, dns
            )
            if (await runner.run(job.id)).state is not JobState.SUCCEEDED:
                print(f"create on {host} failed", file=sys.stderr)
                return 1
        for k in parallel:
            rebuilt = await submit_rebuild(fleet, store, RebuildBase(), CALLER)
            if (await runner.run(rebuilt.id)).state is not JobState.SUCCEEDED:
                print("rebuild-base failed", file=sys.stderr)
                return 1
            job = await submit_refresh(fleet, store, RefreshBobs(stale=True, parallel=k), CALLER)
            assert job is not None, "nothing stale after a rebuild"
            began = time.perf_counter()
            final = await runner.run(job.id)
            wall = time.perf_counter() - began
            if final.state is not JobState.SUCCEEDED:
                print(f"refresh failed: {final.error}", file=sys.stderr)
                return 1
            down = out_of_service(await store.journal(job.id))
            count = len(job.params["bobs"])
            print(
                f"refresh --stale --parallel {k}: {count} Bobs in {wall:6.2f} s "
                f"({wall / count:5.2f} s per Bob); out of service per Bob: median "
                f"{statistics.median(down):5.2f} s, max {max(down):5.2f} s"
            )
        return 0
    finally:
        await pool.close_all()
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bobs", type=int, default=6)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(bench(args.bobs, args.parallel))


if __name__ == "__main__":
    sys.exit(main())
