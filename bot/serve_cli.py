"""``bob serve``: the Slack bot, with the job runner in the same process."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from bot import logs
from bot.logs import FORMATS

if TYPE_CHECKING:  # imported by the command when it runs: `bob --help` needs none of it
    from bot.serving import ServeOptions
    from bot.slack.serve import SlackSecrets

SWEEP_S = 10.0  # = bot.serving.SWEEP_S (a test holds them equal), not imported for --help


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the Slack bot, the web board and their jobs (the long-running service)",
        description=(
            "Slack needs SLACK_BOT_TOKEN, and SLACK_APP_TOKEN (Socket Mode) or "
            "SLACK_SIGNING_SECRET (HTTP: Slack posts commands, events and button clicks to "
            "/slack/events); without any Slack variable only the web board is served. The "
            "board is at / on --host:--port (a login is required off loopback). "
            "Unfinished jobs resume at start-up; SIGTERM or Ctrl-C stops taking commands and "
            "gives running jobs --grace seconds before they are journaled for the next start."
        ),
    )
    serve.add_argument("--config", type=Path, metavar="PATH", default=argparse.SUPPRESS)
    serve.add_argument(
        "--log-format",
        choices=FORMATS,
        default=argparse.SUPPRESS,
        help="log records as text lines (default) or one JSON object a line (for a collector)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="HTTP mode: address to listen on")
    serve.add_argument("--port", type=int, default=3000, help="HTTP mode: port (default 3000)")
    serve.add_argument(
        "--grace", type=float, default=30.0, metavar="S", help="seconds jobs get at shutdown"
    )
    serve.add_argument(
        "--sweep",
        type=float,
        default=SWEEP_S,
        metavar="S",
        help=f"look for jobs a dead replica left every S seconds (default {SWEEP_S:g}; 0: only "
        "at start-up); they are taken once their lease (BOB_JOB_LEASE_S) has run out",
    )
    serve.add_argument(
        "--no-board",
        action="store_true",
        help="do not serve the web board (it is on the same address, at /)",
    )
    serve.set_defaults(bare_handler=_serve)


async def _serve(args: argparse.Namespace) -> int:
    # a daemon: its log is its output, at info level at least, in the format asked for
    logs.configure(max(1, args.verbose), args.log_format, text=logs.SERVE_FORMAT)
    from bot.common import refuse_store_in_down_sandbox
    from bot.serving import ServeOptions, running_bot
    from bot.settings import load_settings
    from bot.slack.serve import secrets_from_env
    from provisioning.store import SqlStore

    settings = load_settings(getattr(args, "config", None))
    refuse_store_in_down_sandbox(settings)
    secrets = secrets_from_env(settings)
    options = ServeOptions(
        host=args.host,
        port=args.port,
        grace_s=args.grace,
        board=not args.no_board,
        sweep_s=args.sweep,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    store = await SqlStore.open(settings.database_url)
    try:
        async with running_bot(settings, store, secrets, options) as bot:
            print(
                f"bob serve: {_mode(secrets, options, bot.port)}, config {settings.config_source}",
                flush=True,
            )
            await stop.wait()
            print("bob serve: stopping", flush=True)
    finally:
        await store.close()
    return 0


def _mode(secrets: SlackSecrets | None, options: ServeOptions, port: int | None) -> str:
    where = f"{options.host}:{port}"
    if secrets is None:
        return f"board only (no Slack token) on http://{where}/"
    slack = "Socket Mode" if secrets.socket_mode else f"HTTP on {where}"
    return slack + (f", board on http://{where}/" if options.board else "")
