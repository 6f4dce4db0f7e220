"""Alembic environment: always runs on a connection handed over by gateway.db.migrate."""

from __future__ import annotations

from alembic import context

from gateway.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `evgw db upgrade` (gateway.db.migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
