"""The SQLAlchemy implementation of bob's state store (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from provisioning.core.models import CreatePlan, Occupant
from provisioning.errors import ConflictError, StoreError, UsageError
from provisioning.lockers.records import LockerRecord, MountRecord
from provisioning.ports import Planner
from provisioning.records import (
    AuditEntry,
    BobRecord,
    BobState,
    HostState,
    JobRecord,
    JobState,
    JournalEntry,
    NewJob,
    OutboxMessage,
    OutboxRow,
    ReservationRecord,
)
from provisioning.staging.records import StageEnv
from provisioning.store import lockers, outbox, schema, staging
from provisioning.store.engine import create_engine, migrate

UNFINISHED = (JobState.PENDING, JobState.RUNNING, JobState.UNDOING)


def _now() -> datetime:
    return datetime.now(UTC)


def _ip(value: str | None) -> ipaddress.IPv4Address | None:
    return ipaddress.IPv4Address(value) if value else None


class SqlStore:
    """Implements :class:`provisioning.ports.StateStore`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # SQLite lets one transaction write at a time (every one starts BEGIN IMMEDIATE) and
        # makes the others poll with growing sleeps, in no particular order, until the busy
        # timeout. Queuing this store's own transactions here instead keeps them in FIFO order
        # and leaves the busy timeout to arbitrate between processes only.
        self._sqlite_turn: asyncio.Lock | None = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else None
        )

    @classmethod
    async def open(cls, url: str) -> SqlStore:
        engine = create_engine(url)
        try:
            await migrate(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncConnection]:
        # What the body raises (a planner's ShortfallError, say) is the caller's business
        # and passes through; only the store's own failures are translated.
        in_body = False
        try:
            async with self._sqlite_turn or nullcontext(), self._engine.begin() as conn:
                in_body = True
                yield conn
                in_body = False
        except IntegrityError as exc:
            raise ConflictError(f"conflicting write: {exc.orig}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"state store error: {exc}") from exc
        except OSError as exc:
            # Connecting (refused, unknown host, timeout) fails with bare OSErrors that
            # SQLAlchemy does not wrap.
            if in_body:
                raise
            raise StoreError(f"cannot reach the state store: {exc}") from exc

    # -- reservations and Bobs -------------------------------------------------------------

    async def reserve(self, job: NewJob, planner: Planner) -> tuple[JobRecord, CreatePlan]:
        async with self._tx() as conn:
            await _lock_fleet(conn)
            plan = planner(await self._occupants(conn))
            record = await self._insert_job(
                conn,
                job.model_copy(
                    update={"params": {**job.params, "plan": plan.model_dump(mode="json")}}
                ),
            )
            ttl_s = job.params.get("ttl_s")
            expires_at = record.created_at + timedelta(seconds=ttl_s) if ttl_s else None
            if plan.bobs:
                await conn.execute(
                    insert(schema.reservations),
                    [
                        {
                            "name": b.name,
                            "host": b.host,
                            "disk": b.disk,
                            "slot": b.slot,
                            "ip": str(b.ip),
                            "job_id": record.id,
                            "created_at": record.created_at,
                            "expires_at": expires_at,
                        }
                        for b in plan.bobs
                    ],
                )
            return record, plan

    async def occupants(self) -> list[Occupant]:
        async with self._tx() as conn:
            return await self._occupants(conn)

    async def _occupants(self, conn: AsyncConnection) -> list[Occupant]:
        bobs = (await conn.execute(select(schema.bobs).order_by(schema.bobs.c.name))).all()
        held = (
            await conn.execute(select(schema.reservations).order_by(schema.reservations.c.name))
        ).all()
        return [_bob(r).as_occupant() for r in bobs] + [_reservation(r).as_occupant() for r in held]

    async def list_bobs(self) -> list[BobRecord]:
        async with self._tx() as conn:
            rows = (await conn.execute(select(schema.bobs).order_by(schema.bobs.c.name))).all()
        return [_bob(r) for r in rows]

    async def get_bob(self, name: str) -> BobRecord | None:
        async with self._tx() as conn:
            row = (
                await conn.execute(select(schema.bobs).where(schema.bobs.c.name == name))
            ).first()
        return _bob(row) if row else None

    async def worked_on(self, kind: str, lanes: Collection[str]) -> set[str]:
        lanes = set(lanes)
        if not lanes:
            return set()
        query = (
            select(schema.journal.c.lane)
            .distinct()
            .join(schema.jobs, schema.jobs.c.id == schema.journal.c.job_id)
            .where(schema.jobs.c.kind == kind, schema.journal.c.lane.in_(lanes))
        )
        async with self._tx() as conn:
            return {lane for (lane,) in (await conn.execute(query)).all()}

    async def list_reservations(self, job_id: str | None = None) -> list[ReservationRecord]:
        query = select(schema.reservations).order_by(schema.reservations.c.name)
        if job_id is not None:
            query = query.where(schema.reservations.c.job_id == job_id)
        async with self._tx() as conn:
            rows = (await conn.execute(query)).all()
        return [_reservation(r) for r in rows]

    async def promote_reservation(
        self, name: str, state: BobState, *, base_version: int | None = None
    ) -> BobRecord:
        async with self._tx() as conn:
            # The row moves from reservations to bobs. A planner reading the two tables in
            # separate statements (READ COMMITTED on PostgreSQL) could otherwise see it in
            # neither, and hand out its name, slot and address a second time.
            await _lock_fleet(conn)
            held = (
                await conn.execute(
                    select(schema.reservations).where(schema.reservations.c.name == name)
                )
            ).first()
            if held is None:
                existing = (
                    await conn.execute(select(schema.bobs).where(schema.bobs.c.name == name))
                ).first()
                if existing is None:
                    raise UsageError(f"no reservation or Bob named {name}")
                changes: dict[str, Any] = {"state": state}
                if base_version is not None:
                    changes["base_version"] = base_version
                await conn.execute(
                    update(schema.bobs).where(schema.bobs.c.name == name).values(**changes)
                )
                return _bob(existing).model_copy(update=changes)
            res = _reservation(held)
            values: dict[str, Any] = {
                "name": res.name,
                "host": res.host,
                "disk": res.disk,
                "slot": res.slot,
                "ip": str(res.ip) if res.ip else None,
                "state": state.value,
                "job_id": res.job_id,
                "base_version": base_version,
                "heavy": False,
                "created_at": _now(),
                "expires_at": res.expires_at,
            }
            await conn.execute(
                delete(schema.reservations).where(schema.reservations.c.name == name)
            )
            await conn.execute(insert(schema.bobs).values(**values))
            return BobRecord.model_validate({**values, "ip": res.ip})

    async def record_base(self, host: str, version: int) -> None:
        async with self._tx() as conn:
            # Versions only grow: a clone that read the pointer just before a swap reports
            # the older one after it, and must not turn the host's version back.
            known = (
                await conn.execute(
                    select(schema.bases.c.version).where(schema.bases.c.host == host)
                )
            ).scalar()
            if known is None:
                values = {"host": host, "version": version, "updated_at": _now()}
                await conn.execute(insert(schema.bases).values(**values))
            elif version > known:
                await conn.execute(
                    update(schema.bases)
                    .where(schema.bases.c.host == host)
                    .values(version=version, updated_at=_now())
                )

    async def base_versions(self) -> dict[str, int]:
        async with self._tx() as conn:
            rows = (await conn.execute(select(schema.bases.c.host, schema.bases.c.version))).all()
        return {host: version for host, version in rows}

    async def set_bob_state(self, name: str, state: BobState, job_id: str | None = None) -> None:
        values = {"state": state.value} | ({"job_id": job_id} if job_id is not None else {})
        async with self._tx() as conn:
            await conn.execute(update(schema.bobs).where(schema.bobs.c.name == name).values(values))

    async def mark_refreshed(self, name: str, *, job_id: str, base_version: int | None) -> None:
        values = {"state": BobState.READY.value, "job_id": job_id, "base_version": base_version}
        async with self._tx() as conn:
            await conn.execute(update(schema.bobs).where(schema.bobs.c.name == name).values(values))

    async def claim_attachment(self, name: str, controller: str, label: str, heavy: bool) -> bool:
        bobs = schema.bobs.c
        free_or_same = or_(
            bobs.controller.is_(None), and_(bobs.controller == controller, bobs.label == label)
        )
        async with self._tx() as conn:
            # One conditional UPDATE: two attaches racing for the same Bob cannot both win.
            result = await conn.execute(
                update(schema.bobs)
                .where(bobs.name == name, free_or_same)
                .values(controller=controller, label=label, heavy=heavy)
            )
        return bool(result.rowcount)

    async def clear_attachment(self, name: str, controller: str) -> bool:
        bobs = schema.bobs.c
        async with self._tx() as conn:
            result = await conn.execute(
                update(schema.bobs)
                .where(bobs.name == name, bobs.controller == controller)
                .values(controller=None, label=None, heavy=False)
            )
        return bool(result.rowcount)

    async def delete_bob(self, name: str) -> bool:
        async with self._tx() as conn:
            result = await conn.execute(delete(schema.bobs).where(schema.bobs.c.name == name))
        return bool(result.rowcount)

    async def release_reservations(self, job_id: str, names: Sequence[str] | None = None) -> int:
        query = delete(schema.reservations).where(schema.reservations.c.job_id == job_id)
        if names is not None:
            query = query.where(schema.reservations.c.name.in_(list(names)))
        async with self._tx() as conn:
            result = await conn.execute(query)
        return int(result.rowcount)

    async def readdress(self, job_id: str, name: str, ip: ipaddress.IPv4Address) -> None:
        """Move a job's reservation to another address (DNS said the planned one is taken)."""
        occupied = {o.ip for o in await self.occupants() if o.name != name}
        if ip in occupied:
            raise ConflictError(f"{ip} is already held by another Bob or reservation")
        async with self._tx() as conn:
            await _lock_fleet(conn)
            result = await conn.execute(
                update(schema.reservations)
                .where(
                    and_(
                        schema.reservations.c.job_id == job_id,
                        schema.reservations.c.name == name,
                    )
                )
                .values(ip=str(ip))
            )
        if not result.rowcount:
            raise ConflictError(f"job {job_id} holds no reservation for {name}")

    # -- jobs and the journal ---------------------------------------------------------------

    async def create_job(self, job: NewJob) -> JobRecord:
        async with self._tx() as conn:
            return await self._insert_job(conn, job)

    async def _insert_job(self, conn: AsyncConnection, job: NewJob) -> JobRecord:
        record = JobRecord(
            id=secrets.token_hex(4),
            kind=job.kind,
            params=job.params,
            state=JobState.PENDING,
            requested_by=job.requested_by,
            source=job.source,
            created_at=_now(),
        )
        await conn.execute(insert(schema.jobs).values(**record.model_dump(mode="python")))
        return record

    async def get_job(self, job_id: str) -> JobRecord:
        async with self._tx() as conn:
            row = (
                await conn.execute(select(schema.jobs).where(schema.jobs.c.id == job_id))
            ).first()
        if row is None:
            raise UsageError(f"no job with id {job_id!r}")
        return _job(row)

    async def job_ids_starting(self, prefix: str, limit: int = 10) -> list[str]:
        jobs = schema.jobs.c
        query = (
            select(jobs.id)
            .where(jobs.id.startswith(prefix, autoescape=True))
            .order_by(jobs.id)
            .limit(limit)
        )
        async with self._tx() as conn:
            return [row.id for row in (await conn.execute(query)).all()]

    async def list_jobs(self, limit: int = 20) -> list[JobRecord]:
        query = select(schema.jobs).order_by(schema.jobs.c.created_at.desc()).limit(limit)
        async with self._tx() as conn:
            rows = (await conn.execute(query)).all()
        return [_job(r) for r in rows]

    async def unfinished_jobs(self) -> list[JobRecord]:
        query = (
            select(schema.jobs)
            .where(schema.jobs.c.state.in_([s.value for s in UNFINISHED]))
            .order_by(schema.jobs.c.created_at)
        )
        async with self._tx() as conn:
            rows = (await conn.execute(query)).all()
        return [_job(r) for r in rows]

    async def claim_job(self, job_id: str, owner: str, lease: timedelta) -> JobRecord | None:
        now = _now()
        jobs = schema.jobs.c
        async with self._tx() as conn:
            result = await conn.execute(
                update(schema.jobs)
                .where(
                    and_(
                        jobs.id == job_id,
                        jobs.state.in_([s.value for s in UNFINISHED]),
                        or_(
                            jobs.owner.is_(None),
                            jobs.owner == owner,
                            jobs.lease_expires_at.is_(None),
                            jobs.lease_expires_at < now,
                        ),
                    )
                )
                .values(owner=owner, lease_expires_at=now + lease)
            )
            if not result.rowcount:
                return None
            row = (await conn.execute(select(schema.jobs).where(jobs.id == job_id))).one()
        return _job(row)

    async def renew_lease(self, job_id: str, owner: str, lease: timedelta) -> bool:
        jobs = schema.jobs.c
        async with self._tx() as conn:
            result = await conn.execute(
                update(schema.jobs)
                .where(and_(jobs.id == job_id, jobs.owner == owner))
                .values(lease_expires_at=_now() + lease)
            )
        return bool(result.rowcount)

    async def set_job_state(
        self, job_id: str, state: JobState, *, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"state": state.value}
        if state is JobState.RUNNING:
            # A resumed job keeps the time it first started: durations must span the crash.
            values["started_at"] = func.coalesce(
                schema.jobs.c.started_at, literal(_now(), schema.UtcDateTime)
            )
        if state.finished:
            values.update(finished_at=_now(), owner=None, lease_expires_at=None)
        if error is not None:
            values["error"] = error
        async with self._tx() as conn:
            await conn.execute(
                update(schema.jobs).where(schema.jobs.c.id == job_id).values(**values)
            )

    async def request_cancel(self, job_id: str) -> bool:
        jobs = schema.jobs.c
        async with self._tx() as conn:
            result = await conn.execute(
                update(schema.jobs)
                .where(and_(jobs.id == job_id, jobs.state.in_([s.value for s in UNFINISHED])))
                .values(cancel_requested=True)
            )
        return bool(result.rowcount)

    async def append_journal(self, entry: JournalEntry) -> None:
        async with self._tx() as conn:
            await conn.execute(insert(schema.journal).values(**entry.model_dump(mode="python")))

    async def journal(self, job_id: str) -> list[JournalEntry]:
        query = (
            select(schema.journal)
            .where(schema.journal.c.job_id == job_id)
            .order_by(schema.journal.c.id)
        )
        async with self._tx() as conn:
            rows = (await conn.execute(query)).all()
        return [JournalEntry.model_validate(dict(r._mapping)) for r in rows]

    # -- audit ------------------------------------------------------------------------------

    # -- host states -------------------------------------------------------------------------

    async def host_states(self) -> list[HostState]:
        async with self._tx() as conn:
            rows = (await conn.execute(select(schema.host_states))).all()
        return [HostState.model_validate(dict(r._mapping)) for r in rows]

    async def update_host_state(
        self, host: str, change: Callable[[HostState], HostState]
    ) -> HostState:
        """Read, change and write one host's state under the fleet lock (no lost updates)."""
        table = schema.host_states
        async with self._tx() as conn:
            await _lock_fleet(conn)
            row = (await conn.execute(select(table).where(table.c.host == host))).first()
            before = HostState.model_validate(dict(row._mapping)) if row else HostState(host=host)
            after = change(before)
            values = after.model_dump(exclude={"host"})
            if row is None:
                await conn.execute(insert(table).values(host=host, **values))
            else:
                await conn.execute(update(table).where(table.c.host == host).values(**values))
        return after

    async def track_offline(
        self, controller: str, offline: Collection[str], now: datetime
    ) -> dict[str, datetime]:
        """Node → since when it has been seen offline, for the nodes offline now; nodes seen
        online again are forgotten, so a flapping agent starts over."""
        table = schema.offline_agents
        mine = table.c.controller == controller
        async with self._tx() as conn:
            rows = (await conn.execute(select(table.c.node, table.c.since).where(mine))).all()
            known = {r.node: r.since for r in rows}
            gone = [node for node in known if node not in offline]
            if gone:
                await conn.execute(delete(table).where(mine, table.c.node.in_(gone)))
            new = [node for node in offline if node not in known]
            if new:
                await conn.execute(
                    insert(table),
                    [{"controller": controller, "node": n, "since": now} for n in new],
                )
        return {node: known.get(node, now) for node in offline}

    # -- Slack outbox (see outbox.py) --------------------------------------------------------

    async def outbox_put(
        self, messages: Sequence[OutboxMessage], owner: str, lease: timedelta
    ) -> None:
        now = _now()
        async with self._tx() as conn:
            await outbox.put(conn, messages, owner, now + lease, now)

    async def outbox_claim(self, owner: str, lease: timedelta) -> list[OutboxRow]:
        now = _now()
        async with self._tx() as conn:
            return await outbox.claim(conn, owner, now + lease, now)

    async def outbox_sent(self, key: str, version: int, ts: str | None) -> None:
        async with self._tx() as conn:
            await outbox.sent(conn, key, version, ts)

    async def outbox_backlog(self) -> int:
        async with self._tx() as conn:
            return await outbox.backlog(conn)

    async def outbox_release(self, owner: str) -> None:
        async with self._tx() as conn:
            await outbox.release(conn, owner, _now())

    async def first_delivery(self, delivery_id: str, keep: timedelta) -> bool:
        """True the first time ``delivery_id`` is seen (within ``keep``), False after."""
        try:
            async with self._tx() as conn:
                return await outbox.first_delivery(conn, delivery_id, _now(), keep)
        except ConflictError:
            return False  # another replica took it at the same moment

    # -- lockers -----------------------------------------------------------------------------

    async def add_locker(self, locker: LockerRecord) -> None:
        async with self._tx() as conn:
            await lockers.add(conn, locker)

    async def list_lockers(self) -> list[LockerRecord]:
        async with self._tx() as conn:
            return await lockers.listed(conn)

    async def get_locker(self, name: str) -> LockerRecord | None:
        return next((lk for lk in await self.list_lockers() if lk.name == name), None)

    async def delete_locker(self, name: str) -> bool:
        async with self._tx() as conn:
            return await lockers.remove(conn, name)

    async def locker_mounts(
        self, *, locker: str | None = None, bob: str | None = None
    ) -> list[MountRecord]:
        async with self._tx() as conn:
            return await lockers.mounts(conn, locker=locker, bob=bob)

    async def add_locker_mount(self, mount: MountRecord) -> None:
        async with self._tx() as conn:
            await lockers.add_mount(conn, mount)

    async def delete_locker_mount(self, locker: str, bob: str) -> bool:
        async with self._tx() as conn:
            return await lockers.remove_mount(conn, locker, bob)

    # -- staging environments (see staging.py) ---------------------------------------------

    async def stage_envs(self) -> list[StageEnv]:
        async with self._tx() as conn:
            return await staging.all_envs(conn)

    async def stage_env(self, pr: int) -> StageEnv | None:
        async with self._tx() as conn:
            return await staging.one(conn, pr)

    async def put_stage_env(self, env: StageEnv) -> None:
        async with self._tx() as conn:
            await staging.put(conn, env)

    async def change_stage_env(self, pr: int, **fields: Any) -> StageEnv | None:
        async with self._tx() as conn:
            return await staging.change(conn, pr, {**fields, "updated_at": _now()})

    async def delete_stage_env(self, pr: int) -> bool:
        async with self._tx() as conn:
            return await staging.remove(conn, pr)

    async def audit(self, entry: AuditEntry) -> None:
        async with self._tx() as conn:
            await conn.execute(insert(schema.audit).values(**entry.model_dump(mode="python")))

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        query = select(schema.audit).order_by(schema.audit.c.id.desc()).limit(limit)
        async with self._tx() as conn:
            rows = (await conn.execute(query)).all()
        return [AuditEntry.model_validate(dict(r._mapping)) for r in rows]


async def _lock_fleet(conn: AsyncConnection) -> None:
    """Wait for, then hold until commit, the right to change who occupies which slot.

    On PostgreSQL this is the ``fleet_lock`` row. SQLite renders no FOR UPDATE and needs none:
    ``BEGIN IMMEDIATE`` already made this transaction the only writer.
    """
    await conn.execute(
        select(schema.fleet_lock.c.id).where(schema.fleet_lock.c.id == 1).with_for_update()
    )


def _bob(row: Row[Any]) -> BobRecord:
    data = dict(row._mapping)
    data["ip"] = _ip(data["ip"])
    return BobRecord.model_validate(data)


def _reservation(row: Row[Any]) -> ReservationRecord:
    data = dict(row._mapping)
    data["ip"] = _ip(data["ip"])
    return ReservationRecord.model_validate(data)


def _job(row: Row[Any]) -> JobRecord:
    return JobRecord.model_validate(dict(row._mapping))
