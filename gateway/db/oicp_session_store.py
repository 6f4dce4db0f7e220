"""SQL side of the OICP server: the SessionID links, the EVSE lookup and the platforms.

* :class:`SqlOicpSessionLinks` -- ``oicp_sessions`` rows of remote starts and reservations
  (the :class:`oicp.remote_ports.SessionLinks` port).  A claim is an INSERT guarded by the unique
  (platform, SessionID) constraint, so two identical requests cannot both start.
* :class:`SqlEvseDirectory` -- EvseID -> the connector published to the platform (the
  sending side's ``published_connectors`` rule) and what decides whether it can be used
  (:class:`oicp.remote_ports.EvseDirectory`).
* :class:`SqlOicpPlatforms` -- the OICP roaming platforms (for client-certificate
  admission) with our OperatorID on each, from the sending side's lookup
  (``gateway.db.oicp_network_store.load_oicp_platforms``), so both sides agree on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.operations.reservation_rules import ACTIVE as RESERVATION_ACTIVE
from gateway.db import oicp_tables as o
from gateway.db import tables as t
from gateway.db.oicp_network_store import load_oicp_platforms, operator_scope, published_connectors
from oicp.remote_ports import (
    ACTIVE,
    ENDED,
    FAILED,
    ORIGIN_RESERVATION,
    PENDING,
    EvsePlace,
    NewLink,
    OicpPlatform,
    SessionLink,
    connector_roaming_id,
)

__all__ = ["SqlEvseDirectory", "SqlOicpPlatforms", "SqlOicpSessionLinks"]

# Only a CLOSED station or charger is out of service by itself: INOPERATIVE is also what a
# station that has not booted yet shows, and a faulted/unavailable charger says so in its
# OCPP status, which EvsePlace checks.
_CLOSED = "CLOSED"


def _link(row: Any) -> SessionLink:
    return SessionLink(
        id=row["id"], platform_id=row["platform_id"],
        hubject_session_id=row["hubject_session_id"],
        cpo_partner_session_id=row["cpo_partner_session_id"],
        emp_partner_session_id=row["emp_partner_session_id"], provider_id=row["provider_id"],
        evse_id=row["evse_id"], origin=row["origin"], status=row["status"],
        charging_session_id=row["charging_session_id"], reservation_id=row["reservation_id"],
        status_code=row["status_code"])


class SqlOicpSessionLinks:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 now: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._now = now

    async def _one(self, *where: Any) -> SessionLink | None:
        s = o.oicp_sessions
        async with self._sessions() as session:
            row = (await session.execute(select(s).where(*where))).mappings().first()
        return None if row is None else _link(row)

    async def claim(self, link: NewLink) -> tuple[SessionLink, bool]:
        s, now = o.oicp_sessions, self._now()
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(insert(s).values(
                    platform_id=link.platform_id, hubject_session_id=link.hubject_session_id,
                    cpo_partner_session_id=link.cpo_partner_session_id,
                    emp_partner_session_id=link.emp_partner_session_id,
                    provider_id=link.provider_id, evse_id=link.evse_id,
                    identification=link.identification, origin=link.origin, status=PENDING,
                    partner_product_id=link.partner_product_id, created_at=now,
                    updated_at=now))
            created = True
        except IntegrityError:
            created = False  # the SessionID is already known for this platform
        found = await self.find(link.platform_id, link.hubject_session_id)
        if found is None:  # pragma: no cover - the row was inserted or conflicted above
            raise LookupError(f"oicp session {link.hubject_session_id} vanished")
        return found, created

    async def find(self, platform_id: int, hubject_session_id: str) -> SessionLink | None:
        s = o.oicp_sessions
        return await self._one(s.c.platform_id == platform_id,
                               s.c.hubject_session_id == hubject_session_id)

    async def get(self, link_id: int) -> SessionLink | None:
        return await self._one(o.oicp_sessions.c.id == link_id)

    async def by_charging_session(self, charging_session_id: int) -> SessionLink | None:
        return await self._one(o.oicp_sessions.c.charging_session_id == charging_session_id)

    async def _update(self, link_id: int, *where: Any, **values: Any) -> int:
        s = o.oicp_sessions
        async with self._sessions() as session, session.begin():
            result = await session.execute(update(s).where(s.c.id == link_id, *where)
                                           .values(updated_at=self._now(), **values))
        return int(getattr(result, "rowcount", 0) or 0)

    async def attach_session(self, link_id: int, charging_session_id: int) -> None:
        await self._update(link_id, charging_session_id=charging_session_id)

    async def attach_reservation(self, link_id: int, reservation_id: int) -> None:
        await self._update(link_id, reservation_id=reservation_id)

    async def settle(self, link_id: int, status: str, status_code: str) -> None:
        """Our answer to the claiming request. FAILED always holds (Hubject keeps no session
        we refused, whatever the outbound side concluded meanwhile); ACTIVE only replaces
        PENDING: a session that started and ended before we answered stays ENDED."""
        s = o.oicp_sessions
        new_status: Any = status if status == FAILED else case(
            (s.c.status == PENDING, status), else_=s.c.status)
        await self._update(link_id, status_code=status_code, status=new_status)

    async def end(self, link_id: int) -> bool:
        return await self._update(link_id, o.oicp_sessions.c.status == ACTIVE,
                                  status=ENDED) == 1

    async def session_status(self, charging_session_id: int) -> str | None:
        async with self._sessions() as session:
            value = await session.scalar(select(t.sessions.c.status).where(
                t.sessions.c.id == charging_session_id))
        return None if value is None else str(value)

    async def reservation_station(self, reservation_id: int) -> str | None:
        r, st = t.reservations, t.stations
        async with self._sessions() as session:
            value = await session.scalar(select(st.c.code).join(r, r.c.station_id == st.c.id)
                                         .where(r.c.id == reservation_id))
        return None if value is None else str(value)

    async def ended_reservations(self) -> list[SessionLink]:
        s, r = o.oicp_sessions, t.reservations
        query = (select(s).join(r, r.c.id == s.c.reservation_id)
                 .where(s.c.origin == ORIGIN_RESERVATION, s.c.status == ACTIVE,
                        s.c.charging_session_id.is_(None),
                        r.c.status.not_in(list(RESERVATION_ACTIVE)))
                 .order_by(s.c.id))
        async with self._sessions() as session:
            rows = (await session.execute(query)).mappings().all()
        return [_link(row) for row in rows]


class SqlEvseDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 now: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._now = now

    async def place(self, platform: OicpPlatform, evse_id: str) -> EvsePlace | None:
        roaming_id = connector_roaming_id(evse_id, platform.operator_id)
        if roaming_id is None:
            return None
        co, ch, st, a = t.connectors, t.chargers, t.stations, t.areas
        query = (select(st.c.code.label("station"), ch.c.code.label("charger"),
                        co.c.code.label("connector"), st.c.ocpp_protocol, ch.c.reservable,
                        st.c.operational_status.label("station_operational"),
                        ch.c.operational_status.label("charger_operational"),
                        ch.c.status.label("charger_status"),
                        co.c.status.label("connector_status"), ch.c.id.label("charger_id"),
                        co.c.id.label("connector_id"))
                 .select_from(co).join(ch, ch.c.id == co.c.charger_id)
                 .join(st, st.c.id == ch.c.station_id).join(a, a.c.id == st.c.area_id))
        async with self._sessions() as session:
            # Only an EVSE we publish to this platform (the EVSE data pushed) can be used.
            query = query.where(*published_connectors(
                await operator_scope(session, platform.id)))
            # EvseIDs are upper case; roaming ids are stored as entered (unique
            # case-sensitively). The stored form usually is the upper one: its unique index
            # finds it. Only otherwise, upper() of every connector is compared (a scan).
            row = (await session.execute(query.where(co.c.roaming_id == roaming_id))
                   ).mappings().first()
            if row is None:
                row = (await session.execute(query.where(
                    func.upper(co.c.roaming_id) == roaming_id))).mappings().first()
            if row is None:
                return None
            r = t.reservations
            holders = (await session.execute(select(r.c.id_token).where(
                r.c.charger_id == row["charger_id"],
                r.c.status.in_(list(RESERVATION_ACTIVE)), r.c.expires_at > self._now(),
                or_(r.c.whole_charger.is_(True), r.c.connector_id.is_(None),
                    r.c.connector_id == row["connector_id"])))).scalars().all()
        return EvsePlace(
            station=row["station"], charger=row["charger"], connector=row["connector"],
            ocpp_protocol=row["ocpp_protocol"], reservable=bool(row["reservable"]),
            operative=_CLOSED not in (row["station_operational"], row["charger_operational"]),
            charger_status=row["charger_status"], connector_status=row["connector_status"],
            reserved_for=tuple(str(h) for h in holders))


class SqlOicpPlatforms:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def oicp_platforms(self) -> list[OicpPlatform]:
        """Every OICP roaming platform, oldest first (admission tries them in order), with
        our OperatorID on it as the sending side computes it (one lookup for both)."""
        return [OicpPlatform(p.id, p.code, p.operator_id)
                for p in await load_oicp_platforms(self._sessions)]
