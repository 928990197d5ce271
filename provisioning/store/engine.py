"""Open the database: pick the URL, make SQLite safe for concurrent writers, run migrations."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from provisioning.errors import StoreError
from provisioning.store.revision import at_head

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_WAL_RETRY_S = 0.01
# Any constant works; it only has to be the same for every replica.
PG_MIGRATION_LOCK = 0x626F62
# Alembic publishes the running migration through module globals (``alembic.context`` and
# ``alembic.op``). Two migrations interleaving in one process, as two ``SqlStore.open`` awaited
# together do at every I/O switch, overwrite each other's proxies and run DDL on the wrong
# database. One migration at a time per process, whatever the event loop or thread.
_ALEMBIC_IN_USE = threading.Lock()
_ALEMBIC_POLL_S = 0.005


def sqlite_url(state_dir: Path) -> str:
    """The SQLite file bob keeps its records in, in ``state_dir``."""
    return f"sqlite+aiosqlite:///{state_dir / 'bob.db'}"


def create_engine(url: str) -> AsyncEngine:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(
                url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
            )
            _make_sqlite_transactions_immediate(engine)
            return engine
        return create_async_engine(url, pool_pre_ping=True)
    except OSError as exc:
        raise StoreError(f"cannot create the state store's directory: {exc}") from exc
    except SQLAlchemyError as exc:
        # Not the URL itself in the message: it may carry a password.
        raise StoreError(f"unusable state store URL: {exc}") from exc


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    """Every transaction takes SQLite's write lock up front.

    With pysqlite's default deferred BEGIN, two writers that both read first deadlock on the
    upgrade to a write lock; ``BEGIN IMMEDIATE`` makes the second wait (up to busy_timeout)
    instead, which is what serializes reservations across tasks and processes.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL is not set here: see _use_wal.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once."""
    try:
        if engine.dialect.name == "sqlite":
            await _use_wal(engine)
        async with engine.connect() as conn:
            if await conn.run_sync(at_head):
                return  # the common case: no lock to take, no Alembic to import
        async with _alembic_turn(), engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK}
                )
            await conn.run_sync(_upgrade)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the state store at {_safe(engine)}: {exc}") from exc
    except OSError as exc:  # connecting failed before SQLAlchemy could wrap it
        raise StoreError(f"cannot reach the state store at {_safe(engine)}: {exc}") from exc


async def _use_wal(engine: AsyncEngine) -> None:
    """Put the SQLite file in WAL mode (readers never wait for the writer), once.

    WAL is kept in the file, so switching once per open is enough. Switching on every connect
    raced: two processes opening a fresh file at once, the second one's ``PRAGMA
    journal_mode=WAL`` failed straight away with "database is locked", busy timeout or not.
    Here a locked attempt is retried until the busy timeout runs out.
    """
    if engine.url.database in (None, "", ":memory:"):
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    async with engine.connect() as conn:
        while await conn.run_sync(_wal_attempt_was_locked):
            if time.monotonic() > deadline:
                raise StoreError(f"cannot switch {_safe(engine)} to WAL: the file stays locked")
            await asyncio.sleep(SQLITE_WAL_RETRY_S)


def _wal_attempt_was_locked(conn: Connection) -> bool:
    # On the DBAPI connection: SQLite refuses to enter WAL inside a transaction, and going
    # through SQLAlchemy would have the begin listener open BEGIN IMMEDIATE first.
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.fetchall()
    except conn.dialect.loaded_dbapi.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise StoreError(f"cannot switch {_safe_conn(conn)} to WAL: {exc}") from exc
    finally:
        cursor.close()
    return False


@asynccontextmanager
async def _alembic_turn() -> AsyncIterator[None]:
    """Wait for this process's other migrations to finish, without blocking the event loop.

    Polling rather than ``to_thread(lock.acquire)``: a cancelled waiter must not go on to take
    the lock in a thread nobody will ever release it from. Migrations run once per open, so
    the poll costs nothing that matters.
    """
    while not _ALEMBIC_IN_USE.acquire(blocking=False):  # noqa: ASYNC110 - a threading lock
        await asyncio.sleep(_ALEMBIC_POLL_S)
    try:
        yield
    finally:
        _ALEMBIC_IN_USE.release()


def _upgrade(connection: Connection) -> None:
    # Imported here, only when a migration may run: Alembic alone costs about a second of CPU.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _safe(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _safe_conn(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)
