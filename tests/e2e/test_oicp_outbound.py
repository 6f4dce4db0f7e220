"""OICP 2.3 towards a fake Hubject over real mutual TLS on 127.0.0.1: EVSE status and data
pushes, AuthorizeStart from a charger's token, charging notifications and the CDR, business
rejections, rate limiting (429 and the pricing limit), and a platform without our client
certificate.  The fake validates every body against Hubject's CPO OpenAPI; time is driven
with the gateway's fake clock and the outbox's ``deliver_due`` (no sleeping)."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from sqlalchemy import update

from gateway.db import oicp_tables
from gateway.db.oicp_push_store import SqlOicpStore
from oicp.ids import EVSE_ID_PATTERN
from oicp.outbound import OicpOutbound
from tests.support.fake_hubject import FakeHubject, Reply
from tests.support.pki_setup import install_partner_mtls

PLATFORM = "TRI-OICP"
UID = "044A2DAA856280"  # a 7-byte RFID UID nobody local or OCPI knows


async def _create_platform(gateway: Any, code: str = PLATFORM, identifier: str = "DE*HBS"
                           ) -> None:
    status, body = await gateway.admin("POST", "/roaming/platforms", json={
        "code": code, "name": "Hubject QA", "roaming_profile": "TRI-OICP", "type": "HUB",
        "protocol": "OICP", "url": "https://127.0.0.1:9/api/oicp", "country": "DE",
        "roaming_identifier": identifier})
    assert status == 201, body


@asynccontextmanager
async def hubject(gateway: Any, *, mtls: bool = True) -> AsyncIterator[FakeHubject]:
    """The platform TRI-OICP with our client certificate, pointed at a running fake."""
    await _create_platform(gateway)
    pki = await install_partner_mtls(gateway, PLATFORM)
    async with FakeHubject(pki.server_ssl_context(),
                           expected_client_pem=pki.remote_access_certificate_pem) as fake:
        fake.partner_ca_pem = pki.partner_ca_pem
        status, body = await gateway.admin("PATCH", f"/roaming/platforms/{PLATFORM}",
                                           json={"url": fake.base_url})
        assert status == 200, body
        if not mtls:
            status, body = await gateway.admin(
                "POST", f"/roaming/platforms/{PLATFORM}/certificates/invalidate")
            assert status == 200, body
        yield fake


async def flush(gateway: Any) -> None:
    """Events delivered, then every due outbox message attempted."""
    for _ in range(2):
        await gateway.settle()
        await gateway.deps.outbox.dispatcher.deliver_due()


async def test_the_fake_admits_only_callers_with_a_client_certificate(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        trusting = ssl.create_default_context(cadata=fake.partner_ca_pem)  # no certificate
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.ClientError):
                async with http.post(fake.base_url + "/notificationmgmt/v11/"
                                     "charging-notifications", json={}, ssl=trusting) as r:
                    await r.read()
        assert fake.calls == []


async def outbox(gateway: Any, **query: str) -> list[dict[str, Any]]:
    params = "&".join(f"{k}={v}" for k, v in {"partner": PLATFORM, **query}.items())
    status, messages = await gateway.admin("GET", f"/outbox?{params}")
    assert status == 200, messages
    return list(messages)


def status_records(fake: FakeHubject) -> list[tuple[str, str, str]]:
    return [(c.body["ActionType"], r["EvseID"], r["EvseStatus"])
            for c in fake.calls_of("evse_status", answered=200)
            for r in c.body["OperatorEvseStatus"]["EvseStatusRecord"]]


async def test_status_changes_are_pushed_one_at_a_time(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        async with gateway.charger("station-01") as sim:
            await flush(gateway)
            assert fake.calls_of("evse_status") == []  # connected, nothing known yet
            await sim.call("StatusNotification", {"connectorId": 1, "status": "Available",
                                                  "errorCode": "NoError"})
            await flush(gateway)
            assert status_records(fake) == [("update", "SI*TRI*E010107", "Available")]
            call = fake.calls_of("evse_status")[0]
            assert call.operator_id == "SI*TRI"
            assert call.client_fingerprint is not None  # our certificate, checked by the fake
            assert re.fullmatch(EVSE_ID_PATTERN, call.body["OperatorEvseStatus"][
                "EvseStatusRecord"][0]["EvseID"])
            await sim.call("StatusNotification", {"connectorId": 1, "status": "Available",
                                                  "errorCode": "NoError"})
            await flush(gateway)
            assert len(fake.calls_of("evse_status")) == 1  # unchanged: not sent again
            for status in ("Preparing", "Charging"):  # both are Occupied for OICP
                await sim.call("StatusNotification", {"connectorId": 1, "status": status,
                                                      "errorCode": "NoError"})
            await sim.call("StatusNotification", {"connectorId": 2, "status": "Faulted",
                                                  "errorCode": "GroundFailure"})
            await flush(gateway)
            assert status_records(fake)[1:] == [
                ("update", "SI*TRI*E010107", "Occupied"),
                ("update", "SI*TRI*E010108", "OutOfService")]
        await gateway.wait_disconnected()
        await flush(gateway)  # the station went away: its EVSEs are Unknown now
        assert status_records(fake)[3:] == [("update", "SI*TRI*E010107", "Unknown"),
                                            ("update", "SI*TRI*E010108", "Unknown")]
        assert all(len(c.body["OperatorEvseStatus"]["EvseStatusRecord"]) == 1
                   for c in fake.calls_of("evse_status"))
        # Never in parallel: every status message is on one outbox stream, whose head
        # alone is sent (the next one only after it was answered).
        assert {(m["stream"], m["status"]) for m in await outbox(
            gateway, kind="evse_status")} == {("evse-status", "DELIVERED")}
        fake.assert_clean()


def data_calls(fake: FakeHubject) -> list[tuple[str, list[str]]]:
    return [(c.body["ActionType"],
             [r["EvseID"] for r in c.body["OperatorEvseData"]["EvseDataRecord"]])
            for c in fake.calls_of("evse_data", answered=200)]


async def test_evse_data_full_load_then_deltas(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        status, result = await gateway.admin(
            "POST", f"/oicp/platforms/{PLATFORM}/evse-data/full-load")
        assert (status, result) == (200, {"records": 3})
        await flush(gateway)
        assert data_calls(fake) == [
            ("fullLoad", ["SI*TRI*E010107", "SI*TRI*E010108", "SI*TRI*E020101"])]
        record = fake.calls_of("evse_data")[0].body["OperatorEvseData"]["EvseDataRecord"][0]
        assert record["ChargingFacilities"][0]["Power"] == 50
        assert record["Address"]["Country"] == "SVN"
        assert record["HotlinePhoneNumber"] == "+38640000000"
        assert fake.calls_of("evse_data")[0].body["OperatorEvseData"]["OperatorID"] == "SI*TRI"
        # Nothing changed: the reconciliation sends no EVSE data.
        counts = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert (counts["evse_inserted"], counts["evse_updated"], counts["evse_deleted"]) == (
            0, 0, 0)
        # A network change: one connector's power, one charger leaves roaming.
        status, _ = await gateway.admin("PATCH", "/connectors/B1C1/1",
                                        json={"wattage_limit_w": 150000})
        assert status == 200
        status, _ = await gateway.admin("PATCH", "/chargers/B2C1", json={"roaming_enabled": False})
        assert status == 200
        counts = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert (counts["evse_inserted"], counts["evse_updated"], counts["evse_deleted"]) == (
            0, 1, 1)
        again = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert (again["evse_updated"], again["evse_deleted"]) == (0, 0)  # sent once
        await flush(gateway)
        assert data_calls(fake)[1:] == [("update", ["SI*TRI*E010107"]),
                                        ("delete", ["SI*TRI*E020101"])]
        updated = fake.calls_of("evse_data")[1].body["OperatorEvseData"]["EvseDataRecord"][0]
        assert updated["ChargingFacilities"][0]["Power"] == 150
        # Back in roaming: inserted again.
        await gateway.admin("PATCH", "/chargers/B2C1", json={"roaming_enabled": True})
        counts = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert counts["evse_inserted"] == 1
        await flush(gateway)
        assert data_calls(fake)[-1] == ("insert", ["SI*TRI*E020101"])
        # The first reconciliation after the full load also sent the daily status full load.
        statuses = fake.calls_of("evse_status", answered=200)
        assert [c.body["ActionType"] for c in statuses] == ["fullLoad"]
        assert len(statuses[0].body["OperatorEvseStatus"]["EvseStatusRecord"]) == 3
        fake.assert_clean()


async def test_weekly_full_load_and_status_full_load_on_demand(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        first = await gateway.deps.oicp_outbound.reconcile(PLATFORM)  # nothing pushed yet
        assert first["evse_data_full_load"] == 3 and first["evse_status_full_load"] == 3
        gateway.clock.advance(6 * 86400)
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))[
            "evse_data_full_load"] == 0
        gateway.clock.advance(86400)
        week = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert week["evse_data_full_load"] == 3
        status, result = await gateway.admin(
            "POST", f"/oicp/platforms/{PLATFORM}/evse-status/full-load")
        assert (status, result) == (200, {"records": 3})
        await flush(gateway)
        assert [a for a, _ in data_calls(fake)] == ["fullLoad", "fullLoad"]
        statuses = [c.body["ActionType"] for c in fake.calls_of("evse_status", answered=200)]
        assert statuses == ["fullLoad"] * 4  # first, after 6 and 7 days, on demand
        unknown, _ = await gateway.admin("POST", "/oicp/platforms/NOPE/evse-data/full-load")
        assert unknown == 404
        fake.assert_clean()


async def _links(gateway: Any) -> list[dict[str, Any]]:
    status, links = await gateway.admin("GET", f"/oicp/platforms/{PLATFORM}/sessions")
    assert status == 200, links
    return list(links)


async def test_roaming_driver_authorized_by_hubject_to_cdr(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        fake.authorize(UID)
        async with gateway.charger("station-01") as sim:
            authorized = await sim.call("Authorize", {"idTag": UID})
            assert authorized["idTagInfo"]["status"] == "Accepted"
            [asked] = fake.calls_of("authorize_start")
            assert asked.body["Identification"] == {
                "RFIDMifareFamilyIdentification": {"UID": UID}}
            assert "EvseID" not in asked.body  # OCPP 1.6 Authorize names no connector
            session_id = asked.reply["SessionID"]
            start = await sim.call("StartTransaction", {
                "connectorId": 1, "idTag": UID, "meterStart": 1000,
                "timestamp": "2026-11-21T08:00:05Z"})
            assert start["idTagInfo"]["status"] == "Accepted"
            assert len(fake.calls_of("authorize_start")) == 1  # one charge, one SessionID
            transaction = start["transactionId"]
            await flush(gateway)
            [link] = await _links(gateway)
            assert link["hubject_session_id"] == session_id
            assert link["charging_session_id"] == transaction
            assert (link["origin"], link["status"], link["evse_id"]) == (
                "authorize", "ACTIVE", "SI*TRI*E010107")
            assert link["cpo_partner_session_id"] == asked.body["CPOPartnerSessionID"]
            _, charging = await gateway.admin("GET", f"/sessions/{transaction}")
            assert charging["authorization_reference"] == session_id
            minutes = [2, 6, 8, 12]  # Progress only 5 minutes apart: at 6 and 12
            for n, minute in enumerate(minutes, start=1):
                gateway.clock.set(gateway.clock.now().replace(hour=8, minute=minute))
                await sim.call("MeterValues", {
                    "connectorId": 1, "transactionId": transaction,
                    "meterValue": [{"timestamp": f"2026-11-21T08:{minute:02d}:00Z",
                                    "sampledValue": [{"value": str(1000 + 1500 * n)}]}]})
                await flush(gateway)
            await sim.call("StatusNotification", {"connectorId": 1, "status": "Faulted",
                                                  "errorCode": "OverCurrentFailure"})
            await flush(gateway)
            gateway.clock.set(gateway.clock.now().replace(hour=8, minute=20))
            await sim.call("StopTransaction", {"transactionId": transaction,
                                               "meterStop": 8250,
                                               "timestamp": "2026-11-21T08:20:00Z"})
            await flush(gateway)
        notifications = fake.notifications(session_id)
        assert [n["Type"] for n in notifications] == [
            "Start", "Progress", "Progress", "Error", "End"]
        assert notifications[3]["ErrorType"] == "ConnectorError"
        assert "OverCurrentFailure" in notifications[3]["ErrorAdditionalInfo"]
        progress = notifications[1]
        # local offset of the charge point (demo site: Europe/Ljubljana, +01:00 in November)
        assert progress["EventOccurred"] == "2026-11-21T09:06:00+01:00"
        assert progress["ChargingDuration"] == (6 * 60 - 5) * 1000
        assert notifications[4]["ChargingEnd"] == "2026-11-21T09:20:00+01:00"
        [cdr] = fake.calls_of("cdr")
        body = cdr.body
        assert body["SessionID"] == session_id
        assert body["EvseID"] == "SI*TRI*E010107"
        assert body["Identification"] == {"RFIDMifareFamilyIdentification": {"UID": UID}}
        assert Decimal(str(body["ConsumedEnergy"])) == Decimal("7.25")
        assert Decimal(str(body["MeterValueStart"])) == Decimal("1")
        assert Decimal(str(body["MeterValueEnd"])) == Decimal("8.25")
        assert body["ChargingStart"] == "2026-11-21T09:00:05+01:00"
        assert body["ChargingEnd"] == body["SessionEnd"] == "2026-11-21T09:20:00+01:00"
        assert body["SessionStart"] <= body["ChargingStart"]
        assert body["CPOPartnerSessionID"] == asked.body["CPOPartnerSessionID"]
        stream = [c.kind for c in fake.calls if c.kind in ("notification", "cdr")]
        assert stream[-1] == "cdr"  # after the session's last notification
        # One CDR per SessionID: neither the reconciliation nor a late call sends another.
        counts = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert counts["cdrs"] == 0
        assert await gateway.deps.oicp_outbound.reservation_ended(link["id"]) is False
        await flush(gateway)
        assert len(fake.calls_of("cdr")) == 1
        [link] = await _links(gateway)
        assert (link["status"], link["cdr_status"], link["notification"]) == (
            "ENDED", "DELIVERED", "End")
        fake.assert_clean()


async def test_a_session_whose_start_event_was_lost_still_gets_its_cdr(gateway: Any) -> None:
    """The event bus lives in memory: a gateway that dies after the charger's
    StartTransaction was stored but before SessionStarted was handled never linked the
    session to Hubject's SessionID. The reconciliation links it and sends the CDR."""
    async with hubject(gateway) as fake:
        fake.authorize(UID)
        async with gateway.charger("station-01") as sim:
            assert (await sim.call("Authorize", {"idTag": UID}))["idTagInfo"][
                "status"] == "Accepted"
            session_id = fake.calls_of("authorize_start")[0].reply["SessionID"]
            start = await sim.call("StartTransaction", {
                "connectorId": 1, "idTag": UID, "meterStart": 0,
                "timestamp": "2026-11-21T08:00:05Z"})
            await flush(gateway)
            async with gateway.deps.sessions() as session, session.begin():
                # As if SessionStarted had never been handled: the link stays unlinked.
                await session.execute(update(oicp_tables.oicp_sessions).values(
                    charging_session_id=None, status="PENDING", notification=None))
            await sim.call("StopTransaction", {"transactionId": start["transactionId"],
                                               "meterStop": 2500,
                                               "timestamp": "2026-11-21T08:30:00Z"})
            await flush(gateway)
        assert fake.calls_of("cdr") == []  # the session's end found no link
        gateway.clock.advance(120)
        counts = await gateway.deps.oicp_outbound.reconcile(PLATFORM)
        assert (counts["linked"], counts["cdrs"]) == (1, 1)
        await flush(gateway)
        [cdr] = fake.calls_of("cdr", answered=200)
        assert cdr.body["SessionID"] == session_id
        assert Decimal(str(cdr.body["ConsumedEnergy"])) == Decimal("2.5")
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))["linked"] == 0
        fake.assert_clean()


