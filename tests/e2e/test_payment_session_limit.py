"""A payment-transaction session carries its own monetary limit (the pre-authorized amount
of the driver's card) and the CSMS stops it when its running cost reaches that limit,
through a simulated OCPP 1.6 charger on a real websocket."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import structlog

from csms.authorization import AuthorizationDecision, AuthorizationSource, AuthorizationStatus

ACCEPTED = {"status": "Accepted"}


def _meter(tx: int, at: str, wh: str) -> dict[str, Any]:
    return {"connectorId": 2, "transactionId": tx, "meterValue": [
        {"timestamp": at, "sampledValue": [{"value": wh}]}]}


def _payment(limit: str | None) -> AuthorizationDecision:
    # What a payment terminal provider's START_SESSION hands the CSMS.
    return AuthorizationDecision(
        AuthorizationStatus.ACCEPTED, source=AuthorizationSource.ROAMING,
        authorization_reference="pp-100100-1948213567", mode="PAYMENT_TRANSACTION",
        monetary_limit=Decimal(limit) if limit is not None else None)


async def _start(gateway: Any, sim: Any, limit: str | None) -> int:
    result = await gateway.deps.remote.remote_start(
        "station-01", charger="B1C1", connector="2", id_token="PTP-PAYMENT",
        preauthorized=_payment(limit))
    assert result.status == "Accepted"
    start = await sim.call("StartTransaction", {
        "connectorId": 2, "idTag": "PTP-PAYMENT", "meterStart": 0,
        "timestamp": "2026-11-21T08:00:00Z"})
    assert start["idTagInfo"]["status"] == "Accepted"
    tx: int = start["transactionId"]
    assert tx == result.session_id
    return tx


async def test_session_stops_at_its_preauthorized_amount(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/sites/SITE-1",
                        json={"session_rating": {"energy_price": "0.50"}})
    sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": lambda p: ACCEPTED,
                                                  "RemoteStopTransaction": lambda p: ACCEPTED})
    async with sim:
        tx = await _start(gateway, sim, "2.00")
        _, started = await gateway.admin("GET", f"/sessions/{tx}")
        assert started["authorization_mode"] == "PAYMENT_TRANSACTION"
        assert Decimal(started["monetary_limit"]) == Decimal("2.00")
        assert started["customer"] is None  # a card payment has no customer
        await sim.call("MeterValues", _meter(tx, "2026-11-21T08:10:00Z", "3900"))
        await gateway.settle()
        _, below = await gateway.admin("GET", f"/sessions/{tx}")
        assert (below["status"], Decimal(below["amount"])) == ("IN_PROGRESS", Decimal("1.95"))
        assert ("RemoteStopTransaction", {"transactionId": tx}) not in sim.received
        with structlog.testing.capture_logs() as logs:
            await sim.call("MeterValues", _meter(tx, "2026-11-21T08:11:00Z", "4000"))
            await gateway.settle()
        _, limited = await gateway.admin("GET", f"/sessions/{tx}")
        assert (limited["status"], limited["limit_reason"]) == ("LIMIT_REACHED", "MONETARY")
        assert Decimal(limited["amount"]) == Decimal("2.00")
        assert ("RemoteStopTransaction", {"transactionId": tx}) in sim.received
        assert [e["limit"] for e in logs if e["event"] == "session_limit_reached"] == [
            "MONETARY"]
        await sim.call("StopTransaction", {"transactionId": tx, "meterStop": 4010,
                                           "timestamp": "2026-11-21T08:11:30Z"})
    _, closed = await gateway.admin("GET", f"/sessions/{tx}")
    assert closed["status"] == "CLOSED" and closed["ended_at"] is not None


async def test_the_lower_of_session_and_rating_limit_applies(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/sites/SITE-1", json={"session_rating": {
        "energy_price": "0.50", "monetary_limit": "1.00"}})
    sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": lambda p: ACCEPTED,
                                                  "RemoteStopTransaction": lambda p: ACCEPTED})
    async with sim:
        tx = await _start(gateway, sim, "5.00")
        await sim.call("MeterValues", _meter(tx, "2026-11-21T08:10:00Z", "2000"))
        await gateway.settle()
        _, limited = await gateway.admin("GET", f"/sessions/{tx}")
        assert (limited["status"], limited["limit_reason"]) == ("LIMIT_REACHED", "MONETARY")
        assert ("RemoteStopTransaction", {"transactionId": tx}) in sim.received


async def test_without_own_limit_the_session_runs_on(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/sites/SITE-1",
                        json={"session_rating": {"energy_price": "0.50"}})
    sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": lambda p: ACCEPTED,
                                                  "RemoteStopTransaction": lambda p: ACCEPTED})
    async with sim:
        tx = await _start(gateway, sim, None)
        await sim.call("MeterValues", _meter(tx, "2026-11-21T08:30:00Z", "10000"))
        await gateway.settle()
        _, running = await gateway.admin("GET", f"/sessions/{tx}")
        assert running["status"] == "IN_PROGRESS" and running["monetary_limit"] is None
        assert Decimal(running["amount"]) == Decimal("5.00")
