"""Each host's current base version (rebuild-base).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bases",
        sa.Column("host", sa.String(63), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bases")
