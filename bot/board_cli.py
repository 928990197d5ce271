"""``bob board``: the web board alone, without Slack (``bob serve`` mounts the same routes)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import TYPE_CHECKING

from bot.common import EXIT_OK, live_runtime
from bot.parsing import Commands, add_command

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.settings import Settings
    from provisioning.store import SqlStore


def add_parser(commands: Commands) -> None:
    board = add_command(
        commands,
        "board",
        help="serve the web board: the fleet by host and disk, Make it, Attach, live job pages",
        description=(
            "Serves the board until interrupted. Jobs started from it run in this process; "
            "unfinished jobs are not resumed here (`bob resume` does that). Bound to loopback "
            "by default; any other address requires a login: basic auth as web.user with the "
            "password in the environment variable web.password_env."
        ),
        handler=_board,
    )
    board.add_argument(
        "--bind", metavar="ADDRESS", help="address to listen on (default: web.bind, 127.0.0.1)"
    )
    board.add_argument("--port", type=int, metavar="PORT", help="port (default: web.port, 8080)")


async def _board(args: argparse.Namespace, settings: Settings, store: SqlStore) -> int:
    from aiohttp import web

    from bot.web import Access, add_board, board_context

    config = settings.fleet.web
    bind = args.bind or config.bind
    port = args.port or config.port
    access = Access.for_bind(config, bind)  # refuses to start without a password off loopback
    async with live_runtime(settings, store) as rt:
        context, jobs = board_context(rt, access)
        app = web.Application()
        add_board(app, context)
        server = web.AppRunner(app, handle_signals=False)
        await server.setup()
        try:
            await web.TCPSite(server, bind, port).start()
            login = "login required" if access.login_required else "loopback, no login"
            print(f"bob board on http://{bind}:{port}/ ({login}); Ctrl-C stops", flush=True)
            await _until_stopped()
        finally:
            await jobs.aclose()
            await server.cleanup()
    return EXIT_OK


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)
