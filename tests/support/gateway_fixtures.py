"""A running gateway (admin API + OCPP endpoint) on a real socket, with the demo network,
a drivable clock and helpers to connect simulated chargers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import Deps
from tests.support.charger_sim import ChargerSim
from tests.support.clock import FakeClock

API = "/admin/api/v1"


@dataclass
class Gateway:
    client: TestClient  # type: ignore[type-arg]
    deps: Deps
    clock: FakeClock

    def ws_url(self, identity: str, scheme: str = "ws") -> str:
        return str(self.client.make_url(f"/ocpp/{identity}")).replace("http", scheme, 1)

    def charger(self, identity: str, protocol: str = "ocpp1.6", **kwargs: Any) -> ChargerSim:
        return ChargerSim(self.ws_url(identity), protocol, **kwargs)

    async def admin(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = await self.client.request(method, f"{API}{path}", **kwargs)
        text = await response.text()
        try:
            import json

            return response.status, json.loads(text) if text else None
        except ValueError:
            return response.status, text

    async def wait_disconnected(self) -> None:
        """Until every charger connection, closed by the test, has been torn down."""
        await self.deps.registry.wait_idle()

    async def settle(self) -> None:
        """Lets background work (stop requests, log writes, events) finish."""
        await self.deps.charging.wait_background()
        await self.deps.traffic.flush()
        await self.deps.meter_values.flush()
        await self.deps.stations.flush_last_seen()
        await self.deps.bus.drain()
