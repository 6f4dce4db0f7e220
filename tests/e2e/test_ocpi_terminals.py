"""Payment terminals end to end against a fake payment terminal provider (PTP) speaking OCPI
2.3.0 on 127.0.0.1, real HTTP both ways: the PTP registers and creates terminals on our
receiver, we pull the rest of its terminals (paginated), CPO staff assign a terminal to an
area and then to a connector through the admin API and the PTP receives each change
(``location_ids`` / ``evse_uids``) through the outbox, the Locations the PTP pulls carry
the card-payment capabilities exactly where a terminal serves, activation and deactivation
reach the PTP, and a financial advice confirmation is stored and shown with its session.

The fake validates every body it receives, and every answer to its requests, against the
2.3.0 OpenAPI (``assert_clean()`` fails on any mismatch)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.support.fake_ptp import FakePtp
from tests.support.ocpi230_openapi import validate_object

TERMINAL_ID = "452cf8a1-79aa-4a0e-9aee-dc788586053c"
REFERENCE = "pp-100100-1948213567"
CARD = {"CONTACTLESS_CARD_SUPPORT", "CREDIT_CARD_PAYABLE", "DEBIT_CARD_PAYABLE",
        "PED_TERMINAL"}


def ours(gateway: Any, path: str = "") -> str:
    return str(gateway.client.make_url(f"/ocpi{path}"))


async def _platform(gateway: Any, ptp: FakePtp, code: str = "PTP-AT") -> None:
    status, body = await gateway.admin("POST", "/roaming/platforms", json={
        "code": code, "name": "Terminal provider", "roaming_profile": "TRI-OCPI",
        "type": "PTP", "protocol": "OCPI", "url": ptp.versions_url, "country": ptp.country,
        "roaming_identifier": ptp.party})
    assert status == 201, body


async def _register(gateway: Any, ptp: FakePtp, code: str = "PTP-AT") -> None:
    await _platform(gateway, ptp, code)
    _, token = await gateway.admin("POST", f"/roaming/platforms/{code}/registration-token",
                                   json={})
    await ptp.register_with(ours(gateway, "/versions"), token["token"])
    await gateway.deps.ocpi.publisher.wait()


async def _flush(gateway: Any) -> None:
    """Lets commands, events and the outbox run to completion (no background jobs here)."""
    for _ in range(3):
        await gateway.deps.charging.wait_background()
        await gateway.deps.ocpi.commands.wait()
        await gateway.deps.ocpi.publisher.wait()
        await gateway.deps.bus.drain()
        await gateway.deps.outbox.dispatcher.deliver_due()


async def _capabilities(ptp: FakePtp) -> dict[str, set[str]]:
    """EVSE uid -> card-payment capabilities, as the PTP pulls our Locations."""
    locations, _ = await ptp.pull_all("locations")
    return {evse["uid"]: set(evse.get("capabilities") or []) & CARD
            for location in locations for evse in location["evses"]}


def _patches(ptp: FakePtp, terminal_id: str) -> list[dict[str, Any]]:
    return [c.body for c in ptp.calls("payments", "PATCH")
            if c.match.get("terminal_id") == terminal_id]


async def test_terminals_from_the_ptp_and_their_assignment(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP", page_limit=2) as ptp:
        await _register(gateway, ptp)
        # The PTP creates a newly shipped terminal on our side (the spec's example) ...
        created = await ptp.post_terminal({
            "terminal_id": TERMINAL_ID, "address": "Street 1", "city": "Vienna",
            "country": "AUT", "coordinates": {"latitude": "51.047599", "longitude": "3.729944"},
            "customer_reference": "ChargePoint", "invoice_base_url":
            "https://somecompany.com/invoices", "invoice_creator": "CPO", "location_ids": [],
            "last_updated": "2018-12-10T17:16:15Z"})
        assert (created.status, created.status_code) == (201, 1000)
        assert created.data["terminal_id"] == TERMINAL_ID and created.data["location_ids"] == []
        # ... and a minimal one, twice (a repeated POST updates, it does not duplicate).
        minimal = await ptp.post_terminal({"terminal_id": "T-MINIMAL"})
        assert minimal.status == 201
        assert (await ptp.post_terminal({"terminal_id": "T-MINIMAL", "reference": "SN-7"})
                ).status == 200
        # Terminals it only has on its side arrive by a pull on demand (3 pages of 2).
        for number in (1, 2, 3):
            ptp.add_terminal(f"T-PULL-{number}", reference=f"SN-{number}", country="AUT")
        status, pulled = await gateway.admin("POST",
                                             "/roaming/platforms/PTP-AT/terminals/pull")
        assert status == 200, pulled
        assert (pulled["pages"], pulled["received"], pulled["created"], pulled["updated"],
                pulled["refused"]) == (3, 5, 3, 2, [])
        status, stored = await gateway.admin("GET", "/terminals?platform=PTP-AT")
        assert sorted(t["roaming_id"] for t in stored) == sorted(
            [TERMINAL_ID, "T-MINIMAL", "T-PULL-1", "T-PULL-2", "T-PULL-3"])
        first = next(t for t in stored if t["roaming_id"] == TERMINAL_ID)
        assert (first["country"], first["city"], first["customer_reference"]) == (
            "AT", "Vienna", "ChargePoint")
        assert Decimal(first["latitude"]) == Decimal("51.047599")
        assert first["roaming_last_updated"] == "2018-12-10T17:16:15Z"
        assert next(t for t in stored if t["roaming_id"] == "T-MINIMAL")[
            "roaming_reference"] == "SN-7"
        code = first["code"]
        assert await _capabilities(ptp) == {"010107": set(), "010108": set(), "020101": set()}

        # CPO staff assign the terminal to the area: the PTP gets the Location id.
        status, assigned = await gateway.admin("PUT", f"/terminals/{code}/assignment",
                                               json={"area": "AREA-1"})
        assert status == 200 and assigned["warnings"] == [], assigned
        await _flush(gateway)
        patch = _patches(ptp, TERMINAL_ID)[-1]
        assert (patch["location_ids"], patch["evse_uids"]) == (["0101"], [])
        assert ptp.terminals[TERMINAL_ID]["location_ids"] == ["0101"]
        assert await _capabilities(ptp) == {uid: CARD for uid in ("010107", "010108",
                                                                  "020101")}
        # ... then to one connector: the area is replaced by the EVSE.
        status, assigned = await gateway.admin("PUT", f"/terminals/{code}/assignment",
                                               json={"connector": "B1C1/2"})
        assert status == 200, assigned
        await _flush(gateway)
        patch = _patches(ptp, TERMINAL_ID)[-1]
        assert (patch["location_ids"], patch["evse_uids"]) == ([], ["010108"])
        assert await _capabilities(ptp) == {"010107": set(), "010108": CARD, "020101": set()}
        # The PTP reads back what it holds, and we know it holds it.
        held = await ptp.get_terminal(TERMINAL_ID)
        assert (held.data["location_ids"], held.data["evse_uids"]) == ([], ["010108"])
        _, shown = await gateway.admin("GET", f"/terminals/{code}")
        assert shown["roaming_in_sync"] is True
        assert (await ptp.get_terminal("T-UNKNOWN")).status == 404

        # A terminal pulled from the PTP: unassign, deactivate, activate, update.
        pulled_code = next(t["code"] for t in stored if t["roaming_id"] == "T-PULL-1")
        await gateway.admin("PUT", f"/terminals/{pulled_code}/assignment",
                            json={"area": "AREA-1"})
        await _flush(gateway)
        assert ptp.terminals["T-PULL-1"]["location_ids"] == ["0101"]
        status, deactivated = await gateway.admin("POST",
                                                  f"/terminals/{pulled_code}/deactivate")
        assert status == 200 and deactivated["active"] is False
        await _flush(gateway)
        assert ptp.deactivated == ["T-PULL-1"]
        # only the EVSE of the other, still active terminal keeps the capabilities
        assert await _capabilities(ptp) == {"010107": set(), "010108": CARD, "020101": set()}
        status, activated = await gateway.admin("POST", f"/terminals/{pulled_code}/activate")
        assert status == 200 and activated["active"] is True
        await _flush(gateway)
        assert [(a["terminal_id"], a["reference"], a["location_ids"])
                for a in ptp.activations] == [("T-PULL-1", "SN-1", ["0101"])]
        status, updated = await gateway.admin("PATCH", f"/terminals/{pulled_code}", json={
            "customer_reference": "OMV", "invoice_base_url": "https://cpo.example/invoices/"})
        assert status == 200 and updated["warnings"] == []
        await _flush(gateway)
        assert ptp.terminals["T-PULL-1"]["customer_reference"] == "OMV"
        assert ptp.terminals["T-PULL-1"]["location_ids"] == ["0101"]  # PUT carries ours
        status, unassigned = await gateway.admin("DELETE",
                                                 f"/terminals/{pulled_code}/assignment")
        assert status == 200 and unassigned["location_ids"] == []
        await _flush(gateway)
        assert ptp.terminals["T-PULL-1"]["location_ids"] == []
        assert ptp.terminals["T-PULL-1"]["evse_uids"] == []
        for call in ptp.calls("payments"):
            assert call.ok and not call.schema_errors, call
        ptp.assert_clean()


async def test_an_assignment_waits_for_the_ptp_registration(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _platform(gateway, ptp)
        ptp.add_terminal("T-EARLY", reference="SN-9")
        status, created = await gateway.admin("POST", "/terminals", json={
            "code": "EARLY", "name": "Early terminal", "platform": "PTP-AT",
            "roaming_id": "T-EARLY", "roaming_reference": "SN-9"})
        assert status == 201, created
        status, assigned = await gateway.admin("PUT", "/terminals/EARLY/assignment",
                                               json={"connector": "B2C1/1"})
        assert status == 200 and assigned["roaming_in_sync"] is False
        assert assigned["warnings"] == [
            "not sent to the PTP: platform 'PTP-AT' is not registered in OCPI yet"]
        _, token = await gateway.admin("POST", "/roaming/platforms/PTP-AT/registration-token",
                                       json={})
        await ptp.register_with(ours(gateway, "/versions"), token["token"])
        assert await gateway.deps.terminals.reconcile() == 1  # the periodic job's pass
        await _flush(gateway)
        assert ptp.terminals["T-EARLY"]["evse_uids"] == ["020101"]
        _, shown = await gateway.admin("GET", "/terminals/EARLY")
        assert shown["roaming_in_sync"] is True
        assert await gateway.deps.terminals.reconcile() == 0  # nothing left to send
        # A PTP push that disagrees with our assignment is answered with ours.
        pushed = await ptp.post_terminal({"terminal_id": "T-EARLY", "location_ids": ["0101"],
                                          "last_updated": "2026-11-21T08:00:00Z"})
        assert pushed.status == 200 and pushed.data["evse_uids"] == ["020101"]
        assert pushed.data["location_ids"] == []
        await _flush(gateway)
        assert ptp.terminals["T-EARLY"]["location_ids"] == []
        assert ptp.terminals["T-EARLY"]["evse_uids"] == ["020101"]
        ptp.assert_clean()


async def _payment_session(gateway: Any, ptp: FakePtp) -> int:
    status, body = await gateway.admin("POST", "/roaming/tariffs", json={
        "code": "CARD-AC", "name": "Card payment AC", "max_payment_authorization_amount": "20",
        "details": [{"energy": {"price": "0.30", "vat": "22"}}]})
    assert status == 201, body
    await gateway.admin("PUT", "/roaming/tariff-assignments/operator/OP-1",
                        json={"tariffs": ["CARD-AC"]})
    await gateway.admin("PUT", "/roaming/tariff-assignments/platform/PTP-AT",
                        json={"tariffs": ["CARD-AC"]})
    sim = gateway.charger("station-01", handlers={
        "RemoteStartTransaction": lambda p: {"status": "Accepted"}})
    async with sim:
        answer = await ptp.start_session("0101", "010108", REFERENCE, uid="PAY-0001")
        assert answer.data["result"] == "ACCEPTED"
        await _flush(gateway)
        gateway.clock.set(datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC))
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "PAY-0001", "meterStart": 0,
            "timestamp": "2026-11-21T08:00:05Z"})
        await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                           "meterStop": 10000,
                                           "timestamp": "2026-11-21T09:00:05Z"})
        await _flush(gateway)
    return int(start["transactionId"])


async def test_financial_advice_confirmation(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        session_id = await _payment_session(gateway, ptp)
        confirmation = {
            "id": "fac-0001", "authorization_reference": REFERENCE, "currency": "EUR",
            "total_costs": {"before_taxes": 3, "taxes": [
                {"name": "VAT", "percentage": 22, "amount": 0.66}]},
            "eft_data": ["Mastercard", "AID: 1234", "Nr: **** **** **** 1234",
                         "Amount: EUR 3.66"],
            "capture_status_code": "SUCCESS", "capture_status_message": "Captured",
            "last_updated": "2026-11-21T09:05:00Z"}
        answer = await ptp.post_confirmation(confirmation)
        assert (answer.status, answer.status_code) == (201, 1000)
        back = await ptp.get_confirmation("fac-0001")
        assert back.data == confirmation | {"total_costs": {"before_taxes": 3, "taxes": [
            {"name": "VAT", "percentage": 22, "amount": Decimal("0.66")}]}}  # as received
        # The spec's own example (a 2.2.1 price) for another payment is kept too.
        legacy = await ptp.request("POST", "payments/financial-advice-confirmations", body={
            "id": "fac-0002", "authorization_reference": "pp-unknown", "total_costs":
            {"excl_vat": 4.00, "incl_vat": 4.40}, "currency": "EUR",
            "capture_status_code": "FAILED", "last_updated": "2018-12-10T17:16:15Z"})
        assert legacy.status_code == 1000
        status, listed = await gateway.admin("GET", "/financial-advice-confirmations")
        assert status == 200 and [c["id"] for c in listed] == ["fac-0002", "fac-0001"]
        mine = listed[1]
        assert (mine["session_id"], mine["platform"], mine["capture_status_code"]) == (
            session_id, "PTP-AT", "SUCCESS")
        assert (Decimal(mine["total_excl_vat"]), Decimal(mine["total_incl_vat"])) == (
            Decimal(3), Decimal("3.66"))
        assert mine["eft_data"][-1] == "Amount: EUR 3.66"
        assert listed[0]["session_id"] is None  # no session has that reference
        assert (Decimal(listed[0]["total_excl_vat"]), Decimal(listed[0]["total_incl_vat"])
                ) == (Decimal(4), Decimal("4.4"))
        _, of_session = await gateway.admin(
            "GET", f"/sessions/{session_id}/financial-advice-confirmations")
        assert [c["id"] for c in of_session] == ["fac-0001"]
        _, by_filter = await gateway.admin(
            "GET", f"/financial-advice-confirmations?session={session_id}")
        assert [c["id"] for c in by_filter] == ["fac-0001"]
        validate_object("FinancialAdviceConfirmation", back.data)
        # A repeated confirmation (a retry, a later capture) replaces the stored one.
        again = await ptp.post_confirmation(confirmation | {
            "capture_status_code": "PARTIAL_SUCCESS", "last_updated": "2026-11-21T09:06:00Z"})
        assert (again.status, again.status_code) == (200, 1000)
        _, listed = await gateway.admin("GET", f"/financial-advice-confirmations?session="
                                               f"{session_id}")
        assert [(c["id"], c["capture_status_code"]) for c in listed] == [
            ("fac-0001", "PARTIAL_SUCCESS")]
        # A total no card captures (and we cannot store) is the PTP's error, not ours.
        huge = await ptp.request("POST", "payments/financial-advice-confirmations", body=(
            confirmation | {"id": "fac-0003", "total_costs": {"before_taxes": 1e12}}))
        assert (huge.status, huge.status_code) == (200, 2001)
        ptp.assert_clean()


async def test_only_a_ptp_uses_the_payments_module(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="DE", party="EMS") as other:
        # A platform configured as an eMSP, whatever it advertises, gets no terminals in.
        status, _ = await gateway.admin("POST", "/roaming/platforms", json={
            "code": "EMSP-DE", "name": "eMSP", "roaming_profile": "TRI-OCPI", "type": "EMSP",
            "protocol": "OCPI", "url": other.versions_url, "country": "DE",
            "roaming_identifier": "EMS"})
        assert status == 201
        _, token = await gateway.admin(
            "POST", "/roaming/platforms/EMSP-DE/registration-token", json={})
        await other.register_with(ours(gateway, "/versions"), token["token"])
        refused = await other.request("POST", ours(gateway, "/2.3.0/payments/terminals"),
                                      body={"terminal_id": "T-1"})
        assert refused.status == 403 and refused.status_code == 2000
        _, terminals = await gateway.admin("GET", "/terminals")
        assert terminals == []


async def test_a_refused_assignment_shows_and_is_not_resent_in_a_loop(
        ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        assert (await ptp.post_terminal({"terminal_id": "T-REF"})).status == 201
        _, stored = await gateway.admin("GET", "/terminals?roaming_id=T-REF")
        code = stored[0]["code"]
        await _flush(gateway)  # the pushes that follow the registration, first
        # The PTP refuses the assignment (e.g. it does not know the Location yet).
        ptp.reject_next(1, status_code=2001)
        status, assigned = await gateway.admin("PUT", f"/terminals/{code}/assignment",
                                               json={"area": "AREA-1"})
        assert status == 200 and assigned["roaming_in_sync"] is True  # queued
        await _flush(gateway)
        _, shown = await gateway.admin("GET", f"/terminals/{code}")
        assert shown["roaming_in_sync"] is False
        assert shown["roaming_refused"] == "OCPI 2001"
        assert ptp.terminals["T-REF"].get("location_ids", []) == []
        # The periodic reconcile does not repeat what the PTP refused.
        assert await gateway.deps.terminals.reconcile() == 0
        # An admin retry of the refused message delivers it, and the terminal knows.
        _, failed = await gateway.admin("GET", "/outbox?status=FAILED&kind=terminal_assignment")
        assert [m["partner"] for m in failed] == ["PTP-AT"]
        status, _ = await gateway.admin("POST", f"/outbox/{failed[0]['id']}/retry")
        assert status == 200
        await _flush(gateway)
        assert ptp.terminals["T-REF"]["location_ids"] == ["0101"]
        _, shown = await gateway.admin("GET", f"/terminals/{code}")
        assert (shown["roaming_in_sync"], shown["roaming_refused"]) == (True, None)
        # Refused again, then staff assign again: that sends it again.
        ptp.reject_next(1, status_code=2001)
        await gateway.admin("PUT", f"/terminals/{code}/assignment",
                            json={"connector": "B1C1/2"})
        await _flush(gateway)
        _, shown = await gateway.admin("GET", f"/terminals/{code}")
        assert shown["roaming_refused"] == "OCPI 2001" and shown["evse_uids"] == ["010108"]
        assert ptp.terminals["T-REF"]["evse_uids"] == []
        status, again = await gateway.admin("PUT", f"/terminals/{code}/assignment",
                                            json={"connector": "B1C1/2"})
        assert status == 200 and again["warnings"] == []
        await _flush(gateway)
        assert ptp.terminals["T-REF"]["evse_uids"] == ["010108"]
        _, shown = await gateway.admin("GET", f"/terminals/{code}")
        assert (shown["roaming_in_sync"], shown["roaming_refused"]) == (True, None)
        # A PTP without deactivation: ours stands (no card capabilities), and it shows.
        ptp.reject_next(1, status_code=2000)
        status, deactivated = await gateway.admin("POST", f"/terminals/{code}/deactivate")
        assert status == 200 and deactivated["active"] is False
        await _flush(gateway)
        assert ptp.deactivated == []
        _, shown = await gateway.admin("GET", f"/terminals/{code}")
        assert shown["roaming_refused"] == "deactivation refused: OCPI 2000"
        assert shown["roaming_in_sync"] is False
        assert await gateway.deps.terminals.reconcile() == 0
        assert await _capabilities(ptp) == {"010107": set(), "010108": set(),
                                            "020101": set()}


async def test_the_same_new_terminal_pushed_twice_at_once(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        answers = await asyncio.gather(*(ptp.post_terminal(
            {"terminal_id": "T-TWICE", "reference": "SN-2X"}) for _ in range(4)))
        assert sorted(a.status for a in answers) == [200, 200, 200, 201]
        assert {a.status_code for a in answers} == {1000}
        _, stored = await gateway.admin("GET", "/terminals?platform=PTP-AT")
        assert [t["roaming_id"] for t in stored] == ["T-TWICE"]
        ptp.assert_clean()


async def test_the_terminal_says_who_invoices_the_driver(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        _, settings = await gateway.admin("GET", "/roaming/platforms/PTP-AT/credentials")
        assert settings["cpo_issues_invoices"] is False  # the platform default: the PTP
        # The PTP's terminal on the Location says the CPO invoices (invoice_base_url +
        # authorization_reference); arriving with that Location, it is assigned to it.
        created = await ptp.post_terminal({
            "terminal_id": "T-INV", "invoice_creator": "CPO",
            "invoice_base_url": "https://cpo.example/invoices/", "location_ids": ["0101"],
            "last_updated": "2026-11-21T07:00:00Z"})
        assert created.status == 201 and created.data["location_ids"] == ["0101"]
        session_id = await _payment_session(gateway, ptp)
        cdr = await ptp.wait_for(module="cdrs", method="POST")
        assert cdr.body["session_id"] == str(session_id)
        assert cdr.body["invoice_reference_id"] == REFERENCE
        ptp.assert_clean()
