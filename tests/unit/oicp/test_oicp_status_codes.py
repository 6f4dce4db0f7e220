"""Hubject's StatusCode list and the acknowledgement helpers."""

from __future__ import annotations

import pytest

from oicp.models import Acknowledgement, decode_acknowledgement
from oicp.status_codes import (
    DESCRIPTIONS,
    StatusCodeArea,
    StatusCodeValue,
    acknowledgement,
    area_of,
    failure,
    status_code,
    success,
)
from tests.unit.oicp.oicp_openapi import validate_request

SESSION = "b2688855-7f00-0002-6d8e-48d883f6abb6"

# code, description (SPEC-03 CodeType / notes/oicp.md §3.5), area
TABLE = [
    ("000", "Success", StatusCodeArea.GENERAL),
    ("001", "Hubject system error", StatusCodeArea.GENERAL),
    ("002", "Hubject database error", StatusCodeArea.GENERAL),
    ("009", "Data transaction error", StatusCodeArea.GENERAL),
    ("017", "Unauthorized Access", StatusCodeArea.GENERAL),
    ("018", "Inconsistent EvseID", StatusCodeArea.GENERAL),
    ("019", "Inconsistent EvcoID", StatusCodeArea.GENERAL),
    ("021", "System error", StatusCodeArea.GENERAL),
    ("022", "Data error", StatusCodeArea.GENERAL),
    ("101", "QR Code Authentication failed - Invalid Credentials", StatusCodeArea.AUTHENTICATION),
    ("102", "RFID Authentication failed - invalid UID", StatusCodeArea.AUTHENTICATION),
    ("103", "RFID Authentication failed - card not readable", StatusCodeArea.AUTHENTICATION),
    ("105", "PLC Authentication failed - invalid EvcoID", StatusCodeArea.AUTHENTICATION),
    ("106", "No positive authentication response", StatusCodeArea.AUTHENTICATION),
    ("110", "QR Code App Authentication failed - time out", StatusCodeArea.AUTHENTICATION),
    (
        "120",
        "PLC (ISO/ IEC 15118) Authentication failed - invalid underlying EvcoID",
        StatusCodeArea.AUTHENTICATION,
    ),
    (
        "121",
        "PLC (ISO/ IEC 15118) Authentication failed - invalid certificate",
        StatusCodeArea.AUTHENTICATION,
    ),
    ("122", "PLC (ISO/ IEC 15118) Authentication failed - time out", StatusCodeArea.AUTHENTICATION),
    ("200", "EvcoID locked", StatusCodeArea.CONTRACT),
    ("210", "No valid contract", StatusCodeArea.CONTRACT),
    ("300", "Partner not found", StatusCodeArea.PARTNER),
    ("310", "Partner did not respond", StatusCodeArea.PARTNER),
    ("320", "Service not available", StatusCodeArea.PARTNER),
    ("400", "Session is invalid", StatusCodeArea.SESSION),
    ("501", "Communication to EVSE failed", StatusCodeArea.EVSE_COMMUNICATION),
    ("510", "No EV connected to EVSE", StatusCodeArea.EVSE_COMMUNICATION),
    ("601", "EVSE already reserved", StatusCodeArea.EVSE),
    ("602", "EVSE already in use/ wrong token", StatusCodeArea.EVSE),
    ("603", "Unknown EVSE ID", StatusCodeArea.EVSE),
    ("604", "EVSE ID is not Hubject compatible", StatusCodeArea.EVSE),
    ("700", "EVSE out of service", StatusCodeArea.EVSE_SERVICE),
]


def test_table_is_complete() -> None:
    assert [c for c, _, _ in TABLE] == [v.value for v in StatusCodeValue]
    assert set(DESCRIPTIONS) == set(StatusCodeValue)


@pytest.mark.parametrize(("code", "description", "area"), TABLE, ids=[r[0] for r in TABLE])
def test_code_row(code: str, description: str, area: StatusCodeArea) -> None:
    value = StatusCodeValue(code)
    assert value.description == description
    assert area_of(value) is area
    assert len(description) <= 200


@pytest.mark.parametrize("code", ["140", "301", "308", "401", "404", "500"])
def test_codes_not_in_oicp_23(code: str) -> None:
    with pytest.raises(ValueError, match="is not a valid"):
        StatusCodeValue(code)


@pytest.mark.parametrize("code", ["", "0", "1000", "abc", "9x9"])
def test_area_of_garbage(code: str) -> None:
    assert area_of(code) is None


def test_success_acknowledgement_json() -> None:
    ack = success(session_id=SESSION, cpo_partner_session_id="tx-42")
    body = ack.to_json()
    assert body == {
        "Result": True,
        "StatusCode": {"Code": "000", "Description": "Success"},
        "SessionID": SESSION,
        "CPOPartnerSessionID": "tx-42",
    }
    validate_request("eRoamingAcknowledgment", body)
    assert decode_acknowledgement(body) == ack


@pytest.mark.parametrize(
    "code",
    [
        StatusCodeValue.UNKNOWN_EVSE_ID,
        StatusCodeValue.EVSE_ALREADY_IN_USE,
        StatusCodeValue.EVSE_OUT_OF_SERVICE,
        StatusCodeValue.COMMUNICATION_TO_EVSE_FAILED,
        StatusCodeValue.SESSION_INVALID,
    ],
)
def test_failure_acknowledgement(code: StatusCodeValue) -> None:
    ack = failure(code, "connector 3 faulted", session_id=SESSION)
    body = ack.to_json()
    assert body["Result"] is False
    assert body["StatusCode"] == {
        "Code": code.value,
        "Description": code.description,
        "AdditionalInfo": "connector 3 faulted",
    }
    validate_request("eRoamingAcknowledgment", body)


def test_acknowledgement_result_must_fit_code() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        acknowledgement(True, StatusCodeValue.UNKNOWN_EVSE_ID)
    with pytest.raises(ValueError, match="does not fit"):
        acknowledgement(False, "000")


def test_acknowledgement_custom_description_and_truncation() -> None:
    ack = acknowledgement(False, "603", "no such EVSE", additional_info="x" * 2000)
    assert ack.status_code.description == "no such EVSE"
    assert ack.status_code.additional_info == "x" * 1000
    assert isinstance(ack, Acknowledgement)
    assert status_code("999").description is None


def test_code_keeps_leading_zeros() -> None:
    ack = decode_acknowledgement(b'{"Result": false, "StatusCode": {"Code": "017"}}')
    assert ack.status_code.code == "017"
    assert ack.to_json()["StatusCode"] == {"Code": "017"}
