"""Open the database: pick the URL, make SQLite safe for concurrent writers, run migrations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from provisioning.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works; it only has to be the same for every replica.
PG_MIGRATION_LOCK = 0x626F62


def default_state_dir() -> Path:
    if env := os.environ.get("BOB_STATE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "bob"


def database_url(state_dir: Path | None = None) -> str:
    """``BOB_DATABASE_URL`` if set, else a SQLite file in the state directory."""
    if url := os.environ.get("BOB_DATABASE_URL"):
        return url
    directory = state_dir or default_state_dir()
    return f"sqlite+aiosqlite:///{directory / 'bob.db'}"


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _make_sqlite_transactions_immediate(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


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
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe when several processes start at once."""
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK}
                )
            await conn.run_sync(_upgrade)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the state store at {_safe(engine)}: {exc}") from exc


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _safe(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)
