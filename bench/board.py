"""How long the web board takes to render a big fleet, server-side.

Run from the repository: ``.venv/bin/python bench/board.py [--hosts 100] [--rounds 7]``.

It seeds a SQLite store (in a temporary directory) with a fleet of HOSTS hosts × 14 slots
(disks of 4, 5 and 5, the classic layout) holding one Bob in every slot but the very last, so
the Make it form's dry run has to walk the whole fleet to find room. Then, in the same
process, it times as the median of the rounds:

- the board: everything the board page handler does — read Bobs, reservations and host
  states, build the overview, run the dry run for the Make it form, render the HTML;
- the baseline: `bob list` of the same fleet — read the store, build the overview, render
  plain text.

It prints both, their ratio, and whether the board met the goal (under a second). A
measurement: it exits 0 whether or not the goal is met, 1 only if the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.web.context import BoardContext
from bot.web.filters import Filters
from bot.web.pages import board_html
from bot.web.security import Access
from bot.web.snapshot import NodeCache
from handlers import queries, render
from handlers.requests import ListBobs
from provisioning.config import Fleet
from provisioning.core.plan import plan_create
from provisioning.hosts.ssh import HostPool
from provisioning.jobs import ProgressBus
from provisioning.records import BobState, NewJob
from provisioning.store import SqlStore

DISKS = (4, 5, 5)
GOAL_S = 1.0


class NoJobs:
    """The board needs a launcher; the bench starts nothing."""

    async def create(self, request: object, caller: object) -> str:
        raise AssertionError("the bench starts no jobs")

    async def attach(self, request: object, caller: object) -> str:
        raise AssertionError("the bench starts no jobs")


def big_fleet(hosts: int) -> Fleet:
    return Fleet.model_validate(
        {
            "naming": {"prefix": "bob", "width": 5},
            "hosts": [
                {
                    "name": f"host-{i:03d}",
                    "ssh": {"address": f"10.250.0.{i % 250 + 2}"},
                    "datacenter": "dc1",
                    "disks": [{"name": f"disk{j + 1}", "max_bobs": n} for j, n in enumerate(DISKS)],
                }
                for i in range(hosts)
            ],
            "subnets": [{"cidr": "10.250.64.0/18", "gateway": "10.250.64.1", "datacenter": "dc1"}],
        }
    )


async def seed(store: SqlStore, fleet: Fleet, count: int) -> None:
    _, plan = await store.reserve(
        NewJob(kind="create", params={}, requested_by="bench", source="bench"),
        lambda held: plan_create(fleet, held, count),
    )
    for bob in plan.bobs:
        await store.promote_reservation(bob.name, BobState.READY)


async def median_s(work: Callable[[], Awaitable[object]], rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        began = time.perf_counter()
        result = await work()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


async def bench(hosts: int, rounds: int) -> int:
    fleet = big_fleet(hosts)
    slots = fleet.capacity
    with tempfile.TemporaryDirectory(prefix="bob-bench-board-") as tmp:
        store = await SqlStore.open(f"sqlite+aiosqlite:///{Path(tmp)}/bob.db")
        try:
            began = time.perf_counter()
            await seed(store, fleet, slots - 1)
            print(f"seeded {slots - 1} Bobs on {hosts} hosts × {slots // hosts} slots "
                  f"in {time.perf_counter() - began:.1f}s (SQLite)")  # fmt: skip
            context = BoardContext(
                fleet=fleet,
                store=store,
                controllers={},
                bus=ProgressBus(),
                launcher=NoJobs(),  # type: ignore[arg-type]
                access=Access(login_required=False),
                shells=HostPool(fleet.hosts),  # never used: the bench renders the board only
            )
            csrf = context.access.csrf_token("bench-session")
            nodes = NodeCache({}, context.bus)

            async def board() -> str:
                return await board_html(context, nodes, Filters(), csrf)

            async def listing() -> str:
                overview = await queries.fleet_overview(fleet, store, ListBobs(), None)
                return render.render_overview(overview)

            await board()  # warm: imports, the engine's connection pool
            await listing()
            board_s, page = await median_s(board, rounds)
            list_s, text = await median_s(listing, rounds)
        finally:
            await store.close()
    assert isinstance(page, str)
    assert isinstance(text, str)
    assert page.count("data-bob=") == slots - 1, "the board does not show every Bob"
    print(f"board page  {board_s * 1000:8.1f} ms  (median of {rounds}, {len(page) / 1e6:.2f} MB)")
    print(f"bob list    {list_s * 1000:8.1f} ms  (baseline: plain-text overview, same store)")
    print(f"ratio       {board_s / list_s:8.2f} ×")
    verdict = "met" if board_s < GOAL_S else "NOT met"
    print(f"goal: board under {GOAL_S:.0f} s — {verdict}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    try:
        return asyncio.run(bench(args.hosts, args.rounds))
    except Exception as exc:
        print(f"bench failed: {exc!r}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
