"""The ``bob`` command line.

Exit codes: 0 ok, 1 a job or the store failed, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot import (
    base_cli,
    board_cli,
    destroy_cli,
    host_cli,
    hosts_cli,
    jenkins_cli,
    limit_cli,
    locker_cli,
    logs,
    output,
    reconcile_cli,
    refresh_cli,
    sandbox_cli,
    serve_cli,
    stage_cli,
)
from bot.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    cli_caller,
    follow,
    live_runtime,
    refuse_store_in_down_sandbox,
    sandbox_down,
    terminal_progress,
)
from bot.interrupt import EXIT_INTERRUPTED, interruptible
from bot.parsing import (
    JOB_ID_HELP,
    BobParser,
    RawHelpFormatter,
    add_command,
    add_commands,
    add_global_options,
    add_json_option,
    usage_name,
)
from provisioning.errors import BobError, ConfigError, FieldError, UsageError
from provisioning.records import JobState

# Each command imports what it runs when it runs: `bob --help` builds only the parser, and
# `bob list` loads no SSH, pipeline or web code.
if TYPE_CHECKING:
    from bot.settings import Settings
    from handlers.requests import PlanCreate
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


def _duration(text: str) -> float:
    from provisioning.core.durations import parse_duration

    try:
        return parse_duration(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = BobParser(prog="bob", description=DESCRIPTION, formatter_class=RawHelpFormatter)
    add_global_options(parser)
    commands = add_commands(parser)

    plan = add_command(commands, "plan", help="show what a command would do, changing nothing")
    plan_kinds = plan.add_subparsers(dest="plan_kind", required=True, metavar="KIND")
    plan_create = add_command(
        plan_kinds,
        "create",
        help="where N new Bobs would go: names, host/disk slots, addresses",
        handler=_plan_create,
    )
    plan_create.add_argument("count", type=int, metavar="N", help="how many Bobs")
    plan_create.add_argument("--host", metavar="HOST", help="place them only on this host")
    add_json_option(plan_create)

    listing = add_command(
        commands,
        "list",
        help="Bobs grouped by host and disk, with their state, IP and free slots",
        handler=_list,
    )
    listing.add_argument("host", nargs="?", metavar="HOST", help="show only this host")
    listing.add_argument(
        "--no-jenkins",
        action="store_true",
        help="show attachments from bob's records instead of asking the Jenkins controllers",
    )
    add_json_option(listing)

    jobs = add_command(commands, "jobs", help="recent jobs, newest first", handler=_jobs)
    jobs.add_argument("--limit", type=int, default=20, metavar="N", help="how many")
    add_json_option(jobs)

    create = add_command(
        commands,
        "create",
        help="create N Bobs now: reserve, clone, configure, start, bootstrap (undone on failure)",
        handler=_create,
    )
    create.add_argument("count", type=int, metavar="N", help="how many Bobs")
    create.add_argument("--host", metavar="HOST", help="place them only on this host")
    create.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    create.add_argument(
        "--json", action="store_true", help="with --dry-run: the plan as `bob plan create --json`"
    )
    create.add_argument(
        "--ttl",
        type=_duration,
        metavar="DURATION",
        help="time to live (90s, 30m, 8h, 2d): `bob serve` destroys them this long after now"
        " (default: kept until destroyed)",
    )
    create.add_argument(
        "--ensure",
        action="store_true",
        help="create only as many as needed for N Bobs to exist (on HOST if given); re-runnable",
    )

    destroy_cli.add_parser(commands)

    resume = add_command(
        commands,
        "resume",
        help="finish or roll back jobs a crash or Ctrl-C left unfinished",
        description="Runs each unfinished job here to its end: a job that was cancelled is "
        "undone, any other carries on from its last finished step. Jobs a live runner holds "
        "are left to it.",
        handler=_resume,
    )
    resume.add_argument(
        "job_ids",
        nargs="*",
        metavar="ID",
        help="only these jobs, each by its id or a unique prefix of it (default: every one)",
    )

    jenkins_cli.add_parser(commands)
    reconcile_cli.add_parser(commands)
    hosts_cli.add_parser(commands)
    host_cli.add_parser(commands)
    limit_cli.add_parser(commands)
    locker_cli.add_parser(commands)
    board_cli.add_parser(commands)
    sandbox_cli.add_parser(commands)
    base_cli.add_parser(commands)
    refresh_cli.add_parser(commands)
    serve_cli.add_parser(commands)
    stage_cli.add_parser(commands)

    job = add_command(
        commands,
        "job",
        help="one job's journal: every step, its outcome and timing",
        handler=_job,
    )
    job.add_argument("job_id", metavar="ID", help=JOB_ID_HELP)
    add_json_option(job)

    cancel = add_command(
        commands,
        "cancel",
        help="stop a job and undo what it did (any replica's job)",
        handler=_cancel,
    )
    cancel.add_argument("job_id", metavar="ID", help=JOB_ID_HELP)
    return parser


def _dry_run_dns(settings: Settings) -> tuple[DnsZoneClient | None, str | None]:
    """The DNS client a create would use, or why there is none (its secret is not set, the
    sandbox is down)."""
    from bot.runtime import dns_client

    if (down := sandbox_down(settings)) is not None:
        return None, down
    try:
        return dns_client(settings), None
    except ConfigError as exc:
        return None, str(exc)


async def _plan_create(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.requests import PlanCreate, build

    request = build(PlanCreate, count=args.count, host=args.host)
    await _print_plan(settings, store, request, as_json=args.json)
    return EXIT_OK


async def _print_plan(
    settings: Settings, store: SqlStore, request: PlanCreate, *, as_json: bool = False
) -> None:
    from handlers import documents, queries, render

    dry = await queries.dry_run_create(settings.fleet, store, request, *_dry_run_dns(settings))
    skipped = await queries.unavailable_hosts(store, settings.fleet)
    if as_json:
        print(documents.to_json(documents.plan_document(dry.plan, skipped, dry.notes)))
    else:
        print(render.render_plan(dry.plan, skipped, dry.notes))


async def _list(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import jenkins_controllers
    from handlers import documents, queries, render
    from handlers.requests import ListBobs, build

    request = build(ListBobs, host=args.host)
    controllers = None if args.no_jenkins else jenkins_controllers(settings)
    overview = await queries.fleet_overview(settings.fleet, store, request, controllers)
    if args.json:
        print(documents.to_json(documents.list_document(overview)))
    else:
        print(render.render_overview(overview))
    return EXIT_OK


async def _jobs(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers import documents, queries, render
    from handlers.requests import ListJobs, build

    request = build(ListJobs, limit=args.limit)
    jobs, now = await queries.recent_jobs(store, request), datetime.now(UTC)
    if args.json:
        print(documents.to_json(documents.jobs_document(jobs, now)))
    else:
        print(render.render_jobs(jobs, now))
    return EXIT_OK


async def _job(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers import documents, queries, render
    from handlers.requests import ShowJob, build

    request = build(ShowJob, job_id=args.job_id)
    (job, journal), now = await queries.job_detail(store, request), datetime.now(UTC)
    if args.json:
        print(documents.to_json(documents.job_document(job, journal, now)))
    else:
        print(render.render_job(job, journal, now))
    return EXIT_OK


async def _cancel(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.cancel import Next, cancel_job
    from handlers.requests import CancelJob, build

    request = build(CancelJob, job_id=args.job_id)
    caller = cli_caller(f"cancel {request.job_id}")
    cancel = await cancel_job(store, request, caller, datetime.now(UTC))
    print(cancel.text(), flush=True)
    if cancel.next is not Next.CALLER:
        return EXIT_OK
    async with live_runtime(settings, store) as rt:
        return await follow(rt, caller, cancel.job.id, wanted=JobState.CANCELLED)


async def _create(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers import queries, render
    from handlers.provision import skipped_hosts, submit_create
    from handlers.requests import CreateBobs, PlanCreate, build
    from provisioning.hostcheck import CreatePreflight

    if args.json and not args.dry_run:
        raise UsageError("--json goes with --dry-run: a create prints its progress, not a document")
    request = build(CreateBobs, count=args.count, host=args.host, ttl_s=args.ttl)
    if args.ensure:
        have = await queries.count_bobs(store, host=request.host)
        if have >= request.count:
            where = f" on {request.host}" if request.host else ""
            print(f"{have} Bobs exist{where} already: nothing to create")
            return EXIT_OK
        request = request.model_copy(update={"count": request.count - have})
    if args.dry_run:
        wanted = build(PlanCreate, count=request.count, host=request.host)
        await _print_plan(settings, store, wanted, as_json=args.json)
        return EXIT_OK
    caller = cli_caller(f"create {request.count}" + (f" on {request.host}" if request.host else ""))
    async with live_runtime(settings, store) as rt:
        preflight = CreatePreflight(settings.fleet, rt.shells)
        job, plan = await submit_create(settings.fleet, store, request, caller, rt.dns, preflight)
        lines = [f"job {job.id}: reserved " + ", ".join(b.describe() for b in plan.bobs)]
        print("\n".join(lines + render.render_skipped(skipped_hosts(job))), flush=True)
        return await follow(rt, caller, job.id)


async def _resume(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.cancel import already
    from handlers.queries import find_job
    from handlers.requests import ShowJob, build

    named = [await find_job(store, build(ShowJob, job_id=i).job_id) for i in args.job_ids]
    for job in named:
        if job.state.finished:
            print(f"{already(job)}: nothing to resume")
    ids = [job.id for job in named if not job.state.finished]
    if named and not ids:
        return EXIT_OK
    async with live_runtime(settings, store) as rt:
        if len(ids) == 1:
            return await follow(rt, cli_caller(f"resume {ids[0]}"), ids[0])
        rt.bus.subscribe(terminal_progress(rt))
        if ids:
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
    refuse_store_in_down_sandbox(settings)
    store = await SqlStore.open(settings.database_url)
    try:
        return await handler(args, settings, store)
    finally:
        await store.close()


def main(argv: Sequence[str] | None = None) -> int:
    output.quiet_when_closed()
    args = build_parser().parse_args(argv)
    logs.configure(args.verbose, args.log_format)
    output.prefer_plain(args.plain)
    try:
        return asyncio.run(interruptible(_run(args)))
    except (UsageError, ConfigError) as exc:
        message = str(exc)
        if isinstance(exc, FieldError):  # named as the usage names it, not as the request does
            message = exc.named(usage_name(getattr(args, "command_parser", None), exc.field))
        # one problem a line (a config's are all told at once), each line whole for grep
        for line in message.splitlines() or [""]:
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
