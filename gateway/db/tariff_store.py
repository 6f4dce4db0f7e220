"""SQLAlchemy implementation of the tariff catalogue's repository port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.pricing.ports import StoredTariff, TariffRepository
from gateway.db import tables as t
from gateway.db.types import utcnow

_TARGETS = {"SITE": t.sites, "OPERATOR": t.operators, "CHARGER": t.chargers,
            "PLATFORM": t.roaming_platforms}


def _stored(row: Any) -> StoredTariff:
    return StoredTariff(**{k: row[k] for k in StoredTariff.__dataclass_fields__})


class SqlTariffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def tariffs(self, code: str | None = None, status: str | None = None
                      ) -> list[StoredTariff]:
        table = t.roaming_tariffs
        clauses = []
        if code is not None:
            clauses.append(table.c.code == code)
        if status is not None:
            clauses.append(table.c.status == status)
        rows = (await self._s.execute(select(table).where(*clauses).order_by(table.c.id))
                ).mappings()
        return [_stored(row) for row in rows]

    async def tariff(self, tariff_id: int) -> StoredTariff | None:
        row = (await self._s.execute(select(t.roaming_tariffs).where(
            t.roaming_tariffs.c.id == tariff_id))).mappings().first()
        return None if row is None else _stored(row)

    async def insert_tariff(self, values: dict[str, Any]) -> int:
        now = utcnow()
        result = await self._s.execute(insert(t.roaming_tariffs).values(
            **values, created_at=now, updated_at=now).returning(t.roaming_tariffs.c.id))
        return int(result.scalar_one())

    async def update_tariff(self, tariff_id: int, values: dict[str, Any]) -> None:
        await self._s.execute(update(t.roaming_tariffs).where(
            t.roaming_tariffs.c.id == tariff_id).values(**values, updated_at=utcnow()))

    async def delete_tariff(self, tariff_id: int) -> None:
        await self._s.execute(delete(t.roaming_tariffs).where(
            t.roaming_tariffs.c.id == tariff_id))

    async def target_id(self, level: str, code: str) -> int | None:
        table = _TARGETS[level]
        value = await self._s.scalar(select(table.c.id).where(table.c.code == code))
        return int(value) if value is not None else None

    async def assignments(self, level: str | None = None, target_id: int | None = None,
                          tariff_code: str | None = None) -> list[tuple[str, int, str]]:
        a = t.tariff_assignments
        clauses = []
        if level is not None:
            clauses.append(a.c.level == level)
        if target_id is not None:
            clauses.append(a.c.target_id == target_id)
        if tariff_code is not None:
            clauses.append(a.c.tariff_code == tariff_code)
        rows = await self._s.execute(select(a.c.level, a.c.target_id, a.c.tariff_code)
                                     .where(*clauses).order_by(a.c.id))
        return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]

    async def set_assignments(self, level: str, target_id: int, codes: list[str]) -> None:
        a = t.tariff_assignments
        await self._s.execute(delete(a).where(and_(a.c.level == level,
                                                   a.c.target_id == target_id)))
        if codes:
            await self._s.execute(insert(a), [
                {"level": level, "target_id": target_id, "tariff_code": code}
                for code in codes])

    async def site_currency(self) -> str | None:
        value = await self._s.scalar(select(t.sites.c.currency).order_by(t.sites.c.id).limit(1))
        return str(value) if value is not None else None

    async def charger_scope(self, charger_code: str) -> tuple[int, int | None, int] | None:
        row = (await self._s.execute(
            select(t.chargers.c.id, t.areas.c.operator_id, t.areas.c.site_id)
            .join(t.stations, t.stations.c.id == t.chargers.c.station_id)
            .join(t.areas, t.areas.c.id == t.stations.c.area_id)
            .where(t.chargers.c.code == charger_code))).first()
        return None if row is None else (int(row[0]), row[1], int(row[2]))


def sql_tariff_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[], Any]:
    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[TariffRepository]:
        async with sessions() as session, session.begin():
            yield SqlTariffRepository(session)

    return unit_of_work
