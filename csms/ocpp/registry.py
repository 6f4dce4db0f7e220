"""Which charge point object serves each station right now.

A charger that reconnects under the same identity replaces its previous socket: the new
connection is registered first and the old one closed, and the old one's teardown does
not mark the station disconnected (it is no longer the current connection)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from csms.ocpp.chargepoint import CsmsChargePoint


class ConnectionRegistry:
    def __init__(self) -> None:
        self._by_station: dict[str, CsmsChargePoint] = {}
        self.handlers = 0  # websocket handlers still running (incl. their teardown)
        self.generation = 0  # changes whenever a station connects or disconnects
        self._idle = asyncio.Event()
        self._idle.set()

    def handler_started(self) -> None:
        self.handlers += 1
        self._idle.clear()

    def handler_finished(self) -> None:
        self.handlers -= 1
        if self.handlers == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float = 5.0) -> None:
        """Until every websocket handler has finished, teardown included (tests, shutdown)."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    def register(self, station_code: str, cp: CsmsChargePoint) -> CsmsChargePoint | None:
        """Makes ``cp`` current; returns the connection it replaces, if any."""
        previous = self._by_station.get(station_code)
        self._by_station[station_code] = cp
        self.generation += 1
        return previous

    def unregister(self, station_code: str, cp: CsmsChargePoint) -> bool:
        """Forgets ``cp`` if it is still current; True when it was."""
        if self._by_station.get(station_code) is cp:
            del self._by_station[station_code]
            self.generation += 1
            return True
        return False

    def get(self, station_code: str) -> CsmsChargePoint | None:
        return self._by_station.get(station_code)

    def __len__(self) -> int:
        return len(self._by_station)

    def stations(self) -> list[str]:
        return sorted(self._by_station)
