"""The ``bob`` command line.

Exit codes: 0 ok, 1 a job or the store failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot import (
    base_cli,
    board_cli,
    host_cli,
    hosts_cli,
    jenkins_cli,
    logs,
    output,
    reconcile_cli,
    refresh_cli,
    sandbox_cli,
    serve_cli,
    stage_cli,
)
from bot.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Command, cli_caller, follow
from bot.interrupt import EXIT_INTERRUPTED, interruptible
from provisioning.errors import BobError, ConfigError, UsageError
from provisioning.records import JobState

# Each command imports what it runs when it runs: `bob --help` builds only the parser, and
# `bob list` loads no SSH, pipeline or web code.
if TYPE_CHECKING:
    from bot.settings import Settings
    from provisioning.dns.port import DnsZoneClient
    from provisioning.store import SqlStore

DESCRIPTION = """\
bob turns physical hosts into Jenkins build capacity: it clones LXC containers ("Bobs")
onto hosts with room, gives them names, addresses and DNS records, and attaches them to
Jenkins controllers.

Configuration comes from --config, else $BOB_CONFIG, else the embedded sandbox fleet.
State lives in $BOB_DATABASE_URL, else a SQLite file in $BOB_STATE_DIR, else in the
config's state_dir (the sandbox's directory for a sandbox fleet), else ~/.local/state/bob.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bob", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help="fleet config (YAML)")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log to stderr at info level too (-vv: debug); by default only warnings",
    )
    parser.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default="text",
        help="log records as text lines (default) or one JSON object a line, with their job, "
        "step, host and Bob",
    )
    # Accept --config after the command too (`bob plan create 5 --config x.yaml`); SUPPRESS
    # keeps a subcommand's missing flag from overwriting one given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    common.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    common.add_argument(
        "--log-format", choices=logs.FORMATS, default=argparse.SUPPRESS, help=argparse.SUPPRESS
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
    listing.add_argument(
        "--no-jenkins",
        action="store_true",
        help="show attachments from bob's records instead of asking the Jenkins controllers",
    )
    listing.set_defaults(handler=_list)

    jobs = commands.add_parser("jobs", parents=[common], help="recent jobs, newest first")
    jobs.add_argument("--limit", type=int, default=20, metavar="N", help="how many (default 20)")
    jobs.set_defaults(handler=_jobs)

    create = commands.add_parser(
        "create",
        parents=[common],
        help="create N Bobs now: reserve, clone, configure, start, bootstrap (undone on failure)",
    )
    create.add_argument("count", type=int, metavar="N", help="how many Bobs")
    create.add_argument("--host", metavar="HOST", help="place them only on this host")
    create.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    create.add_argument(
        "--ensure",
        action="store_true",
        help="create only as many as needed for N Bobs to exist (on HOST if given); re-runnable",
    )
    create.set_defaults(handler=_create)

    destroy = commands.add_parser(
        "destroy",
        parents=[common],
        help="stop and remove Bobs: container, volume, address, name (safe to re-run)",
    )
    destroy.add_argument("names", nargs="+", metavar="NAME", help="Bob names, e.g. bob007")
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    destroy.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="S",
        help="a Bob that is a Jenkins agent is drained first; wait up to S seconds for its "
        "running builds (default 0: fail at once, leaving it drained, if it is busy)",
    )
    destroy.set_defaults(handler=_destroy)

    resume = commands.add_parser(
        "resume",
        parents=[common],
        help="finish or roll back jobs a crash or Ctrl-C left unfinished",
    )
    resume.add_argument(
        "job_ids", nargs="*", metavar="ID", help="only these jobs (default: every one)"
    )
    resume.set_defaults(handler=_resume)

    jenkins_cli.add_parser(commands, common)
    reconcile_cli.add_parser(commands, common)
    hosts_cli.add_parser(commands, common)
    host_cli.add_parser(commands, common)
    board_cli.add_parser(commands, common)
    sandbox_cli.add_parser(commands)
    base_cli.add_parser(commands)
    refresh_cli.add_parser(commands)
    serve_cli.add_parser(commands)
    stage_cli.add_parser(commands)

    job = commands.add_parser(
        "job", parents=[common], help="one job's journal: every step, its outcome and timing"
    )
    job.add_argument("job_id", metavar="ID", help="a job id from `bob jobs`")
    job.set_defaults(handler=_job)

    cancel = commands.add_parser(
        "cancel", parents=[common], help="stop a job and undo what it did (any replica's job)"
    )
    cancel.add_argument("job_id", metavar="ID", help="a job id from `bob jobs`")
    cancel.set_defaults(handler=_cancel)
    return parser


def _dry_run_dns(settings: Settings) -> tuple[DnsZoneClient | None, str | None]:
    """The DNS client a create would use, or why there is none (its secret is not set)."""
    from bot.runtime import dns_client

    try:
        return dns_client(settings), None
    except ConfigError as exc:
        return None, str(exc)


