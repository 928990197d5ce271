"""What `bob host check` costs, and what create's preflight adds, on a sandbox fleet.

Run as root from the repository: ``.venv/bin/python bench/host_check.py [--hosts 3] [--rounds 7]``.

It builds a sandbox of its own in a free test slot and always removes it. Each round times:

- cold: every host checked at once on a fresh pool, SSH connects included (`bob host check`);
- warm: the same on connections already open (create's preflight: the job then reuses them).

It prints the medians; exit 0 unless the bench itself failed or a check did not pass.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioning.config import load_fleet
from provisioning.hostcheck import check_hosts
from provisioning.hosts.ssh import HostPool
from tests.sandbox.fixtures import sandbox_fleet, sandbox_unavailable


async def bench(hosts: int, rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bob-bench-hostcheck-") as tmp:
        async with sandbox_fleet(Path(tmp) / "state", hosts=hosts) as info:
            fleet = load_fleet(info.config_path)
            cold: list[float] = []
            warm: list[float] = []
            for _ in range(rounds):
                pool = HostPool(fleet.hosts)
                try:
                    for times in (cold, warm):
                        started = time.perf_counter()
                        reports = await check_hosts(fleet.hosts, pool)
                        times.append(time.perf_counter() - started)
                        if not all(r.ok for r in reports):
                            failed = [c.line() for r in reports for c in r.failed()]
                            print("a check failed:\n" + "\n".join(failed), file=sys.stderr)
                            return 1
                finally:
                    await pool.close_all()
    print(f"{hosts} hosts, {rounds} rounds, medians:")
    print(f"  cold (connect + probe, all hosts at once): {statistics.median(cold) * 1000:.0f} ms")
    print(f"  warm (probe on open connections):          {statistics.median(warm) * 1000:.0f} ms")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if (why := sandbox_unavailable()) is not None:
        print(f"cannot run: {why}", file=sys.stderr)
        return 1
    return asyncio.run(bench(args.hosts, args.rounds))


if __name__ == "__main__":
    sys.exit(main())
