"""SQLAlchemy implementation of the CSMS repository port."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.authorization import KnownToken
from csms.charging.ports import CsmsRepository
from csms.charging.records import (
    ChargerInfo,
    ConnectorInfo,
    MeterValueRow,
    SessionRecord,
    StationInfo,
    StatusRecord,
)
from csms.network.schemas import IdleSessionSettings, SessionRatingSettings, party_id_of
from csms.network.types import IdTokenStatus
from csms.ocpp.metering import Sample, energy_wh
from gateway.db import tables as t
from gateway.db.types import utcnow

_SESSION_FIELDS = [f.name for f in dataclasses.fields(SessionRecord)]


def _rating(raw: Any) -> SessionRatingSettings | None:
    return None if raw is None else SessionRatingSettings.model_validate(raw)


def _idle(raw: Any) -> IdleSessionSettings | None:
    return None if raw is None else IdleSessionSettings.model_validate(raw)


class SqlCsmsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # --- stations ---------------------------------------------------------------------------

    async def _station(self, clause: Any) -> StationInfo | None:
        row = (await self._s.execute(
            select(t.stations, t.sites.c.currency, t.sites.c.time_zone.label("site_time_zone"),
                   t.sites.c.session_rating.label("site_rating"),
                   t.sites.c.idle_session.label("site_idle"),
                   t.operators.c.session_rating.label("operator_rating"),
                   t.operators.c.idle_session.label("operator_idle"))
            .join(t.areas, t.areas.c.id == t.stations.c.area_id)
            .join(t.sites, t.sites.c.id == t.areas.c.site_id)
            .outerjoin(t.operators, t.operators.c.id == t.areas.c.operator_id)
            .where(clause)
        )).mappings().first()
        if row is None:
            return None
        chargers = (await self._s.execute(
            select(t.chargers).where(t.chargers.c.station_id == row["id"])
            .order_by(t.chargers.c.evse_id)
        )).mappings().all()
        connectors = (await self._s.execute(
            select(t.connectors).where(
                t.connectors.c.charger_id.in_([c["id"] for c in chargers]))
            .order_by(t.connectors.c.ocpp_connector_id)
        )).mappings().all()
        return StationInfo(
            id=row["id"], code=row["code"], connection_identifier=row["connection_identifier"],
            ocpp_protocol=row["ocpp_protocol"], connection_policy=row["connection_policy"],
            password_hash=row["password_hash"], ocpp_leniency=row["ocpp_leniency"],
            currency=row["currency"], time_zone=row["site_time_zone"],
            site_rating=_rating(row["site_rating"]) or SessionRatingSettings(),
            site_idle=_idle(row["site_idle"]) or IdleSessionSettings(),
            operator_rating=_rating(row["operator_rating"]),
            operator_idle=_idle(row["operator_idle"]),
            chargers=tuple(
                ChargerInfo(
                    id=c["id"], code=c["code"], evse_id=c["evse_id"],
                    session_rating=_rating(c["session_rating"]),
                    connectors=tuple(
                        ConnectorInfo(id=k["id"], code=k["code"], charger_id=k["charger_id"],
                                      ocpp_connector_id=k["ocpp_connector_id"],
                                      wattage_limit_w=k["wattage_limit_w"], status=k["status"])
                        for k in connectors if k["charger_id"] == c["id"]
                    ),
                )
                for c in chargers
            ),
        )

    async def station_by_identity(self, identity: str) -> StationInfo | None:
        return await self._station(t.stations.c.connection_identifier == identity)

    async def station_by_code(self, code: str) -> StationInfo | None:
        return await self._station(t.stations.c.code == code)

    async def station_by_id(self, station_id: int) -> StationInfo | None:
        return await self._station(t.stations.c.id == station_id)

    async def update_station(self, station_id: int, **fields: Any) -> None:
        await self._s.execute(
            update(t.stations).where(t.stations.c.id == station_id).values(**fields))

    async def record_status(self, status: StatusRecord) -> None:
        await self._s.execute(insert(t.connector_status_events).values(
            **dataclasses.asdict(status)))

    async def set_charger_status(self, charger_id: int, status: str, operational: str) -> None:
        await self._s.execute(update(t.chargers).where(t.chargers.c.id == charger_id)
                              .values(status=status, operational_status=operational,
                                      updated_at=utcnow()))

    async def set_connector_status(
        self, connector_id: int, status: str, error_code: str | None
    ) -> None:
        await self._s.execute(update(t.connectors).where(t.connectors.c.id == connector_id)
                              .values(status=status, error_code=error_code,
                                      updated_at=utcnow()))

    async def add_station_event(
        self, station_id: int, type: str, at: datetime, payload: dict[str, Any]
    ) -> None:
        await self._s.execute(insert(t.station_events).values(
            station_id=station_id, type=type, at=at, payload=payload))

    # --- tokens -----------------------------------------------------------------------------

    async def find_token(self, identifier: str, token_type: str | None) -> KnownToken | None:
        query = (
            select(t.id_tokens, t.customers.c.code.label("customer_code"),
                   t.customers.c.blocked.label("customer_blocked"))
            .outerjoin(t.customers, t.customers.c.id == t.id_tokens.c.customer_id)
            .where(t.id_tokens.c.identifier == identifier)
            .order_by(t.id_tokens.c.id)
        )
        rows = (await self._s.execute(query)).mappings().all()
        if not rows:
            return None
        row = next((r for r in rows if r["type"] == token_type), rows[0])
        return KnownToken(
            identifier=row["identifier"], type=row["type"], status=IdTokenStatus(row["status"]),
            customer_id=row["customer_id"], customer_code=row["customer_code"],
            customer_blocked=bool(row["customer_blocked"]),
        )

    # --- sessions ---------------------------------------------------------------------------

    @staticmethod
    def _record(row: Any) -> SessionRecord:
        return SessionRecord(**{name: row[name] for name in _SESSION_FIELDS})

    async def insert_session(self, session: SessionRecord) -> int:
        values = {k: v for k, v in dataclasses.asdict(session).items() if k != "id"}
        result = await self._s.execute(
            insert(t.sessions).values(**values).returning(t.sessions.c.id))
        session_id = int(result.scalar_one())
        session.id = session_id
        return session_id

    async def save_session(self, session: SessionRecord) -> None:
        values = {k: v for k, v in dataclasses.asdict(session).items() if k != "id"}
        await self._s.execute(update(t.sessions).where(t.sessions.c.id == session.id)
                              .values(**values))

    async def session_by_id(self, session_id: int) -> SessionRecord | None:
        row = (await self._s.execute(select(t.sessions).where(t.sessions.c.id == session_id))
               ).mappings().first()
        return None if row is None else self._record(row)

    async def session_by_transaction(
        self, station_id: int, transaction_id: str
    ) -> SessionRecord | None:
        row = (await self._s.execute(select(t.sessions).where(and_(
            t.sessions.c.station_id == station_id,
            t.sessions.c.transaction_id == transaction_id)))).mappings().first()
        return None if row is None else self._record(row)

    async def sessions_where(self, **criteria: Any) -> list[SessionRecord]:
        clauses = []
        for name, value in criteria.items():
            column = t.sessions.c[name.removesuffix("__in")]
            if name.endswith("__in"):
                clauses.append(column.in_(list(value)))
            elif value is None:
                clauses.append(column.is_(None))
            else:
                clauses.append(column == value)
        rows = (await self._s.execute(
            select(t.sessions).where(*clauses).order_by(t.sessions.c.id))).mappings()
        return [self._record(row) for row in rows]

    async def active_sessions(self, statuses: Sequence[str]) -> list[SessionRecord]:
        return await self.sessions_where(status__in=list(statuses))

    async def add_meter_values(self, rows: Sequence[MeterValueRow]) -> None:
        if rows:
            await self._s.execute(insert(t.session_meter_values),
                                  [dataclasses.asdict(r) for r in rows])

    async def energy_readings_of(
        self, session_id: int
    ) -> list[tuple[datetime, Decimal, str | None]]:
        m = t.session_meter_values
        rows = await self._s.execute(
            select(m.c.at, m.c.measurand, m.c.phase, m.c.unit, m.c.context, m.c.value)
            .where(m.c.session_id == session_id).order_by(m.c.id))
        readings = []
        for at, measurand, phase, unit, context, value in rows:
            wh = energy_wh(Sample(at, measurand, Decimal(value), unit, phase, context, None))
            if wh is not None:
                readings.append((at, wh, context))
        return readings

    async def connector_statuses(self, connector_id: int, until: datetime
                                 ) -> list[tuple[datetime, str]]:
        e = t.connector_status_events
        rows = await self._s.execute(
            select(e.c.at, e.c.status).where(e.c.connector_id == connector_id,
                                             e.c.at <= until).order_by(e.c.at, e.c.id))
        return [(row[0], str(row[1])) for row in rows]

    async def platform_party(self, platform_code: str) -> tuple[str, str] | None:
        row = (await self._s.execute(
            select(t.roaming_profiles.c.country_code, t.roaming_profiles.c.roaming_identifier)
            .join(t.roaming_platforms,
                  t.roaming_platforms.c.roaming_profile_id == t.roaming_profiles.c.id)
            .where(t.roaming_platforms.c.code == platform_code))).first()
        if row is None:
            return None
        return str(row[0]), party_id_of(str(row[1]))

    async def save_cdr(self, session_id: int, values: dict[str, Any]) -> None:
        await self._s.execute(delete(t.session_cdrs).where(
            t.session_cdrs.c.session_id == session_id))
        await self._s.execute(insert(t.session_cdrs).values(session_id=session_id, **values))

    async def record_transaction_event(
        self, station_id: int, transaction_id: str, seq_no: int, event_type: str,
        at: datetime, offline: bool, received_at: datetime,
    ) -> bool:
        exists = await self._s.scalar(select(func.count()).select_from(t.transaction_events)
                                      .where(and_(
                                          t.transaction_events.c.station_id == station_id,
                                          t.transaction_events.c.transaction_id == transaction_id,
                                          t.transaction_events.c.seq_no == seq_no)))
        if exists:
            return False
        await self._s.execute(insert(t.transaction_events).values(
            station_id=station_id, transaction_id=transaction_id, seq_no=seq_no,
            event_type=event_type, at=at, offline=offline, received_at=received_at))
        return True


def sql_csms_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[], Any]:
    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[CsmsRepository]:
        async with sessions() as session, session.begin():
            yield SqlCsmsRepository(session)

    return unit_of_work


__all__ = ["IntegrityError", "SqlCsmsRepository", "sql_csms_unit_of_work"]
