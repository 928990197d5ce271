"""How long `bob reconcile` takes on a 3-host sandbox, and how it grows with the number of Bobs.

Run as root from the repository: ``.venv/bin/python bench/reconcile.py [--bobs 30] [--rounds 5]``.

It builds a sandbox of its own (prefix ``bobrecon``, addresses 10.250.70-73.*, with its own BIND,
everything under a temporary directory) and always removes it again. It creates the Bobs in
steps (a third, two thirds, all), and at each step times a full reconcile (store, one SSH round
trip per host, one AXFR per zone) as the median of the rounds. It prints the times, the time per
Bob, the growth from the smallest fleet (the baseline, same process) to the largest against the
growth in Bobs (no faster means linear or better), the marginal cost per Bob, and the number of
commands per host each pass sent (the goal is one). A measurement: it exits 0 whether
or not the goal is met, 1 only if the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from handlers.provision import Caller, submit_create
from handlers.reconcile import reconcile
from handlers.requests import CreateBobs
from provisioning.config import load_fleet
from provisioning.dns import DnsClient, secret_from_env
from provisioning.hosts.shell import CommandResult, HostShell
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import JobKinds, JobRunner, ProgressBus, unique_owner
from provisioning.pipeline import kinds
from provisioning.pipeline.context import Pipeline
from provisioning.records import JobState
from provisioning.store import SqlStore
from sandbox import SandboxOptions, sandbox_down, sandbox_up

PREFIX, NET_INDEX = "bobrecon", 70  # clear of the default sandbox, bench/create.py and tests
CALLER = Caller(actor="bench", source="bench", origin="bench", command="bench")


class CountingShells:
    """The pipeline's Shells port over a HostPool, counting commands per host."""

    def __init__(self, pool: HostPool) -> None:
        self.pool = pool
        self.counts: Counter[str] = Counter()

    def get(self, host: str) -> HostShell:
        shell = self.pool.get(host)
        counts = self.counts

        class Counted:
            name = host

            async def run(self, argv: Sequence[str], **kw: object) -> CommandResult:
                counts[host] += 1
                return await shell.run(argv, **kw)  # type: ignore[arg-type]

            def __getattr__(self, attr: str) -> object:
                return getattr(shell, attr)

        return Counted()  # type: ignore[return-value]


async def bench(bobs: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bob-bench-reconcile-") as tmp:
        state = Path(tmp) / "sandbox"
        options = SandboxOptions(
            hosts=3, backend="overlay", state_dir=state, prefix=PREFIX, net_index=NET_INDEX,
            dns_port=15153,
        )  # fmt: skip
        info = await sandbox_up(options)
        try:
            return await _measure(info.config_path, Path(tmp), bobs, rounds)
        finally:
            await sandbox_down(state)


async def _measure(config: Path, tmp: Path, total: int, rounds: int) -> int:
    fleet = load_fleet(config)
    assert fleet.dns is not None
    dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp}/bob.db")
    pool = HostPool(fleet.hosts)
    try:
        registry = JobKinds()
        kinds.register(registry, Pipeline(fleet=fleet, shells=pool, store=store, dns=dns))
        runner = JobRunner(store, registry, ProgressBus(), owner=unique_owner("bench"))
        shells = CountingShells(pool)
        steps = sorted({max(total // 3, 1), max(2 * total // 3, 1), total})
        made, figures = 0, []
        for target in steps:
            # Spread evenly over the three hosts, as a real fleet would be.
            for i, host in enumerate(h.name for h in fleet.hosts):
                want = (target - made) // 3 + (1 if i < (target - made) % 3 else 0)
                if want:
                    job, _ = await submit_create(
                        fleet, store, CreateBobs(count=want, host=host), CALLER, dns
                    )
                    if (await runner.run(job.id)).state is not JobState.SUCCEEDED:
                        print(f"create on {host} failed", file=sys.stderr)
                        return 1
            made = target
            walls = []
            for _ in range(rounds):
                shells.counts.clear()
                began = time.perf_counter()
                report = await reconcile(fleet, store, shells, dns, {})
                walls.append(time.perf_counter() - began)
                if report.findings:
                    print(f"unexpected differences: {report.findings}", file=sys.stderr)
                    return 1
            median = statistics.median(walls)
            per_host = sorted(set(shells.counts.values()))
            figures.append((target, median))
            print(
                f"{target:3d} Bobs: reconcile {median * 1000:7.1f} ms median of {rounds} "
                f"({median / target * 1000:6.2f} ms per Bob), commands per host per pass: "
                f"{per_host}"
            )
        (n0, t0), (n1, t1) = figures[0], figures[-1]
        slope = (t1 - t0) / (n1 - n0) if n1 > n0 else 0.0
        print(
            f"baseline {n0} Bobs → {n1} Bobs: time ×{t1 / t0:.2f} for ×{n1 / n0:.2f} the Bobs "
            f"(≤ the Bob ratio: no worse than linear); marginal cost {slope * 1000:.2f} ms per "
            f"Bob, fixed cost ≈ {(t0 - slope * n0) * 1000:.1f} ms"
        )
        return 0
    finally:
        await pool.close_all()
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bobs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(bench(args.bobs, args.rounds))


if __name__ == "__main__":
    sys.exit(main())
