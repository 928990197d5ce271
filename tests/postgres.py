"""A throwaway PostgreSQL cluster for tests: its own initdb, on loopback, deleted afterwards.

The system's PostgreSQL service is never used or touched: the cluster lives in a temporary
directory, listens on 127.0.0.1 on a free port and is stopped through its own ``pg_ctl``.
Running as root (CI does), the server runs as the ``postgres`` system user, since ``initdb``
refuses root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port

DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"
MAINTENANCE_DB = "postgres"
DEFAULT_DB = "bob_test"
START_ATTEMPTS = 3
COMMAND_TIMEOUT_S = 60
# Durability is worthless for a cluster deleted after the run, and costs seconds per suite.
FAST_AND_LOOSE = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be run on this machine; the message says why."""


def find_bindir() -> Path:
    """The newest PostgreSQL ``bin`` directory: ``BOB_PG_BINDIR``, Debian's layout, or PATH."""
    if env := os.environ.get("BOB_PG_BINDIR"):
        candidates = [Path(env)]
    else:
        versions = sorted(
            (p for p in DEBIAN_ROOT.glob("*/bin") if p.parent.name.isdigit()),
            key=lambda p: int(p.parent.name),
            reverse=True,
        )
        on_path = shutil.which("initdb")
        candidates = versions + ([Path(on_path).parent] if on_path else [])
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "psql")):
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, psql) not found in "
        f"{', '.join(map(str, candidates)) or f'{DEBIAN_ROOT}/*/bin or PATH'}; "
        "install postgresql (Debian: apt-get install postgresql) or set BOB_PG_BINDIR"
    )


def _quote_ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    return f'"{name}"'


@dataclass
class PostgresCluster:
    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sockets"

    @property
    def url(self) -> str:
        """The ``bob_test`` database, created at start."""
        return self.database_url(DEFAULT_DB)

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls) -> PostgresCluster:
        bindir = find_bindir()
        run_as = _server_user()
        root = Path(tempfile.mkdtemp(prefix="bob-pg-"))
        cluster = cls(bindir=bindir, root=root, port=0, run_as=run_as)
        try:
            cluster._initdb()
            cluster._start_on_a_free_port()
            cluster.create_database(DEFAULT_DB)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def create_database(self, name: str | None = None) -> str:
        name = name or f"bob_test_{secrets.token_hex(6)}"
        self.sql(f"CREATE DATABASE {_quote_ident(name)}")
        return name

    def drop_database(self, name: str) -> None:
        # FORCE: a test that failed half-way may still hold connections.
        self.sql(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")

    def sql(self, statement: str, database: str = MAINTENANCE_DB) -> str:
        """Run one statement with psql over TCP and return its unaligned output."""
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                statement,
            ],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql {statement!r} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def stop(self) -> None:
        """Stop our server (fast shutdown, by its own pg_ctl) and delete its directory."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                stopped = self._server_command(
                    "pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", check=False
                )
                if stopped.returncode != 0:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _initdb(self) -> None:
        if self.run_as is not None:
            shutil.chown(self.root, user=self.run_as, group=None)
        self.socket_dir.mkdir()
        if self.run_as is not None:
            shutil.chown(self.socket_dir, user=self.run_as, group=None)
        self._server_command(
            "initdb",
            "-D",
            str(self.data_dir),
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )

    def _start_on_a_free_port(self) -> None:
        # The port is free when chosen but could be taken before the server binds it.
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port()
            options = " ".join(
                (
                    f"-k {self.socket_dir}",
                    f"-p {self.port}",
                    "-c listen_addresses=127.0.0.1",
                    *FAST_AND_LOOSE,
                )
            )
            started = self._server_command(
                "pg_ctl",
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.root / "server.log"),
                "-w",
                "-t",
                str(COMMAND_TIMEOUT_S),
                "-o",
                options,
                check=False,
            )
            if started.returncode == 0:
                return
            if attempt == START_ATTEMPTS:
                log = (self.root / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()}\n{log}")

    def _server_command(
        self, tool: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bindir / tool), *args]
        if self.run_as is not None:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=self.root,
            timeout=COMMAND_TIMEOUT_S,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def _kill_postmaster(self) -> None:
        """Last resort when pg_ctl could not stop it: the PID our own data dir recorded."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)


def _server_user() -> str | None:
    """Who runs the server: ``postgres`` when we are root (initdb refuses root), else us."""
    if os.geteuid() != 0:
        return None
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root but runuser(1) is missing")
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise PostgresUnavailable(
            f"running as root and there is no {SERVER_USER!r} system user to run the server"
        ) from exc
    return SERVER_USER
