"""Hubject calls us: the OICP listener (TLS with client certificates) and the remote
start/stop and remote reservation operations, against simulated chargers of both versions.

"Hubject" is an aiohttp client presenting the platform's access certificate, issued through
the admin API (``install_partner_mtls``). Every request it sends is checked against the CPO
OpenAPI (explicit nulls removed first: the schema has no nulls, Hubject sends them), and
every acknowledgement we answer is validated against ``eRoamingAcknowledgment``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
import structlog
from yarl import URL

from gateway.db.oicp_session_store import SqlOicpSessionLinks
from gateway.oicp_listener import OicpListener
from oicp.remote_ports import SessionLink
from pki.authority import Profile, SigningPolicy, create_root_ca, sign_csr
from pki.certificates import certificate_to_pem
from pki.csr import SubjectAltNames, SubjectFields, generate_key_and_csr, load_csr
from pki.keys import KeyAlgorithm, private_key_to_pem
from pki.material import issuance_time
from pki.tls import client_context
from tests.e2e.test_ocpp16_session import boot16
from tests.e2e.test_oicp_outbound import flush
from tests.support.fake_hubject import FakeHubject
from tests.support.gateway_fixtures import Gateway
from tests.support.pki_setup import PartnerPki, install_partner_mtls
from tests.unit.oicp.oicp_openapi import schema_errors, validate_request

PLATFORM = "HUBJECT"
REMOTE_START = "/charging/v21/providers/{providerID}/authorize-remote/start"
REMOTE_STOP = "/charging/v21/providers/{providerID}/authorize-remote/stop"
RESERVATION_START = "/reservation/v11/providers/{providerID}/reservation-start-request"
RESERVATION_STOP = "/reservation/v11/providers/{providerID}/reservation-stop-request"
EVCO = "DE*ICE*I01000*6"
EVSE_16 = "SI*TRI*E010108"  # station-01, charger B1C1, connector 2
EVSE_201 = "SI*TRI*E020101"  # station-02, charger B2C1, connector 1
T0 = "2026-11-21T08:00:10Z"


def accept(_payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}


def new_session_id() -> str:
    return str(uuid.uuid4())


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def start_body(session_id: str, evse_id: str = EVSE_16, **extra: Any) -> dict[str, Any]:
    """A remote start as Hubject sends it: unused optional fields as explicit nulls."""
    return {
        "SessionID": session_id, "CPOPartnerSessionID": None, "EMPPartnerSessionID": "emp-1",
        "ProviderID": "DE*ICE", "EvseID": evse_id, "PartnerProductID": None,
        "Identification": {"RFIDMifareFamilyIdentification": None,
                           "QRCodeIdentification": None, "PlugAndChargeIdentification": None,
                           "RFIDIdentification": None, "RemoteIdentification": {"EvcoID": EVCO}},
        **extra}


def stop_body(session_id: str, evse_id: str = EVSE_16, cpo: str | None = None
              ) -> dict[str, Any]:
    return {"SessionID": session_id, "ProviderID": "DE*ICE", "EvseID": evse_id,
            "CPOPartnerSessionID": cpo, "EMPPartnerSessionID": None}


def _server_certificate(now: datetime) -> tuple[str, str, str]:
    """(CA PEM, certificate PEM, key PEM) of our listener, for 127.0.0.1."""
    ca = create_root_ca(SubjectFields("OICP listener test CA"), validity_days=60, now=now)
    request = generate_key_and_csr(
        SubjectFields("127.0.0.1"), SubjectAltNames(ip=(ipaddress.ip_address("127.0.0.1"),)),
        algorithm=KeyAlgorithm.EC_P256)
    cert = sign_csr(ca, load_csr(request.csr),
                    SigningPolicy(max_validity_days=30, profile=Profile.SERVER), 30, now)
    return (certificate_to_pem(ca.certificate), certificate_to_pem(cert),
            private_key_to_pem(request.key))


def _client_certificate(ca: Any, now: datetime) -> tuple[str, str]:
    request = generate_key_and_csr(SubjectFields("Someone else"), algorithm=KeyAlgorithm.EC_P256)
    cert = sign_csr(ca, load_csr(request.csr),
                    SigningPolicy(max_validity_days=30, profile=Profile.CLIENT), 30, now)
    return certificate_to_pem(cert), private_key_to_pem(request.key)


@dataclass
class Hub:
    """Hubject, calling our OICP listener with the platform's access certificate."""

    gateway: Gateway
    listener: OicpListener
    pki: PartnerPki
    server_ca_pem: str
    http: aiohttp.ClientSession

    def url(self, template: str, provider: str = "DE*ICE") -> URL:
        path = "/api/oicp" + template.replace("{providerID}", provider)
        return URL(f"https://127.0.0.1:{self.listener.port}{path}", encoded=True)

    async def post(self, template: str, body: Any, provider: str = "DE*ICE",
                   http: aiohttp.ClientSession | None = None) -> tuple[int, dict[str, Any]]:
        async with (http or self.http).post(self.url(template, provider), json=body) as reply:
            answer: dict[str, Any] = await reply.json(content_type=None)
            status = reply.status
        assert schema_errors("eRoamingAcknowledgment", answer) == [], answer
        return status, answer

    async def call(self, template: str, body: dict[str, Any], provider: str = "DE*ICE"
                   ) -> dict[str, Any]:
        """A valid request (checked against the OpenAPI); its acknowledgement."""
        validate_request(template, _without_nulls(body))
        status, answer = await self.post(template, body, provider)
        assert status == 200, answer
        return answer

    def links(self) -> SqlOicpSessionLinks:
        deps = self.gateway.deps
        return SqlOicpSessionLinks(deps.sessions, deps.clock.now)

    async def link(self, session_id: str) -> SessionLink:
        platforms = await self._server().platforms.oicp_platforms()
        platform = next(p for p in platforms if p.code == PLATFORM)
        found = await self.links().find(platform.id, session_id)
        assert found is not None
        return found

    def _server(self) -> Any:
        assert self.gateway.deps.oicp_server is not None
        return self.gateway.deps.oicp_server

    def client(self, cert_pem: str | None, key_pem: str | None) -> aiohttp.ClientSession:
        context = client_context(self.server_ca_pem, cert_pem, key_pem)
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))


