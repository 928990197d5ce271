"""The state store: SQLAlchemy 2 (async) on SQLite or PostgreSQL, migrated by Alembic."""

from provisioning.records import OutboxMessage, OutboxRow
from provisioning.store.engine import sqlite_url
from provisioning.store.sql import SqlStore

__all__ = ["OutboxMessage", "OutboxRow", "SqlStore", "sqlite_url"]