async def test_hubject_refuses_or_is_unreachable(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        async with gateway.charger("station-01") as sim:
            refused = await sim.call("Authorize", {"idTag": "0A0B0C0D"})
            assert refused["idTagInfo"]["status"] == "Invalid"  # NotAuthorized
            fake.script("authorize_start", Reply.http(503))
            down = await sim.call("Authorize", {"idTag": UID})
            assert down["idTagInfo"]["status"] == "Invalid"  # never accepted without a SessionID
            not_oicp = await sim.call("Authorize", {"idTag": "not-a-uid"})
            assert not_oicp["idTagInfo"]["status"] == "Invalid"
            local = await sim.call("Authorize", {"idTag": "DEMO-RFID-1"})
            assert local["idTagInfo"]["status"] == "Accepted"
        assert [c.answered for c in fake.calls_of("authorize_start")] == [200, 503]
        assert await _links(gateway) == []
        fake.assert_clean()


async def _charge(gateway: Any, sim: Any, hour: int = 8, meter_stop: int = 4000) -> int:
    start = await sim.call("StartTransaction", {
        "connectorId": 2, "idTag": UID, "meterStart": 0,
        "timestamp": f"2026-11-21T{hour:02d}:00:00Z"})
    assert start["idTagInfo"]["status"] == "Accepted"
    transaction = int(start["transactionId"])
    await sim.call("StopTransaction", {"transactionId": transaction, "meterStop": meter_stop,
                                       "timestamp": f"2026-11-21T{hour:02d}:30:00Z"})
    await flush(gateway)
    return transaction


async def test_rejected_cdr_is_shown_and_not_retried(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        fake.authorize(UID)
        fake.script("cdr", Reply.rejected("022", "Data error", "EMP refused the record"))
        async with gateway.charger("station-01") as sim:
            await _charge(gateway, sim)
        [cdr] = fake.calls_of("cdr")
        assert cdr.reply["Result"] is False
        [link] = await _links(gateway)
        assert link["cdr_status"] == "REJECTED"
        assert "022" in link["cdr_detail"] and "EMP refused the record" in link["cdr_detail"]
        [failed] = await outbox(gateway, status="FAILED")
        assert failed["kind"] == "cdr" and "Result=false" in failed["last_error"]
        gateway.clock.advance(86400)  # a day later nothing was sent again
        await flush(gateway)
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))["cdrs"] == 0
        await flush(gateway)
        assert len(fake.calls_of("cdr")) == 1
        # A system error at Hubject (StatusCode 001) is not a rejection: retried.
        fake.script("cdr", Reply.rejected("001", "Hubject system error"))
        async with gateway.charger("station-01") as sim:
            await _charge(gateway, sim, hour=10)
        assert [c.answered for c in fake.calls_of("cdr")] == [200, 200]
        [retrying] = await outbox(gateway, status="PENDING")
        assert retrying["kind"] == "cdr" and "001" in retrying["last_error"]
        gateway.clock.advance(60)
        await flush(gateway)
        assert fake.calls_of("cdr")[-1].reply["Result"] is True
        links = await _links(gateway)
        assert [x["cdr_status"] for x in links] == ["DELIVERED", "REJECTED"]
        fake.assert_clean()


