"""Lockers in the store: a locker is read-write in one Bob at a time unless every such mount is
shared, decided in the transaction that records the mount; a mounted locker cannot be forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisioning.errors import ConflictError
from provisioning.lockers.records import LockerRecord, MountRecord
from provisioning.store import SqlStore

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def mount(bob: str, *, read_only: bool = False, shared: bool = False) -> MountRecord:
    return MountRecord(locker="cache", bob=bob, read_only=read_only, shared=shared, job_id="j")


async def test_read_write_in_a_second_bob_needs_both_mounts_shared(store: SqlStore) -> None:
    await store.add_locker(
        LockerRecord(name="cache", host="host-a", backend="dir", job_id="j", created_at=NOW)
    )
    await store.add_locker_mount(mount("bob001"))
    await store.add_locker_mount(mount("bob002", read_only=True))
    with pytest.raises(ConflictError, match="read-write in bob001"):
        await store.add_locker_mount(mount("bob003"))
    with pytest.raises(ConflictError, match="read-write in bob001"):
        await store.add_locker_mount(mount("bob003", shared=True))
    with pytest.raises(ConflictError, match="already mounted into bob001"):
        await store.add_locker_mount(mount("bob001", read_only=True))
    assert [m.bob for m in await store.locker_mounts(locker="cache")] == ["bob001", "bob002"]


async def test_shared_mounts_may_all_write(store: SqlStore) -> None:
    await store.add_locker_mount(mount("bob001", shared=True))
    await store.add_locker_mount(mount("bob002", shared=True))
    assert len(await store.locker_mounts(locker="cache")) == 2


async def test_a_mounted_locker_is_not_forgotten(store: SqlStore) -> None:
    await store.add_locker(
        LockerRecord(name="cache", host="host-a", backend="dir", job_id="j", created_at=NOW)
    )
    await store.add_locker_mount(mount("bob001"))
    with pytest.raises(ConflictError, match="still mounted"):
        await store.delete_locker("cache")
    assert await store.delete_locker_mount("cache", "bob001")
    assert await store.delete_locker("cache")
    assert await store.list_lockers() == []
