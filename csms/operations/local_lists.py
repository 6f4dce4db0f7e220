"""Local authorization list management: send full/differential lists, read the version,
clear the authorization cache (a separate feature that never touches the list)."""

from __future__ import annotations

from csms.clock import Clock
from csms.operations.access import OperationOutcome, StationAccess
from csms.operations.dialect import reply_status
from csms.operations.local_list import differential_update, eligible, full_update
from csms.operations.ports import OperationsUnitOfWork
from csms.operations.records import LocalListRecord
from csms.operations.requests import SendLocalListBody


class LocalLists:
    def __init__(self, access: StationAccess, uow: OperationsUnitOfWork, clock: Clock) -> None:
        self._access = access
        self._uow = uow
        self._clock = clock

    async def send(self, code: str, body: SendLocalListBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        async with self._uow() as repo:
            stored = await repo.local_list(station.id)
            current = eligible(await repo.list_tokens(), station.ocpp_protocol)
        full = body.update_type == "full"
        version = (stored.version if stored else 0) + 1
        entries = full_update(current) if full else differential_update(
            stored.entries if stored else {}, current)
        reply = await self._access.send(station, dialect.send_local_list(version, full,
                                                                         entries))
        status = reply_status(reply)
        if status == "Accepted":
            async with self._uow() as repo:
                await repo.save_local_list(LocalListRecord(
                    station.id, version, dict(current), self._clock.now()))
        details: dict[str, object] = {"version": version, "update_type": body.update_type,
                   "entries": len(entries),
                   "removed": sum(1 for e in entries if e.status is None)}
        if status == "VersionMismatch":
            details["hint"] = "the charger's list differs from ours: send a full list"
        return OperationOutcome(status, reply, details)

    async def get_version(self, code: str) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        reply = await self._access.send(station, dialect.get_local_list_version())
        async with self._uow() as repo:
            stored = await repo.local_list(station.id)
        return OperationOutcome("Accepted", reply, {
            "version": dialect.list_version(reply),
            "stored_version": stored.version if stored else None})

    async def clear_cache(self, code: str) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        reply = await self._access.send(station, dialect.clear_cache())
        return OperationOutcome(reply_status(reply), reply)
