"""Alembic migrations: run on every open, idempotent, and they build what schema.py declares."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from provisioning.config import Fleet
from provisioning.store import SqlStore
from provisioning.store.engine import MIGRATIONS, create_engine
from provisioning.store.schema import metadata
from tests.provisioning.store.helpers import create_job, planner

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()


async def applied_versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        await engine.dispose()
    return [r.version_num for r in rows]


def schema_differences(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), metadata))


async def test_opening_a_fresh_database_migrates_it_to_the_newest_revision(
    store_url: str,
) -> None:
    store = await SqlStore.open(store_url)
    await store.close()

    assert [HEAD] == await applied_versions(store_url)


async def test_the_migrations_build_exactly_the_declared_schema(store_url: str) -> None:
    store = await SqlStore.open(store_url)
    await store.close()

    engine = create_engine(store_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(schema_differences)
    finally:
        await engine.dispose()
    assert [] == differences


async def test_opening_again_keeps_the_data_and_the_revision(
    store_url: str, example_fleet: Fleet
) -> None:
    first = await SqlStore.open(store_url)
    job, _ = await first.reserve(create_job(2), planner(example_fleet, 2))
    await first.close()

    second = await SqlStore.open(store_url)
    try:
        assert ([job], ["bob001", "bob002"]) == (
            await second.list_jobs(),
            [r.name for r in await second.list_reservations()],
        )
    finally:
        await second.close()
    assert [HEAD] == await applied_versions(store_url)


async def test_stores_on_different_databases_open_together_in_one_event_loop(
    store_url: str, other_store_url: str
) -> None:
    """Alembic keeps the running migration in module globals; two migrations interleaving in
    one process used to overwrite each other's and fail ("table jobs already exists",
    KeyError('script')). The same database never showed it: its lock serializes them first."""
    urls = [store_url, other_store_url]

    stores = await asyncio.gather(*(SqlStore.open(url) for url in urls))
    try:
        assert [[], []] == [await s.list_jobs() for s in stores]
    finally:
        for s in stores:
            await s.close()
    assert [[HEAD], [HEAD]] == [await applied_versions(url) for url in urls]


async def test_stores_on_one_database_open_together_in_one_event_loop(store_url: str) -> None:
    stores = await asyncio.gather(*(SqlStore.open(store_url) for _ in range(3)))
    try:
        assert [[], [], []] == [await s.list_jobs() for s in stores]
    finally:
        for s in stores:
            await s.close()
    assert [HEAD] == await applied_versions(store_url)


async def test_a_sqlite_store_keeps_its_file_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bob.db'}"
    store = await SqlStore.open(url)
    await store.close()

    with sqlite3.connect(tmp_path / "bob.db") as db:
        assert ("wal",) == db.execute("PRAGMA journal_mode").fetchone()
