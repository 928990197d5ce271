"""Whatever goes wrong underneath, callers of the store only ever see bob's own errors."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from provisioning.core.models import CreatePlan, Occupant
from provisioning.errors import StoreError
from provisioning.store import SqlStore
from provisioning.store.engine import create_engine
from tests.provisioning.store.helpers import create_job


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_sqlite_file_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")

    with pytest.raises(StoreError, match="cannot create the state store's directory"):
        await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'file' / 'bob.db'}")


async def test_a_malformed_url_is_a_store_error_that_does_not_repeat_it() -> None:
    with pytest.raises(StoreError, match="unusable state store URL") as raised:
        await SqlStore.open("postgresql+nosuchdriver://bob:s3cret@db.example/bob")

    assert "s3cret" not in str(raised.value)


async def test_an_unreachable_server_is_a_store_error_when_opening() -> None:
    with pytest.raises(StoreError, match="cannot reach"):
        await SqlStore.open(f"postgresql+asyncpg://bob@127.0.0.1:{closed_port()}/bob")


async def test_an_unreachable_server_is_a_store_error_on_any_call() -> None:
    store = SqlStore(create_engine(f"postgresql+asyncpg://bob@127.0.0.1:{closed_port()}/bob"))
    try:
        with pytest.raises(StoreError, match="cannot reach"):
            await store.list_jobs()
    finally:
        await store.close()


async def test_a_planners_own_os_error_passes_through_untranslated(store: SqlStore) -> None:
    def planner_doing_io(_occupants: Sequence[Occupant]) -> CreatePlan:
        raise FileNotFoundError("planners are pure; this one is a bug, not a store failure")

    with pytest.raises(FileNotFoundError):
        await store.reserve(create_job(1), planner_doing_io)
