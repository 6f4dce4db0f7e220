"""AuthorizeStart/Stop bodies, answers, and the OICP authorizer with in-memory ports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from csms.authorization import AuthorizationRequest, AuthorizationSource, AuthorizationStatus
from oicp.authorize import (
    AuthorizationOutcome,
    HubjectUnavailable,
    authorize_start_request,
    authorize_stop_request,
    identification_for_token,
    interpret_authorization,
    token_of,
)
from oicp.authorizer import OicpAuthorizer, OicpTarget
from oicp.models import (
    AuthorizationStartResponse,
    AuthorizeStartRequest,
    Identification,
    decode_authorization_start,
    decode_authorization_stop,
)
from oicp.paths import Operation, operation_path, operation_url
from tests.unit.oicp.oicp_openapi import openapi, validate_request

SESSION = "b2688855-7f00-0002-6d8e-48d883f6abb6"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def test_paths_are_the_openapi_ones() -> None:
    templates = set(openapi()["paths"])
    for operation in Operation:
        assert operation.value in templates
    assert operation_path(Operation.AUTHORIZE_START, "si*tri") == (
        "/charging/v21/operators/SI*TRI/authorize/start")
    assert operation_url("https://hub/api/oicp/", Operation.CHARGE_DETAIL_RECORD, "SI*TRI") == (
        "https://hub/api/oicp/cdrmgmt/v22/operators/SI*TRI/charge-detail-record")
    assert operation_path(Operation.CHARGING_NOTIFICATIONS, "SI*TRI") == (
        "/notificationmgmt/v11/charging-notifications")


@pytest.mark.parametrize(("token", "token_type", "variant", "value"), [
    ("044a2daa856280", None, "RFIDMifareFamilyIdentification", "044A2DAA856280"),
    ("0A0B0C0D", "RFID", "RFIDMifareFamilyIdentification", "0A0B0C0D"),
    ("0A0B0C0D0E0F1011A2B3", "NFC", "RFIDMifareFamilyIdentification", "0A0B0C0D0E0F1011A2B3"),
    ("DE*8EO*Aet5e4*3", "ISO15118", "PlugAndChargeIdentification", "DE*8EO*AET5E4*3"),
    ("DE-8EO-CAet5e4XY-3", None, "PlugAndChargeIdentification", "DE-8EO-CAET5E4XY-3"),
])
def test_tokens_hubject_can_authorize(token: str, token_type: str | None, variant: str,
                                      value: str) -> None:
    identification = identification_for_token(token, token_type)
    assert identification is not None and identification.variant == variant
    assert token_of(identification) == value
    body = authorize_start_request("SI*TRI", identification, evse_id="SI*TRI*E010107",
                                   cpo_partner_session_id="c-1").to_json()
    validate_request("eRoamingAuthorizeStart", body)


@pytest.mark.parametrize(("token", "token_type"), [
    ("DEMO-RFID-1", None), ("0A0B0C0", None), ("0A0B0C0D", "VIN"), ("", None),
    ("DE*8EO*Aet5e4*3", "RFID"),
])
def test_tokens_hubject_cannot_authorize(token: str, token_type: str | None) -> None:
    assert identification_for_token(token, token_type) is None


def test_authorize_stop_body() -> None:
    body = authorize_stop_request("SI*TRI", SESSION, Identification.of_uid("0A0B0C0D"),
                                  evse_id="SI*TRI*E010107").to_json()
    validate_request("eRoamingAuthorizeStop", body)
    assert body["SessionID"] == SESSION


def test_answers_with_hubjects_nulls() -> None:
    refused = interpret_authorization(decode_authorization_start({
        "AuthorizationStatus": "NotAuthorized", "SessionID": None, "ProviderID": None,
        "StatusCode": {"Code": "102", "Description": "RFID Authentication failed - invalid UID",
                       "AdditionalInfo": None},
        "CPOPartnerSessionID": None, "EMPPartnerSessionID": None,
        "AuthorizationStopIdentifications": None}))
    assert not refused.authorized and refused.status_code == "102"
    assert "invalid UID" in refused.reason
    accepted = interpret_authorization(decode_authorization_start({
        "AuthorizationStatus": "Authorized", "SessionID": SESSION, "ProviderID": "DE*ICE",
        "StatusCode": {"Code": "000"}, "AuthorizationStopIdentifications": [
            {"RFIDMifareFamilyIdentification": {"UID": "0A0B0C0D"}}]}))
    assert accepted.authorized and accepted.session_id == SESSION
    assert accepted.provider_id == "DE*ICE" and len(accepted.stop_identifications) == 1
    stop = interpret_authorization(decode_authorization_stop({
        "AuthorizationStatus": "Authorized", "SessionID": SESSION,
        "StatusCode": {"Code": "000"}}))
    assert stop.authorized
    with pytest.raises(HubjectUnavailable):
        interpret_authorization(decode_authorization_start({
            "AuthorizationStatus": "Authorized", "StatusCode": {"Code": "000"}}))


TARGET = OicpTarget("TRI-OICP", 1, "SI*TRI", "https://hub/api/oicp", None, "SI*TRI*E010107")


class Links:
    def __init__(self, targets: list[OicpTarget]) -> None:
        self.targets_ = targets
        self.recorded: list[tuple[str, str | None, str]] = []

    async def targets(self, station: str, charger: str | None, connector: str | None
                      ) -> list[OicpTarget]:
        return self.targets_

    async def reusable(self, target: OicpTarget, station: str, token: str,
                       since: datetime) -> str | None:
        for session_id, _, recorded_token in self.recorded:
            if recorded_token == token and since <= NOW:
                return session_id
        return None

    async def record(self, target: OicpTarget, outcome: AuthorizationOutcome,
                     identification: Identification, cpo_partner_session_id: str) -> None:
        assert outcome.session_id is not None
        self.recorded.append((outcome.session_id, outcome.provider_id,
                              token_of(identification) or ""))


class Client:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.asked: list[AuthorizeStartRequest] = []

    async def authorize_start(self, target: OicpTarget, request: AuthorizeStartRequest
                              ) -> AuthorizationStartResponse:
        self.asked.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return decode_authorization_start(self.answer)


def _request(token: str = "0A0B0C0D") -> AuthorizationRequest:
    return AuthorizationRequest("station-01", "B1C1", None, token, None)


async def test_authorized_once_then_reused() -> None:
    links = Links([TARGET])
    client = Client({"AuthorizationStatus": "Authorized", "SessionID": SESSION,
                     "ProviderID": "DE*ICE", "StatusCode": {"Code": "000"}})
    authorizer = OicpAuthorizer(links, client, lambda: NOW, timedelta(minutes=15))
    first = await authorizer.authorize(_request())
    again = await authorizer.authorize(_request())
    for decision in (first, again):
        assert decision.status is AuthorizationStatus.ACCEPTED
        assert decision.source is AuthorizationSource.ROAMING
        assert (decision.authorization_reference, decision.roaming_party) == (
            SESSION, "TRI-OICP")
    assert len(client.asked) == 1
    assert client.asked[0].evse_id is None and client.asked[0].cpo_partner_session_id
    assert links.recorded == [(SESSION, "DE*ICE", "0A0B0C0D")]


async def test_refused_unreachable_and_foreign_tokens() -> None:
    refused = OicpAuthorizer(Links([TARGET]), Client({
        "AuthorizationStatus": "NotAuthorized", "StatusCode": {"Code": "102"}}), lambda: NOW)
    assert (await refused.authorize(_request())).status is AuthorizationStatus.INVALID
    down = OicpAuthorizer(Links([TARGET]), Client(HubjectUnavailable("HTTP 503")),
                          lambda: NOW)
    assert (await down.authorize(_request())).status is AuthorizationStatus.UNKNOWN
    client = Client(HubjectUnavailable("never asked"))
    foreign = OicpAuthorizer(Links([TARGET]), client, lambda: NOW)
    assert (await foreign.authorize(_request("DEMO-RFID-1"))).status is \
        AuthorizationStatus.UNKNOWN
    nowhere = OicpAuthorizer(Links([]), client, lambda: NOW)
    assert (await nowhere.authorize(_request())).status is AuthorizationStatus.UNKNOWN
    assert client.asked == []
