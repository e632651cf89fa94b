"""Alembic environment: runs on the connection congress.db.schema passes in (online mode only)."""

from __future__ import annotations

from alembic import context

from congress.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Congress migrations run through congress.db.schema (or congress-db-manage), online only"
    )

# Batch mode lets later revisions alter tables on SQLite, which has little ALTER TABLE.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
