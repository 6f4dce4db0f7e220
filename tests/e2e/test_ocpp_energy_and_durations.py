"""The manual's nine energy scenarios, duration scopes and limits, through a real charger
connection (OCPP 1.6, connector limited to 30 kW as in the manual)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_ocpp16_session import boot16, mv

# (readings after the start as (time, Wh, is_stop), expected session energy in Wh)
SCENARIOS: dict[int, tuple[int, list[tuple[str, int, bool]], str]] = {
    1: (2000, [("08:00:30", 2025, False), ("08:01:00", 2050, True)], "50.000"),
    2: (0, [("08:00:30", 25, False), ("08:01:00", 50, True)], "50.000"),
    3: (2000, [("08:00:30", 25, False), ("08:01:00", 50, False), ("08:01:30", 2075, True)],
        "75.000"),
    4: (2000, [("08:00:30", 2025, False), ("08:01:00", 2020, False), ("08:01:30", 2075, True)],
        "75.000"),
    5: (2000, [("08:00:30", 2025, False), ("08:01:00", 2020, True)], "25.000"),
    6: (2000, [("07:59:59", 2025, False), ("08:01:00", 2050, False), ("08:01:30", 2075, True)],
        "75.000"),
    7: (2000, [("08:00:30", 2025, False), ("08:00:29", 2050, True)], "25.000"),
    8: (2000, [("08:00:30", 2500, False), ("08:01:00", 2050, True)], "50.000"),
    9: (2000, [("08:00:30", 2025, False), ("08:01:00", 2500, True)], "25.000"),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_energy_scenario(sqlite_gateway: Any, scenario: int) -> None:
    gateway = sqlite_gateway
    status, _ = await gateway.admin("PATCH", "/connectors/B1C1/1",
                                    json={"wattage_limit_w": 30000})
    assert status == 200
    start_wh, readings, expected = SCENARIOS[scenario]
    async with gateway.charger("station-01") as sim:
        await boot16(sim)
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": start_wh,
            "timestamp": "2026-11-21T08:00:00Z"})
        tx = start["transactionId"]
        for at, wh, is_stop in readings:
            timestamp = f"2026-11-21T{at}Z"
            if is_stop:
                await sim.call("StopTransaction", {"transactionId": tx, "meterStop": wh,
                                                   "timestamp": timestamp})
            else:
                await sim.call("MeterValues", mv(1, tx, timestamp, str(wh)))
    _, session = await gateway.admin("GET", f"/sessions/{tx}")
    assert session["energy_wh"] == expected, session


async def test_duration_scopes_follow_connector_statuses(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    timeline = [("08:00:00", "Preparing"), ("08:05:00", "Charging"), ("08:35:00", "SuspendedEV"),
                ("08:45:00", "Charging"), ("09:00:00", "Faulted"), ("09:02:00", "Charging"),
                ("09:10:00", "Finishing")]
    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        for at, status in timeline:
            await sim.call("StatusNotification", {
                "connectorId": 2, "status": status, "timestamp": f"2026-11-21T{at}Z",
                "errorCode": "OtherError" if status == "Faulted" else "NoError"})
        await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                           "meterStop": 0,
                                           "timestamp": "2026-11-21T09:10:00Z"})
    _, s = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    # charge 30 + 15 + 8 min; park 5 + 10 min; fault 2 min; totals = 70 min of session
    assert (s["charge_time_s"], s["park_time_s"], s["fault_time_s"]) == (3180, 900, 120)
    assert s["charge_time_s"] + s["park_time_s"] + s["fault_time_s"] == 70 * 60


async def test_energy_limit_requests_stop(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/chargers/B1C1",
                        json={"session_rating": {"energy_limit_kwh": "5"}})
    sim = gateway.charger("station-01", handlers={
        "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        tx = start["transactionId"]
        await sim.call("MeterValues", mv(2, tx, "2026-11-21T08:10:00Z", "3000"))
        _, mid = await gateway.admin("GET", f"/sessions/{tx}")
        assert mid["status"] == "IN_PROGRESS"
        await sim.call("MeterValues", mv(2, tx, "2026-11-21T08:20:00Z", "5000"))
        await gateway.settle()
        _, limited = await gateway.admin("GET", f"/sessions/{tx}")
        assert (limited["status"], limited["limit_reason"]) == ("LIMIT_REACHED", "ENERGY")
        assert ("RemoteStopTransaction", {"transactionId": tx}) in sim.received


async def test_simple_pricing_amount(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/sites/SITE-1", json={"session_rating": {
        "energy_price": "0.30", "charge_time_price": "1.20"}})
    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        await sim.call("StatusNotification", {"connectorId": 2, "status": "Charging",
                                              "errorCode": "NoError",
                                              "timestamp": "2026-11-21T08:00:00Z"})
        await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                           "meterStop": 10000,
                                           "timestamp": "2026-11-21T08:30:00Z"})
    _, s = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    assert (s["amount"], s["currency"]) == ("3.6000", "EUR")  # 10 kWh at 0.30 + 0.5 h at 1.20


async def test_parking_end_strategy_tracks_until_release(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/operators/OP-1", json={"session_rating": {
        "termination_strategy": "PARKING_END"}})
    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        tx = start["transactionId"]
        await sim.call("StatusNotification", {"connectorId": 2, "status": "Charging",
                                              "errorCode": "NoError",
                                              "timestamp": "2026-11-21T08:00:00Z"})
        await sim.call("StopTransaction", {"transactionId": tx, "meterStop": 100,
                                           "timestamp": "2026-11-21T08:20:00Z"})
        _, parked = await gateway.admin("GET", f"/sessions/{tx}")
        assert parked["status"] == "IN_PROGRESS" and parked["ended_at"] is None
        await sim.call("StatusNotification", {"connectorId": 2, "status": "Available",
                                              "errorCode": "NoError",
                                              "timestamp": "2026-11-21T08:50:00Z"})
    _, s = await gateway.admin("GET", f"/sessions/{tx}")
    assert (s["status"], s["ended_at"]) == ("CLOSED", "2026-11-21T08:50:00Z")
    assert (s["charge_time_s"], s["park_time_s"]) == (1200, 1800)
