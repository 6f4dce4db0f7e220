"""Migrations run from an empty database and produce exactly the tables in code."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.migrate import current_revision, head_revision, upgrade
from gateway.db.schema import metadata


async def test_migrated_schema_matches_tables(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(metadata.tables) | {"alembic_version"} == names


async def test_upgrade_is_idempotent(engine: AsyncEngine) -> None:
    await upgrade(engine)
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()
