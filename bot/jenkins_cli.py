"""``bob attach`` and ``bob detach``: Bobs as agents of the configured Jenkins controllers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.common import EXIT_OK, cli_caller, follow, live_runtime, require_fleet
from bot.parsing import Commands, add_command
from provisioning.errors import UsageError

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.settings import Settings
    from provisioning.store import SqlStore


def add_parser(commands: Commands) -> None:
    attach = add_command(
        commands,
        "attach",
        help="attach N ready Bobs to a controller with a label: attach 3 to ci-main heavy",
        description=(
            "Chooses N ready Bobs that no configured controller knows yet, in placement order, "
            "and registers them as permanent agents through the controller's script console. "
            "A heavy label goes to at most one Bob per physical disk. Executors per label, the "
            "launcher and the agent's remote FS come from the controller's config."
        ),
        handler=_attach,
    )
    attach.add_argument("count", type=int, metavar="N", help="how many Bobs")
    attach.add_argument("to", choices=["to"], metavar="to", help="the word 'to'")
    attach.add_argument("controller", metavar="CONTROLLER", help="a controller from the config")
    attach.add_argument("label", metavar="LABEL", help="a label configured for that controller")
    attach.add_argument(
        "--dry-run", action="store_true", help="show which Bobs would be chosen and why not others"
    )

    detach = add_command(
        commands,
        "detach",
        help="take Bobs off their controller: drain, wait until idle, remove the agent",
        handler=_detach,
    )
    detach.add_argument("names", nargs="+", metavar="NAME", help="Bob names, e.g. bob007")
    detach.add_argument(
        "--wait",
        type=float,
        default=300.0,
        metavar="S",
        help="how long to let running builds finish; past it the agent is brought back "
        "online and the command fails",
    )


async def _attach(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import jenkins_controllers
    from handlers.jenkins import plan_attach, submit_attach
    from handlers.requests import AttachBobs, build

    request = build(AttachBobs, count=args.count, controller=args.controller, label=args.label)
    controllers = jenkins_controllers(settings)
    if args.dry_run:
        choice = await plan_attach(settings.fleet, store, controllers, request)
        print(choice.describe())
        return EXIT_OK
    caller = cli_caller(f"attach {request.count} to {request.controller} {request.label}")
    require_fleet(settings)
    job, choice = await submit_attach(settings.fleet, store, controllers, request, caller)
    print(f"job {job.id}: {choice.describe()}", flush=True)
    async with live_runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)


async def _detach(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import jenkins_controllers
    from handlers.jenkins import submit_detach
    from handlers.requests import DetachBobs, build

    request = build(DetachBobs, names=tuple(args.names), wait=args.wait)
    controllers = jenkins_controllers(settings)
    if not controllers:
        raise UsageError("no Jenkins controllers are configured")
    caller = cli_caller("detach " + " ".join(request.names))
    require_fleet(settings)
    job, absent = await submit_detach(store, controllers, request, caller)
    if absent:
        print(f"not attached to any controller: {', '.join(absent)}")
    if job is None:
        return EXIT_OK
    async with live_runtime(settings, store) as rt:
        return await follow(rt, caller, job.id)
