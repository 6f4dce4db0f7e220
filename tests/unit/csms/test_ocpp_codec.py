"""Pure OCPP pieces: frame decoding, error codes per version, leniency, meter values, the
authorizer chain."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.authorization import (
    AuthorizationDecision,
    AuthorizationRequest,
    AuthorizationSource,
    AuthorizationStatus,
    AuthorizerChain,
    KnownToken,
    LocalTokenAuthorizer,
)
from csms.network.types import IdTokenStatus
from csms.ocpp import frames
from csms.ocpp.frames import Call, CallError, CallResult, FrameError, Violation
from csms.ocpp.leniency import normalize
from csms.ocpp.metering import energy_readings, samples_from


def parse_time(raw: str) -> datetime:
    return datetime.fromisoformat(raw).astimezone(UTC)


def test_frames_decode_each_type() -> None:
    assert frames.parse_frame('[2,"a","Heartbeat",{}]') == Call("a", "Heartbeat", {})
    assert frames.parse_frame('[3,"a",{"x":1}]') == CallResult("a", {"x": 1})
    assert frames.parse_frame('[4,"a","NotImplemented","no",{}]') == CallError(
        "a", "NotImplemented", "no", {})


@pytest.mark.parametrize(("raw", "violation", "unique_id"), [
    ("nope", Violation.FORMATION, "-1"),
    ('{"a":1}', Violation.RPC_FRAMEWORK, "-1"),
    ("[2]", Violation.RPC_FRAMEWORK, "-1"),
    ('[2, 7, "Heartbeat", {}]', Violation.RPC_FRAMEWORK, "-1"),
    ('[2,"id","Heartbeat",[]]', Violation.FORMATION, "id"),
    ('[7,"id",{}]', Violation.MESSAGE_TYPE, "id"),
    ('[true,"id",{}]', Violation.MESSAGE_TYPE, "id"),
])
def test_frames_refuse_with_the_right_class(raw: str, violation: str, unique_id: str) -> None:
    with pytest.raises(FrameError) as caught:
        frames.parse_frame(raw)
    assert (caught.value.violation, caught.value.unique_id) == (violation, unique_id)


@given(st.one_of(st.text(max_size=60), st.binary(max_size=60),
                 st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                              lambda inner: st.lists(inner, max_size=5), max_leaves=12)
                 .map(json.dumps)))
def test_every_frame_parses_or_raises_frame_error(raw: str | bytes) -> None:
    try:
        frames.parse_frame(raw)
    except FrameError as error:
        assert error.violation in vars(Violation).values()


def test_error_codes_are_spelled_per_version() -> None:
    assert frames.error_code("1.6", Violation.OCCURRENCE) == "OccurenceConstraintViolation"
    assert frames.error_code("2.0.1", Violation.OCCURRENCE) == "OccurrenceConstraintViolation"
    assert frames.error_code("1.6", Violation.FORMATION) == "FormationViolation"
    assert frames.error_code("2.0.1", Violation.FORMATION) == "FormatViolation"
    assert frames.error_code("2.0.1", Violation.MESSAGE_TYPE) == "MessageTypeNotSupported"
    reply = json.loads(frames.encode_error("1.6", "x", Violation.NOT_IMPLEMENTED, "d" * 400))
    assert reply[:3] == [4, "x", "NotImplemented"] and len(reply[3]) == 255


def test_leniency_fixes_are_named() -> None:
    payload = {"connectorId": 1, "meterValue": [{"timestamp": "2026-01-01T00:00:00Z",
               "sampledValue": [{"value": 12.5, "unit": "Hz"}]}]}
    fixed, fixes = normalize("1.6", "MeterValues", payload)
    assert fixed["meterValue"][0]["sampledValue"][0] == {"value": "12.5"}
    assert fixes == ["numeric_value_as_string", "unknown_unit:Hz"]
    assert payload["meterValue"][0]["sampledValue"][0]["value"] == 12.5  # input untouched
    status, fixes = normalize("1.6", "StatusNotification",
                              {"connectorId": 1, "status": "Faulted", "errorCode": "E17"})
    assert (status["errorCode"], status["vendorErrorCode"], fixes) == (
        "OtherError", "E17", ["vendor_error_code:E17"])


def test_meter_values_of_both_versions() -> None:
    v16 = samples_from([{"timestamp": "2026-11-21T08:00:00Z", "sampled_value": [
        {"value": "1.5", "unit": "kWh", "context": "Sample.Periodic"},
        {"value": "700", "measurand": "Energy.Active.Import.Register", "phase": "L1"},
        {"value": "abc"}]}], parse_time)
    assert [(r[1], r[2]) for r in energy_readings(v16)] == [(Decimal("1500.0"),
                                                             "Sample.Periodic")]
    v201 = samples_from([{"timestamp": "2026-11-21T08:00:00Z", "sampled_value": [
        {"value": 2.25, "measurand": "Energy.Active.Import.Register",
         "unit_of_measure": {"unit": "kWh", "multiplier": 1}}]}], parse_time)
    assert energy_readings(v201)[0][1] == Decimal("22500.00")


class _Tokens:
    async def find_token(self, identifier: str, token_type: str | None) -> KnownToken | None:
        if identifier == "LOCAL":
            return KnownToken("LOCAL", "RFID", IdTokenStatus.VALID, 1, "C1", False)
        return None


class _Roaming:
    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        if request.id_token.startswith("DE-"):
            return AuthorizationDecision(AuthorizationStatus.ACCEPTED,
                                         AuthorizationSource.ROAMING,
                                         authorization_reference="ref-1",
                                         roaming_party="EMSP-DE")
        return AuthorizationDecision(AuthorizationStatus.UNKNOWN)


async def test_authorizer_chain_first_definite_answer_wins() -> None:
    chain = AuthorizerChain([LocalTokenAuthorizer(_Tokens())])
    chain.append(_Roaming())

    def request(token: str) -> Any:
        return AuthorizationRequest("st", None, None, token, None)

    local = await chain.authorize(request("LOCAL"))
    assert (local.status, local.source, local.customer_code) == (
        AuthorizationStatus.ACCEPTED, AuthorizationSource.LOCAL, "C1")
    roaming = await chain.authorize(request("DE-123"))
    assert (roaming.roaming_party, roaming.authorization_reference) == ("EMSP-DE", "ref-1")
    assert (await chain.authorize(request("nobody"))).status is AuthorizationStatus.INVALID


@pytest.mark.parametrize(("payload", "violation"), [
    ({"connectorId": 1, "meterValue": [{"timestamp": "2026-11-21T08:00:00Z",
                                        "sampledValue": [{"value": "1"}]}]}, None),
    ({"connectorId": "1", "meterValue": []}, Violation.TYPE),
    ({"meterValue": []}, Violation.OCCURRENCE),
    ({"connectorId": 1, "meterValue": [{"timestamp": "2026-11-21T08:00:00",
                                        "sampledValue": [{"value": "1"}]}]}, Violation.PROPERTY),
    ({"connectorId": 1, "meterValue": [{"timestamp": "2026-11-21T08:00:00Z",
                                        "sampledValue": [{"value": "1", "unit": "Hz"}]}]},
     Violation.PROPERTY),
])
def test_fast_validation_classes(payload: dict[str, Any], violation: str | None) -> None:
    from csms.ocpp.validation import schema_problem

    problem = schema_problem("1.6", 2, "MeterValues", payload)
    assert (problem[0] if problem else None) == violation


def test_leniency_reads_naive_timestamps_as_utc() -> None:
    from csms.ocpp.validation import schema_problem

    payload = {"connectorId": 1, "idTag": "X", "meterStart": 0,
               "timestamp": "2026-11-21T08:00:00"}
    assert schema_problem("1.6", 2, "StartTransaction", payload) is not None
    fixed, fixes = normalize("1.6", "StartTransaction", payload)
    assert (fixed["timestamp"], fixes) == ("2026-11-21T08:00:00Z", ["timestamp_without_offset"])
    assert schema_problem("1.6", 2, "StartTransaction", fixed) is None


def test_url_credentials_never_reach_the_communication_log() -> None:
    from csms.ocpp.chargepoint import _URL_CREDENTIALS

    frame = '[2,"1","UpdateFirmware",{"location":"ftp://ops:S3cr3t!@ftp.example.com:21/fw.bin"}]'
    assert _URL_CREDENTIALS.sub(r"\1***@", frame) == (
        '[2,"1","UpdateFirmware",{"location":"ftp://ops:***@ftp.example.com:21/fw.bin"}]')
