"""Opening a store whose schema is current runs no migration and does not import Alembic.

Alembic costs about a second of CPU to import, paid by every `bob` command before this rule.
"""

import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from provisioning.store.engine import MIGRATIONS
from provisioning.store.revision import head_revision

OPEN_TWICE = """
import asyncio, sys
from provisioning.store import SqlStore

async def main(url):
    await (await SqlStore.open(url)).close()  # migrates the new file
    for name in [m for m in sys.modules if m == "alembic" or m.startswith("alembic.")]:
        del sys.modules[name]
    await (await SqlStore.open(url)).close()  # already at head
    print("alembic imported" if "alembic" in sys.modules else "no alembic")

asyncio.run(main(sys.argv[1]))
"""


def test_the_head_is_read_from_the_migration_files_as_alembic_reads_it():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == head_revision()


def test_opening_a_current_store_again_imports_no_alembic(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/bob.db"
    done = subprocess.run(
        [sys.executable, "-c", OPEN_TWICE, url], capture_output=True, text=True, timeout=120
    )
    assert (0, "no alembic") == (done.returncode, done.stdout.strip()), done.stderr
