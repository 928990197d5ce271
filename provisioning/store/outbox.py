"""The Slack outbox's rows and queries (the SqlStore methods delegate here).

Writers keep only the latest state of each message; a deliverer claims what is not yet sent
for a lease, so two replicas never send the same message, and a replica that died leaves its
claims to whoever looks after the lease has run out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from provisioning.records import OutboxMessage, OutboxRow
from provisioning.store import schema

# Messages Slack has had for this long are forgotten.
KEEP_SENT = timedelta(days=1)


async def put(
    conn: AsyncConnection,
    messages: Sequence[OutboxMessage],
    owner: str,
    until: datetime,
    now: datetime,
) -> None:
    table = schema.slack_outbox
    for m in messages:
        values = {
            "channel": m.channel,
            "thread_key": m.thread_key,
            "text": m.text,
            "blocks": m.blocks,
            "claimed_by": owner,
            "claimed_until": until,
            "updated_at": now,
        }
        changed = await conn.execute(
            update(table).where(table.c.key == m.key).values(version=table.c.version + 1, **values)
        )
        if changed.rowcount == 0:
            await conn.execute(insert(table).values(key=m.key, version=1, sent_version=0, **values))


async def claim(
    conn: AsyncConnection, owner: str, until: datetime, now: datetime
) -> list[OutboxRow]:
    """Every unsent message no live replica holds, now held by ``owner``, oldest first."""
    table = schema.slack_outbox
    unsent = table.c.sent_version < table.c.version
    free = or_(
        table.c.claimed_by.is_(None), table.c.claimed_by == owner, table.c.claimed_until <= now
    )
    await conn.execute(delete(table).where(~unsent, table.c.updated_at < now - KEEP_SENT))
    await conn.execute(
        update(table).where(unsent, free).values(claimed_by=owner, claimed_until=until)
    )
    rows = (
        await conn.execute(
            select(table).where(unsent, table.c.claimed_by == owner).order_by(table.c.id)
        )
    ).all()
    parents = {r.thread_key for r in rows if r.thread_key}
    parent_rows = (
        await conn.execute(
            select(table.c.key, table.c.ts, table.c.sent_version, table.c.version).where(
                table.c.key.in_(parents)
            )
        )
    ).all()
    thread_ts = {
        p.key: (p.ts if p.ts is not None else ("" if p.sent_version >= p.version else None))
        for p in parent_rows
    }
    return [
        OutboxRow(
            OutboxMessage(r.key, r.channel, r.text, list(r.blocks), r.thread_key),
            r.version,
            r.ts,
            thread_ts.get(r.thread_key, "") if r.thread_key else None,
        )
        for r in rows
    ]


async def backlog(conn: AsyncConnection) -> int:
    """Messages whose latest state Slack does not have yet."""
    table = schema.slack_outbox
    unsent = select(func.count()).where(table.c.sent_version < table.c.version)
    return int((await conn.execute(unsent)).scalar_one())


async def sent(conn: AsyncConnection, key: str, version: int, ts: str | None) -> None:
    """Slack has ``key`` as of ``version`` (a newer state written meanwhile stays unsent)."""
    table = schema.slack_outbox
    values: dict[str, Any] = {"sent_version": version}
    if ts is not None:
        values["ts"] = ts
    await conn.execute(
        update(table).where(table.c.key == key, table.c.sent_version < version).values(**values)
    )


async def release(conn: AsyncConnection, owner: str, now: datetime) -> None:
    table = schema.slack_outbox
    await conn.execute(update(table).where(table.c.claimed_by == owner).values(claimed_until=now))


async def first_delivery(
    conn: AsyncConnection, delivery_id: str, now: datetime, keep: timedelta
) -> bool:
    table = schema.slack_deliveries
    await conn.execute(delete(table).where(table.c.seen_at < now - keep))
    seen = (await conn.execute(select(table.c.id).where(table.c.id == delivery_id))).first()
    if seen is not None:
        return False
    await conn.execute(insert(table).values(id=delivery_id, seen_at=now))
    return True