async def test_rate_limited_push_is_retried_after_retry_after(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        fake.script("evse_data", Reply.http(429, retry_after=120))
        await gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/evse-data/full-load")
        await flush(gateway)
        assert [c.answered for c in fake.calls_of("evse_data")] == [429]
        [pending] = await outbox(gateway, status="PENDING")
        assert pending["last_status"] == 429 and pending["attempts"] == 1
        # The whole platform waits: a status full load queued now is not sent either.
        await gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/evse-status/full-load")
        gateway.clock.advance(119)
        await flush(gateway)
        assert len(fake.calls) == 1
        gateway.clock.advance(2)
        await flush(gateway)
        assert [c.answered for c in fake.calls_of("evse_data")] == [429, 200]
        assert [c.answered for c in fake.calls_of("evse_status")] == [200]
        # HTTP 5xx: retried with backoff, the stream waits meanwhile.
        fake.script("evse_data", Reply.http(502))
        await gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/evse-data/full-load")
        await flush(gateway)
        assert fake.calls_of("evse_data")[-1].answered == 502
        gateway.clock.advance(5)
        await flush(gateway)
        assert fake.calls_of("evse_data")[-1].answered == 200
        assert await outbox(gateway, status="PENDING") == []
        fake.assert_clean()


async def _tariff(gateway: Any) -> None:
    status, body = await gateway.admin("POST", "/roaming/tariffs", json={
        "code": "AC", "name": "AC roaming", "details": [
            {"energy": {"price": "0.30", "vat": "22"}, "park_time": {"price": "1.20"}}]})
    assert status == 201, body
    for path in ("operator/OP-1", f"platform/{PLATFORM}"):
        status, body = await gateway.admin("PUT", f"/roaming/tariff-assignments/{path}",
                                           json={"tariffs": ["AC"]})
        assert status == 200, body


async def test_pricing_pushes_are_batched_under_the_rate_limit(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        await _tariff(gateway)
        status, result = await gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/pricing/push")
        assert (status, result) == (200, {"products": 1, "evses": 3, "queued": 2})
        await flush(gateway)
        [products] = fake.calls_of("pricing_products")
        data = products.body["PricingProductData"]
        assert data["ProviderID"] == "*" and data["OperatorID"] == "SI*TRI"
        [record] = data["PricingProductDataRecords"]
        assert (record["ProductID"], record["ReferenceUnit"], record["ProductPriceCurrency"]) == (
            "AC", "KILOWATT_HOUR", "EUR")
        assert Decimal(str(record["PricePerReferenceUnit"])) == Decimal("0.3")  # without VAT
        assert record["AdditionalReferences"] == [{
            "AdditionalReference": "PARKING FEE", "AdditionalReferenceUnit": "HOUR",
            "PricePerAdditionalReferenceUnit": 1.2}]
        assert record["IsValid24hours"] is True
        assert record["MaximumProductChargingPower"] == 50
        [pricing] = fake.calls_of("evse_pricing")
        assert sorted((e["EvseID"], tuple(e["EvseIDProductList"]))
                      for e in pricing.body["EVSEPricing"]) == [
            ("SI*TRI*E010107", ("AC",)), ("SI*TRI*E010108", ("AC",)),
            ("SI*TRI*E020101", ("AC",))]
        assert fake.calls.index(products) < fake.calls.index(pricing)
        # Unchanged tariffs: the reconciliation pushes nothing.
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))["pricing"] == 0
        # Six more pushes in the same minute: Hubject takes 6 calls a minute per operation.
        for _ in range(6):
            await gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/pricing/push")
        await flush(gateway)
        assert len(fake.calls_of("pricing_products")) == 6
        assert len(fake.calls_of("evse_pricing")) == 6
        assert len(await outbox(gateway, status="PENDING")) == 2  # waiting for a token
        gateway.clock.advance(10)  # one token per ten seconds
        await flush(gateway)
        assert len(fake.calls_of("pricing_products")) == 7
        assert len(fake.calls_of("evse_pricing")) == 7
        assert all(c.answered == 200 for c in fake.calls)
        # A tariff change is noticed by the reconciliation.
        _, tariffs = await gateway.admin("GET", "/roaming/tariffs")
        await gateway.admin("PATCH", f"/roaming/tariffs/{tariffs[0]['id']}", json={
            "details": [{"energy": {"price": "0.35"}}]})
        gateway.clock.advance(60)
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))["pricing"] == 2
        await flush(gateway)
        latest = fake.calls_of("pricing_products")[-1].body["PricingProductData"]
        assert latest["PricingProductDataRecords"][0]["PricePerReferenceUnit"] == 0.35
        fake.assert_clean()


