"""SQL of what the OICP sides read of the network: the OICP platforms with our OperatorID,
which connectors are a platform's EVSEs, the exported EVSEs as OICP views with their
tariffs, and the cheap "did anything change?" version of all that.

Both sides use it: the sending side (``gateway.db.oicp_push_store``, which extends
:class:`SqlOicpNetwork`) and the listener's admission and EvseID resolution
(``gateway.db.oicp_session_store``), so they never disagree on who we are or on what was
published.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    distinct,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from gateway.db import tables as t
from oicp.errors import InvalidIdError
from oicp.ids import parse_operator_id, validate_operator_id
from oicp.outbound_ports import ExportedEvse, NetworkVersion, OicpPlatform
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tariffs.errors import TariffError
from tariffs.roaming import (
    ChargerRef,
    RoamingTariff,
    TariffAssignments,
    TariffStatus,
    parse_roaming_tariff,
)

__all__ = ["BATCH", "SqlOicpNetwork", "load_oicp_platforms", "operator_id_of", "operator_scope",
           "published_connectors"]

# Rows per bulk statement (and per IN list): well under SQLite's bound-parameter limit,
# and the event loop runs between two batches (SQLAlchemy encodes each row's JSON on it).
BATCH = 500
# What the EVSE data and the pricing pushes are made of: a row counted or changed in any
# of these changes the network version. Writes stamp ``updated_at``, except a
# BootNotification's vendor (``StationService.booted``), which closely follows the connection
# (stamped); the outbound side's hourly full read covers that window.
_VERSIONED = (t.sites, t.operators, t.areas, t.stations, t.chargers, t.connectors,
              t.roaming_profiles, t.roaming_platforms, t.roaming_tariffs)


def operator_id_of(country: str, identifier: str) -> str:
    """The profile's OperatorID: ``SI*TRI`` (``SITRI`` normalized), or a DIN id as is."""
    try:
        return str(parse_operator_id(identifier))
    except InvalidIdError:
        try:
            return validate_operator_id(identifier)
        except InvalidIdError:
            return str(parse_operator_id(f"{country}*{identifier}"))


async def load_oicp_platforms(sessions: async_sessionmaker[AsyncSession],
                              code: str | None = None) -> list[OicpPlatform]:
    """The OICP roaming platforms (oldest first) with our OperatorID on each: the one
    lookup both sides use (this sending side, and the listener's admission and EvseID
    resolution in ``gateway.db.oicp_session_store``), so they never disagree on who we are
    (``SI`` + ``TRI`` and ``SI*TRI`` both give ``SI*TRI``). A platform whose profile gives
    no valid OperatorID is left out: nothing can be sent or resolved under it."""
    p, pr, op = t.roaming_platforms, t.roaming_profiles, t.operators
    query = (select(p.c.id, p.c.code, p.c.url, pr.c.name.label("profile_name"),
                    pr.c.country_code, pr.c.roaming_identifier,
                    op.c.name.label("operator_name"), op.c.phone.label("operator_phone"))
             .join(pr, pr.c.id == p.c.roaming_profile_id)
             .outerjoin(op, op.c.id == pr.c.operator_id)
             .where(p.c.protocol == "OICP").order_by(p.c.id))
    if code is not None:
        query = query.where(p.c.code == code)
    async with sessions() as session:
        rows = (await session.execute(query)).mappings().all()
        currency = await session.scalar(select(t.sites.c.currency).order_by(t.sites.c.id)
                                        .limit(1))
        priced = set((await session.execute(
            select(t.tariff_assignments.c.target_id).where(
                t.tariff_assignments.c.level == "PLATFORM"))).scalars())
    platforms = []
    for row in rows:
        try:
            operator_id = operator_id_of(row["country_code"], row["roaming_identifier"])
        except InvalidIdError:
            continue
        view = OicpPlatformView(
            operator_id=operator_id,
            operator_name=row["operator_name"] or row["profile_name"],
            hotline_phone=row["operator_phone"],
            dynamic_pricing=row["id"] in priced)
        platforms.append(OicpPlatform(row["id"], row["code"], row["url"], operator_id, view,
                                      currency or "EUR"))
    return platforms


async def operator_scope(session: AsyncSession, platform_id: int) -> int | None:
    """The operator a platform's roaming profile is limited to (None: every operator)."""
    pr, p = t.roaming_profiles, t.roaming_platforms
    value = await session.scalar(select(pr.c.operator_id).join(
        p, p.c.roaming_profile_id == pr.c.id).where(p.c.id == platform_id))
    return None if value is None else int(value)


