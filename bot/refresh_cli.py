"""``bob refresh NAME…|--stale [--host H] [--parallel K] [--wait S] [--dry-run] [--yes]``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot.common import EXIT_OK, cli_caller, follow, live_runtime, require_fleet
from bot.parsing import Commands, add_command
from provisioning.errors import UsageError

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.settings import Settings
    from provisioning.store import SqlStore


def add_parser(commands: Commands) -> None:
    refresh = add_command(
        commands,
        "refresh",
        help="replace Bobs with clones of their host's current base: same name, address, "
        "slot and agent",
        description=(
            "Replaces each Bob with a clone of its host's current base under the same name, "
            "disk slot and address. A Jenkins agent is drained first (running builds are "
            "waited for, up to --wait), removed, and attached again with the same controller "
            "and label once the new Bob is ready. The old container is stopped and set aside, "
            "and removed only once the new one is ready: a failure puts the old Bob back, "
            "running and attached. Bobs go one at a time unless --parallel."
        ),
        handler=_refresh,
    )
    refresh.add_argument("names", nargs="*", metavar="NAME", help="Bob names, e.g. bob007")
    refresh.add_argument(
        "--stale",
        action="store_true",
        help="every Bob cloned from an older base than its host's current one",
    )
    refresh.add_argument("--host", metavar="HOST", help="only Bobs on this host")
    refresh.add_argument(
        "--parallel", type=int, default=1, metavar="K", help="Bobs refreshed at once"
    )
    refresh.add_argument(
        "--wait",
        type=float,
        default=300.0,
        metavar="S",
        help="seconds to let an agent's running builds finish; past it that Bob is left as "
        "it was, its agent back online",
    )
    refresh.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    refresh.add_argument("--yes", action="store_true", help="do not ask for confirmation")


async def _refresh(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.refresh import RefreshBobs, plan_refresh, render_refresh_plan, submit_refresh
    from handlers.requests import build

    request = build(
        RefreshBobs,
        names=tuple(args.names),
        stale=args.stale,
        host=args.host,
        parallel=args.parallel,
        wait=args.wait,
    )
    asks = not (args.dry_run or args.yes)
    if asks and not sys.stdin.isatty():
        raise UsageError("refresh asks for confirmation: pass --yes when not at a terminal")
    plan = await plan_refresh(settings.fleet, store, request)
    if args.dry_run or not plan.bobs:
        print(render_refresh_plan(plan))
        return EXIT_OK
    if asks:
        print(render_refresh_plan(plan, "will refresh"))
        answer = await asyncio.to_thread(input, "go ahead? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return EXIT_OK
    caller = cli_caller("refresh " + " ".join(b.name for b in plan.bobs))
    require_fleet(settings)
    job = await submit_refresh(settings.fleet, store, request, caller)
    if job is None:
        print(render_refresh_plan(plan))
        return EXIT_OK
    print(f"job {job.id}: refreshing {', '.join(b['name'] for b in job.params['bobs'])}")
    async with live_runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)
