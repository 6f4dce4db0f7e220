"""Connections: refusals before the upgrade, reconnect replacing the socket, duplicate ids,
offline 1.6 replay, leniency, the communication log and the domain events."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
import pytest

from csms.events import ConnectorStatusChanged, SessionEnded, SessionStarted, StationConnected
from tests.e2e.test_ocpp16_session import boot16, mv


async def _handshake_status(gateway: Any, identity: str, protocol: str = "ocpp1.6",
                            headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(gateway.ws_url(identity), protocols=(protocol,),
                                       headers=headers or {})
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        await ws.close()
        return 101


async def test_refusals_before_upgrade(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    assert await _handshake_status(gateway, "nobody") == 404
    assert await _handshake_status(gateway, "station-01", "ocpp2.0.1") == 400
    assert await _handshake_status(gateway, "station-01") == 101
    await gateway.admin("PATCH", "/stations/station-01", json={"connection_policy": "disabled"})
    assert await _handshake_status(gateway, "station-01") == 403
    await gateway.admin("PATCH", "/stations/station-01", json={"connection_policy": "wss"})
    assert await _handshake_status(gateway, "station-01") == 403  # plain ws, not TLS


async def test_reconnect_replaces_previous_socket(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    first = await gateway.charger("station-01").connect()
    await boot16(first)
    second = await gateway.charger("station-01").connect()
    await asyncio.wait_for(first.closed.wait(), 5)
    assert first.close_code == 4000
    assert (await boot16(second))["status"] == "Accepted"
    await gateway.settle()
    _, conn = await gateway.admin("GET", "/stations/station-01/connection")
    assert conn["connected"] is True and conn["connection_state"] == "CONNECTED"
    await first.close()
    await second.close()
    await gateway.wait_disconnected()
    await gateway.settle()
    _, conn = await gateway.admin("GET", "/stations/station-01/connection")
    assert conn["connected"] is False and conn["connection_state"] == "DISCONNECTED"


async def test_duplicate_message_id_is_processed_once(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    frame = [2, "dup-1", "StartTransaction", {"connectorId": 1, "idTag": "DEMO-RFID-1",
                                              "meterStart": 0,
                                              "timestamp": "2026-11-21T08:00:00Z"}]
    async with gateway.charger("station-01") as sim:
        first = await sim.call_raw(frame, "dup-1")
        again = await sim.call_raw(frame, "dup-1")
    assert first == again
    _, sessions = await gateway.admin("GET", "/sessions?station=station-01")
    assert len(sessions) == 1


async def test_offline_16_replay_is_idempotent(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    gateway.clock.advance(3 * 3600)  # the charger was offline for hours
    start = {"connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 500,
             "timestamp": "2026-11-21T08:00:00Z"}
    async with gateway.charger("station-01") as sim:
        first = await sim.call("StartTransaction", start)
        tx = first["transactionId"]
        stop = {"transactionId": tx, "meterStop": 2500, "timestamp": "2026-11-21T08:40:00Z",
                "transactionData": [mv(2, None, "2026-11-21T08:20:00Z", "1500",
                                       )["meterValue"][0]]}
        await sim.call("StopTransaction", stop)
    async with gateway.charger("station-01") as sim:  # the same queue sent again
        assert (await sim.call("StartTransaction", start))["transactionId"] == tx
        await sim.call("StopTransaction", stop)
    _, sessions = await gateway.admin("GET", "/sessions?station=station-01")
    assert len(sessions) == 1
    (session,) = sessions
    assert (session["offline"], session["energy_wh"], session["status"]) == (
        True, "2000.000", "CLOSED")


async def test_stop_for_unknown_transaction_is_accepted_and_recorded(
        sqlite_gateway: Any) -> None:
    async with sqlite_gateway.charger("station-01") as sim:
        reply = await sim.call("StopTransaction", {"transactionId": 99999, "meterStop": 5,
                                                   "timestamp": "2026-11-21T08:00:00Z"})
    assert reply == {}


@pytest.mark.parametrize("lenient", [False, True])
async def test_leniency_accepts_known_quirks(sqlite_gateway: Any, lenient: bool) -> None:
    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/stations/station-01", json={"ocpp_leniency": lenient})
    quirky = {"connectorId": 1, "errorCode": "E_OVERHEAT_17", "status": "Faulted"}
    async with gateway.charger("station-01") as sim:
        from tests.support.charger_sim import CallErrorReply

        if lenient:
            assert await sim.call("StatusNotification", quirky) == {}
        else:
            with pytest.raises(CallErrorReply) as refused:
                await sim.call("StatusNotification", quirky)
            assert refused.value.code == "PropertyConstraintViolation"
    if lenient:
        _, connector = await gateway.admin("GET", "/connectors/B1C1/1")
        assert (connector["status"], connector["error_code"]) == ("Faulted", "OtherError")


async def test_communication_log_per_station_and_session(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    async with gateway.charger("station-01") as sim:
        await boot16(sim)
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                           "meterStop": 10,
                                           "timestamp": "2026-11-21T08:00:00Z"})
    await gateway.settle()
    status, frames = await gateway.admin("GET", "/stations/station-01/ocpp-log")
    assert status == 200
    assert [(f["direction"], f["message_type"], f["action"]) for f in frames] == [
        ("IN", 2, "BootNotification"), ("OUT", 3, "BootNotification"),
        ("IN", 2, "StartTransaction"), ("OUT", 3, "StartTransaction"),
        ("IN", 2, "StopTransaction"), ("OUT", 3, "StopTransaction")]
    _, session_frames = await gateway.admin(
        "GET", f"/sessions/{start['transactionId']}/ocpp-log")
    assert {f["action"] for f in session_frames} >= {"StartTransaction", "StopTransaction"}
    response = await gateway.client.get("/admin/api/v1/stations/station-01/ocpp-log",
                                        headers={"Accept": "text/csv"})
    text = await response.text()
    assert text.splitlines()[0] == "at,direction,message_type,unique_id,action,payload"
    assert len(text.splitlines()) == 7
    empty_status, empty = await gateway.admin(
        "GET", "/stations/station-01/ocpp-log?from=2030-01-01T00:00:00Z")
    assert (empty_status, empty) == (200, [])


async def test_domain_events_published(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    seen: list[Any] = []

    async def collect(event: Any) -> None:
        seen.append(event)

    for event_type in (StationConnected, ConnectorStatusChanged, SessionStarted, SessionEnded):
        gateway.deps.bus.subscribe(event_type, collect)
    async with gateway.charger("station-01") as sim:
        await sim.call("StatusNotification", {"connectorId": 1, "status": "Faulted",
                                              "errorCode": "GroundFailure"})
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                           "meterStop": 0,
                                           "timestamp": "2026-11-21T08:01:00Z"})
    await gateway.settle()
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["StationConnected", "ConnectorStatusChanged", "SessionStarted",
                     "SessionEnded"]
    assert seen[1].error_code == "GroundFailure" and seen[1].connector == "1"


async def test_basic_auth_policy(sqlite_gateway: Any, aiohttp_server: Any) -> None:
    from tests.support.tls import server_ssl_context

    gateway = sqlite_gateway
    await gateway.admin("PATCH", "/stations/station-01",
                        json={"connection_policy": "wss-basic-auth"})
    status, _ = await gateway.admin("PUT", "/stations/station-01/password",
                                    json={"password": "correct-horse-battery"})
    assert status == 204
    server_ctx, client_ctx = server_ssl_context()
    tls = await aiohttp_server(gateway.client.app, ssl=server_ctx)
    url = f"wss://127.0.0.1:{tls.port}/ocpp/station-01"

    def basic(user: str, password: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    async with aiohttp.ClientSession() as http:
        for headers, expected in ((basic("station-01", "wrong-password-123"), 401),
                                  (basic("station-02", "correct-horse-battery"), 401),
                                  ({}, 401)):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(url, protocols=("ocpp1.6",), headers=headers,
                                      ssl=client_ctx)
            assert refused.value.status == expected
    from tests.support.charger_sim import ChargerSim

    sim = ChargerSim(url, "ocpp1.6", headers=basic("station-01", "correct-horse-battery"),
                     ssl=client_ctx)
    async with sim:
        assert (await boot16(sim))["status"] == "Accepted"
    plain_status = await _handshake_status(
        gateway, "station-01", headers=basic("station-01", "correct-horse-battery"))
    assert plain_status == 403  # never over plain ws
    short_status, _ = await gateway.admin("PUT", "/stations/station-01/password",
                                          json={"password": "short"})
    assert short_status == 422
