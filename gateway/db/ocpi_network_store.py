"""SQLAlchemy implementation of the OCPI read-side ports over network and sessions.

Holds the queries the OCPI modules run against the charging network and its
sessions: snapshots of the exposed network as Location trees
(``SqlNetworkQueries``), roaming session bundles for the Sessions and CDRs
modules (``SqlSessionQueries``) and the lookups that resolve OCPI location, EVSE,
session and reservation references to our own records (``SqlPlaceLookup``, which
also records the mapping of a partner's reservation id to ours).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.network.schemas import party_id_of
from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from gateway.db import ocpi_tables as o
from gateway.db import tables as t
from gateway.db.terminal_store import invoice_creator_for, payment_connector_ids
from gateway.db.types import utcnow
from ocpi.mapping.views import AreaView, ChargerView, ConnectorView
from ocpi.ports import LocationTree
from tariffs.errors import TariffError
from tariffs.roaming import ChargerRef, TariffAssignments, parse_roaming_tariff, to_ocpi_tariff


class SqlNetworkQueries:
    """Snapshots of the exposed network for OCPI Locations."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 connected: Any = None, generation: Any = None) -> None:
        self._sessions = sessions
        self._connected = connected  # callable(station code) -> bool (live websockets)
        self._generation = generation  # callable() -> int, bumps on (dis)connections

    async def version(self) -> tuple[Any, ...]:
        """Row counts and latest changes of everything a Location shows, plus the live
        connection generation: equal versions mean equal Locations."""
        columns = []
        for table in (t.sites, t.operators, t.areas, t.stations, t.chargers, t.connectors,
                      t.roaming_tariffs, t.roaming_platforms):
            columns.append(select(func.count()).select_from(table).scalar_subquery())
            columns.append(select(func.max(table.c.updated_at)).scalar_subquery())
        columns.append(select(func.count()).select_from(t.tariff_assignments)
                       .scalar_subquery())
        columns.append(select(func.max(t.tariff_assignments.c.id)).scalar_subquery())
        async with self._sessions() as session:
            row = (await session.execute(select(*columns))).first()
        parts: list[Any] = list(row) if row is not None else []
        parts.append(self._generation() if self._generation else None)
        return tuple(parts)

    async def location_trees(self, platform_code: str) -> Sequence[LocationTree]:
        a, op, s, st, ch, co = (t.areas, t.operators, t.sites, t.stations, t.chargers,
                                t.connectors)
        async with self._sessions() as session:
            areas = (await session.execute(
                select(a, op.c.name.label("operator_name"), op.c.phone.label("operator_phone"),
                       s.c.time_zone.label("site_time_zone"))
                .outerjoin(op, op.c.id == a.c.operator_id)
                .join(s, s.c.id == a.c.site_id)
                .where(a.c.roaming_id.is_not(None)).order_by(a.c.id))).mappings().all()
            stations = (await session.execute(select(st))).mappings().all()
            chargers = (await session.execute(select(ch).order_by(ch.c.id))).mappings().all()
            connectors = (await session.execute(select(co).order_by(co.c.id))).mappings().all()
            assigned = await self._tariff_ids(session, platform_code)
            paying = await payment_connector_ids(session)
        area_by_id = {row["id"]: row for row in areas}
        stations_by_area: dict[int, list[Any]] = defaultdict(list)
        for row in stations:
            stations_by_area[row["area_id"]].append(row)
        chargers_by_station: dict[int, list[Any]] = defaultdict(list)
        for row in chargers:
            chargers_by_station[row["station_id"]].append(row)
        connectors_by_charger: dict[int, list[Any]] = defaultdict(list)
        for row in connectors:
            connectors_by_charger[row["charger_id"]].append(row)
        views = {row["id"]: self._area(row, area_by_id) for row in areas}
        children: dict[int, list[int]] = defaultdict(list)
        for row in areas:
            if row["parent_id"] in views:
                children[row["parent_id"]].append(row["id"])
        trees = []
        for area_id, view in views.items():
            # Related Locations: the parent area and the sub-areas (indexed, not scanned).
            parent = area_by_id[area_id]["parent_id"]
            related = tuple(views[i] for i in ([parent] if parent in views else [])
                            + children.get(area_id, []))
            tree: list[tuple[ChargerView, tuple[ConnectorView, ...]]] = []
            for station in stations_by_area.get(area_id, []):
                connected = (self._connected(station["code"]) if self._connected
                             else station["connection_state"] == "CONNECTED")
                for charger in chargers_by_station.get(station["id"], []):
                    tariff_ids = assigned(charger["id"], view_operator_id=area_by_id[area_id][
                        "operator_id"], site_id=area_by_id[area_id]["site_id"])
                    tree.append((self._charger(charger, station, connected), tuple(
                        self._connector(c, charger, tariff_ids, c["id"] in paying)
                        for c in connectors_by_charger.get(charger["id"], []))))
            trees.append(LocationTree(view, tuple(tree), related))
        return trees

    async def _tariff_ids(self, session: AsyncSession, platform_code: str) -> Any:
        rows = (await session.execute(select(
            t.tariff_assignments.c.level, t.tariff_assignments.c.target_id,
            t.tariff_assignments.c.tariff_code))).all()
        platform_id = await session.scalar(select(t.roaming_platforms.c.id).where(
            t.roaming_platforms.c.code == platform_code))
        assignments = TariffAssignments.from_rows(rows)

        def for_charger(charger_id: int, view_operator_id: int | None, site_id: int
                        ) -> tuple[str, ...]:
            charger = ChargerRef(
                charger_id=str(charger_id), site_id=str(site_id),
                operator_id=str(view_operator_id) if view_operator_id is not None else None)
            return assignments.platform_codes(charger, str(int(platform_id or 0)))

        return for_charger

    @staticmethod
    def _area(row: Any, by_id: dict[int, Any]) -> AreaView:
        contact = row["support_contact"] or {}
        parent = by_id.get(row["parent_id"]) if row["parent_id"] else None
        return AreaView(
            code=row["code"], name=row["name"], address=row["address"], city=row["city"],
            postal_code=row["postal_code"], state=row["state"], country=row["country"],
            latitude=row["latitude"], longitude=row["longitude"],
            phone=contact.get("phone"), operator_name=row["operator_name"],
            roaming_id=row["roaming_id"], time_zone=row["site_time_zone"],
            last_updated=row["updated_at"],
            parent_roaming_id=parent["roaming_id"] if parent is not None else None,
            operator_phone=row["operator_phone"])

    @staticmethod
    def _charger(row: Any, station: Any, connected: bool) -> ChargerView:
        return ChargerView(
            code=row["code"], roaming_enabled=row["roaming_enabled"],
            roaming_id=row["roaming_id"], reservable=row["reservable"],
            electric_current_type=ElectricCurrentType(row["electric_current_type"]),
            last_updated=max(row["updated_at"], station["updated_at"]),
            ocpp_status=row["status"], connected=connected)

    @staticmethod
    def _connector(row: Any, charger: Any, tariff_ids: tuple[str, ...],
                   payment_terminal: bool = False) -> ConnectorView:
        current = row["electric_current_type"] or charger["electric_current_type"]
        return ConnectorView(
            code=row["code"], roaming_id=row["roaming_id"],
            standard=ConnectorStandard(row["standard"]), format=ConnectorFormat(row["format"]),
            wattage_limit_w=row["wattage_limit_w"], last_updated=row["updated_at"],
            electric_current_type=ElectricCurrentType(current),
            amperage_limit_a=Decimal(row["amperage_limit_a"])
            if row["amperage_limit_a"] is not None else None,
            voltage_limit_v=row["voltage_limit_v"], ocpp_status=row["status"],
            tariff_ids=tariff_ids, payment_terminal=payment_terminal)


