"""Station lifecycle: connection state, boot information, heartbeats, status history and
the informational notifications chargers send. Version-neutral."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from csms.charging.ports import CsmsUnitOfWork
from csms.charging.records import StationInfo, StatusRecord
from csms.clock import Clock
from csms.events import (
    ChargerStatusChanged,
    ConnectorStatusChanged,
    EventPublisher,
    StationBooted,
    StationConnected,
    StationDisconnected,
)
from csms.network.types import ConnectionState, OperationalStatus

log = structlog.get_logger("evgw.csms")

# Statuses in which the component does not serve drivers (the manual: Inoperative).
_INOPERATIVE = {"faulted", "unavailable"}


def operational_status_for(status: str) -> OperationalStatus:
    return (OperationalStatus.INOPERATIVE if status.lower() in _INOPERATIVE
            else OperationalStatus.OPERATIVE)


class StationService:
    def __init__(self, uow: CsmsUnitOfWork, events: EventPublisher, clock: Clock) -> None:
        self._uow = uow
        self._events = events
        self._clock = clock
        # Heartbeats only move "last seen": kept in memory, written in one batch by
        # flush_last_seen() (the app runs it periodically) instead of a write per message.
        self._last_seen: dict[int, datetime] = {}

    async def by_identity(self, identity: str) -> StationInfo | None:
        async with self._uow() as repo:
            return await repo.station_by_identity(identity)

    async def by_code(self, code: str) -> StationInfo | None:
        async with self._uow() as repo:
            return await repo.station_by_code(code)

    async def connected(self, station: StationInfo) -> None:
        now = self._clock.now()
        async with self._uow() as repo:
            await repo.update_station(station.id, connection_state=ConnectionState.CONNECTED,
                                      last_seen_at=now, updated_at=now)
        log.info("station_connected", station_id=station.code)
        self._events.publish(StationConnected(station.code, now))

    async def disconnected(self, station: StationInfo) -> None:
        now = self._clock.now()
        async with self._uow() as repo:
            await repo.update_station(station.id, connection_state=ConnectionState.DISCONNECTED,
                                      last_seen_at=now, updated_at=now)
        log.info("station_disconnected", station_id=station.code)
        self._events.publish(StationDisconnected(station.code, now))

    async def booted(self, station: StationInfo, reported: dict[str, str | None]) -> None:
        """Stores what the station reports about itself (serial, model, vendor, firmware,
        modem ICCID and IMSI) and marks it operative."""
        now = self._clock.now()
        fields = {k: (v[:64] if isinstance(v, str) else v) for k, v in reported.items()}
        async with self._uow() as repo:
            await repo.update_station(station.id, **fields, last_seen_at=now,
                                      operational_status=OperationalStatus.OPERATIVE,
                                      connection_state=ConnectionState.CONNECTED)
        log.info("station_booted", station_id=station.code, vendor=fields.get("vendor"),
                 model=fields.get("model"), firmware=fields.get("firmware_version"))
        self._events.publish(StationBooted(station.code, now, fields.get("vendor"),
                                           fields.get("model"), fields.get("firmware_version")))

    async def seen(self, station: StationInfo) -> None:
        self._last_seen[station.id] = self._clock.now()

    async def flush_last_seen(self) -> int:
        """Writes the heartbeats seen since the last flush; returns how many stations."""
        pending, self._last_seen = self._last_seen, {}
        if pending:
            async with self._uow() as repo:
                for station_id, at in pending.items():
                    await repo.update_station(station_id, last_seen_at=at)
        return len(pending)

    async def status_changed(
        self, station: StationInfo, *, charger_id: int | None, connector_id: int | None,
        status: str, error_code: str | None, vendor_error_code: str | None, info: str | None,
        at: datetime,
    ) -> None:
        """Records a status notification: history row, current status, event."""
        charger, connector = station.locate(charger_id, connector_id)
        recorded_error = None if error_code in (None, "NoError") else error_code
        async with self._uow() as repo:
            await repo.record_status(StatusRecord(
                station_id=station.id, charger_id=charger_id, connector_id=connector_id,
                status=status, error_code=error_code, vendor_error_code=vendor_error_code,
                info=info, at=at, received_at=self._clock.now()))
            if connector is not None:
                await repo.set_connector_status(connector.id, status, recorded_error)
            elif charger is not None:
                await repo.set_charger_status(charger.id, status,
                                              operational_status_for(status))
        if connector is not None and charger is not None:
            self._events.publish(ConnectorStatusChanged(
                station.code, charger.code, connector.code, status, recorded_error, at))
        elif charger is not None:
            self._events.publish(ChargerStatusChanged(
                station.code, charger.code, status, recorded_error, at))
        log.info("status_changed", station_id=station.code,
                 charger=charger.code if charger else None,
                 connector=connector.code if connector else None, status=status,
                 error_code=recorded_error)

    async def station_event(
        self, station: StationInfo, type: str, payload: dict[str, Any], at: datetime | None = None
    ) -> None:
        """Firmware/diagnostics/log status, security events, NotifyEvent, DataTransfer …"""
        async with self._uow() as repo:
            await repo.add_station_event(station.id, type, at or self._clock.now(), payload)
        log.info("station_event", station_id=station.code, type=type)
