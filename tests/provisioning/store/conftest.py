"""Every store test runs against SQLite and against a real PostgreSQL server of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from provisioning.config import Fleet, load_fleet
from provisioning.store import SqlStore
from tests.postgres import PostgresCluster

EXAMPLE_CONFIG = Path(__file__).parents[3] / "config" / "example.yaml"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bob.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def other_store_url(
    store_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A second empty database on the same backend (and server) as ``store_url``."""
    if store_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_database()
    try:
        yield cluster.database_url(name)
    finally:
        cluster.drop_database(name)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    opened = await SqlStore.open(store_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(scope="session")
def example_fleet() -> Fleet:
    return load_fleet(EXAMPLE_CONFIG)
