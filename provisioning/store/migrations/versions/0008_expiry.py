"""Expiry: when a Bob made with a time to live (`create --ttl`) is destroyed by `bob serve`.

Kept on the reservation from the moment it is made and carried onto the Bob's record, so it
lives and dies with the Bob (a later Bob of the same name does not inherit it).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from provisioning.store.schema import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reservations", sa.Column("expires_at", UtcDateTime, nullable=True))
    op.add_column("bobs", sa.Column("expires_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bobs") as bobs:
        bobs.drop_column("expires_at")
    with op.batch_alter_table("reservations") as reservations:
        reservations.drop_column("expires_at")
