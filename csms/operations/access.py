"""Reaching a station for an operation: find it, refuse at once when it is not connected,
pick its OCPP dialect, resolve charger/connector codes, send with a timeout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from csms.charging.control import ChargerControl
from csms.charging.errors import StationNotConnected
from csms.charging.ports import CsmsUnitOfWork
from csms.charging.records import StationInfo
from csms.network.errors import NotFound
from csms.ocpp.frames import OCPP16, OCPP201
from csms.operations.dialect import Dialect, OcppCall, Target, reply_status
from csms.operations.dialect16 import Dialect16
from csms.operations.dialect201 import Dialect201
from csms.operations.errors import InvalidOperation

log = structlog.get_logger("evgw.operations")
DIALECTS: dict[str, Dialect] = {OCPP16: Dialect16(), OCPP201: Dialect201()}


@dataclass(frozen=True)
class OperationOutcome:
    """The charger's status and its reply payload, plus our reading of it."""

    status: str
    response: dict[str, Any]
    details: dict[str, Any] | None = None


class StationAccess:
    def __init__(self, uow: CsmsUnitOfWork, control: ChargerControl | None,
                 call_timeout: float | None = None) -> None:
        self._uow = uow
        self.control = control
        self._timeout = call_timeout

    async def station(self, code: str) -> StationInfo:
        async with self._uow() as repo:
            station = await repo.station_by_code(code)
        if station is None:
            raise NotFound(f"station {code!r} does not exist")
        return station

    async def station_by_id(self, station_id: int) -> StationInfo | None:
        async with self._uow() as repo:
            return await repo.station_by_id(station_id)

    def require_connected(self, station: StationInfo) -> None:
        if self.control is None or not self.control.is_connected(station.code):
            raise StationNotConnected(f"station {station.code!r} is not connected")

    async def connected_station(self, code: str) -> tuple[StationInfo, Dialect]:
        station = await self.station(code)
        self.require_connected(station)
        return station, DIALECTS[station.ocpp_protocol]

    @staticmethod
    def dialect(station: StationInfo) -> Dialect:
        return DIALECTS[station.ocpp_protocol]

    async def send(self, station: StationInfo, call: OcppCall) -> dict[str, Any]:
        """Sends one call; StationNotConnected/ChargerTimeout/ChargerCallFailed propagate.
        Payloads are never logged (they may hold FTP passwords)."""
        if self.control is None:
            raise StationNotConnected(f"station {station.code!r} is not connected")
        reply = await self.control.call(station.code, call.action, call.payload, self._timeout)
        log.info("operation_answered", station_id=station.code, action=call.action,
                 status=reply_status(reply, "-"))
        return reply


def resolve_target(station: StationInfo, charger: str | None, connector: str | None,
                   *, need_connector: bool = False, need_charger: bool = False) -> Target:
    """Charger and connector codes → the station's records. A 1.6 station has one charger,
    so a connector alone is enough there (and on any single-charger station)."""
    charger_info = None
    if charger is not None:
        charger_info = next((c for c in station.chargers if c.code == charger), None)
        if charger_info is None:
            raise InvalidOperation(f"charger {charger!r} is not on station {station.code!r}",
                                   field="charger")
    elif connector is not None or need_connector or need_charger:
        charger_info = station.only_charger()
        if charger_info is None:
            raise InvalidOperation("charger is required (the station has several or none)",
                                   field="charger")
    connector_info = None
    if connector is not None:
        assert charger_info is not None
        connector_info = next((c for c in charger_info.connectors if c.code == connector),
                              None)
        if connector_info is None:
            raise InvalidOperation(f"connector {connector!r} is not on charger "
                                   f"{charger_info.code!r}", field="connector")
    elif need_connector:
        raise InvalidOperation("connector is required", field="connector")
    return Target(charger_info, connector_info)
