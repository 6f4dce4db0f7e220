"""Charging profiles: stored definitions, assignment to chargers (SetChargingProfile),
clearing, the composite schedule, and the exclusion with dynamic load balancing.

A profile is sent only where the charger's area has no dynamic load balancing (the manual
makes the two mutually exclusive), and load balancing cannot be enabled on an area whose
chargers hold profiles. The charger's answer is stored with the assignment: a rejection
is reported and kept visible, never hidden.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from csms.charging.records import StationInfo
from csms.clock import Clock
from csms.network.errors import Conflict, NotFound, StillReferenced
from csms.operations.access import OperationOutcome, StationAccess, resolve_target
from csms.operations.dialect import parse_iso, reply_status
from csms.operations.errors import LoadBalancingConflict
from csms.operations.ports import OperationsRepository, OperationsUnitOfWork
from csms.operations.profiles import ChargingProfileSpec, composite_schedule, reported_schedule
from csms.operations.records import ProfileAssignment, ProfileRecord
from csms.operations.requests import (
    ClearChargingProfileBody,
    GetCompositeScheduleBody,
    SetChargingProfileBody,
)

log = structlog.get_logger("evgw.operations")


def _spec(record: ProfileRecord) -> ChargingProfileSpec:
    return ChargingProfileSpec.model_validate(record.spec)


class ChargingProfiles:
    def __init__(self, access: StationAccess, uow: OperationsUnitOfWork, clock: Clock) -> None:
        self._access = access
        self._uow = uow
        self._clock = clock

    # --- definitions ----------------------------------------------------------------------

    async def create(self, spec: ChargingProfileSpec) -> ProfileRecord:
        async with self._uow() as repo:
            if await repo.profile(spec.code) is not None:
                raise Conflict(f"charging profile {spec.code!r} exists", field="code")
            await repo.add_profile(spec.code, spec.model_dump(mode="json"), self._clock.now())
            record = await repo.profile(spec.code)
        assert record is not None
        return record

    async def replace(self, code: str, spec: ChargingProfileSpec) -> ProfileRecord:
        if spec.code != code:
            raise Conflict("the code of a charging profile cannot change", field="code")
        async with self._uow() as repo:
            if not await repo.update_profile(code, spec.model_dump(mode="json"),
                                             self._clock.now()):
                raise NotFound(f"charging profile {code!r} does not exist")
            record = await repo.profile(code)
        assert record is not None
        return record

    async def delete(self, code: str) -> None:
        async with self._uow() as repo:
            record = await repo.profile(code)
            if record is None:
                raise NotFound(f"charging profile {code!r} does not exist")
            used = await repo.profile_assignments(profile_id=record.id)
            if used:
                raise StillReferenced(f"charging profile {code!r} is assigned to chargers",
                                      {"chargers": sorted({a.charger_code for a in used})})
            await repo.delete_profile(code)

    async def get(self, code: str) -> ProfileRecord:
        async with self._uow() as repo:
            record = await repo.profile(code)
        if record is None:
            raise NotFound(f"charging profile {code!r} does not exist")
        return record

    async def all(self) -> list[ProfileRecord]:
        async with self._uow() as repo:
            return await repo.profiles()

    async def assignments(self, code: str) -> list[ProfileAssignment]:
        record = await self.get(code)
        async with self._uow() as repo:
            return await repo.profile_assignments(profile_id=record.id)

    # --- load balancing -------------------------------------------------------------------

    async def set_load_balancing(self, area_code: str, enabled: bool) -> None:
        async with self._uow() as repo:
            area_id = await repo.area_id(area_code)
            if area_id is None:
                raise NotFound(f"area {area_code!r} does not exist")
            if enabled and await repo.profile_assignments(area_id=area_id):
                raise LoadBalancingConflict(
                    "chargers of this area hold charging profiles; clear them before "
                    "enabling dynamic load balancing", field="dynamic_load_balancing")
            await repo.set_load_balancing(area_id, enabled)

    async def load_balancing(self, area_code: str) -> bool:
        async with self._uow() as repo:
            area_id = await repo.area_id(area_code)
            if area_id is None:
                raise NotFound(f"area {area_code!r} does not exist")
            return await repo.load_balancing(area_id)

    async def _refuse_with_load_balancing(self, repo: OperationsRepository,
                                          station: StationInfo) -> None:
        place = await repo.station_place(station.id)
        if place is not None and await repo.load_balancing(place.area_id):
            raise LoadBalancingConflict(
                "the station's area uses dynamic load balancing: charging profiles cannot "
                "be assigned there (the manual makes them mutually exclusive)",
                field="profile")

    # --- operations -----------------------------------------------------------------------

    async def set_profile(self, code: str, body: SetChargingProfileBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, None, need_charger=True)
        assert target.charger is not None
        async with self._uow() as repo:
            record = await repo.profile(body.profile)
            if record is None:
                raise NotFound(f"charging profile {body.profile!r} does not exist")
            await self._refuse_with_load_balancing(repo, station)
        reply = await self._access.send(station, dialect.set_charging_profile(
            _spec(record), record.id, target.charger))
        status = reply_status(reply)
        async with self._uow() as repo:
            await repo.assign_profile(target.charger.id, record.id, status.upper(),
                                      self._clock.now())
        log.info("charging_profile_assigned", station_id=station.code,
                 charger=target.charger.code, profile=record.code, status=status)
        return OperationOutcome(status, reply, {"profile_id": record.id})

    async def apply_assigned(self, station: StationInfo) -> list[tuple[str, str, str]]:
        """Re-sends the accepted profiles of the station's chargers (after a boot-time
        clear); returns (charger, profile, status)."""
        dialect = self._access.dialect(station)
        results = []
        async with self._uow() as repo:
            assigned = [a for c in station.chargers
                        for a in await repo.profile_assignments(charger_id=c.id)
                        if a.status == "ACCEPTED"]
            records = {a.profile_code: await repo.profile(a.profile_code) for a in assigned}
        for assignment in assigned:
            record = records[assignment.profile_code]
            charger = next(c for c in station.chargers if c.id == assignment.charger_id)
            if record is None:
                continue
            try:
                reply = await self._access.send(station, dialect.set_charging_profile(
                    _spec(record), record.id, charger))
                status = reply_status(reply)
            except Exception as exc:  # reported per profile; the others still go
                status = type(exc).__name__
            results.append((charger.code, record.code, status))
        return results

    async def clear_profile(self, code: str, body: ClearChargingProfileBody
                            ) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, None)
        profile_id = None
        if body.profile is not None:
            profile_id = (await self.get(body.profile)).id
        reply = await self._access.send(station, dialect.clear_charging_profile(
            profile_id, target.charger, body.purpose, body.stack_level))
        status = reply_status(reply)
        if status == "Accepted":
            chargers = [target.charger] if target.charger else list(station.chargers)
            async with self._uow() as repo:
                for charger in chargers:
                    if body.purpose is None and body.stack_level is None:
                        await repo.unassign_profiles(charger.id, profile_id)
                        continue
                    for a in await repo.profile_assignments(charger_id=charger.id):
                        if profile_id not in (None, a.profile_id):
                            continue
                        record = await repo.profile(a.profile_code)
                        spec = _spec(record) if record else None
                        if spec and body.purpose in (None, spec.purpose) and \
                                body.stack_level in (None, spec.stack_level):
                            await repo.unassign_profiles(charger.id, a.profile_id)
        return OperationOutcome(status, reply)

    async def composite(self, code: str, body: GetCompositeScheduleBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, None)
        reply = await self._access.send(station, dialect.get_composite_schedule(
            target.charger, body.duration_s, body.unit))
        reported = reported_schedule(reply, station.ocpp_protocol)
        start = self._clock.now()
        if reported and reported.get("schedule_start"):
            start = parse_iso(str(reported["schedule_start"]))
        expected = await self._expected(station, target.charger.id if target.charger else None,
                                        start, body.duration_s)
        return OperationOutcome(reply_status(reply), reply, {
            "reported": reported, "expected": expected})

    async def _expected(self, station: StationInfo, charger_id: int | None, start: datetime,
                        duration_s: int) -> dict[str, Any] | None:
        ids = [charger_id] if charger_id is not None else [c.id for c in station.chargers]
        async with self._uow() as repo:
            specs = []
            for cid in ids:
                for a in await repo.profile_assignments(charger_id=cid):
                    record = await repo.profile(a.profile_code)
                    if a.status == "ACCEPTED" and record is not None:
                        specs.append(_spec(record))
        if not specs:
            return None
        periods = composite_schedule(specs, start, duration_s)
        return {"schedule_start": start.isoformat().replace("+00:00", "Z"),
                "duration_s": duration_s, "unit": specs[0].unit,
                "periods": [{"start_s": p.start_s, "limit": str(p.limit),
                             "number_phases": p.number_phases} for p in periods]}
