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
import time

from benchkit import CALLER, sandboxed_bob

from handlers.rebuild import submit_rebuild
from handlers.refresh import RefreshBobs, submit_refresh
from handlers.requests import RebuildBase
from provisioning.records import JobState, JournalEntry, StepEvent

PREFIX, NET_INDEX = "bobrefr", 80  # clear of the default sandbox, the other benches and tests


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


async def bench(total: int, parallel: list[int]) -> int:
    async with sandboxed_bob(
        "refresh", hosts=2, prefix=PREFIX, net_index=NET_INDEX, dns_port=15183
    ) as bob:
        fleet, store, runner = bob.fleet, bob.store, bob.runner
        if not await bob.create_spread(total):
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bobs", type=int, default=6)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(bench(args.bobs, args.parallel))


if __name__ == "__main__":
    sys.exit(main())
