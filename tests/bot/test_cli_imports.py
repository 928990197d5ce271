"""What `bob` loads before it runs a command: only what that command needs.

A CLI start costs the CPU of every module it imports; before this rule `bob --help` spent about
2.7 s importing the store's migrations, SSH, the pipeline and the web board.
"""

import subprocess
import sys

from bot import serve_cli
from bot import serving as serve

HEAVY = ("alembic", "asyncssh", "aiohttp", "slack_bolt", "sqlalchemy", "provisioning.pipeline")

LOADED_BY_HELP = f"""
import sys
from bot.cli import build_parser
build_parser().format_help()
print(" ".join(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_building_the_parser_for_help_imports_no_store_ssh_pipeline_or_web_code():
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_HELP], capture_output=True, text=True, timeout=120
    )
    assert (0, "") == (done.returncode, done.stdout.strip()), done.stderr


def test_serve_help_names_the_sweep_interval_the_service_uses():
    assert serve.SWEEP_S == serve_cli.SWEEP_S


LOADED_BY_LIST = """
import sys
from bot import cli
import bot.runtime, bot.settings, handlers.queries, handlers.render, handlers.requests
print(" ".join(m for m in ("alembic", "asyncssh", "aiohttp", "slack_bolt") if m in sys.modules))
"""


def test_what_bob_list_runs_imports_no_migrations_ssh_or_web_code():
    # `bob list` reads the store and asks the controllers: it opens no SSH and runs no job.
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_LIST], capture_output=True, text=True, timeout=120
    )
    assert (0, "") == (done.returncode, done.stdout.strip()), done.stderr
