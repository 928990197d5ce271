"""``bob drain HOST`` and ``bob undrain HOST``: maintenance without editing the config."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.common import EXIT_OK, cli_caller
from bot.parsing import Commands, add_command

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.settings import Settings
    from provisioning.store import SqlStore


def add_parser(commands: Commands) -> None:
    drain = add_command(
        commands,
        "drain",
        help="take a host out of placement (its Bobs keep running)",
        description="New Bobs skip the host until `bob undrain HOST`; dry runs say why.",
        handler=_drain,
    )
    drain.add_argument("host", metavar="HOST", help="a host from the fleet config")
    drain.add_argument("--reason", metavar="TEXT", help="shown in `bob list` and dry runs")
    undrain = add_command(
        commands,
        "undrain",
        help="put a host back into placement (also ends a cool-down after failures)",
        handler=_undrain,
    )
    undrain.add_argument("host", metavar="HOST", help="a host from the fleet config")


async def _drain(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.hosts import drain_host
    from handlers.requests import DrainHost, build

    request = build(DrainHost, host=args.host, reason=args.reason)
    caller = cli_caller(f"drain {request.host}")
    await drain_host(settings.fleet, store, request.host, caller, request.reason)
    why = f" ({request.reason})" if request.reason else ""
    print(f"{request.host} drained: no new Bobs go there{why}")
    return EXIT_OK


async def _undrain(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from handlers.hosts import undrain_host
    from handlers.requests import UndrainHost, build

    host = build(UndrainHost, host=args.host).host
    undrain = await undrain_host(settings.fleet, store, host, cli_caller(f"undrain {host}"))
    print(undrain.text())
    return EXIT_OK
