"""Slack's outbox and the deliveries already taken.

``slack_outbox``: the latest state of every message a job's thread has to show, kept until
Slack has it, so updates survive an outage and a restart (whichever replica runs next
delivers them). ``slack_deliveries``: the Slack events acted on, so a retried delivery is
acted on once.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(128), nullable=False, unique=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread_key", sa.String(128)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("blocks", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sent_version", sa.Integer, nullable=False),
        sa.Column("ts", sa.String(32)),
        sa.Column("claimed_by", sa.String(128)),
        sa.Column("claimed_until", UtcDateTime),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "slack_deliveries",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("seen_at", UtcDateTime, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("slack_deliveries")
    op.drop_table("slack_outbox")
