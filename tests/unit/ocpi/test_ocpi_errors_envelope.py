"""The error hierarchy and the response envelope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocpi import errors
from ocpi.envelope import envelope, error_envelope, parse_envelope
from ocpi.models import CommandResponse, CommandResponseType
from tests.unit.ocpi.ocpi_openapi import validate_object, validate_response

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cls", "code", "http"),
    [
        (errors.ClientError, 2000, 200),
        (errors.InvalidParameters, 2001, 200),
        (errors.NotEnoughInformation, 2002, 200),
        (errors.UnknownLocation, 2003, 200),
        (errors.UnknownToken, 2004, 404),
        (errors.ServerError, 3000, 200),
        (errors.InternalError, 3000, 500),
        (errors.UnusableClientApi, 3001, 200),
        (errors.UnsupportedVersion, 3002, 200),
        (errors.NoMatchingEndpoints, 3003, 200),
        (errors.HubError, 4000, 200),
        (errors.UnknownReceiver, 4001, 200),
        (errors.HubTimeout, 4002, 200),
        (errors.HubConnectionProblem, 4003, 200),
        (errors.InvalidJson, 2000, 400),
        (errors.Unauthorized, 2000, 401),
        (errors.NotFound, 2000, 404),
        (errors.MethodNotAllowed, 2000, 405),
    ],
)
def test_codes_and_http_statuses(cls: type[errors.OcpiError], code: int, http: int) -> None:
    exc = cls()
    assert isinstance(exc, errors.OcpiError)
    assert (exc.status_code, exc.http_status) == (code, http)
    body = error_envelope(exc, NOW)
    assert body["status_code"] == code
    assert body["status_message"] == exc.message
    assert "data" not in body
    validate_response(body)


def test_overrides_and_detail() -> None:
    exc = errors.UnknownToken("no such token", http_status=200)
    assert exc.http_status == 200 and errors.UnknownToken.http_status == 404
    bad = errors.InvalidParameters("bad", errors=[{"field": "uid", "error": "too long"}])
    assert error_envelope(bad, NOW)["data"] == {"errors": [{"field": "uid", "error": "too long"}]}
    rejected = CommandResponse(result=CommandResponseType.REJECTED, timeout=0)
    body = error_envelope(errors.UnknownLocation(data=rejected), NOW)
    assert body["status_code"] == 2003
    assert body["data"] == {"result": "REJECTED", "timeout": 0}
    validate_object("CommandEnvelopeResponse", body)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (2001, errors.InvalidParameters),
        (2004, errors.UnknownToken),
        (2950, errors.ClientError),
        (3003, errors.NoMatchingEndpoints),
        (3901, errors.ServerError),
        (4001, errors.UnknownReceiver),
        (4999, errors.HubError),
        (17, errors.ClientError),
    ],
)
def test_error_for_status(code: int, cls: type[errors.OcpiError]) -> None:
    exc = errors.error_for_status(code, "boom")
    assert type(exc) is cls
    assert exc.status_code == code
    assert exc.message == "boom"


def test_envelope_success() -> None:
    body = envelope([CommandResponse(result=CommandResponseType.ACCEPTED, timeout=30)], now=NOW)
    assert body == {
        "data": [{"result": "ACCEPTED", "timeout": 30}],
        "status_code": 1000,
        "timestamp": "2024-05-01T12:00:00Z",
    }
    assert envelope(now=NOW) == {"status_code": 1000, "timestamp": "2024-05-01T12:00:00Z"}
    assert envelope("ACCEPTED", message="Success", now=NOW)["status_message"] == "Success"
    assert envelope(now=None)["timestamp"].endswith("Z")


def test_parse_envelope_is_tolerant() -> None:
    assert parse_envelope({"status_code": 1000, "data": [1]}) == (1000, [1], None)
    code, data, message = parse_envelope({"status_code": "2001", "status_message": 5})
    assert (code, data, message) == (2001, None, "5")
    response = parse_envelope({"status_code": 3002, "timestamp": "garbage"})
    assert not response.ok
    with pytest.raises(errors.UnsupportedVersion):
        response.raise_for_status()
    parse_envelope({"status_code": 1000}).raise_for_status()
    for bad in ([], "x", {"status_code": None}, {"status_code": True}, {"data": 1}):
        with pytest.raises(errors.InvalidParameters):
            parse_envelope(bad)
