"""The communication-log port: every OCPP frame in and out, per station."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class TrafficLog(Protocol):
    def record(self, station_id: int, at: datetime, direction: str, message_type: int,
               unique_id: str | None, action: str | None, payload: str) -> None:
        """Queues a frame for storage; never blocks the connection. ``direction`` is "IN"
        (from the charger) or "OUT"; ``payload`` the raw frame text."""
