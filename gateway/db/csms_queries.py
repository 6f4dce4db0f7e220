"""Read side for the admin API: sessions, their meter values and status history, and the
OCPP communication log. Plain queries returning dicts; no domain logic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.sessions.lifecycle import AuthorizationMode, SessionNetwork
from gateway.db import tables as t

_STATION = t.stations.alias("st")
_CHARGER = t.chargers.alias("ch")
_CONNECTOR = t.connectors.alias("co")
_CUSTOMER = t.customers.alias("cu")


# csms.sessions.lifecycle.network_of, in SQL (so lists filter and page on it).
_NETWORK: ColumnElement[str] = case(
    (t.sessions.c.authorization_mode == AuthorizationMode.ROAMING_CUSTOMER.value,
     SessionNetwork.ROAMING.value), else_=SessionNetwork.HOME.value)


def _session_select() -> Select[Any]:
    s = t.sessions
    return (
        select(s, _STATION.c.code.label("station"), _CHARGER.c.code.label("charger"),
               _CONNECTOR.c.code.label("connector"), _CUSTOMER.c.code.label("customer"),
               _NETWORK.label("network"))
        .join(_STATION, _STATION.c.id == s.c.station_id)
        .outerjoin(_CHARGER, _CHARGER.c.id == s.c.charger_id)
        .outerjoin(_CONNECTOR, _CONNECTOR.c.id == s.c.connector_id)
        .outerjoin(_CUSTOMER, _CUSTOMER.c.id == s.c.customer_id)
    )


class CsmsQueries:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def sessions(
        self, *, date_from: datetime | None, date_to: datetime | None, customer: str | None,
        status: str | None, station: str | None, limit: int, offset: int,
        network: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        s = t.sessions
        clauses: list[ColumnElement[bool]] = []
        if network is not None:
            clauses.append(_NETWORK.in_([network.upper()]))
        if date_from is not None:
            clauses.append(s.c.created_at >= date_from)
        if date_to is not None:
            clauses.append(s.c.created_at < date_to)
        if customer is not None:
            clauses.append(_CUSTOMER.c.code == customer)
        if status is not None:
            clauses.append(s.c.status == status.upper())
        if station is not None:
            clauses.append(_STATION.c.code == station)
        query = _session_select().where(*clauses)
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(query.subquery()))
            rows = (await session.execute(
                query.order_by(s.c.id.desc()).limit(limit).offset(offset))).mappings().all()
        return [dict(r) for r in rows], int(total or 0)

    async def session(self, session_id: int) -> dict[str, Any] | None:
        async with self._sessions() as session:
            row = (await session.execute(
                _session_select().where(t.sessions.c.id == session_id))).mappings().first()
            if row is None:
                return None
            detail = dict(row)
            detail["meter_values"] = [dict(r) for r in (await session.execute(
                select(t.session_meter_values.c.at, t.session_meter_values.c.measurand,
                       t.session_meter_values.c.phase, t.session_meter_values.c.unit,
                       t.session_meter_values.c.context, t.session_meter_values.c.value)
                .where(t.session_meter_values.c.session_id == session_id)
                .order_by(t.session_meter_values.c.at, t.session_meter_values.c.id)
            )).mappings()]
            history = []
            if row["connector_id"] is not None:
                end = row["ended_at"]
                clauses = [t.connector_status_events.c.connector_id == row["connector_id"],
                           t.connector_status_events.c.at >= (row["started_at"]
                                                              or row["created_at"])]
                if end is not None:
                    clauses.append(t.connector_status_events.c.at <= end)
                history = [dict(r) for r in (await session.execute(
                    select(t.connector_status_events.c.at, t.connector_status_events.c.status,
                           t.connector_status_events.c.error_code)
                    .where(and_(*clauses)).order_by(t.connector_status_events.c.at,
                                                    t.connector_status_events.c.id)
                )).mappings()]
            detail["status_history"] = history
        return detail

    async def ocpp_log(
        self, station_id: int, date_from: datetime | None, date_to: datetime | None,
        limit: int, offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        m = t.ocpp_messages
        clauses = [m.c.station_id == station_id]
        if date_from is not None:
            clauses.append(m.c.at >= date_from)
        if date_to is not None:
            clauses.append(m.c.at <= date_to)
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(m).where(*clauses))
            rows = (await session.execute(
                select(m.c.at, m.c.direction, m.c.message_type, m.c.unique_id, m.c.action,
                       m.c.payload).where(*clauses).order_by(m.c.at, m.c.id)
                .limit(limit).offset(offset))).mappings().all()
        return [dict(r) for r in rows], int(total or 0)

    async def station_id(self, code: str) -> int | None:
        async with self._sessions() as session:
            value = await session.scalar(select(t.stations.c.id).where(t.stations.c.code == code))
            return int(value) if value is not None else None

    async def set_station_password(self, station_id: int, password_hash: str | None) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(t.stations.update().where(t.stations.c.id == station_id)
                                  .values(password_hash=password_hash))
