"""``bob reconcile``: what disagrees between bob's records, the hosts, DNS and Jenkins; repairs."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING

from bot.common import EXIT_FAILED, EXIT_OK, cli_caller, live_runtime
from bot.parsing import Commands, add_command

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.runtime import Runtime
    from bot.settings import Settings
    from handlers.provision import Caller
    from handlers.reconcile import Report
    from provisioning.reconcile.repair import DestroyBob
    from provisioning.store import SqlStore


def add_parser(commands: Commands) -> None:
    parser = add_command(
        commands,
        "reconcile",
        help="compare bob's records with the hosts, DNS and Jenkins; --fix repairs",
        description=(
            "Reads every host's containers (one SSH round trip each), every zone (AXFR) and "
            "every controller's agents, and reports each disagreement with bob's records: "
            "containers, DNS records or agents without a Bob, Bobs without a container or DNS, "
            "reservations held by finished jobs, interrupted jobs. Names a running job works on "
            "are left alone; anything that depends on a system that could not be read is "
            "reported as unknown and never repaired. Exit code 0 when nothing disagrees; 1 when "
            "something does (after --fix: when anything is left, including destructive repairs "
            "not confirmed with --yes); 2 on bad usage."
        ),
        handler=_reconcile,
    )
    parser.add_argument("--fix", action="store_true", help="repair what can be repaired")
    parser.add_argument(
        "--yes",
        action="store_true",
        help="with --fix, also carry out destructive repairs (removing containers, agents, "
        "Bob records) without asking",
    )
    parser.add_argument(
        "--host", action="append", metavar="HOST", help="only this host (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


async def _reconcile(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.reconcile import render, repair
    from provisioning.reconcile.repair import Repairer

    async with live_runtime(settings, store) as rt:
        report = await _pass(rt, args.host)
        if args.fix and report.findings:
            caller = cli_caller("reconcile --fix" + (" --yes" if args.yes else ""))
            destructive = args.yes or await _confirm(report)
            repairer = Repairer(
                settings.fleet, store, rt.shells, rt.dns, rt.jenkins, _destroyer(rt, caller)
            )
            fixed = await repair(report, repairer, store, caller, destructive=destructive)
            # What is left is read again, not assumed: the exit code is about the systems.
            report = await _pass(rt, args.host)
            report.found = len(fixed.findings)
            report.repaired, report.failed, report.skipped, report.held = (
                fixed.repaired,
                fixed.failed,
                fixed.skipped,
                fixed.held,
            )
    print(json.dumps(report.as_json(), indent=2) if args.json else render(report))
    return EXIT_OK if report.clean else EXIT_FAILED


async def _pass(rt: Runtime, hosts: list[str] | None) -> Report:
    from handlers.reconcile import reconcile

    fleet = rt.settings.fleet
    return await reconcile(fleet, rt.store, rt.shells, rt.dns, rt.jenkins, hosts=hosts)


async def _confirm(report: Report) -> bool:
    destructive = [f for f in report.findings if f.destructive]
    if not destructive or not sys.stdin.isatty():
        return False
    print("destructive repairs:\n" + "\n".join(f"  {f.line()}" for f in destructive))
    answer = await asyncio.to_thread(input, "carry them out? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _destroyer(rt: Runtime, caller: Caller) -> DestroyBob:
    """A destroy job for one Bob, run here: the same steps (and journal) as `bob destroy`."""
    from handlers.jenkins import agents_of
    from handlers.provision import record_outcome, submit_destroy
    from handlers.requests import DestroyBobs
    from provisioning.errors import JobError
    from provisioning.records import BobState, JobState

    async def destroy(name: str) -> str:
        bob = await rt.store.get_bob(name)
        if bob is not None and bob.state is BobState.CREATING:
            # The reconciler found no job working on it: the create that made it is over.
            await rt.store.set_bob_state(name, BobState.DESTROYING)
        request = DestroyBobs(names=(name,))
        agents = await agents_of(rt.store, rt.jenkins, request.names)
        job, _ = await submit_destroy(rt.settings.fleet, rt.store, request, caller, agents=agents)
        if job is None:
            return "already gone"
        final = await rt.runner.run(job.id)
        await record_outcome(rt.store, caller, final)
        if final.state is not JobState.SUCCEEDED:
            raise JobError(
                f"destroy job {job.id} {final.state.value}: {final.error}", job_id=job.id
            )
        return f"destroyed by job {job.id}"

    return destroy
