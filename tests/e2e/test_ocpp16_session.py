"""OCPP 1.6J end to end: a simulated charger over a real websocket against the gateway."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.charger_sim import CallErrorReply

T0 = "2026-11-21T08:00:00Z"


def mv(connector: int, tx: int | None, at: str, wh: str, context: str = "Sample.Periodic"
       ) -> dict[str, Any]:
    payload: dict[str, Any] = {"connectorId": connector, "meterValue": [
        {"timestamp": at, "sampledValue": [
            {"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "Wh",
             "context": context},
            {"value": "7400", "measurand": "Power.Active.Import", "unit": "W",
             "context": context}]}]}
    if tx is not None:
        payload["transactionId"] = tx
    return payload


async def boot16(sim: Any) -> dict[str, Any]:
    return await sim.call("BootNotification", {
        "chargePointVendor": "Alpitronic", "chargePointModel": "HYC50",
        "chargePointSerialNumber": "SN-01", "firmwareVersion": "1.2.3",
        "iccid": "8938600000000000001", "imsi": "293400000000001"})


async def test_boot_heartbeat_status_and_station_fields(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        boot = await boot16(sim)
        assert boot["status"] == "Accepted" and boot["interval"] == 300
        assert boot["currentTime"] == "2026-11-21T08:00:00.000Z"
        assert "currentTime" in await sim.call("Heartbeat", {})
        await sim.call("StatusNotification", {"connectorId": 0, "errorCode": "NoError",
                                              "status": "Available"})
        await sim.call("StatusNotification", {
            "connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted",
            "vendorErrorCode": "E42", "info": "RCD tripped", "timestamp": T0})
        _status, station = await gateway.admin("GET", "/stations/station-01")
        assert (station["serial_number"], station["vendor"], station["model"]) == (
            "SN-01", "Alpitronic", "HYC50")
        assert (station["modem_iccid"], station["modem_imsi"]) == (
            "8938600000000000001", "293400000000001")
        assert station["connection_state"] == "CONNECTED"
        assert station["operational_status"] == "OPERATIVE"
        _, connector = await gateway.admin("GET", "/connectors/B1C1/1")
        assert (connector["status"], connector["error_code"]) == ("Faulted", "GroundFailure")
        _, charger = await gateway.admin("GET", "/chargers/B1C1")
        assert charger["status"] == "Available"
    await gateway.wait_disconnected()
    await gateway.settle()
    _, station = await gateway.admin("GET", "/stations/station-01")
    assert station["connection_state"] == "DISCONNECTED"


async def test_authorize_valid_blocked_unknown(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        await boot16(sim)
        ok = await sim.call("Authorize", {"idTag": "DEMO-RFID-1"})
        blocked = await sim.call("Authorize", {"idTag": "DEMO-RFID-BLOCKED"})
        unknown = await sim.call("Authorize", {"idTag": "NOBODY"})
    assert ok["idTagInfo"]["status"] == "Accepted"
    assert blocked["idTagInfo"]["status"] == "Blocked"
    assert unknown["idTagInfo"]["status"] == "Invalid"
    _, refused = await gateway.admin("GET", "/sessions?status=REFUSED")
    assert [(s["id_token"], s["customer"]) for s in refused] == [("DEMO-RFID-BLOCKED",
                                                                  "CUST-1")]


async def test_full_session_with_meter_values(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        await boot16(sim)
        await sim.call("StatusNotification", {"connectorId": 2, "errorCode": "NoError",
                                              "status": "Preparing", "timestamp": T0})
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 10000, "timestamp": T0})
        assert start["idTagInfo"]["status"] == "Accepted"
        tx = start["transactionId"]
        assert isinstance(tx, int) and tx > 0
        await sim.call("StatusNotification", {"connectorId": 2, "errorCode": "NoError",
                                              "status": "Charging",
                                              "timestamp": "2026-11-21T08:01:00Z"})
        await sim.call("MeterValues", mv(2, tx, "2026-11-21T08:31:00Z", "13700"))
        _, live = await gateway.admin("GET", f"/sessions/{tx}")
        assert live["status"] == "IN_PROGRESS" and live["energy_wh"] == "3700.000"
        await sim.call("StatusNotification", {"connectorId": 2, "errorCode": "NoError",
                                              "status": "Finishing",
                                              "timestamp": "2026-11-21T09:01:00Z"})
        stop = await sim.call("StopTransaction", {
            "transactionId": tx, "meterStop": 17400, "timestamp": "2026-11-21T09:01:00Z",
            "idTag": "DEMO-RFID-1", "reason": "Local"})
        assert stop == {"idTagInfo": {"status": "Accepted"}}
    _, session = await gateway.admin("GET", f"/sessions/{tx}")
    assert session["status"] == "CLOSED"
    assert session["energy_wh"] == "7400.000"
    assert (session["charge_time_s"], session["park_time_s"]) == (3600, 60)
    assert session["authorization_mode"] == "CUSTOMER" and session["customer"] == "CUST-1"
    assert (session["started_at"], session["ended_at"]) == ("2026-11-21T08:00:00Z",
                                                            "2026-11-21T09:01:00Z")
    assert [m["value"] for m in session["meter_values"]
            if m["measurand"] == "Energy.Active.Import.Register"] == ["13700.000000"]
    assert [p["connector_status"] for p in session["charging_periods"]] == [
        "Preparing", "Charging", "Finishing"]


@pytest.mark.parametrize("frame", ["{not json", "[2, 5]", '{"a": 1}', "[9, \"x\", {}]"])
async def test_malformed_frames_get_formation_violation(gateway: Any, frame: str) -> None:
    async with gateway.charger("station-01") as sim:
        await sim.send_text(frame)
        reply = await sim.next_raw_reply()
        assert reply[0] == 4 and reply[2] == "FormationViolation"
        assert (await boot16(sim))["status"] == "Accepted"  # connection intact


async def test_schema_violations_and_unknown_actions(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        cases = [
            ("BootNotification", {"chargePointVendor": "x"}, "OccurenceConstraintViolation"),
            ("BootNotification", {"chargePointVendor": 5, "chargePointModel": "m"},
             "TypeConstraintViolation"),
            ("StatusNotification", {"connectorId": 1, "errorCode": "NoError",
                                    "status": "Sleeping"}, "PropertyConstraintViolation"),
            ("Heartbeat", {"extra": 1}, "FormationViolation"),
            ("FlyToTheMoon", {}, "NotImplemented"),
            ("RemoteStartTransaction", {"idTag": "x"}, "NotSupported"),
        ]
        for action, payload, code in cases:
            with pytest.raises(CallErrorReply) as caught:
                await sim.call(action, payload)
            assert caught.value.code == code, (action, caught.value)
        assert (await boot16(sim))["status"] == "Accepted"


async def test_roaming_authorizer_plugs_in_without_csms_changes(gateway: Any) -> None:
    from csms.authorization import (
        AuthorizationDecision,
        AuthorizationSource,
        AuthorizationStatus,
    )

    class RoamingStub:
        async def authorize(self, request: Any) -> AuthorizationDecision:
            if request.id_token == "DE-EMSP-42":
                return AuthorizationDecision(AuthorizationStatus.ACCEPTED,
                                             AuthorizationSource.ROAMING,
                                             authorization_reference="auth-ref-9",
                                             roaming_party="EMSP-DE")
            return AuthorizationDecision(AuthorizationStatus.UNKNOWN)

    gateway.deps.authorizers.append(RoamingStub())
    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DE-EMSP-42", "meterStart": 0, "timestamp": T0})
        assert start["idTagInfo"]["status"] == "Accepted"
    _, session = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    assert (session["authorization_mode"], session["authorization_reference"],
            session["customer"]) == ("ROAMING_CUSTOMER", "auth-ref-9", None)


async def test_ocpp_metrics(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        await boot16(sim)
        metrics = await (await gateway.client.get("/metrics")).text()
    assert 'evgw_ocpp_messages_total{action="BootNotification",direction="IN",' \
           'version="1.6"} 1.0' in metrics
    assert "evgw_ocpp_stations_connected 1.0" in metrics
    await gateway.settle()
    after = await (await gateway.client.get("/metrics")).text()
    # A charger going away is a normal end of its websocket, never a server error.
    ocpp_lines = [line for line in after.splitlines()
                  if line.startswith("evgw_http_requests_total") and "/ocpp/" in line]
    assert ocpp_lines and not any('status="500"' in line for line in ocpp_lines), ocpp_lines


async def test_handler_failure_is_internal_error_and_connection_survives(
        gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database went away")

    async with gateway.charger("station-01") as sim:
        monkeypatch.setattr(gateway.deps.stations, "booted", broken)
        with pytest.raises(CallErrorReply) as failed:
            await boot16(sim)
        assert failed.value.code == "InternalError"
        monkeypatch.undo()
        assert (await boot16(sim))["status"] == "Accepted"