async def _platform(gateway: Gateway) -> None:
    status, body = await gateway.admin("POST", "/roaming/platforms", json={
        "code": PLATFORM, "name": "Hubject QA", "roaming_profile": "TRI-OICP", "type": "HUB",
        "protocol": "OICP", "url": "https://127.0.0.1:9/api/oicp", "country": "DE",
        "roaming_identifier": "DE*HBS"})
    assert status == 201, body


async def _listener(gateway: Gateway) -> tuple[OicpListener, str]:
    now = issuance_time(gateway.clock.now(), datetime.now(UTC))
    server_ca, cert, key = _server_certificate(now)
    assert gateway.deps.oicp_server is not None
    listener = OicpListener(gateway.deps.oicp_server, gateway.deps.certificates, cert, key)
    await listener.start("127.0.0.1", 0)
    return listener, server_ca


@pytest.fixture
async def hub(gateway: Gateway) -> AsyncIterator[Hub]:
    await _platform(gateway)
    partner = await install_partner_mtls(gateway, PLATFORM)
    listener, server_ca = await _listener(gateway)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(
        ssl=partner.client_ssl_context(server_ca)))
    yield Hub(gateway, listener, partner, server_ca, http)
    await http.close()
    await listener.stop()


# --- remote start and stop --------------------------------------------------------------


