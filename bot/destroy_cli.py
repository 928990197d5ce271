"""``bob destroy NAME…|--all [--host H] [--dry-run] [--yes] [--wait S]``."""

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
    from handlers.requests import DestroyBobs
    from provisioning.store import SqlStore


def add_parser(commands: Commands) -> None:
    destroy = add_command(
        commands,
        "destroy",
        help="stop and remove Bobs: container, volume, address, name (safe to re-run)",
        description="Removes every trace of each Bob named, or with --all of every Bob (on "
        "--host HOST only, if given). Asks first, listing them, unless --yes; --dry-run only "
        "lists them. A Bob that is a Jenkins agent is detached first.",
        handler=_destroy,
    )
    destroy.add_argument("names", nargs="*", metavar="NAME", help="Bob names, e.g. bob007")
    destroy.add_argument(
        "--all", action="store_true", help="every Bob (with --host: every Bob on that host)"
    )
    destroy.add_argument("--host", metavar="HOST", help="with --all: only the Bobs on this host")
    destroy.add_argument(
        "--dry-run", action="store_true", help="list what would be removed, change nothing"
    )
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    destroy.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="S",
        help="a Bob that is a Jenkins agent is drained first; wait up to S seconds for its "
        "running builds (default 0: fail at once, leaving it drained, if it is busy)",
    )


async def _destroy(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import jenkins_controllers
    from handlers.jenkins import agents_of
    from handlers.plans import dry_run_destroy, render_destroy_plan
    from handlers.provision import submit_destroy

    request = await _request(args, settings, store)
    if request is None:
        where = f" on {args.host}" if args.host else ""
        print(f"no Bobs{where}: nothing to destroy")
        return EXIT_OK
    asks = not (args.dry_run or args.yes)
    if asks and not sys.stdin.isatty():
        raise UsageError("destroy asks for confirmation: pass --yes when not at a terminal")
    # names are checked before asking; what is gone already needs no confirming
    plan = await dry_run_destroy(store, request)
    if args.dry_run:
        print(render_destroy_plan(plan))
        return EXIT_OK
    if plan.doomed:
        require_fleet(settings)
    if asks and plan.doomed:
        print(render_destroy_plan(plan).replace("would destroy", "will destroy", 1))
        answer = await asyncio.to_thread(input, "go ahead? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing destroyed")
            return EXIT_OK
    caller = cli_caller("destroy " + " ".join(request.names))
    agents = await agents_of(store, jenkins_controllers(settings), request.names)
    job, gone = await submit_destroy(
        settings.fleet, store, request, caller, agents=agents, wait=args.wait
    )
    if agents:
        print("detaching first: " + ", ".join(f"{n} from {c}" for n, c in agents.items()))
    if gone:
        print(f"already gone: {', '.join(gone)}")
    if job is None:
        return EXIT_OK
    async with live_runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)


async def _request(
    args: argparse.Namespace, settings: Settings, store: SqlStore
) -> DestroyBobs | None:
    """The Bobs named, or (``--all``) every Bob on ``--host`` or in the fleet; None if none."""
    from handlers.hosts import known_host
    from handlers.requests import DestroyBobs, build
    from provisioning.records import BobState

    if args.all == bool(args.names):
        raise UsageError("destroy: name the Bobs, or pass --all (with --host HOST: that host's)")
    if args.host is not None and not args.all:
        raise UsageError("destroy: --host goes with --all (named Bobs are found wherever they are)")
    if args.names:
        return build(DestroyBobs, names=tuple(args.names))
    if args.host is not None:
        known_host(settings.fleet, args.host)
    bobs = [b for b in await store.list_bobs() if args.host in (None, b.host)]
    making = [b.name for b in bobs if b.state is BobState.CREATING]
    if making:
        # a job is making them: cancelling that job removes them
        print(f"left alone (still being created): {', '.join(making)}")
    names = tuple(b.name for b in bobs if b.state is not BobState.CREATING)
    return build(DestroyBobs, names=names) if names else None
