"""Alembic environment: bob runs migrations itself on an open connection (see store.engine)."""

from alembic import context

from provisioning.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