async def _plan_create(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers import queries, render
    from handlers.requests import PlanCreate, build

    request = build(PlanCreate, count=args.count, host=args.host)
    dry = await queries.dry_run_create(settings.fleet, store, request, *_dry_run_dns(settings))
    skipped = await queries.unavailable_hosts(store, settings.fleet)
    print(render.render_plan(dry.plan, skipped, dry.notes))
    return EXIT_OK


async def _list(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import jenkins_controllers
    from handlers import queries, render
    from handlers.requests import ListBobs, build

    request = build(ListBobs, host=args.host)
    controllers = None if args.no_jenkins else jenkins_controllers(settings)
    overview = await queries.fleet_overview(settings.fleet, store, request, controllers)
    print(render.render_overview(overview))
    return EXIT_OK


async def _jobs(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers import queries, render
    from handlers.requests import ListJobs, build

    request = build(ListJobs, limit=args.limit)
    print(render.render_jobs(await queries.recent_jobs(store, request), datetime.now(UTC)))
    return EXIT_OK


async def _job(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers import queries, render
    from handlers.requests import ShowJob, build

    request = build(ShowJob, job_id=args.job_id)
    print(render.render_job(*await queries.job_detail(store, request), datetime.now(UTC)))
    return EXIT_OK


async def _cancel(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import runtime
    from handlers.cancel import Next, cancel_job
    from handlers.requests import CancelJob, build

    request = build(CancelJob, job_id=args.job_id)
    caller = cli_caller(f"cancel {request.job_id}")
    cancel = await cancel_job(store, request, caller, datetime.now(UTC))
    print(cancel.text(), flush=True)
    if cancel.next is not Next.CALLER:
        return EXIT_OK
    async with runtime(settings, store) as rt:
        return await follow(rt, caller, cancel.job.id, wanted=JobState.CANCELLED)


async def _create(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import runtime
    from handlers import queries, render
    from handlers.provision import skipped_hosts, submit_create
    from handlers.requests import CreateBobs, PlanCreate, build
    from provisioning.hostcheck import CreatePreflight

    request = build(CreateBobs, count=args.count, host=args.host)
    if args.ensure:
        have = await queries.count_bobs(store, host=request.host)
        if have >= request.count:
            where = f" on {request.host}" if request.host else ""
            print(f"{have} Bobs exist{where} already: nothing to create")
            return EXIT_OK
        request = build(CreateBobs, count=request.count - have, host=request.host)
    if args.dry_run:
        plan_request = build(PlanCreate, count=request.count, host=request.host)
        dns = _dry_run_dns(settings)
        dry = await queries.dry_run_create(settings.fleet, store, plan_request, *dns)
        skipped = await queries.unavailable_hosts(store, settings.fleet)
        print(render.render_plan(dry.plan, skipped, dry.notes))
        return EXIT_OK
    caller = cli_caller(f"create {request.count}" + (f" on {request.host}" if request.host else ""))
    async with runtime(settings, store) as rt:
        preflight = CreatePreflight(settings.fleet, rt.shells)
        job, plan = await submit_create(settings.fleet, store, request, caller, rt.dns, preflight)
        lines = [f"job {job.id}: reserved " + ", ".join(b.describe() for b in plan.bobs)]
        print("\n".join(lines + render.render_skipped(skipped_hosts(job))), flush=True)
        return await follow(rt, caller, job.id)


async def _destroy(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import jenkins_controllers, runtime
    from handlers.jenkins import agents_of
    from handlers.plans import dry_run_destroy
    from handlers.provision import submit_destroy
    from handlers.requests import DestroyBobs, build

    request = build(DestroyBobs, names=tuple(args.names))
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("destroy asks for confirmation: pass --yes when not at a terminal")
        # names are checked before asking; what is gone already needs no confirming
        doomed = [b.name for b in (await dry_run_destroy(store, request)).doomed]
        if doomed:
            answer = await asyncio.to_thread(input, f"destroy {', '.join(doomed)}? [y/N] ")
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
    async with runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)


async def _resume(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.progress import TerminalProgress
    from bot.runtime import runtime
    from handlers.requests import ShowJob, build

    async with runtime(settings, store) as rt:
        if len(args.job_ids) == 1:
            caller = cli_caller(f"resume {args.job_ids[0]}")
            return await follow(rt, caller, build(ShowJob, job_id=args.job_ids[0]).job_id)
        rt.bus.subscribe(TerminalProgress())
        if args.job_ids:
            ids = [build(ShowJob, job_id=i).job_id for i in args.job_ids]
            finished = [await rt.runner.run(i) for i in ids]
        else:
            finished = await rt.runner.resume_unfinished()
    if not finished:
        print("no unfinished jobs")
    return EXIT_OK if all(j.state is JobState.SUCCEEDED for j in finished) else EXIT_FAILED


async def _run(args: argparse.Namespace) -> int:
    if bare := getattr(args, "bare_handler", None):
        result: int = await bare(args)
        return result
    from bot.settings import load_settings
    from provisioning.store import SqlStore

    settings = load_settings(args.config)
    handler: Command = args.handler
    store = await SqlStore.open(settings.database_url)
    try:
        return await handler(args, settings, store)
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    output.quiet_when_closed()
    args = build_parser().parse_args(argv)
    logs.configure(args.verbose, args.log_format)
    try:
        return asyncio.run(interruptible(_run(args)))
    except (UsageError, ConfigError) as exc:
        # one problem a line (a config's are all told at once), each line whole for grep
        for line in str(exc).splitlines() or [""]:
            print(f"bob: {line}", file=sys.stderr)
        return EXIT_USAGE
    except BobError as exc:
        print(f"bob: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bob: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