def _restarted(gateway: Any) -> OicpOutbound:
    """The sending side as a restarted gateway builds it: nothing kept in memory."""
    deps = gateway.deps
    return OicpOutbound(SqlOicpStore(deps.sessions, deps.outbox, deps.clock.now),
                        deps.clock.now, wake=deps.outbox.wake)


async def test_what_pricing_was_pushed_survives_a_restart(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        await _tariff(gateway)
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))["pricing"] == 2
        await flush(gateway)
        assert (await _restarted(gateway).reconcile(PLATFORM))["pricing"] == 0  # unchanged
        status, body = await gateway.admin("PUT", f"/roaming/tariff-assignments/platform/"
                                           f"{PLATFORM}", json={"tariffs": []})
        assert status == 200, body
        # Restarted again, with no tariff left: Hubject must still be told (empty fullLoad).
        assert (await _restarted(gateway).reconcile(PLATFORM))["pricing"] == 2
        gateway.clock.advance(60)
        await flush(gateway)
        latest = fake.calls_of("pricing_products")[-1].body["PricingProductData"]
        assert latest["PricingProductDataRecords"] == []
        assert fake.calls_of("evse_pricing")[-1].body["EVSEPricing"] == []
        assert (await _restarted(gateway).reconcile(PLATFORM))["pricing"] == 0
        fake.assert_clean()