async def test_remote_start_binds_the_charger_start_and_remote_stop_ends_it_16(
        hub: Hub) -> None:
    gateway = hub.gateway
    sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": accept,
                                                  "RemoteStopTransaction": accept})
    async with sim:
        await boot16(sim)
        session_id = new_session_id()
        ack = await hub.call(REMOTE_START, start_body(session_id))  # explicit nulls inside
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (True, "000"), ack
        assert (ack["SessionID"], ack["EMPPartnerSessionID"]) == (session_id, "emp-1")
        cpo = ack["CPOPartnerSessionID"]
        assert cpo
        assert sim.received == [("RemoteStartTransaction", {"idTag": EVCO, "connectorId": 2})]

        started = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": EVCO, "meterStart": 0, "timestamp": T0})
        charging_id = started["transactionId"]
        assert started["idTagInfo"]["status"] == "Accepted"
        link = await hub.links().by_charging_session(charging_id)
        assert link is not None  # the prepared session the charger's start bound to
        assert (link.hubject_session_id, link.cpo_partner_session_id, link.origin,
                link.status, link.provider_id, link.evse_id) == (
            session_id, cpo, "remote_start", "ACTIVE", "DE*ICE", EVSE_16)
        _, session = await gateway.admin("GET", f"/sessions/{charging_id}")
        assert (session["status"], session["authorization_mode"],
                session["authorization_reference"], session["connector"],
                session["id_token"]) == (
            "IN_PROGRESS", "ROAMING_CUSTOMER", session_id, "2", EVCO)

        stopped = await hub.call(REMOTE_STOP, stop_body(session_id, cpo=cpo))
        assert (stopped["Result"], stopped["StatusCode"]["Code"]) == (True, "000"), stopped
        assert (stopped["SessionID"], stopped["CPOPartnerSessionID"]) == (session_id, cpo)
        assert sim.received[-1] == ("RemoteStopTransaction", {"transactionId": charging_id})
        await sim.call("StopTransaction", {"transactionId": charging_id, "meterStop": 4200,
                                           "timestamp": "2026-11-21T08:40:00Z",
                                           "reason": "Remote"})
    _, session = await gateway.admin("GET", f"/sessions/{charging_id}")
    assert (session["status"], session["energy_wh"]) == ("CLOSED", "4200.000")


async def test_remote_start_to_ocpp_session_to_cdr_at_hubject(hub: Hub) -> None:
    """The whole chain: Hubject's remote start on our listener -> OCPP on the simulated
    charger -> the charging session -> notifications and the CDR at (a fake) Hubject, over
    mutual TLS both ways, echoing Hubject's SessionID and both partner session ids."""
    gateway = hub.gateway
    async with FakeHubject(hub.pki.server_ssl_context(),
                           expected_client_pem=hub.pki.remote_access_certificate_pem) as fake:
        status, body = await gateway.admin("PATCH", f"/roaming/platforms/{PLATFORM}",
                                           json={"url": fake.base_url})
        assert status == 200, body
        sim = gateway.charger("station-01", handlers={"RemoteStartTransaction": accept,
                                                      "RemoteStopTransaction": accept})
        async with sim:
            await boot16(sim)
            session_id = new_session_id()
            ack = await hub.call(REMOTE_START, start_body(session_id, PartnerProductID="AC"))
            assert (ack["Result"], ack["StatusCode"]["Code"]) == (True, "000"), ack
            cpo = ack["CPOPartnerSessionID"]
            started = await sim.call("StartTransaction", {
                "connectorId": 2, "idTag": EVCO, "meterStart": 1000, "timestamp": T0})
            transaction = started["transactionId"]
            stopped = await hub.call(REMOTE_STOP, stop_body(session_id, cpo=cpo))
            assert (stopped["Result"], stopped["StatusCode"]["Code"]) == (True, "000")
            await sim.call("StopTransaction", {"transactionId": transaction,
                                               "meterStop": 13345,
                                               "timestamp": "2026-11-21T08:40:00Z"})
            await flush(gateway)
        assert [n["Type"] for n in fake.notifications(session_id)] == ["Start", "End"]
        [cdr] = fake.calls_of("cdr", answered=200)
        body = cdr.body
        assert (body["SessionID"], body["CPOPartnerSessionID"], body["EMPPartnerSessionID"],
                body["EvseID"]) == (session_id, cpo, "emp-1", EVSE_16)
        assert body["Identification"] == {"RemoteIdentification": {"EvcoID": EVCO}}
        assert body["PartnerProductID"] == "AC"  # the product the EMP started with
        assert Decimal(str(body["ConsumedEnergy"])) == Decimal("12.345")  # kWh, 3 decimals
        # in the charge point's local offset (demo site: Europe/Ljubljana, +01:00 in November)
        assert (body["ChargingStart"], body["ChargingEnd"]) == (
            "2026-11-21T09:00:10+01:00", "2026-11-21T09:40:00+01:00")
        assert body["SessionStart"] <= body["ChargingStart"]
        assert body["SessionEnd"] >= body["ChargingEnd"]
        link = await hub.link(session_id)
        assert (link.status, link.charging_session_id) == ("ENDED", transaction)
        fake.assert_clean()


