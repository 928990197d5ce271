"""Staging environments' rows (the SqlStore methods delegate here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from provisioning.staging.records import StageEnv
from provisioning.store import schema

_T = schema.staging_envs


async def all_envs(conn: AsyncConnection) -> list[StageEnv]:
    rows = await conn.execute(select(_T).order_by(_T.c.pr))
    return [StageEnv.model_validate(dict(r._mapping)) for r in rows]


async def one(conn: AsyncConnection, pr: int) -> StageEnv | None:
    row = (await conn.execute(select(_T).where(_T.c.pr == pr))).first()
    return None if row is None else StageEnv.model_validate(dict(row._mapping))


async def put(conn: AsyncConnection, env: StageEnv) -> None:
    values = env.model_dump()
    if await one(conn, env.pr) is None:
        await conn.execute(insert(_T).values(**values))
    else:
        await conn.execute(update(_T).where(_T.c.pr == env.pr).values(**values))


async def change(conn: AsyncConnection, pr: int, fields: dict[str, Any]) -> StageEnv | None:
    await conn.execute(update(_T).where(_T.c.pr == pr).values(**fields))
    return await one(conn, pr)


async def remove(conn: AsyncConnection, pr: int) -> bool:
    return (await conn.execute(delete(_T).where(_T.c.pr == pr))).rowcount > 0
