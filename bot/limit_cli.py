"""``bob limit NAME… [KEY=VALUE…] [--dry-run]``: a running Bob's cgroup limits, live."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.common import EXIT_OK, cli_caller, follow
from bot.parsing import Commands, RawHelpFormatter, add_command

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.settings import Settings
    from handlers.limits import ShowLimits
    from provisioning.store import SqlStore

DESCRIPTION = """\
Without KEY=VALUE: each Bob's limits as the kernel holds them now, its config lines, and what it
uses (memory, CPU time), read from its host's cgroup files.

With them: the limits change at once (lxc-cgroup on the host) and are kept in the Bob's LXC
config, so a restart keeps them. Keys: memory (512M, 2G), cpu_shares (2..262144) and cpuset
(0-1, 0,2). On a cgroup v2 host cpu_shares becomes cpu.weight, mapped as runc does:
1 + (shares - 2) * 9999 / 262142 (1024 -> 39). A limit the host cannot honour (memory below
what the Bob uses now, a CPU the host lacks) is refused and nothing changes; the job is
journaled, and undoing it puts the previous values back, live and in the config.
"""


def add_parser(commands: Commands) -> None:
    limit = add_command(
        commands,
        "limit",
        help="show a Bob's cgroup limits and usage, or change them live (kept across restarts)",
        description=DESCRIPTION,
        formatter_class=RawHelpFormatter,
        handler=_limit,
    )
    limit.add_argument(
        "words",
        nargs="+",
        metavar="NAME|KEY=VALUE",
        help="Bob names, then limits, e.g. bob007 memory=2G cpu_shares=512 cpuset=0-1",
    )
    limit.add_argument("--dry-run", action="store_true", help="show the change, make none")


async def _limit(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from bot.runtime import runtime
    from handlers.limits import LimitBobs, PlanLimits, limit_request, render_plan, submit_limits

    request = limit_request(args.words, dry_run=args.dry_run)
    if not isinstance(request, LimitBobs) or isinstance(request, PlanLimits):
        print(await _report(settings, store, request))
        return EXIT_OK
    async with runtime(settings, store) as rt:
        caller = cli_caller("limit " + " ".join(args.words))
        job, changes = await submit_limits(settings.fleet, store, rt.shells, request, caller)
        print(f"job {job.id}: " + render_plan(changes, "setting"), flush=True)
        return await follow(rt, caller, job.id)


async def _report(settings: Settings, store: SqlStore, request: ShowLimits) -> str:
    """What the Bobs' limits are, or what a change would do: the hosts alone are asked
    (no job, so none of what runs jobs is needed, DNS included)."""
    from handlers.limits import PlanLimits, plan_limits, read_limits, render_limits, render_plan
    from provisioning.hosts.ssh import HostPool

    shells = HostPool(settings.fleet.hosts)
    try:
        if isinstance(request, PlanLimits):
            return render_plan(await plan_limits(settings.fleet, store, shells, request))
        return render_limits(await read_limits(settings.fleet, store, shells, request.names))
    finally:
        await shells.close_all()