async def test_remote_start_and_stop_201_with_percent_encoded_ids(hub: Hub) -> None:
    gateway = hub.gateway
    sim = gateway.charger("station-02", "ocpp2.0.1", handlers={
        "RequestStartTransaction": accept, "RequestStopTransaction": accept})
    async with sim:
        session_id = new_session_id()
        ack = await hub.call(REMOTE_START, start_body(session_id, EVSE_201),
                             provider="DE%2AICE")
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (True, "000"), ack
        action, request = sim.received[0]
        link = await hub.link(session_id)
        assert link.charging_session_id is not None
        assert (action, request) == ("RequestStartTransaction", {
            "idToken": {"idToken": EVCO, "type": "eMAID"},
            "remoteStartId": link.charging_session_id, "evseId": 1})
        await sim.call("TransactionEvent", {
            "eventType": "Started", "timestamp": T0, "triggerReason": "RemoteStart",
            "seqNo": 0, "transactionInfo": {"transactionId": "TX-201",
                                            "remoteStartId": link.charging_session_id},
            "evse": {"id": 1, "connectorId": 1}, "idToken": {"idToken": EVCO, "type": "eMAID"}})
        _, session = await gateway.admin("GET", f"/sessions/{link.charging_session_id}")
        assert (session["status"], session["transaction_id"],
                session["authorization_reference"]) == ("IN_PROGRESS", "TX-201", session_id)

        stopped = await hub.call(REMOTE_STOP, stop_body(session_id, "SITRIE020101"),
                                 provider="DE%2aICE")
        assert (stopped["Result"], stopped["StatusCode"]["Code"]) == (True, "000"), stopped
        assert sim.received[-1] == ("RequestStopTransaction", {"transactionId": "TX-201"})


async def test_charger_rejects_the_start(hub: Hub) -> None:
    gateway = hub.gateway
    async with gateway.charger("station-01", handlers={
            "RemoteStartTransaction": lambda p: {"status": "Rejected"}}) as sim:
        await boot16(sim)
        session_id = new_session_id()
        ack = await hub.call(REMOTE_START, start_body(session_id))
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (False, "602"), ack
        assert ack["StatusCode"]["AdditionalInfo"] == "the charger answered Rejected"
    await gateway.settle()
    link = await hub.link(session_id)
    assert (link.status, link.status_code) == ("FAILED", "602")  # FAILED: no CDR follows
    assert link.charging_session_id is not None
    _, session = await gateway.admin("GET", f"/sessions/{link.charging_session_id}")
    assert (session["status"], session["stop_reason"]) == ("CLOSED", "REMOTE_START_REJECTED")
    # A stop for it finds no running session.
    stop = await hub.call(REMOTE_STOP, stop_body(session_id))
    assert (stop["Result"], stop["StatusCode"]["Code"]) == (False, "400"), stop


