"""The state store: SQLAlchemy 2 (async) on SQLite or PostgreSQL, migrated by Alembic."""

from provisioning.store.engine import database_url, default_state_dir
from provisioning.store.outbox import OutboxMessage, OutboxRow
from provisioning.store.sql import SqlStore

__all__ = ["OutboxMessage", "OutboxRow", "SqlStore", "database_url", "default_state_dir"]
