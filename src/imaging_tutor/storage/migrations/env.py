"""Alembic environment: run with a connection handed over by imaging_tutor.storage.db, never a URL read from a file."""
from alembic import context

from imaging_tutor.storage.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through imaging_tutor.storage.db.migrate()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