async def test_charger_silent_is_communication_failure_and_the_session_closes(
        hub: Hub) -> None:
    gateway = hub.gateway  # the fixture's OCPP call timeout is 2 s
    async with gateway.charger("station-01", handlers={
            "RemoteStartTransaction": lambda p: None}) as sim:
        await boot16(sim)
        session_id = new_session_id()
        ack = await hub.call(REMOTE_START, start_body(session_id))
    assert (ack["Result"], ack["StatusCode"]["Code"]) == (False, "501"), ack
    await gateway.settle()
    link = await hub.link(session_id)
    assert (link.status, link.status_code) == ("FAILED", "501")  # FAILED: no CDR follows
    assert link.charging_session_id is not None
    _, session = await gateway.admin("GET", f"/sessions/{link.charging_session_id}")
    assert (session["status"], session["stop_reason"]) == ("CLOSED", "FORCE_CLOSED")


async def test_unknown_evse_and_offline_charger(hub: Hub) -> None:
    gateway = hub.gateway
    for evse in ("SI*TRI*E999999", "DE*ABC*E010108"):  # no such connector / not our operator
        ack = await hub.call(REMOTE_START, start_body(new_session_id(), evse))
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (False, "603"), ack
    offline = await hub.call(REMOTE_START, start_body(new_session_id()))  # nobody connected
    assert (offline["Result"], offline["StatusCode"]["Code"]) == (False, "501"), offline
    assert offline["StatusCode"]["AdditionalInfo"] == "the charging station is offline"
    # A faulted connector is out of service, whatever the charger would say.
    async with gateway.charger("station-01") as sim:
        await boot16(sim)
        await sim.call("StatusNotification", {"connectorId": 2, "errorCode": "GroundFailure",
                                              "status": "Faulted"})
        faulted = await hub.call(REMOTE_START, start_body(new_session_id()))
        assert (faulted["Result"], faulted["StatusCode"]["Code"]) == (False, "700"), faulted
        assert sim.received == []


async def test_an_evse_whose_roaming_id_is_stored_in_lower_case(hub: Hub) -> None:
    """EvseIDs are upper case; a connector roaming id may be stored as entered. The
    lookup finds the usual upper-case id by its index and still finds this one."""
    gateway = hub.gateway
    status, body = await gateway.admin("PATCH", "/connectors/B1C1/2", json={"roaming_id": "ab12"})
    assert status == 200, body
    async with gateway.charger("station-01", handlers={"RemoteStartTransaction": accept}) as sim:
        await boot16(sim)
        gone = await hub.call(REMOTE_START, start_body(new_session_id()))  # the old id
        assert (gone["Result"], gone["StatusCode"]["Code"]) == (False, "603"), gone
        ack = await hub.call(REMOTE_START, start_body(new_session_id(), "SI*TRI*EAB12"))
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (True, "000"), ack
        assert sim.received == [("RemoteStartTransaction", {"idTag": EVCO, "connectorId": 2})]


async def test_one_operator_id_for_both_sides_and_only_published_evses(hub: Hub) -> None:
    """The listener knows our OperatorID exactly as the sending side does (``SITRI`` is
    ``SI*TRI``), and an EVSE we do not publish (its area has no roaming id) cannot be
    started: Hubject never got its data."""
    gateway = hub.gateway
    status, body = await gateway.admin("PATCH", "/roaming/profiles/TRI-OICP",
                                       json={"roaming_identifier": "SITRI"})
    assert status == 200, body
    platforms = await hub._server().platforms.oicp_platforms()
    assert [(p.code, p.operator_id) for p in platforms] == [(PLATFORM, "SI*TRI")]
    async with gateway.charger("station-01", handlers={"RemoteStartTransaction": accept}) as sim:
        await boot16(sim)
        ack = await hub.call(REMOTE_START, start_body(new_session_id()))
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (True, "000"), ack
        status, body = await gateway.admin("PATCH", "/areas/AREA-1", json={"roaming_id": None})
        assert status == 200, body
        unpublished = await hub.call(REMOTE_START, start_body(new_session_id(), EVSE_201))
        assert (unpublished["Result"], unpublished["StatusCode"]["Code"]) == (False, "603")
        assert [action for action, _ in sim.received] == ["RemoteStartTransaction"]