class SqlSessionQueries:
    """Roaming sessions of a platform, as bundles for ``ocpi.session_views``: the session
    row, the partner's token, the priced CDR, the OCPI form of the roaming tariffs that
    priced it (``tariffs``; their VAT names the taxes of OCPI 2.3.0 prices) and who invoices
    the driver as the PTP's terminal there says (``invoice_creator``)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def _query(self) -> Any:
        s, ch, co, st, a = t.sessions, t.chargers, t.connectors, t.stations, t.areas
        return (select(s, a.c.roaming_id.label("location_id"),
                       co.c.roaming_id.label("evse_uid"), co.c.code.label("connector_code"),
                       ch.c.code.label("charger_code"))
                .join(st, st.c.id == s.c.station_id).join(a, a.c.id == st.c.area_id)
                .outerjoin(ch, ch.c.id == s.c.charger_id)
                .outerjoin(co, co.c.id == s.c.connector_id))

    async def _bundle(self, session: AsyncSession, row: Any) -> dict[str, Any]:
        bundle = dict(row)
        k, p, cd, r = o.ocpi_tokens, t.roaming_platforms, t.session_cdrs, t.roaming_profiles
        platform = (await session.execute(
            select(p.c.id, p.c.country, p.c.roaming_identifier, r.c.country_code,
                   r.c.roaming_identifier).join(r, r.c.id == p.c.roaming_profile_id)
            .where(p.c.code == row["roaming_platform"]))).first()
        bundle["partner_country"] = platform[1] if platform else "ZZ"
        bundle["partner_party"] = str(platform[2])[-3:].upper() if platform else "ZZZ"
        token = None
        if platform is not None and row["id_token"]:
            token = await session.scalar(select(k.c.token).where(
                k.c.platform_id == platform[0], k.c.uid == row["id_token"]).limit(1))
        bundle["token"] = dict(token) if token else None
        bundle["via_command"] = row["remote_start_id"] is not None
        cdr = (await session.execute(select(cd).where(cd.c.session_id == row["id"]))
               ).mappings().first()
        bundle["cdr"] = dict(cdr) if cdr is not None else None
        bundle["invoice_creator"] = await invoice_creator_for(
            session, platform[0], row["connector_id"]) if platform is not None else None
        bundle["tariffs"] = []
        if cdr is not None and platform is not None:
            bundle["tariffs"] = await self._tariffs(
                session, list(cdr["tariff_ids"] or []), row["started_at"] or row["created_at"],
                (str(platform[3]), party_id_of(str(platform[4]))))
        return bundle

    @staticmethod
    async def _tariffs(session: AsyncSession, codes: list[str], at: datetime,
                       party: tuple[str, str]) -> list[dict[str, Any]]:
        """OCPI form of the roaming tariffs ``codes`` (the frame valid at ``at``)."""
        if not codes:
            return []
        rt = t.roaming_tariffs
        rows = (await session.execute(select(rt).where(rt.c.code.in_(codes))
                                      .order_by(rt.c.id))).mappings().all()
        out = []
        for code in codes:
            for found in rows:
                if found["code"] != code:
                    continue
                try:
                    tariff = parse_roaming_tariff({
                        "code": found["code"], "name": found["name"],
                        "status": found["status"], "valid_from": found["valid_from"],
                        "valid_to": found["valid_to"], "currency": found["currency"],
                        "details": found["details"], "last_updated": found["updated_at"]})
                except TariffError:
                    continue
                if tariff.valid_at(at):
                    out.append(to_ocpi_tariff(tariff, country_code=party[0], party_id=party[1])
                               .model_dump(mode="json", exclude_none=True))
                    break
        return out

    async def bundle(self, session_id: int) -> dict[str, Any] | None:
        async with self._sessions() as session:
            row = (await session.execute(self._query().where(t.sessions.c.id == session_id))
                   ).mappings().first()
            return None if row is None else await self._bundle(session, row)

    async def bundles(self, platform_code: str, date_from: datetime | None,
                      date_to: datetime | None, ended_only: bool = False
                      ) -> list[dict[str, Any]]:
        s = t.sessions
        clauses = [s.c.roaming_platform == platform_code]
        if date_from is not None:
            clauses.append(s.c.updated_at >= date_from)
        if date_to is not None:
            clauses.append(s.c.updated_at < date_to)
        if ended_only:
            clauses.append(s.c.ended_at.is_not(None))
        async with self._sessions() as session:
            rows = (await session.execute(self._query().where(*clauses).order_by(s.c.id))
                    ).mappings().all()
            return [await self._bundle(session, row) for row in rows]


class SqlPlaceLookup:
    async def references(self, charger: str | None, connector: str | None
                         ) -> tuple[str, list[str]] | None:
        if charger is None:
            return None
        ch, co, st, a = t.chargers, t.connectors, t.stations, t.areas
        query = (select(a.c.roaming_id, co.c.roaming_id).select_from(ch)
                 .join(st, st.c.id == ch.c.station_id).join(a, a.c.id == st.c.area_id)
                 .outerjoin(co, co.c.charger_id == ch.c.id).where(ch.c.code == charger))
        if connector is not None:
            query = query.where(co.c.code == connector)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        if not rows or rows[0][0] is None:
            return None
        return str(rows[0][0]), [str(r[1]) for r in rows if r[1] is not None]

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def resolve(self, location_id: str, evse_uid: str | None) -> Any:
        """Station, charger and connector codes of an EVSE (None: unknown location;
        "ambiguous": no EVSE named and the location has several)."""
        ch, co, st, a = t.chargers, t.connectors, t.stations, t.areas
        query = (select(st.c.code, ch.c.code, co.c.code, st.c.ocpp_protocol)
                 .select_from(co).join(ch, ch.c.id == co.c.charger_id)
                 .join(st, st.c.id == ch.c.station_id).join(a, a.c.id == st.c.area_id)
                 .where(a.c.roaming_id == location_id, ch.c.roaming_enabled.is_(True),
                        co.c.roaming_id.is_not(None)))
        if evse_uid is not None:
            query = query.where(co.c.roaming_id == evse_uid)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        if not rows:
            return None
        if len(rows) > 1:
            return "ambiguous"
        station, charger, connector, protocol = rows[0]
        return SimpleNamespace(station=station, charger=charger, connector=connector,
                               ocpp_protocol=protocol)

    async def session_platform(self, session_id: int) -> str | None:
        async with self._sessions() as session:
            value = await session.scalar(select(t.sessions.c.roaming_platform).where(
                t.sessions.c.id == session_id))
        return str(value) if value is not None else None

    async def map_reservation(self, platform_id: int, country: str, party: str,
                              reservation_id: str, ours: int | None) -> int | None:
        r = o.ocpi_reservations
        key = (r.c.platform_id == platform_id, r.c.reservation_id == reservation_id)
        async with self._sessions() as session, session.begin():
            if ours is None:
                value = await session.scalar(select(r.c.station_reservation_id).where(*key)
                                             .order_by(r.c.id.desc()).limit(1))
                return int(value) if value is not None else None
            await session.execute(insert(r).values(
                platform_id=platform_id, country_code=country, party_id=party,
                reservation_id=reservation_id, station_reservation_id=ours,
                status="ACTIVE", created_at=utcnow()))
            return ours

    async def reservation_station(self, reservation_id: int) -> str | None:
        reservations = t.reservations
        async with self._sessions() as session:
            value = await session.scalar(
                select(t.stations.c.code).join(
                    reservations, reservations.c.station_id == t.stations.c.id)
                .where(reservations.c.id == reservation_id))
        return str(value) if value is not None else None
