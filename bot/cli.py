"""The ``bob`` command line.

Exit codes: 0 ok, 1 a job or the store failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.settings import Settings, load_settings
from handlers import queries, render
from handlers.requests import ListBobs, ListJobs, PlanCreate, ShowJob, build
from provisioning.errors import BobError, ConfigError, UsageError
from provisioning.store import SqlStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace, Settings, SqlStore], Awaitable[int]]

DESCRIPTION = """\
bob turns physical hosts into Jenkins build capacity: it clones LXC containers ("Bobs")
onto hosts with room, gives them names, addresses and DNS records, and attaches them to
Jenkins controllers.

Configuration comes from --config, else $BOB_CONFIG, else the embedded sandbox fleet.
State lives in $BOB_DATABASE_URL, else a SQLite file in $BOB_STATE_DIR
(default ~/.local/state/bob).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bob", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help="fleet config (YAML)")
    # Accept --config after the command too (`bob plan create 5 --config x.yaml`); SUPPRESS
    # keeps a subcommand's missing flag from overwriting one given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser(
        "plan", parents=[common], help="show what a command would do, changing nothing"
    )
    plan_kinds = plan.add_subparsers(dest="plan_kind", required=True, metavar="KIND")
    plan_create = plan_kinds.add_parser(
        "create",
        parents=[common],
        help="where N new Bobs would go: names, host/disk slots, addresses",
    )
    plan_create.add_argument("count", type=int, metavar="N", help="how many Bobs")
    plan_create.add_argument("--host", metavar="HOST", help="place them only on this host")
    plan_create.set_defaults(handler=_plan_create)

    listing = commands.add_parser(
        "list",
        parents=[common],
        help="Bobs grouped by host and disk, with their state, IP and free slots",
    )
    listing.add_argument("host", nargs="?", metavar="HOST", help="show only this host")
    listing.set_defaults(handler=_list)

    jobs = commands.add_parser("jobs", parents=[common], help="recent jobs, newest first")
    jobs.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    jobs.set_defaults(handler=_jobs)

    job = commands.add_parser(
        "job", parents=[common], help="one job's journal: every step, its outcome and timing"
    )
    job.add_argument("job_id", metavar="ID", help="a job id from `bob jobs`")
    job.set_defaults(handler=_job)
    return parser


async def _plan_create(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    request = build(PlanCreate, count=args.count, host=args.host)
    plan = await queries.dry_run_create(settings.fleet, store, request)
    print(render.render_plan(plan))
    return EXIT_OK


async def _list(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    request = build(ListBobs, host=args.host)
    print(render.render_overview(await queries.fleet_overview(settings.fleet, store, request)))
    return EXIT_OK


async def _jobs(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    request = build(ListJobs, limit=args.limit)
    print(render.render_jobs(await queries.recent_jobs(store, request)))
    return EXIT_OK


async def _job(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    request = build(ShowJob, job_id=args.job_id)
    print(render.render_job(*await queries.job_detail(store, request)))
    return EXIT_OK


async def _run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    handler: Command = args.handler
    store = await SqlStore.open(settings.database_url)
    try:
        return await handler(args, settings, store)
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (UsageError, ConfigError) as exc:
        print(f"bob: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BobError as exc:
        print(f"bob: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("bob: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
