"""Staging environments: one row per pull request (``bob stage``).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staging_envs",
        sa.Column("pr", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("repo", sa.String(201), nullable=False),
        sa.Column("branch", sa.String(200), nullable=False),
        sa.Column("git_url", sa.Text, nullable=False),
        sa.Column("bob", sa.String(63), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("job_id", sa.String(32)),
        sa.Column("commit", sa.String(64)),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("last_request", UtcDateTime),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staging_envs")
