"""SQLAlchemy implementation of the operations' repository port."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.operations.local_list import list_status
from csms.operations.ports import OperationsRepository
from csms.operations.records import (
    LocalListRecord,
    ProfileAssignment,
    ProfileRecord,
    ReportRecord,
    ReservationRecord,
    SettingResult,
    StationPlace,
    TemplateRecord,
    TokenSnapshot,
    TransferRecord,
)
from gateway.db import tables as t

_MAX_AREA_DEPTH = 16


def _changed(result: Any) -> bool:
    """Whether an UPDATE/DELETE touched a row (``CursorResult.rowcount``)."""
    return bool(getattr(result, "rowcount", 0))


def _values(record: Any) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(record).items() if k != "id"}


class SqlOperationsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _scalar_id(self, table: Any, code: str) -> int | None:
        value = await self._s.scalar(select(table.c.id).where(table.c.code == code))
        return int(value) if value is not None else None

    async def station_place(self, station_id: int) -> StationPlace | None:
        row = (await self._s.execute(
            select(t.stations.c.area_id, t.stations.c.ocpp_protocol,
                   t.stations.c.boot_configuration, t.operators.c.code.label("operator"))
            .join(t.areas, t.areas.c.id == t.stations.c.area_id)
            .outerjoin(t.operators, t.operators.c.id == t.areas.c.operator_id)
            .where(t.stations.c.id == station_id))).mappings().first()
        if row is None:
            return None
        area_ids = [int(row["area_id"])]
        for _ in range(_MAX_AREA_DEPTH):
            parent = await self._s.scalar(select(t.areas.c.parent_id)
                                          .where(t.areas.c.id == area_ids[-1]))
            if parent is None or parent in area_ids:
                break
            area_ids.append(int(parent))
        return StationPlace(station_id, area_ids[0], tuple(area_ids), row["operator"],
                            row["ocpp_protocol"], dict(row["boot_configuration"] or {}))

    # --- transfers --------------------------------------------------------------------------

    async def add_transfer(self, transfer: TransferRecord) -> int:
        result = await self._s.execute(insert(t.operation_transfers)
                                       .values(**_values(transfer))
                                       .returning(t.operation_transfers.c.id))
        return int(result.scalar_one())

    async def save_transfer(self, transfer: TransferRecord) -> None:
        await self._s.execute(update(t.operation_transfers)
                              .where(t.operation_transfers.c.id == transfer.id)
                              .values(**_values(transfer)))

    async def transfer(self, station_id: int, kind: str, request_id: int | None
                       ) -> TransferRecord | None:
        table = t.operation_transfers
        query = select(table).where(table.c.station_id == station_id, table.c.kind == kind)
        if request_id is not None:
            query = query.where(table.c.id == request_id)
        row = (await self._s.execute(query.order_by(table.c.id.desc()).limit(1))
               ).mappings().first()
        return TransferRecord(**row) if row else None

    async def transfers(self, station_id: int) -> list[TransferRecord]:
        table = t.operation_transfers
        rows = (await self._s.execute(select(table).where(table.c.station_id == station_id)
                                      .order_by(table.c.id.desc()))).mappings()
        return [TransferRecord(**row) for row in rows]

    # --- device model reports ---------------------------------------------------------------

    async def add_report(self, report: ReportRecord) -> int:
        result = await self._s.execute(insert(t.device_model_reports)
                                       .values(**_values(report))
                                       .returning(t.device_model_reports.c.id))
        return int(result.scalar_one())

    async def save_report(self, report: ReportRecord) -> None:
        await self._s.execute(update(t.device_model_reports)
                              .where(t.device_model_reports.c.id == report.id)
                              .values(**_values(report)))

    async def report(self, station_id: int, request_id: int | None) -> ReportRecord | None:
        table = t.device_model_reports
        query = select(table).where(table.c.station_id == station_id)
        if request_id is not None:
            query = query.where(table.c.id == request_id)
        row = (await self._s.execute(query.order_by(table.c.id.desc()).limit(1))
               ).mappings().first()
        return ReportRecord(**row) if row else None

    # --- local lists ------------------------------------------------------------------------

    async def local_list(self, station_id: int) -> LocalListRecord | None:
        row = (await self._s.execute(select(t.local_auth_lists).where(
            t.local_auth_lists.c.station_id == station_id))).mappings().first()
        if row is None:
            return None
        entries = {k: TokenSnapshot(k, v["type"], v["status"])
                   for k, v in row["entries"].items()}
        return LocalListRecord(station_id, row["version"], entries, row["updated_at"])

    async def save_local_list(self, record: LocalListRecord) -> None:
        values = {"version": record.version, "updated_at": record.updated_at,
                  "entries": {k: {"type": v.token_type, "status": v.status}
                              for k, v in record.entries.items()}}
        done = await self._s.execute(update(t.local_auth_lists).where(
            t.local_auth_lists.c.station_id == record.station_id).values(**values))
        if not _changed(done):
            await self._s.execute(insert(t.local_auth_lists).values(
                station_id=record.station_id, **values))

    async def list_tokens(self) -> list[TokenSnapshot]:
        rows = (await self._s.execute(
            select(t.id_tokens.c.identifier, t.id_tokens.c.type, t.id_tokens.c.status,
                   t.customers.c.blocked)
            .outerjoin(t.customers, t.customers.c.id == t.id_tokens.c.customer_id)
            .order_by(t.id_tokens.c.id))).all()
        return [TokenSnapshot(r.identifier, r.type, list_status(r.status, bool(r.blocked)))
                for r in rows]

    # --- reservations -----------------------------------------------------------------------

    async def add_reservation(self, reservation: ReservationRecord) -> int:
        result = await self._s.execute(insert(t.reservations).values(**_values(reservation))
                                       .returning(t.reservations.c.id))
        return int(result.scalar_one())

    async def save_reservation(self, reservation: ReservationRecord) -> None:
        await self._s.execute(update(t.reservations)
                              .where(t.reservations.c.id == reservation.id)
                              .values(**_values(reservation)))

    async def reservation(self, reservation_id: int) -> ReservationRecord | None:
        row = (await self._s.execute(select(t.reservations).where(
            t.reservations.c.id == reservation_id))).mappings().first()
        return ReservationRecord(**row) if row else None

    async def reservations_where(self, **criteria: Any) -> list[ReservationRecord]:
        clauses = []
        for name, value in criteria.items():
            column = t.reservations.c[name.removesuffix("__in")]
            clauses.append(column.in_(list(value)) if name.endswith("__in") else column == value)
        rows = (await self._s.execute(select(t.reservations).where(*clauses)
                                      .order_by(t.reservations.c.id))).mappings()
        return [ReservationRecord(**row) for row in rows]

    async def reservations_expiring(self, statuses: Sequence[str], now: datetime
                                    ) -> list[ReservationRecord]:
        rows = (await self._s.execute(select(t.reservations).where(
            t.reservations.c.status.in_(list(statuses)), t.reservations.c.expires_at <= now)
            .order_by(t.reservations.c.id))).mappings()
        return [ReservationRecord(**row) for row in rows]

    async def reservation_rules(self, charger_id: int) -> tuple[bool, bool]:
        row = (await self._s.execute(
            select(t.chargers.c.reservable,
                   t.charger_reservation_rules.c.simultaneous_connectors)
            .outerjoin(t.charger_reservation_rules,
                       t.charger_reservation_rules.c.charger_id == t.chargers.c.id)
            .where(t.chargers.c.id == charger_id))).first()
        if row is None:
            return False, False
        return bool(row[0]), bool(row[1])

    async def set_simultaneous_connectors(self, charger_id: int, value: bool) -> None:
        table = t.charger_reservation_rules
        done = await self._s.execute(update(table).where(table.c.charger_id == charger_id)
                                     .values(simultaneous_connectors=value))
        if not _changed(done):
            await self._s.execute(insert(table).values(charger_id=charger_id,
                                                       simultaneous_connectors=value))

    async def charger_id(self, code: str) -> int | None:
        return await self._scalar_id(t.chargers, code)

    # --- charging profiles ------------------------------------------------------------------

    async def add_profile(self, code: str, spec: dict[str, Any], at: datetime) -> int:
        result = await self._s.execute(insert(t.charging_profiles).values(
            code=code, spec=spec, created_at=at, updated_at=at)
            .returning(t.charging_profiles.c.id))
        return int(result.scalar_one())

    async def update_profile(self, code: str, spec: dict[str, Any], at: datetime) -> bool:
        done = await self._s.execute(update(t.charging_profiles)
                                     .where(t.charging_profiles.c.code == code)
                                     .values(spec=spec, updated_at=at))
        return _changed(done)

    async def delete_profile(self, code: str) -> bool:
        done = await self._s.execute(delete(t.charging_profiles)
                                     .where(t.charging_profiles.c.code == code))
        return _changed(done)

    async def profile(self, code: str) -> ProfileRecord | None:
        row = (await self._s.execute(select(t.charging_profiles).where(
            t.charging_profiles.c.code == code))).mappings().first()
        return ProfileRecord(**row) if row else None

    async def profiles(self) -> list[ProfileRecord]:
        rows = (await self._s.execute(select(t.charging_profiles)
                                      .order_by(t.charging_profiles.c.code))).mappings()
        return [ProfileRecord(**row) for row in rows]

    async def assign_profile(self, charger_id: int, profile_id: int, status: str,
                             at: datetime) -> None:
        table = t.charger_charging_profiles
        done = await self._s.execute(update(table).where(
            table.c.charger_id == charger_id, table.c.profile_id == profile_id)
            .values(status=status, assigned_at=at))
        if not _changed(done):
            await self._s.execute(insert(table).values(
                charger_id=charger_id, profile_id=profile_id, status=status, assigned_at=at))

    async def unassign_profiles(self, charger_id: int | None, profile_id: int | None) -> None:
        table = t.charger_charging_profiles
        clauses = []
        if charger_id is not None:
            clauses.append(table.c.charger_id == charger_id)
        if profile_id is not None:
            clauses.append(table.c.profile_id == profile_id)
        await self._s.execute(delete(table).where(*clauses))

    async def profile_assignments(self, charger_id: int | None = None,
                                  profile_id: int | None = None, area_id: int | None = None
                                  ) -> list[ProfileAssignment]:
        table = t.charger_charging_profiles
        query = (select(table, t.chargers.c.code.label("charger_code"),
                        t.charging_profiles.c.code.label("profile_code"))
                 .join(t.chargers, t.chargers.c.id == table.c.charger_id)
                 .join(t.charging_profiles, t.charging_profiles.c.id == table.c.profile_id))
        if charger_id is not None:
            query = query.where(table.c.charger_id == charger_id)
        if profile_id is not None:
            query = query.where(table.c.profile_id == profile_id)
        if area_id is not None:
            query = query.join(t.stations, t.stations.c.id == t.chargers.c.station_id).where(
                t.stations.c.area_id == area_id)
        rows = (await self._s.execute(query.order_by(table.c.id))).mappings()
        return [ProfileAssignment(r["charger_id"], r["charger_code"], r["profile_id"],
                                  r["profile_code"], r["status"], r["assigned_at"])
                for r in rows]

    async def load_balancing(self, area_id: int) -> bool:
        value = await self._s.scalar(select(t.area_load_balancing.c.enabled).where(
            t.area_load_balancing.c.area_id == area_id))
        return bool(value)

    async def set_load_balancing(self, area_id: int, enabled: bool) -> None:
        table = t.area_load_balancing
        done = await self._s.execute(update(table).where(table.c.area_id == area_id)
                                     .values(enabled=enabled))
        if not _changed(done):
            await self._s.execute(insert(table).values(area_id=area_id, enabled=enabled))

    async def area_id(self, code: str) -> int | None:
        return await self._scalar_id(t.areas, code)

    # --- configuration templates ------------------------------------------------------------

    async def add_template(self, code: str, spec: dict[str, Any], at: datetime) -> int:
        result = await self._s.execute(insert(t.configuration_templates).values(
            code=code, spec=spec, created_at=at, updated_at=at)
            .returning(t.configuration_templates.c.id))
        return int(result.scalar_one())

    async def update_template(self, code: str, spec: dict[str, Any], at: datetime) -> bool:
        done = await self._s.execute(update(t.configuration_templates)
                                     .where(t.configuration_templates.c.code == code)
                                     .values(spec=spec, updated_at=at))
        return _changed(done)

    async def delete_template(self, code: str) -> bool:
        template_id = await self._scalar_id(t.configuration_templates, code)
        if template_id is None:
            return False
        await self._s.execute(delete(t.configuration_template_targets).where(
            t.configuration_template_targets.c.template_id == template_id))
        await self._s.execute(delete(t.configuration_templates)
                              .where(t.configuration_templates.c.id == template_id))
        return True

    async def _template_records(self, rows: Sequence[Any]) -> list[TemplateRecord]:
        ids = [r["id"] for r in rows]
        targets = (await self._s.execute(
            select(t.configuration_template_targets.c.template_id,
                   t.areas.c.code.label("area"), t.stations.c.code.label("station"))
            .outerjoin(t.areas, t.areas.c.id == t.configuration_template_targets.c.area_id)
            .outerjoin(t.stations,
                       t.stations.c.id == t.configuration_template_targets.c.station_id)
            .where(t.configuration_template_targets.c.template_id.in_(ids))
            .order_by(t.configuration_template_targets.c.id))).mappings().all()
        return [TemplateRecord(
            r["id"], r["code"], r["spec"],
            [x["area"] for x in targets if x["template_id"] == r["id"] and x["area"]],
            [x["station"] for x in targets if x["template_id"] == r["id"] and x["station"]],
            r["created_at"], r["updated_at"]) for r in rows]

    async def template(self, code: str) -> TemplateRecord | None:
        rows = (await self._s.execute(select(t.configuration_templates).where(
            t.configuration_templates.c.code == code))).mappings().all()
        records = await self._template_records(rows)
        return records[0] if records else None

    async def templates(self) -> list[TemplateRecord]:
        rows = (await self._s.execute(select(t.configuration_templates)
                                      .order_by(t.configuration_templates.c.code))
                ).mappings().all()
        return await self._template_records(rows)

    async def set_template_targets(self, template_id: int, area_ids: Sequence[int],
                                   station_ids: Sequence[int]) -> None:
        table = t.configuration_template_targets
        await self._s.execute(delete(table).where(table.c.template_id == template_id))
        rows = [{"template_id": template_id, "area_id": a, "station_id": None}
                for a in dict.fromkeys(area_ids)]
        rows += [{"template_id": template_id, "area_id": None, "station_id": s}
                 for s in dict.fromkeys(station_ids)]
        if rows:
            await self._s.execute(insert(table), rows)

    async def station_id(self, code: str) -> int | None:
        return await self._scalar_id(t.stations, code)

    async def templates_for(self, station_id: int, area_ids: Sequence[int]
                            ) -> list[TemplateRecord]:
        targets = t.configuration_template_targets
        ids = select(targets.c.template_id).where(or_(
            targets.c.station_id == station_id, targets.c.area_id.in_(list(area_ids))))
        rows = (await self._s.execute(select(t.configuration_templates).where(
            t.configuration_templates.c.id.in_(ids)))).mappings().all()
        return await self._template_records(rows)

    async def add_setting_results(self, results: Sequence[SettingResult]) -> None:
        if results:
            await self._s.execute(insert(t.configuration_setting_results),
                                  [dataclasses.asdict(r) for r in results])

    async def setting_results(self, station_id: int) -> list[SettingResult]:
        table = t.configuration_setting_results
        rows = (await self._s.execute(select(table).where(table.c.station_id == station_id)
                                      .order_by(table.c.id))).mappings()
        return [SettingResult(**{k: v for k, v in row.items() if k != "id"}) for row in rows]


def sql_operations_unit_of_work(
    sessions: async_sessionmaker[AsyncSession],
) -> Callable[[], Any]:
    @asynccontextmanager
    async def unit_of_work() -> AsyncIterator[OperationsRepository]:
        async with sessions() as session, session.begin():
            yield SqlOperationsRepository(session)

    return unit_of_work