async def test_without_our_client_certificate_nothing_is_sent(gateway: Any) -> None:
    async with hubject(gateway, mtls=False) as fake:
        status, _ = await gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/evse-data/full-load")
        assert status == 200
        await flush(gateway)
        gateway.clock.advance(3600)
        await flush(gateway)
        assert fake.calls == []
        [pending] = await outbox(gateway)
        assert pending["status"] == "PENDING" and pending["attempts"] == 2
        assert "no remote access certificate" in pending["last_error"]
        assert "remote-access-certificate" in pending["last_error"]
        async with gateway.charger("station-01") as sim:  # nor can Hubject authorize
            fake.authorize(UID)
            answer = await sim.call("Authorize", {"idTag": UID})
            assert answer["idTagInfo"]["status"] == "Invalid"
        assert fake.calls == []


async def _reservation_link(gateway: Any, session_id: str, status: str) -> int:
    """A remote reservation link as the OICP server stores it (helper D's side)."""
    from sqlalchemy import insert, select

    from gateway.db import oicp_tables, tables

    now = gateway.clock.now()
    async with gateway.deps.sessions() as session, session.begin():
        platform_id = await session.scalar(select(tables.roaming_platforms.c.id).where(
            tables.roaming_platforms.c.code == PLATFORM))
        result = await session.execute(insert(oicp_tables.oicp_sessions).values(
            platform_id=platform_id, hubject_session_id=session_id,
            cpo_partner_session_id="res-1", provider_id="DE*ICE", evse_id="SI*TRI*E010108",
            identification={"RemoteIdentification": {"EvcoID": "DE*ICE*I01000*6"}},
            origin="reservation", status=status, created_at=now, updated_at=now))
        return int(result.inserted_primary_key[0])


