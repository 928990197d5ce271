"""Host states: drained by an operator, cooling down after repeated failures.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_states",
        sa.Column("host", sa.String(63), primary_key=True),
        sa.Column("drained", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("drained_by", sa.String(128)),
        sa.Column("drain_reason", sa.Text),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cooling_until", UtcDateTime),
        sa.Column("last_error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("host_states")
