"""``bob rebuild-base [HOST…|all] [--parallel K] [--dry-run] [--yes]``."""

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
    from handlers.requests import RebuildBase
    from provisioning.store import SqlStore

ALL = "all"


def add_parser(commands: Commands) -> None:
    rebuild = add_command(
        commands,
        "rebuild-base",
        help="rebuild hosts' base (new version beside the old, verified, swapped); running "
        "Bobs are untouched",
        description=(
            "Builds base v(n+1) beside v(n) on each host from its configured source, fixes it "
            "up (device nodes, network, identity files, services, manifest), verifies that a "
            "clone starts, then makes it current. Hosts go one at a time unless --parallel; "
            "the first failure stops the job and that host keeps its old base. Without HOST, "
            "or with 'all', every host that is not drained."
        ),
        handler=_rebuild,
    )
    rebuild.add_argument("hosts", nargs="*", metavar="HOST", help="host names, or 'all'")
    rebuild.add_argument(
        "--parallel", type=int, default=1, metavar="K", help="hosts rebuilt at once"
    )
    rebuild.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    rebuild.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def request_from(args: argparse.Namespace) -> RebuildBase:
    from handlers.requests import RebuildBase, build

    hosts: list[str] = list(args.hosts)
    if ALL in hosts:
        if len(hosts) > 1:
            raise UsageError("name hosts or 'all', not both")
        hosts = []
    return build(RebuildBase, hosts=tuple(hosts), parallel=args.parallel)


async def _rebuild(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.rebuild import plan_rebuild, submit_rebuild
    from handlers.render import render_rebuild_plan
    from provisioning.hosts.ssh import HostPool

    request = request_from(args)
    asks = not (args.dry_run or args.yes)
    if asks and not sys.stdin.isatty():
        raise UsageError("rebuild-base asks for confirmation: pass --yes when not at a terminal")
    if not args.dry_run:
        require_fleet(settings)
    hosts = HostPool(settings.fleet.hosts)
    try:
        plan = await plan_rebuild(settings.fleet, store, request, hosts)
    finally:
        await hosts.close_all()
    if args.dry_run:
        print(render_rebuild_plan(plan))
        return EXIT_OK
    if asks:
        print(render_rebuild_plan(plan).replace("would rebuild", "will rebuild", 1))
        answer = await asyncio.to_thread(input, "go ahead? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return EXIT_OK
    caller = cli_caller("rebuild-base " + " ".join(h.host for h in plan.hosts))
    job = await submit_rebuild(settings.fleet, store, request, caller)
    print(f"job {job.id}: rebuilding the base on {', '.join(h.host for h in plan.hosts)}")
    async with live_runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)
