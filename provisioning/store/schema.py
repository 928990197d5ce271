"""Table definitions. Changes here need a new Alembic revision under ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, whatever the backend keeps (SQLite keeps naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("params", JSON, nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("requested_by", String(128), nullable=False),
    Column("source", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("error", Text),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("owner", String(128)),
    Column("lease_expires_at", UtcDateTime),
)

bobs = Table(
    "bobs",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("host", String(63), nullable=False),
    Column("disk", String(63), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("ip", String(15), unique=True),
    Column("state", String(16), nullable=False),
    Column("job_id", String(32)),
    Column("base_version", Integer),
    Column("controller", String(63)),
    Column("label", String(64)),
    Column("heavy", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),  # `create --ttl`: destroyed by `bob serve` after this
    UniqueConstraint("host", "disk", "slot", name="uq_bobs_slot"),
)

# Since when the reconciler has seen each bob-managed agent offline (Jenkins keeps no such
# time for an agent that never connected).
offline_agents = Table(
    "offline_agents",
    metadata,
    Column("controller", String(63), primary_key=True),
    Column("node", String(63), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
)

host_states = Table(
    "host_states",
    metadata,
    Column("host", String(63), primary_key=True),
    Column("drained", Boolean, nullable=False, default=False),
    Column("drained_by", String(128)),
    Column("drain_reason", Text),
    Column("failures", Integer, nullable=False, default=0),
    Column("cooling_until", UtcDateTime),
    Column("last_error", Text),
)

reservations = Table(
    "reservations",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("host", String(63), nullable=False),
    Column("disk", String(63), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("ip", String(15), unique=True),
    Column("job_id", String(32), ForeignKey("jobs.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    UniqueConstraint("host", "disk", "slot", name="uq_reservations_slot"),
)

journal = Table(
    "journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(32), ForeignKey("jobs.id"), nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("step", String(128), nullable=False),
    Column("lane", String(128), nullable=False),
    Column("host", String(63)),
    Column("event", String(16), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("duration_s", Float),
    Column("detail", Text),
    Index("ix_journal_job", "job_id", "id"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("actor", String(128), nullable=False),
    Column("source", String(64), nullable=False),
    Column("origin", String(256), nullable=False),
    Column("command", Text, nullable=False),
    Column("outcome", String(64), nullable=False),
    Column("detail", Text),
)

# The latest state of each message a job's Slack thread has to show, until Slack has it
# (``sent_version`` catches up with ``version``); claimed by the replica delivering it.
slack_outbox = Table(
    "slack_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False, unique=True),
    Column("channel", String(64), nullable=False),
    Column("thread_key", String(128)),
    Column("text", Text, nullable=False),
    Column("blocks", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("sent_version", Integer, nullable=False),
    Column("ts", String(32)),
    Column("claimed_by", String(128)),
    Column("claimed_until", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Slack events already acted on (a retried delivery carries the same event id).
slack_deliveries = Table(
    "slack_deliveries",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("seen_at", UtcDateTime, nullable=False, index=True),
)

# The version of each host's current base, as the last rebuild (or clone) saw it: what
# `bob list` compares each Bob's base_version with.
bases = Table(
    "bases",
    metadata,
    Column("host", String(63), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One row, locked FOR UPDATE by every write that adds a slot holder or moves one between
# ``reservations`` and ``bobs``, so planners run one at a time on PostgreSQL and never read a
# half-moved fleet (SQLite gets the same effect from BEGIN IMMEDIATE).
# Pull-request environments (provisioning/staging): one row per PR, its Bob named pr-<N>.
staging_envs = Table(
    "staging_envs",
    metadata,
    Column("pr", Integer, primary_key=True, autoincrement=False),
    Column("repo", String(201), nullable=False),
    Column("branch", String(200), nullable=False),
    Column("git_url", Text, nullable=False),
    Column("bob", String(63), nullable=False),
    Column("state", String(16), nullable=False),
    Column("job_id", String(32)),
    Column("commit", String(64)),
    Column("url", Text, nullable=False),
    Column("last_request", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)

fleet_lock = Table(
    "fleet_lock",
    metadata,
    Column("id", Integer, primary_key=True),
)

# Data volumes bob made on hosts; they outlive the Bobs they are mounted into.
lockers = Table(
    "lockers",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("host", String(63), nullable=False),
    Column("backend", String(16), nullable=False),
    Column("size", String(16)),
    Column("job_id", String(32), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Which locker is mounted into which Bob (at /lockers/NAME inside it).
locker_mounts = Table(
    "locker_mounts",
    metadata,
    Column("locker", String(63), primary_key=True),
    Column("bob", String(63), primary_key=True),
    Column("read_only", Boolean, nullable=False),
    Column("shared", Boolean, nullable=False),
    Column("job_id", String(32), nullable=False),
)
