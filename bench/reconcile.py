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
import time
from collections import Counter
from collections.abc import Sequence

from benchkit import sandboxed_bob

from handlers.reconcile import reconcile
from provisioning.hosts.shell import CommandResult, HostShell
from provisioning.hosts.ssh import HostPool

PREFIX, NET_INDEX = "bobrecon", 70  # clear of the default sandbox, bench/create.py and tests


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


async def bench(total: int, rounds: int) -> int:
    async with sandboxed_bob(
        "reconcile", hosts=3, prefix=PREFIX, net_index=NET_INDEX, dns_port=15153
    ) as bob:
        shells = CountingShells(bob.pool)
        steps = sorted({max(total // 3, 1), max(2 * total // 3, 1), total})
        made, figures = 0, []
        for target in steps:
            if not await bob.create_spread(target - made):
                return 1
            made = target
            walls = []
            for _ in range(rounds):
                shells.counts.clear()
                began = time.perf_counter()
                report = await reconcile(bob.fleet, bob.store, shells, bob.dns, {})
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bobs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(bench(args.bobs, args.rounds))


if __name__ == "__main__":
    sys.exit(main())
