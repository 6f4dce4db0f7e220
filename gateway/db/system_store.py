"""Key/value system settings kept in the database (the admin token's digest, …)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.tables import system_settings
from gateway.db.types import utcnow


class SystemStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, key: str) -> str | None:
        async with self._sessions() as session:
            value = await session.scalar(
                select(system_settings.c.value).where(system_settings.c.key == key)
            )
            return str(value) if value is not None else None

    async def put(self, key: str, value: str) -> None:
        async with self._sessions() as session, session.begin():
            exists = await session.scalar(
                select(system_settings.c.key).where(system_settings.c.key == key)
            )
            if exists is None:
                await session.execute(
                    system_settings.insert().values(key=key, value=value, updated_at=utcnow())
                )
            else:
                await session.execute(
                    system_settings.update()
                    .where(system_settings.c.key == key)
                    .values(value=value, updated_at=utcnow())
                )
