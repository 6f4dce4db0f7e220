"""SQLAlchemy implementation of the network model's repository port.

Generic over ``ResourceSpec``: references are stored as ``<field>_id`` foreign keys and
read back as the referenced object's code through scalar subqueries, so a read never
needs a second round trip or a lazy load.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.network.errors import Conflict, RuleViolation
from csms.network.resources import BY_KIND, ResourceSpec, referrers_of
from csms.network.service import Key, NetworkRepository
from gateway.db import tables
from gateway.db.terminal_store import terminal_referrers
from gateway.db.types import utcnow

TABLES: dict[str, Table] = {name: table for name, table in tables.metadata.tables.items()}
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def _id_of(kind: str, code: object) -> Any:
    # Aliased so a self-reference (area -> parent area) never correlates with the outer query.
    table = TABLES[kind].alias()
    return select(table.c.id).where(table.c.code == code).scalar_subquery()


def _code_of(kind: str, foreign_key: Any) -> Any:
    target = TABLES[kind].alias()
    return select(target.c.code).where(target.c.id == foreign_key).scalar_subquery()


class SqlNetworkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- reads ----------------------------------------------------------------------------

    def _select(self, spec: ResourceSpec) -> Select[Any]:
        table = TABLES[spec.kind]
        columns: list[Any] = []
        for name in spec.read.model_fields:
            ref = spec.reference(name)
            if ref is None:
                columns.append(table.c[name])
                continue
            columns.append(_code_of(ref.target, table.c[f"{name}_id"]).label(name))
        return select(*columns)

    def _key_clause(self, spec: ResourceSpec, key: Key) -> ColumnElement[bool]:
        table = TABLES[spec.kind]
        clause = table.c.code == key[-1]
        if spec.scope:
            ref = spec.reference(spec.scope)
            assert ref is not None
            clause = and_(clause, table.c[f"{spec.scope}_id"] == _id_of(ref.target, key[0]))
        return clause

    async def get(self, spec: ResourceSpec, key: Key) -> dict[str, Any] | None:
        row = (
            await self._session.execute(self._select(spec).where(self._key_clause(spec, key)))
        ).mappings().first()
        return dict(row) if row is not None else None

    async def page(
        self, spec: ResourceSpec, filters: dict[str, str], limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        table = TABLES[spec.kind]
        clauses = [_filter_clause(spec, name, value) for name, value in filters.items()]
        query = self._select(spec).where(*clauses)
        total = await self._session.scalar(
            select(func.count()).select_from(table).where(*clauses)
        )
        rows = (
            await self._session.execute(query.order_by(table.c.id).limit(limit).offset(offset))
        ).mappings()
        return [dict(row) for row in rows], int(total or 0)

    async def find(self, spec: ResourceSpec, **equals: object) -> list[Key]:
        table = TABLES[spec.kind]
        clauses: list[ColumnElement[bool]] = []
        for name, value in equals.items():
            ref = spec.reference(name)
            if ref is not None:
                clauses.append(table.c[f"{name}_id"] == _id_of(ref.target, value))
            else:
                clauses.append(table.c[name] == value)
        columns: list[Any] = [table.c.code]
        if spec.scope:
            scope_ref = spec.reference(spec.scope)
            assert scope_ref is not None
            columns.insert(0, _code_of(scope_ref.target, table.c[f"{spec.scope}_id"]))
        rows = await self._session.execute(select(*columns).where(*clauses).order_by(table.c.id))
        return [tuple(str(v) for v in row) for row in rows]

    async def referrers(self, spec: ResourceSpec, key: Key) -> dict[str, list[str]]:
        own_id = (
            await self._session.execute(
                select(TABLES[spec.kind].c.id).where(self._key_clause(spec, key))
            )
        ).scalar_one()
        found: dict[str, list[str]] = {}
        for other, ref in referrers_of(spec.kind):
            table = TABLES[other.kind]
            codes = (
                await self._session.execute(
                    select(table.c.code)
                    .where(table.c[f"{ref.field}_id"] == own_id)
                    .order_by(table.c.id)
                )
            ).scalars().all()
            if codes:
                found.setdefault(other.path, []).extend(codes)
        terminals = await terminal_referrers(self._session, spec.kind, own_id)
        if terminals:
            found["terminals"] = terminals
        return found

    # --- writes ---------------------------------------------------------------------------

    def _values(self, spec: ResourceSpec, obj: BaseModel) -> dict[str, Any]:
        as_json = obj.model_dump(mode="json")
        values: dict[str, Any] = {}
        for name in spec.create.model_fields:
            if spec.reference(name) is not None:
                value = getattr(obj, name)
                ref = spec.reference(name)
                assert ref is not None
                values[f"{name}_id"] = None if value is None else _id_of(ref.target, value)
            elif name in spec.json_fields:
                values[name] = as_json[name]
            else:
                values[name] = getattr(obj, name)
        return values

    async def insert(self, spec: ResourceSpec, obj: BaseModel) -> None:
        now = utcnow()
        values = self._values(spec, obj) | {"created_at": now, "updated_at": now}
        values |= _REPORTED_DEFAULTS.get(spec.kind, {})
        await self._session.execute(TABLES[spec.kind].insert().values(**values))

    async def update(self, spec: ResourceSpec, key: Key, obj: BaseModel) -> None:
        values = self._values(spec, obj) | {"updated_at": utcnow()}
        table = TABLES[spec.kind]
        await self._session.execute(
            update(table).where(self._key_clause(spec, key)).values(**values)
        )

    async def delete(self, spec: ResourceSpec, key: Key) -> None:
        await self._session.execute(delete(TABLES[spec.kind]).where(self._key_clause(spec, key)))


# Columns the system fills (what stations report) start from these values.
_REPORTED_DEFAULTS: dict[str, dict[str, Any]] = {
    "stations": {"connection_state": "DISCONNECTED", "operational_status": "INOPERATIVE"},
    "chargers": {"operational_status": "INOPERATIVE"},
}


def _contains(column: Any, value: str) -> ColumnElement[bool]:
    return column.icontains(value, autoescape=True)  # type: ignore[no-any-return]


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise RuleViolation(f"filter {name} takes true or false", field=name)


def _filter_clause(spec: ResourceSpec, name: str, value: str) -> ColumnElement[bool]:
    table = TABLES[spec.kind]
    special = _SPECIAL_FILTERS.get((spec.kind, name))
    if special is not None:
        return special(value)
    ref = spec.reference(name)
    if ref is not None:
        by_reference: ColumnElement[bool] = table.c[f"{name}_id"] == _id_of(ref.target, value)
        return by_reference
    column = table.c[name]
    if name == "name":
        return _contains(column, value)
    if isinstance(column.type, Boolean):
        return column == _bool(name, value)
    clause: ColumnElement[bool] = column == value
    return clause


def _station_column_filter(column: str) -> Callable[[str], ColumnElement[bool]]:
    def clause(value: str) -> ColumnElement[bool]:
        station = TABLES["stations"]
        return TABLES["chargers"].c.station_id.in_(
            select(station.c.id).where(_contains(station.c[column], value))
        )

    return clause


def _stations_by_operator(value: str) -> ColumnElement[bool]:
    areas = TABLES["areas"]
    return TABLES["stations"].c.area_id.in_(
        select(areas.c.id).where(areas.c.operator_id == _id_of("operators", value))
    )


def _stations_by_status(value: str) -> ColumnElement[bool]:
    station = TABLES["stations"]
    return or_(station.c.operational_status == value.upper(),
               station.c.connection_state == value.upper())


def _chargers_by_status(value: str) -> ColumnElement[bool]:
    charger = TABLES["chargers"]
    return or_(func.lower(charger.c.status) == value.lower(),
               charger.c.operational_status == value.upper())


_SPECIAL_FILTERS: dict[tuple[str, str], Callable[[str], ColumnElement[bool]]] = {
    ("stations", "model"): lambda v: _contains(TABLES["stations"].c.model, v),
    ("stations", "vendor"): lambda v: _contains(TABLES["stations"].c.vendor, v),
    ("stations", "serial"): lambda v: _contains(TABLES["stations"].c.serial_number, v),
    ("stations", "operator"): _stations_by_operator,
    ("stations", "status"): _stations_by_status,
    ("chargers", "serial"): _station_column_filter("serial_number"),
    ("chargers", "model"): _station_column_filter("model"),
    ("chargers", "vendor"): _station_column_filter("vendor"),
    ("chargers", "status"): _chargers_by_status,
    ("connectors", "status"): lambda v: func.lower(TABLES["connectors"].c.status) == v.lower(),
}


def sql_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[], Any]:
    """One transaction per use case; a unique-constraint race surfaces as 409, not 500."""

    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[NetworkRepository]:
        try:
            async with sessions() as session, session.begin():
                yield SqlNetworkRepository(session)
        except IntegrityError as exc:
            raise Conflict(
                "the change collides with a concurrent change or existing data; retry"
            ) from exc

    return unit_of_work


assert set(BY_KIND) <= set(TABLES), "every resource has a table"
