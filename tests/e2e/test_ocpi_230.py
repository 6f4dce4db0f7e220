"""OCPI 2.3.0 end to end against a fake payment terminal provider (PTP) on 127.0.0.1, real
HTTP both ways: registration in both directions on 2.3.0, Locations and Tariffs in 2.3.0
shape, a card-payment session started with the PTP's pre-authorization (PAYMENT_TRANSACTION,
no customer, the tariff's maximum payment authorization amount as its limit), its pushes
and its CDR in 2.3.0 shape; and a 2.2.1 eMSP on the same gateway still getting 2.2.1.

The fakes validate everything they receive against the OpenAPI of their version and parse
it with our models of that version: ``assert_clean()`` fails on any mismatch."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.e2e.test_ocpp16_session import mv
from tests.support.fake_emsp import FakeEmsp
from tests.support.fake_ptp import FakePtp
from tests.support.ocpi230_openapi import validate_response

REFERENCE = "pp-100100-1948213567"  # the PTP's pre-authorization reference


def ours(gateway: Any, path: str = "") -> str:
    return str(gateway.client.make_url(f"/ocpi{path}"))


async def _platform(gateway: Any, code: str, partner: FakeEmsp, platform_type: str) -> None:
    status, body = await gateway.admin("POST", "/roaming/platforms", json={
        "code": code, "name": code, "roaming_profile": "TRI-OCPI", "type": platform_type,
        "protocol": "OCPI", "url": partner.versions_url, "country": partner.country,
        "roaming_identifier": partner.party})
    assert status == 201, body


async def _register(gateway: Any, ptp: FakePtp, code: str = "PTP-AT") -> None:
    """The CPO provides the registration token; the PTP registers with us."""
    await _platform(gateway, code, ptp, "PTP")
    _, token = await gateway.admin("POST", f"/roaming/platforms/{code}/registration-token",
                                   json={})
    await ptp.register_with(ours(gateway, "/versions"), token["token"])
    await gateway.deps.ocpi.publisher.wait()  # the publication that follows a registration


async def _tariff(gateway: Any, platform: str = "PTP-AT", amount: str = "2.00") -> None:
    status, body = await gateway.admin("POST", "/roaming/tariffs", json={
        "code": "CARD-AC", "name": "Card payment AC", "max_payment_authorization_amount": amount,
        "details": [{"energy": {"price": "0.30", "vat": "22"}}]})
    assert status == 201, body
    await gateway.admin("PUT", "/roaming/tariff-assignments/operator/OP-1",
                        json={"tariffs": ["CARD-AC"]})
    await gateway.admin("PUT", f"/roaming/tariff-assignments/platform/{platform}",
                        json={"tariffs": ["CARD-AC"]})


async def _flush(gateway: Any) -> None:
    """Lets commands, events and the outbox run to completion (no background jobs here)."""
    for _ in range(3):
        await gateway.deps.charging.wait_background()
        await gateway.deps.ocpi.commands.wait()
        await gateway.deps.ocpi.publisher.wait()
        await gateway.deps.bus.drain()
        await gateway.deps.outbox.dispatcher.deliver_due()


async def test_ptp_registers_on_230_and_pulls_230_shapes(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        _, state = await gateway.admin("GET", "/roaming/platforms/PTP-AT/credentials")
        assert state["registered"] and state["version"] == "2.3.0"
        assert state["roles"][0]["role"] == "PTP"
        assert state["endpoints"]["payments"] == ptp.payments_url
        assert {"credentials", "cdrs", "sessions", "tariffs", "locations"} <= set(
            state["endpoints"])
        assert ptp.cpo_version == "2.3.0"
        ours_230 = {(e["identifier"], e["role"]): e["url"] for e in ptp.cpo_endpoint_list}
        assert ours_230[("payments", "RECEIVER")] == ours(gateway, "/2.3.0/payments")
        assert ours_230[("locations", "SENDER")] == ours(gateway, "/2.3.0/locations")
        versions = await ptp.get(ours(gateway, "/versions"), schema="Version", many=True)
        validate_response(versions.body, "Version", many=True)
        assert [v["version"] for v in versions.data] == ["2.2.1", "2.3.0"]
        await _tariff(gateway)
        tariffs, _ = await ptp.pull_all("tariffs")  # validated as 2.3.0 Tariffs by the fake
        assert [(t["id"], t["tax_included"], Decimal(str(t["preauthorize_amount"])))
                for t in tariffs] == [("CARD-AC", "NO", Decimal("2.00"))]
        locations, _ = await ptp.pull_all("locations")
        assert [loc["id"] for loc in locations] == ["0101"]
        connector = await ptp.get("locations/0101/010108/010108", schema="Connector")
        assert connector.data["tariff_ids"] == ["CARD-AC"]
        # the publisher pushes the tariff in 2.3.0 shape too
        _, published = await gateway.admin("POST", "/roaming/platforms/PTP-AT/publish")
        assert published["tariffs"] == 1
        await _flush(gateway)
        pushed = await ptp.wait_for(module="tariffs", method="PUT")
        assert pushed.body["tax_included"] == "NO" and pushed.body["preauthorize_amount"] == 2
        ptp.assert_clean()


async def test_we_register_with_the_ptp_on_230(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PAY", role="OTHER",
                       credentials_extra={"hub_party_id": "ATPAY"}) as ptp:
        await _platform(gateway, "PTP-PAY", ptp, "PTP")
        await gateway.admin("PUT", "/roaming/platforms/PTP-PAY/partner-registration-token",
                            json={"token": ptp.token_a})
        status, state = await gateway.admin(
            "POST", "/roaming/platforms/PTP-PAY/credentials/register")
        assert status == 200, state
        assert state["version"] == "2.3.0" and state["remote_access_token"] == ptp.token_c
        assert state["roles"][0]["role"] == "OTHER"  # what a PTP true to the Role enum sends
        assert state["hub_party_id"] == "ATPAY"  # a 2.3.0 Credentials field, kept
        posted = ptp.calls("credentials", "POST")[0]
        assert posted.schema == "Credentials" and not posted.schema_errors
        assert posted.path == "/ocpi/ptp/2.3.0/credentials"
        status, updated = await gateway.admin(
            "POST", "/roaming/platforms/PTP-PAY/credentials/update")
        assert status == 200 and updated["version"] == "2.3.0"
        ptp.assert_clean()


async def test_ptp_without_payments_endpoint_cannot_register(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(omit_modules=("payments",)) as ptp:
        await _platform(gateway, "PTP-AT", ptp, "PTP")
        _, token = await gateway.admin(
            "POST", "/roaming/platforms/PTP-AT/registration-token", json={})
        ptp.token_b = ptp.new_token()  # the token the CPO reads our versions with
        answer = await ptp.request("POST", ours(gateway, "/2.3.0/credentials"),
                                   token=token["token"], body=ptp.credentials(ptp.token_b))
        assert answer.status_code == 3003 and "payments" in answer.body["status_message"]
        _, state = await gateway.admin("GET", "/roaming/platforms/PTP-AT/credentials")
        assert not state["registered"]


async def _payment_session(gateway: Any, ptp: FakePtp, sim: Any) -> int:
    answer = await ptp.start_session("0101", "010108", REFERENCE, uid="PAY-0001")
    assert answer.data["result"] == "ACCEPTED"
    await _flush(gateway)
    assert (await ptp.wait_command_result(answer)).body["result"] == "ACCEPTED"
    assert ("RemoteStartTransaction", {"idTag": "PAY-0001", "connectorId": 2}) in sim.received
    # a charger with AuthorizeRemoteTxRequests asks first: the terminal's ad hoc token is
    # known to no authorizer, the prepared session answers for it
    authorized = await sim.call("Authorize", {"idTag": "PAY-0001"})
    assert authorized["idTagInfo"]["status"] == "Accepted"
    assert await sim.call("Authorize", {"idTag": "PAY-0002"}) == {
        "idTagInfo": {"status": "Invalid"}}
    gateway.clock.set(datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC))
    start = await sim.call("StartTransaction", {
        "connectorId": 2, "idTag": "PAY-0001", "meterStart": 0,
        "timestamp": "2026-11-21T08:00:05Z"})
    assert start["idTagInfo"]["status"] == "Accepted"
    await _flush(gateway)
    return int(start["transactionId"])


async def test_payment_session_from_start_to_cdr(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        await _tariff(gateway, amount="20.00")
        status, settings = await gateway.admin(
            "PUT", "/roaming/platforms/PTP-AT/ocpi-settings", json={"cpo_issues_invoices": True})
        assert status == 200 and settings == {"send_base64": True, "cpo_issues_invoices": True}
        sim = gateway.charger("station-01", handlers={
            "RemoteStartTransaction": lambda p: {"status": "Accepted"},
            "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
        async with sim:
            tx = await _payment_session(gateway, ptp, sim)
            put = await ptp.wait_for(module="sessions", method="PUT")
            assert put.body["id"] == str(tx) and put.body["status"] == "ACTIVE"
            assert put.body["authorization_reference"] == REFERENCE
            assert put.body["auth_method"] == "COMMAND"
            assert put.body["cdr_token"] == {"country_code": "AT", "party_id": "PTP",
                                             "uid": "PAY-0001", "type": "AD_HOC_USER",
                                             "contract_id": "PAY-0001"}
            # a card payment: no customer, its own monetary limit, in the home network list
            _, listed = await gateway.admin("GET", "/sessions?station=station-01")
            mine = next(s for s in listed if s["id"] == tx)
            assert mine["authorization_mode"] == "PAYMENT_TRANSACTION"
            assert mine["customer"] is None and mine["authorization_reference"] == REFERENCE
            assert mine["network"] == "HOME"
            _, home = await gateway.admin("GET", "/sessions?network=home")
            _, roaming = await gateway.admin("GET", "/sessions?network=roaming")
            assert tx in [s["id"] for s in home] and tx not in [s["id"] for s in roaming]
            gateway.clock.set(datetime(2026, 11, 21, 8, 30, tzinfo=UTC))
            await sim.call("MeterValues", mv(2, tx, "2026-11-21T08:30:00Z", "5000"))
            await _flush(gateway)
            patch = await ptp.wait_for(module="sessions", method="PATCH")
            assert Decimal(str(patch.body["kwh"])) == Decimal("5")
            stop = await ptp.stop_session(str(tx))
            assert stop.data["result"] == "ACCEPTED"
            await _flush(gateway)
            assert (await ptp.wait_command_result(stop)).body["result"] == "ACCEPTED"
            assert any(a == "RemoteStopTransaction" for a, _ in sim.received)
            gateway.clock.set(datetime(2026, 11, 21, 9, 0, 5, tzinfo=UTC))
            await sim.call("StopTransaction", {"transactionId": tx, "meterStop": 10000,
                                               "timestamp": "2026-11-21T09:00:05Z"})
            await _flush(gateway)
        cdr = await ptp.wait_for(module="cdrs", method="POST")
        assert cdr.body["session_id"] == str(tx)
        # 10 kWh at 0.30 before taxes, 22 % VAT
        assert cdr.body["total_cost"] == {"before_taxes": 3, "taxes": [
            {"name": "VAT", "percentage": 22, "amount": Decimal("0.66")}]}
        assert cdr.body["total_energy_cost"]["taxes"][0]["percentage"] == 22
        assert cdr.body["invoice_reference_id"] == REFERENCE  # the CPO invoices
        assert cdr.body["authorization_reference"] == REFERENCE
        final = [c for c in ptp.calls("sessions") if c.method == "PUT"][-1]
        assert final.body["status"] == "COMPLETED"
        assert final.body["total_cost"] == cdr.body["total_cost"]
        stream = [c for c in ptp.calls() if c.module in ("sessions", "cdrs")]
        assert stream[-1].module == "cdrs"  # the CDR after the session's last update
        pulled, _ = await ptp.pull_all("cdrs")
        assert pulled == [cdr.body]  # served as pushed
        sessions, _ = await ptp.pull_all("sessions", {"date_from": "2026-01-01T00:00:00Z"})
        assert [s["id"] for s in sessions] == [str(tx)]
        ptp.assert_clean()


async def test_payment_session_stops_at_the_preauthorized_amount(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        await _tariff(gateway, amount="2.00")  # 0.366 per kWh incl. VAT: 5.47 kWh
        sim = gateway.charger("station-01", handlers={
            "RemoteStartTransaction": lambda p: {"status": "Accepted"},
            "RemoteStopTransaction": lambda p: {"status": "Accepted"}})
        async with sim:
            tx = await _payment_session(gateway, ptp, sim)
            gateway.clock.set(datetime(2026, 11, 21, 8, 30, tzinfo=UTC))
            await sim.call("MeterValues", mv(2, tx, "2026-11-21T08:30:00Z", "3000"))
            await _flush(gateway)
            assert not any(a == "RemoteStopTransaction" for a, _ in sim.received)
            gateway.clock.set(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
            await sim.call("MeterValues", mv(2, tx, "2026-11-21T09:00:00Z", "6000"))
            await _flush(gateway)
            stops = [p for a, p in sim.received if a == "RemoteStopTransaction"]
            assert stops == [{"transactionId": tx}]  # 2.20 reached the 2.00 pre-authorized
        _, session = await gateway.admin("GET", f"/sessions/{tx}")
        assert session["limit_reason"] == "MONETARY"
        ptp.assert_clean()


async def test_payment_start_needs_reference_and_tariff(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp:
        await _register(gateway, ptp)
        no_tariff = await ptp.start_session("0101", "010108", REFERENCE)
        assert no_tariff.data["result"] == "REJECTED"
        assert "roaming tariff" in no_tariff.data["message"][0]["text"]
        await _tariff(gateway)
        no_reference = await ptp.start_session("0101", "010108", None)
        assert no_reference.data["result"] == "REJECTED"
        assert "authorization_reference" in no_reference.data["message"][0]["text"]
        unknown = await ptp.stop_session("424242")
        assert unknown.data["result"] == "UNKNOWN_SESSION"
        ptp.assert_clean()


async def test_221_emsp_and_230_ptp_on_one_gateway(ocpi_gateway: Any) -> None:
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp, \
            FakeEmsp(country="DE", party="EMS") as emsp:
        await _register(gateway, ptp)
        await _platform(gateway, "EMSP-DE", emsp, "EMSP")
        _, token = await gateway.admin(
            "POST", "/roaming/platforms/EMSP-DE/registration-token", json={})
        await emsp.register_with(ours(gateway, "/versions"), token["token"])
        _, state = await gateway.admin("GET", "/roaming/platforms/EMSP-DE/credentials")
        assert state["version"] == "2.2.1" and "payments" not in state["endpoints"]
        await _tariff(gateway)
        await gateway.admin("PUT", "/roaming/tariff-assignments/platform/EMSP-DE",
                            json={"tariffs": ["CARD-AC"]})
        old, _ = await emsp.pull_all("tariffs")  # validated as 2.2.1 Tariffs by the fake
        new, _ = await ptp.pull_all("tariffs")
        assert "tax_included" not in old[0] and "preauthorize_amount" not in old[0]
        assert new[0]["tax_included"] == "NO"
        async with gateway.charger("station-01") as sim:  # an EVSE status goes to both
            await sim.call("StatusNotification", {"connectorId": 1, "status": "Charging",
                                                  "errorCode": "NoError"})
            await _flush(gateway)
        for partner in (emsp, ptp):
            status = [c for c in partner.calls("locations", "PATCH")
                      if c.path.endswith("/0101/010107")]
            assert status and status[-1].body["status"] == "CHARGING"
        emsp.assert_clean()
        ptp.assert_clean()


async def test_230_locations_carry_help_phone_221_do_not(ocpi_gateway: Any) -> None:
    """``help_phone`` (2.3.0 only): the area's support phone, else its operator's, in
    international form, pushed and pulled; the 2.2.1 eMSP's Locations never change."""
    gateway = ocpi_gateway
    async with FakePtp(country="AT", party="PTP") as ptp, \
            FakeEmsp(country="DE", party="EMS") as emsp:
        await _register(gateway, ptp)
        await _platform(gateway, "EMSP-DE", emsp, "EMSP")
        _, token = await gateway.admin(
            "POST", "/roaming/platforms/EMSP-DE/registration-token", json={})
        await emsp.register_with(ours(gateway, "/versions"), token["token"])
        await gateway.deps.ocpi.publisher.wait()
        await _flush(gateway)
        pushed = await ptp.wait_for(module="locations", method="PUT")  # after registration
        assert pushed.body["help_phone"] == "+38640000000"  # the demo area's support phone
        pushed_221 = await emsp.wait_for(module="locations", method="PUT")
        assert "help_phone" not in pushed_221.body
        pulled_221, _ = await emsp.pull_all("locations")

        status, body = await gateway.admin("PATCH", "/areas/AREA-1", json={
            "support_contact": {"name": "Demo support", "phone": "+386 1 234-5678"}})
        assert status == 200, body
        locations, _ = await ptp.pull_all("locations")  # validated as 2.3.0 by the fake
        assert locations[0]["help_phone"] == "+38612345678"
        since = len(ptp.received)
        _, published = await gateway.admin("POST", "/roaming/platforms/PTP-AT/publish")
        assert published["locations"] == 1
        _, published = await gateway.admin("POST", "/roaming/platforms/EMSP-DE/publish")
        assert published["locations"] == 0  # the 2.2.1 Location did not change
        await _flush(gateway)
        pushed = await ptp.wait_for(module="locations", method="PUT", since=since)
        assert pushed.body["help_phone"] == "+38612345678"

        # No support phone: the operator's (the single-Location GET of the cached Location).
        status, body = await gateway.admin("PATCH", "/areas/AREA-1", json={
            "support_contact": {"name": "Demo support"}})
        assert status == 200, body
        status, body = await gateway.admin("PATCH", "/operators/OP-1",
                                           json={"phone": "00386 41 111 111"})
        assert status == 200, body
        await ptp.pull_all("locations")
        location = await ptp.get("locations/0101", schema="Location")
        assert location.data["help_phone"] == "+38641111111"
        now_221, _ = await emsp.pull_all("locations")
        assert "help_phone" not in now_221[0]
        assert ({k: v for k, v in now_221[0].items() if k != "last_updated"}
                == {k: v for k, v in pulled_221[0].items() if k != "last_updated"})
        emsp.assert_clean()
        ptp.assert_clean()
