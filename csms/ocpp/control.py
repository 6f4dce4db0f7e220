"""``ChargerControl`` over the live connections of this process."""

from __future__ import annotations

from typing import Any

from csms.charging.errors import ChargerTimeout, StationNotConnected
from csms.ocpp.chargepoint import CsmsChargePoint
from csms.ocpp.registry import ConnectionRegistry


class RegistryControl:
    def __init__(self, registry: ConnectionRegistry) -> None:
        self._registry = registry

    def _cp(self, station_code: str) -> CsmsChargePoint:
        cp = self._registry.get(station_code)
        if cp is None:
            raise StationNotConnected(f"station {station_code!r} is not connected")
        return cp

    def is_connected(self, station_code: str) -> bool:
        return self._registry.get(station_code) is not None

    async def remote_start(
        self, station_code: str, *, evse_id: int | None, connector_id: int | None,
        id_token: str, token_type: str | None, remote_start_id: int,
    ) -> str:
        cp = self._cp(station_code)
        try:
            status: str = await cp.remote_start(
                evse_id=evse_id, connector_id=connector_id, id_token=id_token,
                token_type=token_type, remote_start_id=remote_start_id)
        except TimeoutError as exc:
            raise ChargerTimeout(f"station {station_code!r} did not answer the start") from exc
        return status

    async def remote_stop(self, station_code: str, transaction_id: str) -> str:
        cp = self._cp(station_code)
        try:
            status: str = await cp.remote_stop(transaction_id)
        except TimeoutError as exc:
            raise ChargerTimeout(f"station {station_code!r} did not answer the stop") from exc
        return status

    async def call(self, station_code: str, action: str, payload: dict[str, Any],
                   timeout: float | None = None) -> dict[str, Any]:
        cp = self._cp(station_code)
        try:
            return await cp.send_call(action, payload, timeout)
        except TimeoutError as exc:
            raise ChargerTimeout(f"station {station_code!r} did not answer {action}") from exc
