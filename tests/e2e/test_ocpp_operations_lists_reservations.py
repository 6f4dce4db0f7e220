"""Local authorization lists (full and differential, versions persisted) and reservations
(honoured by a session, cancelled, expired) against simulated chargers."""

from __future__ import annotations

from typing import Any

import pytest

S16, S201 = "station-01", "station-02"


def _accept(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}


async def test_full_then_differential_local_list_16(gateway: Any) -> None:
    sim = gateway.charger(S16, handlers={"SendLocalList": _accept,
                                         "GetLocalListVersion": lambda p: {"listVersion": 2}})
    async with sim:
        status, body = await gateway.admin("POST", f"/stations/{S16}/operations/send-local-list",
                                           json={"update_type": "full"})
        assert (status, body["status"], body["details"]["version"]) == (200, "Accepted", 1)
        assert sim.received[-1] == ("SendLocalList", {
            "listVersion": 1, "updateType": "Full", "localAuthorizationList": [
                {"idTag": "DEMO-RFID-1", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "DEMO-RFID-BLOCKED", "idTagInfo": {"status": "Blocked"}}]})
        # the tokens change: one is blocked, one added, one deleted
        changes = [await gateway.admin("PATCH", "/tokens/DEMO-RFID-1",
                                       json={"status": "BLOCKED"}),
                   await gateway.admin("DELETE", "/tokens/DEMO-RFID-BLOCKED"),
                   await gateway.admin("POST", "/tokens", json={
                       "code": "NEW-CARD", "type": "RFID", "identifier": "NEW-CARD",
                       "status": "VALID"})]
        assert [status for status, _ in changes] == [200, 204, 201]
        _, body = await gateway.admin("POST", f"/stations/{S16}/operations/send-local-list",
                                      json={"update_type": "differential"})
        assert (body["status"], body["details"]["version"], body["details"]["removed"]) == (
            "Accepted", 2, 1)
        assert sim.received[-1] == ("SendLocalList", {
            "listVersion": 2, "updateType": "Differential", "localAuthorizationList": [
                {"idTag": "DEMO-RFID-1", "idTagInfo": {"status": "Blocked"}},
                {"idTag": "NEW-CARD", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "DEMO-RFID-BLOCKED"}]})
        _, version = await gateway.admin(
            "POST", f"/stations/{S16}/operations/get-local-list-version", json={})
        assert version["details"] == {"version": 2, "stored_version": 2}


async def test_differential_local_list_201_and_a_refused_list_keeps_the_version(
        gateway: Any) -> None:
    replies = iter([{"status": "Accepted"}, {"status": "VersionMismatch"},
                    {"status": "Accepted"}])
    sim = gateway.charger(S201, "ocpp2.0.1", handlers={"SendLocalList": lambda p: next(replies)})
    async with sim:
        await gateway.admin("POST", f"/stations/{S201}/operations/send-local-list",
                            json={"update_type": "full"})
        assert sim.received[-1][1]["localAuthorizationList"][0] == {
            "idToken": {"idToken": "DEMO-RFID-1", "type": "ISO14443"},
            "idTokenInfo": {"status": "Accepted"}}
        await gateway.admin("PATCH", "/tokens/DEMO-RFID-BLOCKED", json={"status": "VALID"})
        _, refused = await gateway.admin("POST", f"/stations/{S201}/operations/send-local-list",
                                         json={"update_type": "differential"})
        assert refused["status"] == "VersionMismatch" and "full" in refused["details"]["hint"]
        _, body = await gateway.admin("POST", f"/stations/{S201}/operations/send-local-list",
                                      json={"update_type": "differential"})
    # the refused list did not count: the next one is version 2, with the same change
    assert sim.received[-1] == ("SendLocalList", {
        "versionNumber": 2, "updateType": "Differential", "localAuthorizationList": [
            {"idToken": {"idToken": "DEMO-RFID-BLOCKED", "type": "ISO14443"},
             "idTokenInfo": {"status": "Accepted"}}]})
    assert body["details"]["version"] == 2


async def test_reservation_honoured_by_a_session_16(gateway: Any) -> None:
    sim = gateway.charger(S16, handlers={"ReserveNow": _accept})
    async with sim:
        status, body = await gateway.admin("POST", f"/stations/{S16}/operations/reserve-now",
                                           json={"connector": "2", "id_token": "DEMO-RFID-1",
                                                 "expires_at": "2026-11-21T08:30:00Z"})
        assert (status, body["status"]) == (200, "Accepted"), body
        reservation_id = body["details"]["reservation_id"]
        assert body["details"]["whole_charger"] is True  # connectors not simultaneous
        assert sim.received == [("ReserveNow", {
            "connectorId": 2, "expiryDate": "2026-11-21T08:30:00Z", "idTag": "DEMO-RFID-1",
            "reservationId": reservation_id})]
        # the whole charger is taken: the other connector cannot be reserved
        status, problem = await gateway.admin(
            "POST", f"/stations/{S16}/operations/reserve-now",
            json={"connector": "1", "id_token": "DEMO-RFID-1",
                  "expires_at": "2026-11-21T08:30:00Z"})
        assert status == 409 and "already reserved" in problem["detail"]
        gateway.clock.advance(600)
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DEMO-RFID-1", "meterStart": 0,
            "timestamp": "2026-11-21T08:10:00Z", "reservationId": reservation_id})
        await gateway.settle()
    _, reservations = await gateway.admin("GET", f"/stations/{S16}/reservations")
    assert [(r["status"], r["session_id"]) for r in reservations] == [
        ("USED", start["transactionId"])]
    _, session = await gateway.admin("GET", f"/sessions/{start['transactionId']}")
    assert session["reservation_time_s"] == 600


