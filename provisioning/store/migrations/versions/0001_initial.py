"""Initial schema: jobs, journal, bobs, reservations, audit, fleet lock.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("started_at", UtcDateTime),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("error", sa.Text),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("owner", sa.String(128)),
        sa.Column("lease_expires_at", UtcDateTime),
    )
    op.create_table(
        "bobs",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("host", sa.String(63), nullable=False),
        sa.Column("disk", sa.String(63), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("ip", sa.String(15), unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(32)),
        sa.Column("base_version", sa.Integer),
        sa.Column("controller", sa.String(63)),
        sa.Column("label", sa.String(64)),
        sa.Column("heavy", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("host", "disk", "slot", name="uq_bobs_slot"),
    )
    op.create_table(
        "reservations",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("host", sa.String(63), nullable=False),
        sa.Column("disk", sa.String(63), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("ip", sa.String(15), unique=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id"), nullable=False, index=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("host", "disk", "slot", name="uq_reservations_slot"),
    )
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("jobs.id"), nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("step", sa.String(128), nullable=False),
        sa.Column("lane", sa.String(128), nullable=False),
        sa.Column("host", sa.String(63)),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("duration_s", sa.Float),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_journal_job", "journal", ["job_id", "id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(256), nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text),
    )
    fleet_lock = op.create_table("fleet_lock", sa.Column("id", sa.Integer, primary_key=True))
    op.bulk_insert(fleet_lock, [{"id": 1}])


def downgrade() -> None:
    for table in ("fleet_lock", "audit", "journal", "reservations", "bobs", "jobs"):
        op.drop_table(table)