async def test_occupied_connector(hub: Hub) -> None:
    gateway = hub.gateway
    async with gateway.charger("station-01", handlers={
            "RemoteStartTransaction": accept}) as sim:
        await boot16(sim)
        await sim.call("StartTransaction", {"connectorId": 2, "idTag": "DEMO-RFID-1",
                                            "meterStart": 0, "timestamp": T0})
        ack = await hub.call(REMOTE_START, start_body(new_session_id()))
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (False, "602"), ack
        assert sim.received == []


async def test_same_session_id_twice_starts_once(hub: Hub) -> None:
    gateway = hub.gateway
    async with gateway.charger("station-01", handlers={
            "RemoteStartTransaction": accept}) as sim:
        await boot16(sim)
        session_id = new_session_id()
        first, second = await asyncio.gather(
            hub.call(REMOTE_START, start_body(session_id)),
            hub.call(REMOTE_START, start_body(session_id)))
        again = await hub.call(REMOTE_START, start_body(session_id))
        assert {a["StatusCode"]["Code"] for a in (first, second, again)} == {"000"}
        assert first["CPOPartnerSessionID"] == second["CPOPartnerSessionID"] == \
            again["CPOPartnerSessionID"]
        assert [a for a, _ in sim.received] == ["RemoteStartTransaction"]
        _, sessions = await gateway.admin("GET", "/sessions")
        assert len([s for s in sessions if s["authorization_reference"] == session_id]) == 1


async def test_invalid_bodies_get_a_data_error_not_a_500(hub: Hub) -> None:
    session_id = new_session_id()
    with structlog.testing.capture_logs() as logs:
        status, missing = await hub.post(REMOTE_START, {"SessionID": session_id,
                                                        "ProviderID": "DE*ICE"})  # no EvseID
        assert (status, missing["Result"], missing["StatusCode"]["Code"],
                missing["SessionID"]) == (200, False, "022", session_id)  # SessionID echoed
        assert "EvseID" in missing["StatusCode"]["AdditionalInfo"]
        for body in ({**start_body(session_id), "EvseID": "not an evse"},
                     {**start_body(session_id), "Identification": {}},
                     ["not", "an", "object"]):
            status, ack = await hub.post(REMOTE_START, body)
            assert (status, ack["Result"], ack["StatusCode"]["Code"]) == (200, False, "022")
        async with hub.http.post(hub.url(REMOTE_START), data=b"{not json",
                                 headers={"Content-Type": "application/json"}) as reply:
            garbage = await reply.json(content_type=None)
            assert (reply.status, garbage["StatusCode"]["Code"]) == (200, "022")
        status, bad_path = await hub.post(REMOTE_START, start_body(session_id), provider="DE*I")
        assert (status, bad_path["StatusCode"]["Code"]) == (200, "022")
        status, other = await hub.post(REMOTE_START, start_body(session_id), provider="NL*ABC")
        assert (status, other["StatusCode"]["Code"]) == (200, "022")
        status, unknown = await hub.post("/charging/v21/providers/{providerID}/nothing", {})
        assert (status, unknown["StatusCode"]["Code"]) == (404, "022")
    assert sum(1 for e in logs if e["event"] == "oicp_request_invalid") == 7
    assert [e["status"] for e in logs if e["event"] == "oicp_request_unroutable"] == [404]
    stop = await hub.call(REMOTE_STOP, stop_body(session_id))
    assert stop["StatusCode"]["Code"] == "400"  # nothing was claimed for that SessionID