async def test_simultaneous_connectors_reserve_one_connector(gateway: Any) -> None:
    await gateway.admin("PUT", "/chargers/B1C1/reservation-rules",
                        json={"simultaneous_connectors": True})
    async with gateway.charger(S16, handlers={"ReserveNow": _accept}):
        for connector in ("1", "2"):
            status, body = await gateway.admin(
                "POST", f"/stations/{S16}/operations/reserve-now",
                json={"connector": connector, "id_token": "DEMO-RFID-1",
                      "expires_at": "2026-11-21T08:30:00Z"})
            assert (status, body["details"]["whole_charger"]) == (200, False)


async def test_reservation_cancelled_and_expired_201(gateway: Any) -> None:
    sim = gateway.charger(S201, "ocpp2.0.1", handlers={"ReserveNow": _accept,
                                                         "CancelReservation": _accept})
    async with sim:
        _, first = await gateway.admin("POST", f"/stations/{S201}/operations/reserve-now",
                                       json={"id_token": "DEMO-RFID-1", "token_type": "RFID",
                                             "expires_at": "2026-11-21T08:15:00Z"})
        first_id = first["details"]["reservation_id"]
        assert sim.received[-1] == ("ReserveNow", {
            "id": first_id, "expiryDateTime": "2026-11-21T08:15:00Z", "evseId": 1,
            "idToken": {"idToken": "DEMO-RFID-1", "type": "ISO14443"}})
        _, cancelled = await gateway.admin(
            "POST", f"/stations/{S201}/operations/cancel-reservation",
            json={"reservation_id": first_id})
        assert cancelled["status"] == "Accepted"
        assert cancelled["details"]["reservation_status"] == "CANCELLED"
        assert sim.received[-1] == ("CancelReservation", {"reservationId": first_id})
        # a new one is possible now, and expires by the job
        _, second = await gateway.admin("POST", f"/stations/{S201}/operations/reserve-now",
                                        json={"id_token": "DEMO-RFID-1",
                                              "expires_at": "2026-11-21T08:15:00Z"})
        assert second["status"] == "Accepted"
        gateway.clock.advance(14 * 60)
        _, counts = await gateway.admin("POST", "/jobs/reservations/expire")
        assert counts == {"expired": 0}
        gateway.clock.advance(60)
        _, counts = await gateway.admin("POST", "/jobs/reservations/expire")
        assert counts == {"expired": 1}
        # and a third is removed by the charger itself
        _, third = await gateway.admin("POST", f"/stations/{S201}/operations/reserve-now",
                                       json={"id_token": "DEMO-RFID-1",
                                             "expires_at": "2026-11-21T09:00:00Z"})
        await sim.call("ReservationStatusUpdate", {
            "reservationId": third["details"]["reservation_id"],
            "reservationUpdateStatus": "Removed"})
    _, reservations = await gateway.admin("GET", f"/stations/{S201}/reservations")
    assert [r["status"] for r in reservations] == ["CANCELLED", "EXPIRED", "CANCELLED"]


@pytest.mark.parametrize("answer", ["Occupied", "Faulted", "Rejected", "Unavailable"])
async def test_reservation_refused_by_the_charger(gateway: Any, answer: str) -> None:
    async with gateway.charger(S16, handlers={"ReserveNow": lambda p: {"status": answer}}):
        _, body = await gateway.admin("POST", f"/stations/{S16}/operations/reserve-now",
                                      json={"connector": "1", "id_token": "DEMO-RFID-1",
                                            "expires_at": "2026-11-21T08:30:00Z"})
    assert (body["status"], body["details"]["reservation_status"]) == (answer, "REJECTED")


async def test_unreservable_charger_and_past_expiry(gateway: Any) -> None:
    await gateway.admin("PATCH", "/chargers/B1C1", json={"reservable": False})
    async with gateway.charger(S16, handlers={"ReserveNow": _accept}) as sim:
        status, _ = await gateway.admin("POST", f"/stations/{S16}/operations/reserve-now",
                                        json={"connector": "1", "id_token": "DEMO-RFID-1",
                                              "expires_at": "2026-11-21T08:30:00Z"})
        assert status == 409
        await gateway.admin("PATCH", "/chargers/B1C1", json={"reservable": True})
        status, _ = await gateway.admin("POST", f"/stations/{S16}/operations/reserve-now",
                                        json={"connector": "1", "id_token": "DEMO-RFID-1",
                                              "expires_at": "2026-11-21T07:59:00Z"})
        assert status == 422
    assert sim.received == []


async def test_reservation_without_answer_is_504_and_kept_as_no_answer(gateway: Any) -> None:
    async with gateway.charger(S16, handlers={"ReserveNow": lambda p: None}):
        status, _ = await gateway.admin("POST", f"/stations/{S16}/operations/reserve-now",
                                        json={"connector": "1", "id_token": "DEMO-RFID-1",
                                              "expires_at": "2026-11-21T08:30:00Z"})
    assert status == 504
    _, reservations = await gateway.admin("GET", f"/stations/{S16}/reservations")
    assert [r["status"] for r in reservations] == ["NO_ANSWER"]
