"""OCPP 2.0.1 end to end: boot, status, authorize, TransactionEvent lifecycle."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.charger_sim import CallErrorReply

P = "ocpp2.0.1"


def boot_payload() -> dict[str, Any]:
    return {"reason": "PowerUp", "chargingStation": {
        "model": "Terra AC", "vendorName": "ABB", "serialNumber": "ABB-7",
        "firmwareVersion": "4.1", "modem": {"iccid": "8938611", "imsi": "29341"}}}


def meter(at: str, wh: float, context: str) -> list[dict[str, Any]]:
    return [{"timestamp": at, "sampledValue": [
        {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register",
         "unitOfMeasure": {"unit": "Wh"}}]}]


def tx_event(event: str, seq: int, at: str, tx: str, **extra: Any) -> dict[str, Any]:
    trigger = extra.pop("trigger", "Authorized")
    return {"eventType": event, "timestamp": at, "triggerReason": trigger,
            "seqNo": seq, "transactionInfo": {"transactionId": tx, **extra.pop("info", {})},
            **extra}


async def test_boot_and_status(gateway: Any) -> None:
    async with gateway.charger("station-02", P) as sim:
        boot = await sim.call("BootNotification", boot_payload())
        assert boot["status"] == "Accepted" and boot["interval"] == 300
        await sim.call("StatusNotification", {"timestamp": "2026-11-21T08:00:00Z",
                                              "connectorStatus": "Occupied", "evseId": 1,
                                              "connectorId": 1})
        with pytest.raises(CallErrorReply) as unknown_evse:
            await sim.call("StatusNotification", {"timestamp": "2026-11-21T08:00:00Z",
                                                  "connectorStatus": "Occupied", "evseId": 7,
                                                  "connectorId": 1})
        assert unknown_evse.value.code == "PropertyConstraintViolation"
    _, station = await gateway.admin("GET", "/stations/station-02")
    assert (station["vendor"], station["serial_number"], station["modem_imsi"]) == (
        "ABB", "ABB-7", "29341")
    _, connector = await gateway.admin("GET", "/connectors/B2C1/1")
    assert connector["status"] == "Occupied"


async def test_authorize_and_full_transaction(gateway: Any) -> None:
    token = {"idToken": "DEMO-RFID-1", "type": "ISO14443"}
    async with gateway.charger("station-02", P) as sim:
        await sim.call("BootNotification", boot_payload())
        auth = await sim.call("Authorize", {"idToken": token})
        assert auth["idTokenInfo"]["status"] == "Accepted"
        blocked = await sim.call("Authorize", {"idToken": {"idToken": "DEMO-RFID-BLOCKED",
                                                           "type": "ISO14443"}})
        assert blocked["idTokenInfo"]["status"] == "Blocked"
        started = await sim.call("TransactionEvent", tx_event(
            "Started", 0, "2026-11-21T08:00:00Z", "TX-1", idToken=token,
            evse={"id": 1, "connectorId": 1},
            info={"chargingState": "EVConnected"},
            meterValue=meter("2026-11-21T08:00:00Z", 5000, "Transaction.Begin")))
        assert started["idTokenInfo"]["status"] == "Accepted"
        await sim.call("TransactionEvent", tx_event(
            "Updated", 1, "2026-11-21T08:00:30Z", "TX-1", trigger="ChargingStateChanged",
            info={"chargingState": "Charging"}))
        await sim.call("TransactionEvent", tx_event(
            "Updated", 2, "2026-11-21T08:30:30Z", "TX-1", trigger="MeterValuePeriodic",
            meterValue=meter("2026-11-21T08:30:30Z", 10500, "Sample.Periodic")))
        ended = await sim.call("TransactionEvent", tx_event(
            "Ended", 3, "2026-11-21T09:00:30Z", "TX-1", trigger="EVCommunicationLost",
            info={"stoppedReason": "EVDisconnected", "chargingState": "Idle"},
            meterValue=meter("2026-11-21T09:00:30Z", 16000, "Transaction.End")))
        assert ended == {}
    _, sessions = await gateway.admin("GET", "/sessions?station=station-02&status=CLOSED")
    (session,) = sessions
    assert session["transaction_id"] == "TX-1"
    assert session["energy_wh"] == "11000.000"
    assert (session["charge_time_s"], session["park_time_s"]) == (3600, 30)
    assert session["stop_reason"] == "EVDisconnected"
    assert session["authorization_mode"] == "CUSTOMER"


async def test_public_free_start_without_token(gateway: Any) -> None:
    async with gateway.charger("station-02", P) as sim:
        await sim.call("TransactionEvent", tx_event(
            "Started", 0, "2026-11-21T08:00:00Z", "FREE-1", trigger="CablePluggedIn",
            evse={"id": 1, "connectorId": 1}))
        await sim.call("TransactionEvent", tx_event("Ended", 1, "2026-11-21T08:10:00Z",
                                                    "FREE-1", trigger="EVDeparted"))
    _, sessions = await gateway.admin("GET", "/sessions?station=station-02")
    assert [(s["authorization_mode"], s["status"]) for s in sessions] == [
        ("PUBLIC_FREE", "CLOSED")]


async def test_offline_events_replayed_once_and_in_order(gateway: Any) -> None:
    events = [
        tx_event("Started", 0, "2026-11-21T06:00:00Z", "OFF-1", offline=True,
                 evse={"id": 1, "connectorId": 1},
                 idToken={"idToken": "DEMO-RFID-1", "type": "ISO14443"},
                 meterValue=meter("2026-11-21T06:00:00Z", 100, "Transaction.Begin")),
        tx_event("Updated", 1, "2026-11-21T06:20:00Z", "OFF-1", offline=True,
                 trigger="MeterValuePeriodic",
                 meterValue=meter("2026-11-21T06:20:00Z", 2100, "Sample.Periodic")),
        tx_event("Ended", 2, "2026-11-21T06:40:00Z", "OFF-1", offline=True,
                 trigger="StopAuthorized",
                 meterValue=meter("2026-11-21T06:40:00Z", 4100, "Transaction.End")),
    ]
    async with gateway.charger("station-02", P) as sim:
        for event in events:
            await sim.call("TransactionEvent", event)
    async with gateway.charger("station-02", P) as sim:  # reconnect replays everything
        for event in events:
            await sim.call("TransactionEvent", event)
    _, sessions = await gateway.admin("GET", "/sessions?station=station-02")
    assert len(sessions) == 1
    (session,) = sessions
    assert (session["status"], session["energy_wh"], session["offline"]) == (
        "CLOSED", "4000.000", True)
    assert session["ended_at"] == "2026-11-21T06:40:00Z"