async def test_remote_stop_of_an_unknown_session(hub: Hub) -> None:
    ack = await hub.call(REMOTE_STOP, stop_body(new_session_id()))
    assert (ack["Result"], ack["StatusCode"]["Code"]) == (False, "400"), ack


# --- remote reservations ------------------------------------------------------------------


def reservation_body(session_id: str, evse_id: str = EVSE_16, duration: int | None = 20
                     ) -> dict[str, Any]:
    return {"SessionID": session_id, "CPOPartnerSessionID": None,
            "EMPPartnerSessionId": "emp-r", "ProviderID": "DE*ICE", "EvseID": evse_id,
            "PartnerProductID": None, "Duration": duration,
            "Identification": {"RemoteIdentification": {"EvcoID": EVCO},
                               "QRCodeIdentification": None}}


class _Ended:
    """Records ``reservation_ended`` calls, then hands them on to the outbound side."""

    def __init__(self, gateway: Gateway) -> None:
        outbound = getattr(gateway.deps, "oicp_outbound", None)
        if outbound is None:
            pytest.fail("deps.oicp_outbound (the OICP outbound side) is missing: the CDR "
                        "after a reservation cannot be requested")
        self.calls: list[int] = []
        self._original = outbound.reservation_ended
        outbound.reservation_ended = self

    async def __call__(self, link_id: int) -> None:
        self.calls.append(link_id)
        await self._original(link_id)


async def test_reservation_start_and_stop(hub: Hub) -> None:
    gateway = hub.gateway
    ended = _Ended(gateway)
    sim = gateway.charger("station-01", handlers={"ReserveNow": accept,
                                                  "CancelReservation": accept})
    async with sim:
        await boot16(sim)
        session_id = new_session_id()
        ack = await hub.call(RESERVATION_START, reservation_body(session_id))
        assert (ack["Result"], ack["StatusCode"]["Code"]) == (True, "000"), ack
        assert ack["EMPPartnerSessionID"] == "emp-r"
        link = await hub.link(session_id)
        assert (link.origin, link.status) == ("reservation", "ACTIVE")
        action, reserve = sim.received[0]
        assert action == "ReserveNow"
        assert (reserve["reservationId"], reserve["idTag"], reserve["connectorId"]) == (
            link.reservation_id, EVCO, 2)
        expiry = datetime.fromisoformat(reserve["expiryDate"].replace("Z", "+00:00"))
        assert expiry == gateway.clock.now() + timedelta(minutes=20)
        # The reserved EVSE is not available to a remote start by someone else.
        other = start_body(new_session_id())
        other["Identification"] = {"RemoteIdentification": {"EvcoID": "DE*ICE*I02000*7"}}
        taken = await hub.call(REMOTE_START, other)
        assert (taken["Result"], taken["StatusCode"]["Code"]) == (False, "601"), taken

        stopped = await hub.call(RESERVATION_STOP, {
            "SessionID": session_id, "ProviderID": "DE*ICE", "EvseID": EVSE_16,
            "CPOPartnerSessionID": link.cpo_partner_session_id, "EMPPartnerSessionId": None})
        assert (stopped["Result"], stopped["StatusCode"]["Code"]) == (True, "000"), stopped
        assert sim.received[-1] == ("CancelReservation",
                                    {"reservationId": link.reservation_id})
        assert ended.calls == [link.id]  # the CDR Hubject requires after a reservation
        assert (await hub.link(session_id)).status == "ENDED"
        again = await hub.call(RESERVATION_STOP, {
            "SessionID": session_id, "ProviderID": "DE*ICE", "EvseID": EVSE_16})
        assert again["Result"] is True and ended.calls == [link.id]  # not twice


