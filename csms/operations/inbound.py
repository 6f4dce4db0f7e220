"""What the OCPP handlers hand over to the operations: transfer status notifications,
device model report parts and reservation status updates. One thin entry point, so a
handler stays a decode-and-call."""

from __future__ import annotations

from typing import Any

from csms.charging.records import StationInfo
from csms.operations.reservations import Reservations
from csms.operations.station_ops import DIAGNOSTICS, FIRMWARE, StationOperations


class OperationsInbound:
    def __init__(self, operations: StationOperations, reservations: Reservations) -> None:
        self._operations = operations
        self._reservations = reservations

    async def firmware_status(self, station: StationInfo, status: str,
                              request_id: int | None = None) -> None:
        await self._operations.transfer_status(station, FIRMWARE, status, request_id)

    async def diagnostics_status(self, station: StationInfo, status: str,
                                 request_id: int | None = None) -> None:
        """1.6 DiagnosticsStatusNotification and 2.0.1 LogStatusNotification."""
        await self._operations.transfer_status(station, DIAGNOSTICS, status, request_id)

    async def report_part(self, station: StationInfo, request_id: int,
                          report_data: list[dict[str, Any]], more: bool) -> None:
        await self._operations.notify_report(station, request_id, report_data, more)

    async def reservation_status(self, station: StationInfo, reservation_id: int,
                                 update: str) -> None:
        await self._reservations.status_update(station, reservation_id, update)