def published_connectors(scope: int | None) -> list[ColumnElement[bool]]:
    """What makes a connector an EVSE of a platform (``chargers``, ``connectors`` and
    ``areas`` joined): a roaming-enabled charger, a connector roaming id, an area roaming
    id, within the profile's operator scope. The EVSE data we push and the EvseIDs Hubject
    may start or reserve are the same set."""
    a, ch, co = t.areas, t.chargers, t.connectors
    conditions: list[ColumnElement[bool]] = [
        ch.c.roaming_enabled.is_(True), co.c.roaming_id.is_not(None),
        a.c.roaming_id.is_not(None)]
    if scope is not None:
        conditions.append(a.c.operator_id == scope)
    return conditions

class SqlOicpNetwork:
    """The network as the OICP sending side reads it (see the module comment)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- platforms and network ------------------------------------------------------------

    async def platforms(self, code: str | None = None) -> list[OicpPlatform]:
        return await load_oicp_platforms(self._sessions, code)

    async def exported(self, platform: OicpPlatform, station: str | None = None
                       ) -> list[ExportedEvse]:
        """Connectors with a roaming id on roaming-enabled chargers in areas with a roaming
        id (within the profile's operator scope), with the platform tariffs there."""
        a, s, op, st, ch, co = (t.areas, t.sites, t.operators, t.stations, t.chargers,
                                t.connectors)
        query = (select(
            a.c.id.label("area_id"), a.c.code.label("area_code"),
            a.c.name.label("area_name"), a.c.address, a.c.city, a.c.postal_code,
            a.c.state, a.c.country, a.c.latitude, a.c.longitude,
            a.c.support_contact, a.c.operator_id.label("area_operator_id"),
            a.c.site_id, s.c.time_zone, op.c.phone.label("operator_phone"),
            st.c.code.label("station_code"), st.c.vendor, st.c.connection_state,
            ch.c.id.label("charger_id"), ch.c.code.label("charger_code"),
            ch.c.roaming_id.label("charger_roaming_id"), ch.c.reservable,
            ch.c.electric_current_type.label("charger_current"),
            ch.c.status.label("charger_status"),
            co.c.code.label("connector_code"), co.c.roaming_id.label("connector_roaming_id"),
            co.c.standard, co.c.format, co.c.electric_current_type.label("connector_current"),
            co.c.wattage_limit_w, co.c.amperage_limit_a, co.c.voltage_limit_v,
            co.c.status.label("connector_status"))
            .select_from(co).join(ch, ch.c.id == co.c.charger_id)
            .join(st, st.c.id == ch.c.station_id).join(a, a.c.id == st.c.area_id)
            .join(s, s.c.id == a.c.site_id).outerjoin(op, op.c.id == a.c.operator_id)
            .order_by(st.c.id, ch.c.id, co.c.id))
        if station is not None:
            query = query.where(st.c.code == station)
        exported: list[ExportedEvse] = []
        # The connectors of one charger (and the chargers of one area) share its views.
        areas: dict[int, OicpAreaView] = {}
        chargers: dict[int, tuple[OicpChargerView, tuple[str, ...]]] = {}
        async with self._sessions() as session:
            query = query.where(*published_connectors(
                await operator_scope(session, platform.id)))
            assignments = TariffAssignments.from_rows((await session.execute(select(
                t.tariff_assignments.c.level, t.tariff_assignments.c.target_id,
                t.tariff_assignments.c.tariff_code).order_by(t.tariff_assignments.c.id))).all())
            # Streamed in batches, the loop running in between: turning tens of thousands
            # of rows into views at once would stall it for a second.
            result = await session.stream(query)
            async for rows in result.mappings().partitions(BATCH):
                for row in rows:
                    area = areas.get(row["area_id"])
                    if area is None:
                        area = areas[row["area_id"]] = self._area_view(row)
                    charger = chargers.get(row["charger_id"])
                    if charger is None:
                        charger = chargers[row["charger_id"]] = self._charger_view(
                            row, assignments, platform)
                    exported.append(ExportedEvse(row["station_code"], area, charger[0],
                                                 self._connector_view(row), charger[1]))
                await asyncio.sleep(0)
        return exported

    @staticmethod
    def _area_view(row: Any) -> OicpAreaView:
        contact = row["support_contact"] or {}
        return OicpAreaView(
            code=row["area_code"], name=row["area_name"], address=row["address"],
            city=row["city"], postal_code=row["postal_code"], country=row["country"],
            latitude=row["latitude"], longitude=row["longitude"],
            time_zone=row["time_zone"], state=row["state"], phone=contact.get("phone"),
            operator_phone=row["operator_phone"])

    @staticmethod
    def _charger_view(row: Any, assignments: TariffAssignments, platform: OicpPlatform
                      ) -> tuple[OicpChargerView, tuple[str, ...]]:
        """The charger's view and the platform tariffs that apply at it."""
        charger = OicpChargerView(
            code=row["charger_code"], roaming_enabled=True,
            roaming_id=row["charger_roaming_id"],
            electric_current_type=ElectricCurrentType(row["charger_current"]),
            reservable=row["reservable"], manufacturer=row["vendor"],
            ocpp_status=row["charger_status"],
            connected=row["connection_state"] == "CONNECTED")
        ref = ChargerRef(charger_id=str(row["charger_id"]), site_id=str(row["site_id"]),
                         operator_id=str(row["area_operator_id"])
                         if row["area_operator_id"] is not None else None)
        return charger, assignments.platform_codes(ref, str(platform.id))

    @staticmethod
    def _connector_view(row: Any) -> OicpConnectorView:
        current = row["connector_current"] or row["charger_current"]
        return OicpConnectorView(
            code=row["connector_code"], roaming_id=row["connector_roaming_id"],
            standard=ConnectorStandard(row["standard"]),
            format=ConnectorFormat(row["format"]),
            wattage_limit_w=row["wattage_limit_w"],
            electric_current_type=ElectricCurrentType(current),
            amperage_limit_a=Decimal(row["amperage_limit_a"])
            if row["amperage_limit_a"] is not None else None,
            voltage_limit_v=row["voltage_limit_v"], ocpp_status=row["connector_status"])

    async def tariffs(self, platform: OicpPlatform, at: datetime) -> list[RoamingTariff]:
        rt, ta = t.roaming_tariffs, t.tariff_assignments
        async with self._sessions() as session:
            codes = list((await session.execute(
                select(ta.c.tariff_code).where(ta.c.level == "PLATFORM",
                                               ta.c.target_id == platform.id)
                .order_by(ta.c.id))).scalars())
            rows = (await session.execute(select(rt).where(rt.c.code.in_(codes))
                                          .order_by(rt.c.id))).mappings().all()
        tariffs: list[RoamingTariff] = []
        for code in codes:
            for row in rows:
                if row["code"] != code:
                    continue
                try:
                    tariff = parse_roaming_tariff({
                        "code": row["code"], "name": row["name"], "status": row["status"],
                        "valid_from": row["valid_from"], "valid_to": row["valid_to"],
                        "currency": row["currency"],
                        "max_payment_authorization_amount":
                            row["max_payment_authorization_amount"],
                        "details": row["details"], "last_updated": row["updated_at"]})
                except TariffError:
                    continue
                if tariff.status is TariffStatus.ACTIVE and tariff.valid_at(at):
                    tariffs.append(tariff)
        return tariffs
    async def network_version(self, platform: OicpPlatform) -> NetworkVersion:
        """Row counts and latest ``updated_at`` of every table the exported EVSEs, the
        platform and its pricing are read from, and the tariff assignments themselves
        (a small table without timestamps, whose rows are replaced on change): one
        aggregate query, no network read. Status updates count as changes too (they
        stamp ``updated_at``); the pass that follows finds nothing to push."""
        ta = t.tariff_assignments
        columns: list[Any] = []
        for table in _VERSIONED:
            columns.append(select(func.count()).select_from(table).scalar_subquery())
            columns.append(select(func.max(table.c.updated_at)).scalar_subquery())
        async with self._sessions() as session:
            stamp = tuple((await session.execute(select(*columns))).one())
            assignments = tuple(tuple(row) for row in (await session.execute(
                select(ta.c.level, ta.c.target_id, ta.c.tariff_code).order_by(ta.c.id))))
            zones = (await session.execute(select(distinct(t.sites.c.time_zone)))).scalars()
            time_zones = tuple(sorted(str(zone) for zone in zones if zone))
        return NetworkVersion((*stamp, assignments), time_zones)
