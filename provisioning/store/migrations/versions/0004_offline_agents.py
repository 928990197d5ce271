"""Offline agents: since when the reconciler has seen each bob-managed agent offline.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_agents",
        sa.Column("controller", sa.String(63), primary_key=True),
        sa.Column("node", sa.String(63), primary_key=True),
        sa.Column("since", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("offline_agents")
