"""Remote start/stop, force close and the idle job, driven from the admin API against
simulated chargers of both versions."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.test_ocpp16_session import boot16


async def _wait_connected(gateway: Any, station: str) -> None:
    for _ in range(100):
        _, body = await gateway.admin("GET", f"/stations/{station}/connection")
        if body["connected"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("station never connected")


async def test_remote_start_accepted_then_started_16(gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={
        "RemoteStartTransaction": lambda p: {"status": "Accepted"},
        "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        await boot16(sim)
        status, body = await gateway.admin(
            "POST", "/stations/station-01/operations/remote-start",
            json={"connector": "2", "id_token": "DEMO-RFID-1"})
        assert status == 200 and body["status"] == "Accepted"
        session_id = body["response"]["session_id"]
        assert body["response"]["session_status"] == "READY"
        assert sim.received == [("RemoteStartTransaction", {"idTag": "DEMO-RFID-1",
                                                             "connectorId": 2})]
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:10Z"})
        assert start["transactionId"] == session_id  # the READY session was bound
        busy_status, _ = await gateway.admin(
            "POST", "/stations/station-01/operations/remote-start",
            json={"connector": "2", "id_token": "DEMO-RFID-1"})
        assert busy_status == 409  # one active session per connector and per customer
        status, stopped = await gateway.admin(
            "POST", "/stations/station-01/operations/remote-stop",
            json={"session_id": session_id})
        assert stopped["status"] == "Accepted"
        assert sim.received[-1] == ("RemoteStopTransaction", {"transactionId": session_id})
        await sim.call("StopTransaction", {"transactionId": session_id, "meterStop": 1500,
                                           "timestamp": "2026-11-21T08:30:00Z",
                                           "reason": "Remote"})
    _, session = await gateway.admin("GET", f"/sessions/{session_id}")
    assert (session["status"], session["energy_wh"]) == ("CLOSED", "1500.000")


async def test_remote_start_201_binds_remote_start_id(gateway: Any) -> None:
    sim = gateway.charger("station-02", "ocpp2.0.1", handlers={
        "RequestStartTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        status, body = await gateway.admin(
            "POST", "/stations/station-02/operations/remote-start",
            json={"id_token": "DEMO-RFID-1", "token_type": "RFID"})
        assert (status, body["status"]) == (200, "Accepted")
        session_id = body["response"]["session_id"]
        action, request = sim.received[0]
        assert action == "RequestStartTransaction"
        assert request == {"idToken": {"idToken": "DEMO-RFID-1", "type": "ISO14443"},
                           "remoteStartId": session_id, "evseId": 1}
        await sim.call("TransactionEvent", {
            "eventType": "Started", "timestamp": "2026-11-21T08:00:05Z",
            "triggerReason": "RemoteStart", "seqNo": 0,
            "transactionInfo": {"transactionId": "R-1", "remoteStartId": session_id},
            "evse": {"id": 1, "connectorId": 1}})
    _, session = await gateway.admin("GET", f"/sessions/{session_id}")
    assert (session["status"], session["transaction_id"]) == ("IN_PROGRESS", "R-1")


async def test_remote_start_rejected_closes_at_once(gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={
        "RemoteStartTransaction": lambda p: {"status": "Rejected"}})
    async with sim:
        _, body = await gateway.admin("POST", "/stations/station-01/operations/remote-start",
                                      json={"connector": "1", "id_token": "DEMO-RFID-1"})
    assert body["status"] == "Rejected" and body["response"]["session_status"] == "CLOSED"
    _, session = await gateway.admin("GET", f"/sessions/{body['response']['session_id']}")
    assert (session["status"], session["stop_reason"]) == ("CLOSED", "REMOTE_START_REJECTED")


async def test_remote_start_unanswered_expires_with_idle_job(gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": lambda p: None})
    async with sim:
        _, body = await gateway.admin("POST", "/stations/station-01/operations/remote-start",
                                      json={"connector": "1", "id_token": "DEMO-RFID-1"})
        assert body["status"] == "Timeout" and body["response"]["session_status"] == "READY"
        session_id = body["response"]["session_id"]
        gateway.clock.advance(120)  # the site's ready-session expiration: not yet expired
        _, counts = await gateway.admin("POST", "/jobs/idle-sessions/run")
        assert counts["EXPIRE_READY"] == 0
        gateway.clock.advance(1)
        _, counts = await gateway.admin("POST", "/jobs/idle-sessions/run")
        assert counts["EXPIRE_READY"] == 1
    _, session = await gateway.admin("GET", f"/sessions/{session_id}")
    assert (session["status"], session["stop_reason"]) == ("CLOSED", "EXPIRE_READY")


async def test_accepted_but_never_started_expires(gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={
        "RemoteStartTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        _, body = await gateway.admin("POST", "/stations/station-01/operations/remote-start",
                                      json={"connector": "1", "id_token": "DEMO-RFID-1"})
        gateway.clock.advance(121)
        await gateway.deps.remote.run_idle_check()
    _, session = await gateway.admin("GET", f"/sessions/{body['response']['session_id']}")
    assert session["status"] == "CLOSED"


async def test_force_close_when_charger_never_stops(gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={
        "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        gateway.clock.advance(600)
        status, body = await gateway.admin(
            "POST", f"/sessions/{start['transactionId']}/force-close")
        assert status == 200 and body["status"] == "Accepted"
        assert body["response"]["session_status"] == "CLOSED"
    again_status, _ = await gateway.admin("POST",
                                          f"/sessions/{start['transactionId']}/force-close")
    assert again_status == 409


async def test_force_close_with_station_offline(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
    await gateway.settle()
    status, body = await gateway.admin("POST",
                                       f"/sessions/{start['transactionId']}/force-close")
    assert (status, body["status"], body["response"]["session_status"]) == (
        200, "NotSent", "CLOSED")


async def test_operations_on_disconnected_station_answer_409(gateway: Any) -> None:
    status, problem = await gateway.admin(
        "POST", "/stations/station-01/operations/remote-start",
        json={"connector": "1", "id_token": "DEMO-RFID-1"})
    assert status == 409 and problem["title"] == "Station not connected"


async def test_ongoing_session_expires_and_is_stopped(gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={
        "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        gateway.clock.advance(48 * 3600 + 1)
        counts = await gateway.deps.remote.run_idle_check()
        assert counts["EXPIRE_ONGOING"] == 1
        assert ("RemoteStopTransaction", {"transactionId": start["transactionId"]}) in \
            sim.received
    _, session = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    assert (session["status"], session["stop_reason"]) == ("CLOSED", "EXPIRE_ONGOING")


async def test_reactivation_after_server_close_within_grace(gateway: Any) -> None:
    from tests.e2e.test_ocpp16_session import mv

    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        tx = start["transactionId"]
    await gateway.settle()
    await gateway.admin("POST", f"/sessions/{tx}/force-close")  # station offline: closed
    gateway.clock.advance(300)  # within the 900 s grace from creation
    async with gateway.charger("station-01") as sim:
        await sim.call("MeterValues", mv(1, tx, "2026-11-21T08:05:00Z", "1200"))
        _, session = await gateway.admin("GET", f"/sessions/{tx}")
        assert (session["status"], session["ended_at"], session["energy_wh"]) == (
            "IN_PROGRESS", None, "1200.000")
        await sim.call("StopTransaction", {"transactionId": tx, "meterStop": 2000,
                                           "timestamp": "2026-11-21T08:10:00Z"})
    gateway.clock.advance(60)
    async with gateway.charger("station-01") as sim:  # after a stop event: never again
        await sim.call("MeterValues", mv(1, tx, "2026-11-21T08:11:00Z", "2100"))
    _, session = await gateway.admin("GET", f"/sessions/{tx}")
    assert (session["status"], session["energy_wh"]) == ("CLOSED", "2000.000")


async def test_no_reactivation_after_grace(gateway: Any) -> None:
    from tests.e2e.test_ocpp16_session import mv

    async with gateway.charger("station-01") as sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
    await gateway.settle()
    await gateway.admin("POST", f"/sessions/{start['transactionId']}/force-close")
    gateway.clock.advance(901)
    async with gateway.charger("station-01") as sim:
        await sim.call("MeterValues", mv(1, start["transactionId"], "2026-11-21T08:15:01Z",
                                         "1200"))
    _, session = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    assert session["status"] == "CLOSED"


async def test_start_restriction_connector_occupied(gateway: Any) -> None:
    await gateway.admin("PATCH", "/sites/SITE-1", json={"session_rating": {
        "start_restriction_connector_occupied": True}})
    sim = gateway.charger("station-01", handlers={
        "RemoteStartTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        await sim.call("StatusNotification", {"connectorId": 1, "status": "Available",
                                              "errorCode": "NoError"})
        status, problem = await gateway.admin(
            "POST", "/stations/station-01/operations/remote-start",
            json={"connector": "1", "id_token": "DEMO-RFID-1"})
        assert status == 409 and "plugged in" in problem["detail"]
        await sim.call("StatusNotification", {"connectorId": 1, "status": "Preparing",
                                              "errorCode": "NoError"})
        status, body = await gateway.admin(
            "POST", "/stations/station-01/operations/remote-start",
            json={"connector": "1", "id_token": "DEMO-RFID-1"})
        assert (status, body["status"]) == (200, "Accepted")


async def test_first_of_two_simultaneous_starts_wins(gateway: Any) -> None:
    await gateway.admin("POST", "/customers", json={"code": "CUST-2", "name": "Second"})
    await gateway.admin("POST", "/tokens", json={"code": "RFID-2", "type": "RFID",
                                                 "identifier": "RFID-2", "customer": "CUST-2"})

    async def slow_accept(_payload: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0.05)
        return {"status": "Accepted"}

    sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": slow_accept})
    async with sim:
        results = await asyncio.gather(*(
            gateway.admin("POST", "/stations/station-01/operations/remote-start",
                          json={"connector": "1", "id_token": token})
            for token in ("DEMO-RFID-1", "RFID-2")))
    assert sorted(status for status, _ in results) == [200, 409]
    assert len([a for a, _ in sim.received if a == "RemoteStartTransaction"]) == 1


async def test_stop_requested_but_never_confirmed_is_closed_after_verification(
        gateway: Any) -> None:
    sim = gateway.charger("station-01", handlers={
        "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        start = await sim.call("StartTransaction", {
            "connectorId": 1, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:00Z"})
        status, _ = await gateway.admin("POST", "/stations/station-01/operations/remote-stop",
                                        json={"session_id": start["transactionId"]})
        assert status == 200
        gateway.clock.advance(300)  # the site's closed-verification time, not yet past
        assert (await gateway.deps.remote.run_idle_check())["FORCE_CLOSE"] == 0
        gateway.clock.advance(1)
        assert (await gateway.deps.remote.run_idle_check())["FORCE_CLOSE"] == 1
    _, session = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    assert (session["status"], session["stop_reason"]) == ("CLOSED", "FORCE_CLOSE")


async def test_session_list_filters(gateway: Any) -> None:
    async with gateway.charger("station-01") as sim:
        await sim.call("Authorize", {"idTag": "DEMO-RFID-BLOCKED"})
        gateway.clock.advance(3600)
        await sim.call("StartTransaction", {"connectorId": 1, "idTag": "DEMO-RFID-1",
                                            "meterStart": 0,
                                            "timestamp": "2026-11-21T09:00:00Z"})
    _, everything = await gateway.admin("GET", "/sessions")
    assert [s["status"] for s in everything] == ["IN_PROGRESS", "REFUSED"]  # newest first
    _, later = await gateway.admin("GET", "/sessions?from=2026-11-21T08:30:00Z")
    assert [s["status"] for s in later] == ["IN_PROGRESS"]
    _, earlier = await gateway.admin("GET", "/sessions?to=2026-11-21T08:30:00Z")
    assert [s["status"] for s in earlier] == ["REFUSED"]
    _, mine = await gateway.admin("GET", "/sessions?customer=CUST-1&status=in_progress")
    assert len(mine) == 1
    status, problem = await gateway.admin("GET", "/sessions?from=yesterday")
    assert status == 400 and problem["errors"][0]["loc"] == ["query", "from"]
