"""Lockers and their mounts into Bobs.

``lockers``: the data volumes bob made on each host (they outlive Bobs). ``locker_mounts``:
which locker is mounted into which Bob, read-only or not, shared or not.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lockers",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("host", sa.String(63), nullable=False),
        sa.Column("backend", sa.String(16), nullable=False),
        sa.Column("size", sa.String(16)),
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "locker_mounts",
        sa.Column("locker", sa.String(63), primary_key=True),
        sa.Column("bob", sa.String(63), primary_key=True),
        sa.Column("read_only", sa.Boolean, nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("job_id", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("locker_mounts")
    op.drop_table("lockers")
