"""The port through which services ask a connected charger to do something.

Implemented by the OCPP edge (``csms.ocpp.control``); services never touch sockets."""

from __future__ import annotations

from typing import Any, Protocol


class ChargerControl(Protocol):
    def is_connected(self, station_code: str) -> bool: ...

    async def remote_start(
        self, station_code: str, *, evse_id: int | None, connector_id: int | None,
        id_token: str, token_type: str | None, remote_start_id: int,
    ) -> str:
        """Returns the charger's status ("Accepted" / "Rejected")."""
        ...

    async def remote_stop(self, station_code: str, transaction_id: str) -> str: ...

    async def call(
        self, station_code: str, action: str, payload: dict[str, Any],
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Any CSMS-initiated call (camelCase payload); returns the response payload."""
        ...
