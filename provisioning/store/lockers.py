"""The lockers' rows and queries (the SqlStore methods delegate here)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from provisioning.errors import ConflictError
from provisioning.lockers.records import LockerRecord, MountRecord, writer_conflict
from provisioning.store import schema


async def add(conn: AsyncConnection, locker: LockerRecord) -> None:
    await conn.execute(insert(schema.lockers).values(**locker.model_dump()))


async def listed(conn: AsyncConnection) -> list[LockerRecord]:
    rows = (await conn.execute(select(schema.lockers).order_by(schema.lockers.c.name))).all()
    return [LockerRecord.model_validate(dict(r._mapping)) for r in rows]


async def remove(conn: AsyncConnection, name: str) -> bool:
    if await mounts(conn, locker=name):
        raise ConflictError(f"locker {name} is still mounted")
    table = schema.lockers
    return (await conn.execute(delete(table).where(table.c.name == name))).rowcount > 0


async def mounts(
    conn: AsyncConnection, *, locker: str | None = None, bob: str | None = None
) -> list[MountRecord]:
    table = schema.locker_mounts
    query = select(table).order_by(table.c.locker, table.c.bob)
    if locker is not None:
        query = query.where(table.c.locker == locker)
    if bob is not None:
        query = query.where(table.c.bob == bob)
    return [MountRecord.model_validate(dict(r._mapping)) for r in (await conn.execute(query)).all()]


async def add_mount(conn: AsyncConnection, mount: MountRecord) -> None:
    """Record ``mount`` unless it would make the locker read-write in two Bobs unshared."""
    existing = await mounts(conn, locker=mount.locker)
    if any(m.bob == mount.bob for m in existing):
        raise ConflictError(f"locker {mount.locker} is already mounted into {mount.bob}")
    blocker = writer_conflict(mount, existing)
    if blocker is not None:
        raise ConflictError(
            f"locker {mount.locker} is read-write in {blocker.bob}: mount it --read-only, "
            "or --shared where every writer knows of the others"
        )
    await conn.execute(insert(schema.locker_mounts).values(**mount.model_dump()))


async def remove_mount(conn: AsyncConnection, locker: str, bob: str) -> bool:
    table = schema.locker_mounts
    done = await conn.execute(delete(table).where(table.c.locker == locker, table.c.bob == bob))
    return done.rowcount > 0
