"""OCPI 2.2.1 end to end against a fake eMSP on 127.0.0.1 (real HTTP both ways): the
credentials handshake in both directions, token rules, pulling Locations and Tariffs,
and tokens pushed by the eMSP authorizing a charger."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp

from tests.support.fake_emsp import FakeEmsp


async def _platform(gateway: Any, code: str, emsp: FakeEmsp, identifier: str = "EMS") -> None:
    status, body = await gateway.admin("POST", "/roaming/platforms", json={
        "code": code, "name": code, "roaming_profile": "TRI-OCPI", "type": "EMSP",
        "protocol": "OCPI", "url": emsp.versions_url, "country": emsp.country,
        "roaming_identifier": identifier})
    assert status == 201, body


def ours(gateway: Any, path: str = "") -> str:
    return str(gateway.client.make_url(f"/ocpi{path}"))


async def test_emsp_registers_with_us_and_pulls(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _platform(gateway, "EMSP-DE", emsp)
        status, token = await gateway.admin("POST",
                                            "/roaming/platforms/EMSP-DE/registration-token",
                                            json={})
        assert status == 200
        token_a = token["token"]
        credentials = await emsp.register_with(ours(gateway, "/versions"), token_a)
        assert [(r.role, r.country_code, r.party_id) for r in credentials.roles] == [
            ("CPO", "SI", "TRI")]
        _, state = await gateway.admin("GET", "/roaming/platforms/EMSP-DE/credentials")
        assert state["registered"] and state["version"] == "2.2.1"
        assert state["registration_token"] is None  # token A died
        assert state["remote_access_token"] == emsp.token_b
        assert "credentials" in state["endpoints"]
        async with aiohttp.ClientSession() as http, http.get(  # token A opens nothing now
                ours(gateway, "/versions"),
                headers={"Authorization": f"Token {token_a}"}) as dead:
            assert dead.status == 401
        again = await emsp.request("POST", "credentials",
                                   body=emsp.credentials(emsp.new_token()))
        assert again.status == 405
        locations, pages = await emsp.pull_all("locations")
        assert pages[0].headers["X-Total-Count"] == "1"
        assert [loc["id"] for loc in locations] == ["0101"]
        evses = {e["uid"]: e for e in locations[0]["evses"]}
        assert set(evses) == {"010107", "010108", "020101"}
        assert evses["010107"]["evse_id"] == "SI*TRI*E010107"
        assert evses["010107"]["status"] == "UNKNOWN"  # station not connected
        single = await emsp.get("locations/0101/010107/010107")
        assert single.data["standard"] == "IEC_62196_T2_COMBO"
        missing = await emsp.get("locations/9999")
        assert missing.status == 404
        emsp.assert_clean()


async def test_we_register_with_the_emsp(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="NL", party="EMP") as emsp:
        await _platform(gateway, "EMSP-NL", emsp, identifier="EMP")
        status, _ = await gateway.admin("PUT", "/roaming/platforms/EMSP-NL/ocpi-settings",
                                        json={"send_base64": False})
        assert status == 200
        status, _ = await gateway.admin(
            "PUT", "/roaming/platforms/EMSP-NL/partner-registration-token",
            json={"token": emsp.token_a})
        assert status == 200
        status, state = await gateway.admin(
            "POST", "/roaming/platforms/EMSP-NL/credentials/register")
        assert status == 200, state
        assert state["registered"] and state["remote_access_token"] == emsp.token_c
        assert state["send_base64"] is False
        assert {c.token_encoding for c in emsp.received if c.token_encoding} == {"raw"}
        twice, _ = await gateway.admin("POST",
                                       "/roaming/platforms/EMSP-NL/credentials/register")
        assert twice == 409
        status, updated = await gateway.admin(
            "POST", "/roaming/platforms/EMSP-NL/credentials/update")
        assert status == 200 and updated["access_token"] != state["access_token"]
        status, _ = await gateway.admin(
            "POST", "/roaming/platforms/EMSP-NL/credentials/invalidate")
        assert status == 200
        _, gone = await gateway.admin("GET", "/roaming/platforms/EMSP-NL/credentials")
        assert not gone["registered"] and gone["access_token"] is None
        emsp.assert_clean()


async def test_unusable_partner_api_fails_the_handshake(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(versions=("2.1.1",)) as emsp:
        await _platform(gateway, "OLD", emsp)
        await gateway.admin("PUT", "/roaming/platforms/OLD/partner-registration-token",
                            json={"token": emsp.token_a})
        status, problem = await gateway.admin("POST",
                                              "/roaming/platforms/OLD/credentials/register")
        assert status == 502 and "3002" in problem["detail"]


async def test_tokens_and_whitelist_authorization(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _platform(gateway, "EMSP-DE", emsp)
        _, token = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/registration-token",
                                       json={})
        await emsp.register_with(ours(gateway, "/versions"), token["token"])
        now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC).isoformat().replace("+00:00", "Z")
        for uid, whitelist in (("DE-ALWAYS-1", "ALWAYS"), ("DE-NEVER-1", "NEVER")):
            response = await emsp.put_token(None, {
                "country_code": "DE", "party_id": "EMS", "uid": uid, "type": "RFID",
                "contract_id": f"DE-EMS-C{uid[-1]}", "issuer": "Fake", "valid": True,
                "whitelist": whitelist, "last_updated": now})
            assert response.status_code == 1000
        stored = await emsp.get("tokens/DE/EMS/DE-ALWAYS-1")
        assert stored.data["whitelist"] == "ALWAYS"
        emsp.set_allowed("DE-NEVER-1", "BLOCKED")
        async with gateway.charger("station-01") as sim:
            always = await sim.call("Authorize", {"idTag": "DE-ALWAYS-1"})
            never = await sim.call("Authorize", {"idTag": "DE-NEVER-1"})
        assert always["idTagInfo"]["status"] == "Accepted"
        assert never["idTagInfo"]["status"] == "Blocked"  # asked the eMSP in real time
        assert emsp.authorizations[-1]["token"]["uid"] == "DE-NEVER-1"
        assert emsp.authorizations[-1]["location"]["location_id"] == "0101"
        emsp.assert_clean()


async def _flush(gateway: Any) -> None:
    """Lets commands, events and the outbox run to completion (no background jobs here)."""
    for _ in range(3):
        await gateway.deps.charging.wait_background()
        await gateway.deps.ocpi.commands.wait()
        await gateway.deps.ocpi.publisher.wait()
        await gateway.deps.bus.drain()
        await gateway.deps.outbox.dispatcher.deliver_due()


async def _registered(gateway: Any, emsp: FakeEmsp) -> None:
    await _platform(gateway, "EMSP-DE", emsp)
    _, token = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/registration-token",
                                   json={})
    await emsp.register_with(ours(gateway, "/versions"), token["token"])
    await gateway.deps.ocpi.publisher.wait()  # the publication that follows a registration
    await gateway.admin("POST", "/roaming/tariffs", json={
        "code": "AC", "name": "AC roaming", "details": [
            {"energy": {"price": "0.30", "vat": "22"}}]})
    await gateway.admin("PUT", "/roaming/tariff-assignments/operator/OP-1",
                        json={"tariffs": ["AC"]})
    await gateway.admin("PUT", "/roaming/tariff-assignments/platform/EMSP-DE",
                        json={"tariffs": ["AC"]})


async def test_start_session_command_to_cdr_with_partner_outage(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)
        tariffs, _ = await emsp.pull_all("tariffs")
        assert [t["id"] for t in tariffs] == ["AC"]
        token = emsp.add_token("DE8ACC12E46L89", whitelist="NEVER")
        sim = gateway.charger("station-01", handlers={
            "RemoteStartTransaction": lambda p: {"status": "Accepted"},
            "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
        async with sim:
            answer = await emsp.send_command(None, "START_SESSION", {
                "token": token, "location_id": "0101", "evse_uid": "010108"})
            assert answer.data["result"] == "ACCEPTED"
            await _flush(gateway)
            result = await emsp.wait_command_result(answer)
            assert result.body["result"] == "ACCEPTED"
            assert sim.received[0] == ("RemoteStartTransaction",
                                       {"idTag": "DE8ACC12E46L89", "connectorId": 2})
            gateway.clock.set(datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC))
            start = await sim.call("StartTransaction", {
                "connectorId": 2, "idTag": "DE8ACC12E46L89", "meterStart": 0,
                "timestamp": "2026-11-21T08:00:05Z"})
            assert start["idTagInfo"]["status"] == "Accepted"  # no second authorization
            session_id = start["transactionId"]
            await _flush(gateway)
            put = await emsp.wait_for(module="sessions", method="PUT")
            assert put.body["id"] == str(session_id)
            assert put.body["cdr_token"]["uid"] == "DE8ACC12E46L89"
            assert put.body["auth_method"] == "COMMAND" and put.body["status"] == "ACTIVE"
            emsp.down = True  # the eMSP goes away for a while: nothing may be lost
            await sim.call("MeterValues", {"connectorId": 2, "transactionId": session_id,
                                           "meterValue": [{"timestamp": "2026-11-21T08:30:00Z",
                                                           "sampledValue": [{"value": "5000"}]}]})
            # Its receivers are down, but it can still send us commands.
            stop = await emsp.send_command(None, "STOP_SESSION",
                                           {"session_id": str(session_id)})
            assert stop.data["result"] == "ACCEPTED"
            await _flush(gateway)
            await sim.call("StopTransaction", {"transactionId": session_id, "meterStop": 10000,
                                               "timestamp": "2026-11-21T09:00:05Z"})
            await _flush(gateway)
            _, pending = await gateway.admin("GET", "/outbox?partner=EMSP-DE&status=PENDING")
            assert len(pending) >= 3  # PATCH, final PUT, CDR, stop result: waiting
            emsp.down = False
            gateway.clock.advance(3600)  # an hour later every retry is due
            await _flush(gateway)
        cdr = await emsp.wait_for(module="cdrs", method="POST")
        assert Decimal(str(cdr.body["total_energy"])) == Decimal("10")
        assert Decimal(str(cdr.body["total_cost"]["incl_vat"])) == Decimal("3.66")
        assert cdr.body["cdr_token"]["uid"] == "DE8ACC12E46L89"
        session_calls = [(c.method, c.body.get("status")) for c in emsp.calls("sessions")
                         if not c.injected]
        assert session_calls[0] == ("PUT", "ACTIVE") and session_calls[-1] == (
            "PUT", "COMPLETED")
        stream = [c for c in emsp.calls() if not c.injected and c.module in ("sessions",
                                                                             "cdrs")]
        assert stream[-1].module == "cdrs"  # the CDR after the session's last update
        emsp.assert_clean()


async def test_commands_on_unknown_places(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)
        token = emsp.add_token("DE-1", whitelist="ALWAYS")
        unknown = await emsp.send_command(None, "START_SESSION", {
            "token": token, "location_id": "NOPE", "evse_uid": "X"})
        assert unknown.status_code == 2003 and unknown.data["result"] == "REJECTED"
        foreign = await emsp.send_command(None, "STOP_SESSION", {"session_id": "424242"})
        assert foreign.data["result"] == "UNKNOWN_SESSION"


async def test_sessions_and_cdrs_pull_only_own(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)
        token = emsp.add_token("DE-PULL-1", whitelist="ALWAYS")
        await emsp.put_token(None, token)
        async with gateway.charger("station-01") as sim:
            start = await sim.call("StartTransaction", {
                "connectorId": 1, "idTag": "DE-PULL-1", "meterStart": 0,
                "timestamp": "2026-11-21T08:00:00Z"})
            own = await sim.call("StartTransaction", {
                "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
                "timestamp": "2026-11-21T08:00:00Z"})
            await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                               "meterStop": 2000,
                                               "timestamp": "2026-11-21T08:20:00Z"})
        assert own["transactionId"] != start["transactionId"]
        sessions, _ = await emsp.pull_all("sessions", {"date_from": "2026-01-01T00:00:00Z"})
        assert [s["id"] for s in sessions] == [str(start["transactionId"])]
        assert sessions[0]["status"] == "COMPLETED"
        cdrs, _ = await emsp.pull_all("cdrs")
        assert [c["session_id"] for c in cdrs] == [str(start["transactionId"])]
        assert Decimal(str(cdrs[0]["total_cost"]["excl_vat"])) == Decimal("0.60")
        no_date = await emsp.get("sessions")
        assert no_date.status_code == 2001
        emsp.assert_clean()


async def test_errors_and_hubclientinfo(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)
        async with aiohttp.ClientSession() as http:
            for header in ({}, {"Authorization": "Token %%%not-base64%%%"},
                           {"Authorization": "Bearer x"}):
                async with http.get(ours(gateway, "/2.2.1/locations"), headers=header) as r:
                    body = await r.json()
                    assert r.status == 401 and body["status_code"] == 2000
        stale = await emsp.request("PATCH", "tokens/DE/EMS/NOBODY", body={"valid": False})
        assert stale.status == 404
        token = emsp.add_token("DE-ERR-1", whitelist="ALWAYS")
        await emsp.put_token(None, token)
        no_date = await emsp.request("PATCH", "tokens/DE/EMS/DE-ERR-1", body={"valid": False})
        assert no_date.status_code == 2001  # a PATCH must carry last_updated
        other = dict(token, uid="DE-ERR-2")
        mismatch = await emsp.request("PUT", "tokens/DE/EMS/DE-ERR-1", body=other)
        assert mismatch.status_code == 2001
        info = {"party_id": "ABC", "country_code": "NL", "role": "EMSP",
                "status": "CONNECTED", "last_updated": "2026-11-21T08:00:00Z"}
        put = await emsp.request("PUT", ours(gateway, "/2.2.1/hubclientinfo/NL/ABC"), body=info)
        assert put.status_code == 1000
        _, listed = await gateway.admin("GET", "/roaming/platforms/EMSP-DE/hub-client-info")
        assert [(i["country_code"], i["party_id"], i["status"]) for i in listed] == [
            ("NL", "ABC", "CONNECTED")]


async def test_locations_and_tariffs_published_and_removed_once(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)  # registration publishes (a task)
        await _flush(gateway)
        loc = await emsp.wait_for(module="locations", method="PUT")
        assert loc.body["id"] == "0101" and len(loc.body["evses"]) == 3
        # the tariff was assigned after registering: the next run sends it, and the Location
        # again, since its connectors now name the tariff
        _, first = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert (first["locations"], first["tariffs"]) == (1, 1)
        await _flush(gateway)
        assert emsp.find("tariffs", "AC") is not None
        _, again = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert again == {"locations": 0, "evses_removed": 0, "tariffs": 0,
                         "tariffs_deleted": 0, "sessions": 0, "cdrs": 0}  # nothing re-sent
        await gateway.admin("PATCH", "/chargers/B2C1", json={"roaming_enabled": False})
        await gateway.admin("PUT", "/roaming/tariff-assignments/platform/EMSP-DE",
                            json={"tariffs": []})
        _, counts = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert counts == {"locations": 1, "evses_removed": 1, "tariffs": 0,
                          "tariffs_deleted": 1, "sessions": 0, "cdrs": 0}
        _, twice = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert twice["evses_removed"] == 0 and twice["tariffs_deleted"] == 0
        await _flush(gateway)
        removed = await emsp.wait_for(module="locations", method="PATCH")
        assert removed.path.endswith("/0101/020101") and removed.body["status"] == "REMOVED"
        deleted = await emsp.wait_for(module="tariffs", method="DELETE")
        assert deleted.path.endswith("/AC")
        async with gateway.charger("station-01") as sim:  # a status change: an EVSE PATCH
            await sim.call("StatusNotification", {"connectorId": 1, "status": "Charging",
                                                  "errorCode": "NoError"})
            await _flush(gateway)  # while connected (an offline station's EVSEs are UNKNOWN)
        status = [c for c in emsp.calls("locations", "PATCH")
                  if c.path.endswith("/0101/010107")]
        assert status and status[-1].body["status"] == "CHARGING"
        emsp.assert_clean()


async def test_unlock_reserve_and_cancel_commands(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)
        token = emsp.add_token("DE-RES-1", whitelist="ALWAYS")
        sim = gateway.charger("station-01", handlers={
            "UnlockConnector": lambda p: {"status": "Unlocked"},
            "ReserveNow": lambda p: {"status": "Accepted"},
            "CancelReservation": lambda p: {"status": "Accepted"}})
        async with sim:
            unlock = await emsp.send_command(None, "UNLOCK_CONNECTOR", {
                "location_id": "0101", "evse_uid": "010107", "connector_id": "010107"})
            assert unlock.data["result"] == "ACCEPTED"
            await _flush(gateway)
            assert (await emsp.wait_command_result(unlock)).body["result"] == "ACCEPTED"
            assert ("UnlockConnector", {"connectorId": 1}) in sim.received
            reserve = await emsp.send_command(None, "RESERVE_NOW", {
                "token": token, "expiry_date": "2026-11-21T09:00:00Z",
                "reservation_id": "EMSP-RES-77", "location_id": "0101",
                "evse_uid": "010108"})
            assert reserve.data["result"] == "ACCEPTED"
            await _flush(gateway)
            assert (await emsp.wait_command_result(reserve)).body["result"] == "ACCEPTED"
            sent = next(p for a, p in sim.received if a == "ReserveNow")
            assert sent["reservationId"] != "EMSP-RES-77"  # never the eMSP's id
            assert isinstance(sent["reservationId"], int) and sent["idTag"] == "DE-RES-1"
            cancel = await emsp.send_command(None, "CANCEL_RESERVATION",
                                             {"reservation_id": "EMSP-RES-77"})
            assert cancel.data["result"] == "ACCEPTED"
            await _flush(gateway)
            assert (await emsp.wait_command_result(cancel)).body["result"] == \
                "CANCELED_RESERVATION"
            assert ("CancelReservation", {"reservationId": sent["reservationId"]}) in \
                sim.received
            unknown = await emsp.send_command(None, "CANCEL_RESERVATION",
                                              {"reservation_id": "NEVER-MADE"})
            assert unknown.data["result"] == "REJECTED"
        emsp.assert_clean()


async def test_lost_session_pushes_heal_and_the_cdr_goes_once(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakeEmsp(country="DE", party="EMS") as emsp:
        await _registered(gateway, emsp)
        token = emsp.add_token("DE-CRASH-1", whitelist="ALWAYS")
        await emsp.put_token(None, token)
        pushes = gateway.deps.bus._subscribers  # simulate a crash: events never pushed
        saved = {k: list(v) for k, v in pushes.items()}
        pushes.clear()
        async with gateway.charger("station-01") as sim:
            start = await sim.call("StartTransaction", {
                "connectorId": 1, "idTag": "DE-CRASH-1", "meterStart": 0,
                "timestamp": "2026-11-21T08:00:00Z"})
            await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                               "meterStop": 3000,
                                               "timestamp": "2026-11-21T08:30:00Z"})
        pushes.update(saved)
        assert not emsp.calls("sessions") and not emsp.calls("cdrs")
        _, counts = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert (counts["sessions"], counts["cdrs"]) == (1, 1)
        _, again = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert (again["sessions"], again["cdrs"]) == (0, 0)  # a CDR is POSTed once
        await _flush(gateway)
        put = await emsp.wait_for(module="sessions", method="PUT")
        assert put.body["status"] == "COMPLETED"
        cdr = await emsp.wait_for(module="cdrs", method="POST")
        assert cdr.body["session_id"] == str(start["transactionId"])
        assert len(emsp.calls("cdrs", "POST")) == 1
        emsp.assert_clean()