async def test_reservation_expiry_is_followed_by_its_cdr_and_refusals(hub: Hub) -> None:
    gateway = hub.gateway
    ended = _Ended(gateway)
    async with gateway.charger("station-01", handlers={
            "ReserveNow": lambda p: {"status": "Occupied"}}) as sim:
        await boot16(sim)
        refused = await hub.call(RESERVATION_START, reservation_body(new_session_id()))
        assert (refused["Result"], refused["StatusCode"]["Code"]) == (False, "602"), refused
    no_session = await hub.call(RESERVATION_START, reservation_body(new_session_id()) | {
        "SessionID": None})
    assert (no_session["Result"], no_session["StatusCode"]["Code"]) == (False, "400")
    async with gateway.charger("station-01", handlers={"ReserveNow": accept}) as sim:
        await boot16(sim)
        session_id = new_session_id()
        ack = await hub.call(RESERVATION_START, reservation_body(session_id, duration=None))
        assert ack["Result"] is True, ack
    server = gateway.deps.oicp_server
    assert server is not None and gateway.deps.operations is not None
    assert await server.bridge.close_ended_reservations() == 0  # still running
    gateway.clock.advance(16 * 60)  # the default is 15 minutes
    assert await gateway.deps.operations.reservations.expire_due() == 1
    assert await server.bridge.close_ended_reservations() == 1
    link = await hub.link(session_id)
    assert (link.status, ended.calls) == ("ENDED", [link.id])


# --- admission ------------------------------------------------------------------------------


async def test_certificate_from_another_ca_is_refused_at_tls(hub: Hub) -> None:
    now = issuance_time(hub.gateway.clock.now(), datetime.now(UTC))
    stranger_ca = create_root_ca(SubjectFields("Stranger CA"), validity_days=60, now=now)
    cert, key = _client_certificate(stranger_ca, now)
    with structlog.testing.capture_logs() as logs:
        for http in (hub.client(cert, key), hub.client(None, None)):
            async with http:
                with pytest.raises(aiohttp.ClientError):
                    await hub.post(REMOTE_START, start_body(new_session_id()), http=http)
        await hub.listener.server.bridge.wait()
    assert len([e for e in logs if e["event"] == "oicp_tls_refused"]) == 2


async def test_right_ca_but_not_the_access_certificate_gets_403(hub: Hub) -> None:
    now = issuance_time(hub.gateway.clock.now(), datetime.now(UTC))
    root = await hub.gateway.deps.certificates.signing_authority(hub.pki.system_root_code)
    cert, key = _client_certificate(root, now)  # chains to the same system root
    with structlog.testing.capture_logs() as logs:
        async with hub.client(cert, key) as http:
            status, ack = await hub.post(REMOTE_START, start_body(new_session_id()), http=http)
    assert (status, ack["Result"], ack["StatusCode"]["Code"]) == (403, False, "017")
    assert [e["reason"] for e in logs if e["event"] == "oicp_caller_refused"] == [
        "no OICP platform admits the client certificate"]


async def test_trust_installed_after_start_is_used_without_restart(gateway: Gateway) -> None:
    await _platform(gateway)
    listener, server_ca = await _listener(gateway)  # nothing trusted yet
    try:
        partner = await install_partner_mtls(gateway, PLATFORM)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                ssl=partner.client_ssl_context(server_ca))) as http:
            url = URL(f"https://127.0.0.1:{listener.port}/api/oicp"
                      + REMOTE_STOP.replace("{providerID}", "DE*ICE"), encoded=True)
            async with http.post(url, json=stop_body(new_session_id())) as reply:
                ack = await reply.json()
        assert (reply.status, ack["StatusCode"]["Code"]) == (200, "400")  # admitted
    finally:
        await listener.stop()


async def test_not_served_on_the_plain_http_port(hub: Hub) -> None:
    response = await hub.gateway.client.post(
        "/api/oicp" + REMOTE_START.replace("{providerID}", "DE*ICE"),
        json=start_body(new_session_id()))
    assert response.status == 404
