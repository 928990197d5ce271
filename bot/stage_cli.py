"""``bob stage REPO#PR [--branch B] [--from GIT_URL]``, ``bob stage list``,
``bob stage close REPO#PR`` and ``bob stage sweep``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.common import EXIT_FAILED, EXIT_OK, cli_caller, follow
from provisioning.errors import UsageError
from provisioning.records import JobState

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.runtime import Runtime
    from bot.settings import Settings
    from handlers.provision import Caller
    from handlers.staging import Stager
    from provisioning.store import SqlStore


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stage = commands.add_parser(
        "stage",
        help="staging environments: a Bob per pull request behind nginx",
        description=(
            "stage OWNER/NAME#N deploys the pull request's branch into its own Bob (pr-N, made "
            "when missing, restarted when there) and routes pr-N.<staging.domain> to it through "
            "nginx on the gateway. list shows every environment; close destroys one (Bob, route, "
            "DNS); sweep switches off the ones idle for staging.idle_off_s (bob serve does it "
            "on its own)."
        ),
    )
    stage.add_argument(
        "--config", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    stage.add_argument(
        "what", nargs="+", metavar="WHAT", help="REPO#PR, list, close REPO#PR or sweep"
    )
    stage.add_argument("--branch", metavar="B", help="the branch (default: the one staged)")
    stage.add_argument(
        "--from", dest="git_url", metavar="GIT_URL", help="where to clone from (default: "
        "the one staged, else staging.git_url)",
    )  # fmt: skip
    stage.set_defaults(handler=_stage)


async def _stage(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import runtime
    from handlers.staging import environments, render_envs, staging_of
    from provisioning.staging.records import parse_ref

    words: list[str] = args.what
    verb = words[0]
    if verb == "list" and len(words) == 1:
        # Reads the store and the gateway's logs only: no hosts, DNS or controllers.
        print(render_envs(await environments(staging_of(settings.fleet), store)))
        return EXIT_OK
    if verb == "sweep" and len(words) == 1:
        async with runtime(settings, store) as rt:
            off = await _stager(rt, None).sweep()
        print(f"switched off: {', '.join(off)}" if off else "nothing idle")
        return EXIT_OK
    if verb == "close" and len(words) == 2:
        repo, pr = parse_ref(words[1])
        caller = cli_caller(f"stage close {repo}#{pr}")
        async with runtime(settings, store) as rt:
            job = await _stager(rt, caller).close(pr, caller)
        print(
            f"pr-{pr} closed"
            if job is None or job.state is JobState.SUCCEEDED
            else f"pr-{pr}: job {job.id} failed"
        )
        return EXIT_OK if job is None or job.state is JobState.SUCCEEDED else EXIT_FAILED
    if len(words) != 1:
        raise UsageError("usage: bob stage REPO#PR | list | close REPO#PR | sweep")
    repo, pr = parse_ref(verb)
    caller = cli_caller(f"stage {repo}#{pr}")
    async with runtime(settings, store) as rt:
        stager = _stager(rt, caller)
        job = await stager.submit(repo, pr, caller, branch=args.branch, git_url=args.git_url)
        print(f"job {job.id}: deploying {repo}#{pr}", flush=True)
        job = await stager.deploy(job.id)
        env = await store.stage_env(pr)
    if env is not None and job.state is JobState.SUCCEEDED:
        print(f"{env.url} is up ({env.branch} at {(env.commit or '')[:12]})")
    return EXIT_OK if job.state is JobState.SUCCEEDED else EXIT_FAILED


def _stager(rt: Runtime, caller: Caller | None) -> Stager:
    from handlers.staging import Stager
    from provisioning.records import JobRecord

    async def run(job_id: str) -> JobRecord:
        if caller is None:
            return await rt.runner.run(job_id)
        await follow(rt, caller, job_id)  # with live progress on the terminal
        return await rt.store.get_job(job_id)

    return Stager(rt.settings.fleet, rt.store, rt.shells, run, rt.dns)
