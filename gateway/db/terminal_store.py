"""SQLAlchemy implementation of the terminals' repository port, and the queries that tell
which connectors a payment terminal serves (their EVSEs get the card-payment
capabilities in OCPI Locations).

A terminal on an area serves every connector of the area and of its sub-areas; one on a
connector serves that connector; inactive terminals serve none. A change of what a
terminal serves marks those connectors updated (``updated_at``), because their published
EVSEs changed: pulls with ``date_from`` and the Locations publisher see it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.network.errors import Conflict, RuleViolation
from csms.network.terminal_ports import (
    ConnectorFacts,
    RoamingAction,
    Target,
    TerminalRepository,
    TerminalUnitOfWork,
)
from csms.network.terminal_schemas import TerminalCreate, TerminalRead
from gateway.db import tables as t
from gateway.db.terminal_tables import terminals
from gateway.db.types import utcnow

# (session of the unit of work, terminal after the change, action) -> None when enqueued,
# else why it was not.
RoamingHook = Callable[[AsyncSession, TerminalRead, RoamingAction], Awaitable[str | None]]

_REFERENCES = {"platform": (t.roaming_platforms, "platform_id"),
               "operator": (t.operators, "operator_id"),
               "area": (t.areas, "area_id")}
FILTERS = {
    "name": "name contains (case-insensitive)", "platform": "roaming platform code",
    "operator": "operator code", "area": "assigned area code",
    "charger": "charger of the assigned connector", "active": "true or false",
    "roaming_id": "terminal id in roaming", "assigned": "true or false",
}
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _code_of(table: Any, foreign_key: Any) -> Any:
    alias = table.alias()
    return select(alias.c.code).where(alias.c.id == foreign_key).scalar_subquery()


def _id_of(table: Any, code: str) -> Any:
    alias = table.alias()
    return select(alias.c.id).where(alias.c.code == code).scalar_subquery()


def _select() -> Select[Any]:
    tm, co = terminals, t.connectors
    charger_of = select(t.chargers.c.code).join(co, co.c.charger_id == t.chargers.c.id) \
        .where(co.c.id == tm.c.connector_id).scalar_subquery()
    columns = [c for c in tm.c if not c.name.endswith("_id") or c.name == "roaming_id"]
    return select(
        *columns,
        _code_of(t.roaming_platforms, tm.c.platform_id).label("platform"),
        _code_of(t.operators, tm.c.operator_id).label("operator"),
        _code_of(t.areas, tm.c.area_id).label("area"),
        _code_of(co, tm.c.connector_id).label("connector"),
        charger_of.label("charger"),
    )


def _bool(name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise RuleViolation(f"filter {name} takes true or false", field=name)


def _filter(name: str, value: str) -> ColumnElement[bool]:
    tm = terminals
    if name == "name":
        return tm.c.name.icontains(value, autoescape=True)
    if name in _REFERENCES:
        table, column = _REFERENCES[name]
        by_reference: ColumnElement[bool] = tm.c[column] == _id_of(table, value)
        return by_reference
    if name == "charger":
        co = t.connectors
        return tm.c.connector_id.in_(select(co.c.id).where(
            co.c.charger_id == _id_of(t.chargers, value)))
    if name == "active":
        return tm.c.active == _bool(name, value)
    if name == "assigned":
        assigned = (tm.c.area_id.is_not(None)) | (tm.c.connector_id.is_not(None))
        return assigned if _bool(name, value) else ~assigned
    if name == "roaming_id":
        return tm.c.roaming_id == value
    raise RuleViolation(f"unknown filter {name!r}; terminals filter by {sorted(FILTERS)}",
                        field=name)


async def _area_tree(session: AsyncSession) -> tuple[dict[int, Any], dict[int, list[int]]]:
    rows = (await session.execute(select(t.areas.c.id, t.areas.c.code, t.areas.c.parent_id,
                                         t.areas.c.roaming_id).order_by(t.areas.c.id))).all()
    children: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row.parent_id is not None:
            children[row.parent_id].append(row.id)
    return {row.id: row for row in rows}, children


def _subtree(root: int, children: dict[int, list[int]]) -> list[int]:
    """The area and its sub-areas, breadth first (the root first)."""
    out, queue, seen = [], [root], set()
    while queue:
        area = queue.pop(0)
        if area in seen:  # a cycle cannot be stored, but never loop on one
            continue
        seen.add(area)
        out.append(area)
        queue.extend(children.get(area, []))
    return out


async def _connectors_of_areas(session: AsyncSession, area_ids: Iterable[int]) -> set[int]:
    co, ch, st = t.connectors, t.chargers, t.stations
    ids = list(area_ids)
    if not ids:
        return set()
    rows = await session.execute(
        select(co.c.id).join(ch, ch.c.id == co.c.charger_id)
        .join(st, st.c.id == ch.c.station_id).where(st.c.area_id.in_(ids)))
    return {row[0] for row in rows}


async def payment_connector_ids(session: AsyncSession) -> set[int]:
    """Connectors served by an active payment terminal (directly or through an area)."""
    rows = (await session.execute(select(terminals.c.area_id, terminals.c.connector_id).where(
        terminals.c.active.is_(True)))).all()
    served = {row.connector_id for row in rows if row.connector_id is not None}
    roots = {row.area_id for row in rows if row.area_id is not None}
    if roots:
        _, children = await _area_tree(session)
        areas = {area for root in roots for area in _subtree(root, children)}
        served |= await _connectors_of_areas(session, areas)
    return served


async def invoice_creator_for(session: AsyncSession, platform_id: int,
                              connector_id: int | None) -> str | None:
    """Who issues the driver's invoice for a session of this PTP on this connector, as the
    PTP's active terminal serving it says (OCPI ``invoice_creator``: CPO or PTP); None when
    no such terminal says. A terminal on the connector itself wins over one on its area."""
    if connector_id is None:
        return None
    tm = terminals
    rows = (await session.execute(
        select(tm.c.area_id, tm.c.connector_id, tm.c.invoice_creator)
        .where(tm.c.platform_id == platform_id, tm.c.active.is_(True),
               tm.c.invoice_creator.is_not(None))
        .order_by(tm.c.connector_id.is_(None), tm.c.id))).all()
    children: dict[int, list[int]] | None = None
    for row in rows:
        if row.connector_id is not None:
            if row.connector_id == connector_id:
                return str(row.invoice_creator)
            continue
        if row.area_id is None:
            continue
        if children is None:
            _, children = await _area_tree(session)
        if connector_id in await _connectors_of_areas(session, _subtree(row.area_id,
                                                                         children)):
            return str(row.invoice_creator)
    return None


async def terminal_referrers(session: AsyncSession, kind: str, own_id: int) -> list[str]:
    """Codes of the terminals naming a platform, operator, area or connector."""
    column = {"roaming_platforms": "platform_id", "operators": "operator_id",
              "areas": "area_id", "connectors": "connector_id"}.get(kind)
    if column is None:
        return []
    rows = await session.execute(select(terminals.c.code).where(terminals.c[column] == own_id)
                                 .order_by(terminals.c.id))
    return [row[0] for row in rows]


class SqlTerminalRepository:
    def __init__(self, session: AsyncSession, roaming: RoamingHook | None) -> None:
        self._session = session
        self._roaming = roaming

    async def get(self, code: str) -> dict[str, Any] | None:
        row = (await self._session.execute(_select().where(terminals.c.code == code))
               ).mappings().first()
        return dict(row) if row is not None else None

    async def page(self, filters: dict[str, str], limit: int, offset: int
                   ) -> tuple[list[dict[str, Any]], int]:
        clauses = [_filter(name, value) for name, value in filters.items()]
        total = await self._session.scalar(
            select(func.count()).select_from(terminals).where(*clauses))
        rows = (await self._session.execute(
            _select().where(*clauses).order_by(terminals.c.id).limit(limit).offset(offset))
                ).mappings()
        return [dict(row) for row in rows], int(total or 0)

    async def codes(self, *, roaming_only: bool) -> list[str]:
        query = select(terminals.c.code).order_by(terminals.c.id)
        if roaming_only:
            query = query.where(terminals.c.platform_id.is_not(None))
        return [row[0] for row in await self._session.execute(query)]

    async def find_roaming(self, platform: str, *, roaming_id: str | None = None,
                           reference: str | None = None) -> str | None:
        clause = (terminals.c.roaming_id == roaming_id if roaming_id is not None
                  else terminals.c.roaming_reference == reference)
        value = await self._session.scalar(select(terminals.c.code).where(
            terminals.c.platform_id == _id_of(t.roaming_platforms, platform), clause)
            .order_by(terminals.c.id).limit(1))
        return str(value) if value is not None else None

    def _values(self, obj: TerminalCreate) -> dict[str, Any]:
        values = obj.model_dump(exclude={"platform", "operator"})
        values["platform_id"] = (_id_of(t.roaming_platforms, obj.platform)
                                 if obj.platform else None)
        values["operator_id"] = _id_of(t.operators, obj.operator) if obj.operator else None
        return values

    async def insert(self, obj: TerminalCreate, *, active: bool) -> None:
        now = utcnow()
        await self._session.execute(terminals.insert().values(
            **self._values(obj), active=active, created_at=now, updated_at=now))

    async def update(self, code: str, obj: TerminalCreate) -> None:
        await self._session.execute(update(terminals).where(terminals.c.code == code).values(
            **self._values(obj), updated_at=utcnow()))

    async def delete(self, code: str) -> None:
        await self._session.execute(terminals.delete().where(terminals.c.code == code))

    async def _served(self, code: str) -> set[int]:
        row = (await self._session.execute(select(
            terminals.c.active, terminals.c.area_id, terminals.c.connector_id)
            .where(terminals.c.code == code))).first()
        if row is None or not row.active:
            return set()
        if row.connector_id is not None:
            return {row.connector_id}
        if row.area_id is None:
            return set()
        _, children = await _area_tree(self._session)
        return await _connectors_of_areas(self._session, _subtree(row.area_id, children))

    async def _touch(self, connector_ids: set[int]) -> None:
        if connector_ids:
            await self._session.execute(update(t.connectors).where(
                t.connectors.c.id.in_(connector_ids)).values(updated_at=utcnow()))

    async def set_assignment(self, code: str, target: Target | None) -> None:
        before = await self._served(code)
        values: dict[str, Any] = {"area_id": None, "connector_id": None,
                                  "assigned_at": None, "updated_at": utcnow()}
        if target is not None:
            values["assigned_at"] = values["updated_at"]
            if target.area is not None:
                values["area_id"] = _id_of(t.areas, target.area)
            else:
                assert target.charger is not None and target.connector is not None
                co = t.connectors
                values["connector_id"] = select(co.c.id).where(
                    co.c.charger_id == _id_of(t.chargers, target.charger),
                    co.c.code == target.connector).scalar_subquery()
        await self._session.execute(update(terminals).where(terminals.c.code == code)
                                    .values(**values))
        after = await self._served(code)
        await self._touch(before ^ after)

    async def set_active(self, code: str, active: bool) -> None:
        before = await self._served(code)
        await self._session.execute(update(terminals).where(terminals.c.code == code)
                                    .values(active=active, updated_at=utcnow()))
        await self._touch(before ^ await self._served(code))

    async def set_synced(self, code: str, synced: dict[str, Any] | None) -> None:
        await self._session.execute(update(terminals).where(terminals.c.code == code)
                                    .values(synced=synced))

    async def set_roaming_last_updated(self, code: str, at: datetime | None) -> None:
        await self._session.execute(update(terminals).where(terminals.c.code == code)
                                    .values(roaming_last_updated=at, updated_at=utcnow()))

    async def platform_type(self, code: str) -> str | None:
        value = await self._session.scalar(select(t.roaming_platforms.c.type).where(
            t.roaming_platforms.c.code == code))
        return str(value) if value is not None else None

    async def exists(self, kind: str, code: str) -> bool:
        table = {"operators": t.operators, "areas": t.areas}[kind]
        return await self._session.scalar(
            select(func.count()).select_from(table).where(table.c.code == code)) == 1

    async def area_roaming_ids(self, area: str) -> list[str]:
        by_id, children = await _area_tree(self._session)
        root = next((row.id for row in by_id.values() if row.code == area), None)
        if root is None:
            return []
        return [by_id[a].roaming_id for a in _subtree(root, children) if by_id[a].roaming_id]

    async def connector_facts(self, charger: str, code: str) -> ConnectorFacts | None:
        co, ch = t.connectors, t.chargers
        row = (await self._session.execute(
            select(co.c.roaming_id, ch.c.roaming_enabled).join(ch, ch.c.id == co.c.charger_id)
            .where(ch.c.code == charger, co.c.code == code))).first()
        return None if row is None else ConnectorFacts(row.roaming_id, bool(row.roaming_enabled))

    async def connectors_named(self, code: str) -> list[tuple[str, str]]:
        co, ch = t.connectors, t.chargers
        rows = await self._session.execute(
            select(ch.c.code, co.c.code).join(ch, ch.c.id == co.c.charger_id)
            .where(co.c.code == code).order_by(co.c.id))
        return [(row[0], row[1]) for row in rows]

    async def area_by_roaming_id(self, roaming_id: str) -> str | None:
        value = await self._session.scalar(select(t.areas.c.code).where(
            t.areas.c.roaming_id == roaming_id))
        return str(value) if value is not None else None

    async def connector_by_roaming_id(self, roaming_id: str) -> tuple[str, str] | None:
        co, ch = t.connectors, t.chargers
        row = (await self._session.execute(
            select(ch.c.code, co.c.code).join(ch, ch.c.id == co.c.charger_id)
            .where(co.c.roaming_id == roaming_id))).first()
        return None if row is None else (row[0], row[1])

    async def enqueue_roaming(self, terminal: TerminalRead, action: RoamingAction
                              ) -> str | None:
        if self._roaming is None:
            return "no roaming link is configured"
        return await self._roaming(self._session, terminal, action)


def sql_terminal_unit_of_work(sessions: async_sessionmaker[AsyncSession],
                              roaming: RoamingHook | None = None) -> TerminalUnitOfWork:
    """One transaction per use case (the outbox message commits with the change)."""

    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[TerminalRepository]:
        try:
            async with sessions() as session, session.begin():
                yield SqlTerminalRepository(session, roaming)
        except IntegrityError as exc:
            raise Conflict(
                "the change collides with a concurrent change or existing data; retry"
            ) from exc

    return unit_of_work