async def test_reservation_end_sends_a_cdr_without_energy(gateway: Any) -> None:
    async with hubject(gateway) as fake:
        reserved = await _reservation_link(gateway, "0c2e1fb2-0a51-4b39-9d55-6f3ba1c1d0a7",
                                           "ENDED")
        gateway.clock.advance(600)
        assert await gateway.deps.oicp_outbound.reservation_ended(reserved) is True
        assert await gateway.deps.oicp_outbound.reservation_ended(reserved) is False
        # A reservation whose end was never reported is healed by the reconciliation.
        lost = await _reservation_link(gateway, "1d3f2ac3-1b62-4c4a-8e66-7a4cb2d2e1b8",
                                       "ENDED")
        assert (await gateway.deps.oicp_outbound.reconcile(PLATFORM))["cdrs"] == 1
        await flush(gateway)
        # one stream per session: the two CDRs may reach Hubject in either order
        cdrs = {c.body["SessionID"]: c.body for c in fake.calls_of("cdr")}
        assert sorted(cdrs) == ["0c2e1fb2-0a51-4b39-9d55-6f3ba1c1d0a7",
                                "1d3f2ac3-1b62-4c4a-8e66-7a4cb2d2e1b8"]
        first = cdrs["0c2e1fb2-0a51-4b39-9d55-6f3ba1c1d0a7"]
        assert first["ConsumedEnergy"] == 0
        assert first["Identification"] == {"RemoteIdentification": {"EvcoID": "DE*ICE*I01000*6"}}
        assert first["ChargingStart"] == first["ChargingEnd"] == first["SessionStart"]
        assert first["SessionEnd"] >= first["SessionStart"]
        statuses = {x["id"]: x["cdr_status"] for x in await _links(gateway)}
        assert statuses == {reserved: "DELIVERED", lost: "DELIVERED"}
        fake.assert_clean()


async def test_simultaneous_first_pricing_pushes_both_succeed(gateway: Any) -> None:
    # On PostgreSQL both transactions see no pricing row yet: the bookkeeping is an upsert,
    # so neither push fails on the platform's unique row.
    async with hubject(gateway):
        await _tariff(gateway)
        answers = await asyncio.gather(*(
            gateway.admin("POST", f"/oicp/platforms/{PLATFORM}/pricing/push")
            for _ in range(4)))
        assert [status for status, _ in answers] == [200] * 4, answers
        queued = await outbox(gateway)
        assert len([m for m in queued if m["stream"] == "pricing"]) == 8  # 2 per push
