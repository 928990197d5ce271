"""The installed ``bob`` command on a sandbox, as an operator runs it: a config file, a database
URL and a job lease in its environment, and witnesses that do not ask bob (the store's tables
read directly, the processes in /proc).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.settings import LEASE_ENV
from sandbox import SandboxInfo
from tests.provisioning.pipeline.reconciled import assert_no_differences, parse_cli_report
from tests.waiting import until_sync

BOB = Path(sys.executable).parent / "bob"
LEASE_S = 2.0  # the lease the drills' bob processes take jobs with (bob's default is 30 s)


@dataclass
class BobCli:
    config: Path
    database: Path
    env: dict[str, str]

    def argv(self, *argv: str) -> list[str]:
        return [str(BOB), *argv, "--config", str(self.config)]

    def __call__(self, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*argv),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *argv: str) -> subprocess.Popen[str]:
        """``bob ARGV`` in the background (its output is not read: it goes to /dev/null)."""
        return subprocess.Popen(
            self.argv(*argv),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def assert_reconciled(self) -> dict[str, Any]:
        done = self("reconcile", "--json")
        report = parse_cli_report(done.stdout, done.stderr)
        assert_no_differences(report)
        assert 0 == done.returncode
        return report

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows straight from bob's SQLite file (read-only), not through bob."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def wait_for(self, sql: str, *params: Any, timeout: float = 60) -> list[tuple[Any, ...]]:
        """Poll ``sql`` until it returns rows; those rows."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.database.exists() and (rows := self._rows_if_ready(sql, params)):
                return rows
            time.sleep(0.02)
        raise AssertionError(f"no rows for {sql!r} after {timeout:g} s")

    def _rows_if_ready(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self.query(sql, *params)
        except sqlite3.OperationalError:  # not migrated yet, or busy
            return []

    def wait_lease_out(self, job_id: str, timeout: float = LEASE_S + 30) -> None:
        """Until ``job_id``'s lease (held by a runner that died) has run out by the clock."""
        wait_lease_out(self.database, job_id, timeout)

    def bob_names(self) -> list[str]:
        return [name for (name,) in self.query("SELECT name FROM bobs ORDER BY name")]

    def unfinished_jobs(self) -> list[str]:
        rows = self.query(
            "SELECT id FROM jobs WHERE state NOT IN ('succeeded', 'failed', 'cancelled')"
        )
        return [job_id for (job_id,) in rows]

    def tidy(self) -> None:
        """Undo what a test left on the shared sandbox, with bob's own commands.

        Unfinished jobs first (a cancel undoes them in place once no runner holds them: a
        killed runner's lease runs out within LEASE_S), since a job still holding Bobs keeps
        ``destroy`` from them; then the Bobs that remain. Without this, one failed drill's
        records fail every later test that checks the shared sandbox reconciles.
        """
        if not self.database.exists():
            return
        for job_id in self._listed_or_empty(self.unfinished_jobs):
            self.wait_lease_out(job_id)
            self("cancel", job_id)
        if names := self._listed_or_empty(self.bob_names):
            self("destroy", *names, "--yes")

    @staticmethod
    def _listed_or_empty(read: Any) -> list[str]:
        try:
            listed: list[str] = read()
        except sqlite3.OperationalError:  # interrupted before its tables existed
            return []
        return listed


def wait_lease_out(database: Path, job_id: str, timeout: float = LEASE_S + 30) -> None:
    """Until ``job_id``'s lease has run out (or was given up), read from bob's SQLite file."""

    def run_out() -> bool:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
        try:
            [(expires,)] = connection.execute(
                "SELECT lease_expires_at FROM jobs WHERE id = ?", (job_id,)
            ).fetchall()
        finally:
            connection.close()
        # Stored naive, in UTC (provisioning.store.schema.UtcDateTime).
        return expires is None or datetime.fromisoformat(expires) < datetime.now(UTC).replace(
            tzinfo=None
        )

    until_sync(run_out, f"the lease of job {job_id} run out", timeout)


def cleaned_up(world: BobCli) -> Iterator[BobCli]:
    """``world`` for one test, tidied after it whatever the test's outcome."""
    try:
        yield world
    finally:
        world.tidy()


def bob_cli(info: SandboxInfo, directory: Path, **bob_defaults: Any) -> BobCli:
    """bob for ``info``'s sandbox with a store in ``directory``; ``bob_defaults`` overridden."""
    document = yaml.safe_load(info.config_path.read_text())
    document["bob_defaults"].update(bob_defaults)
    config = directory / "bob.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False))
    database = directory / "bob.db"
    env = {
        **os.environ,
        "BOB_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        LEASE_ENV: str(LEASE_S),
    }
    return BobCli(config, database, env)


def processes_of(cli: BobCli) -> list[str]:
    """Command lines of the live processes started with this world's config: bob and children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(cli.config).encode() in argv:
            found.append(b" ".join(argv).decode(errors="replace"))
    return found
