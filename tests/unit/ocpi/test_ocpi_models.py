"""Model conventions: DateTime, numbers, unknown fields, None omission, patches, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ocpi.errors import InvalidParameters
from ocpi.models import (
    CDR,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    CommandType,
    Credentials,
    DisplayText,
    Location,
    ReserveNow,
    StartSession,
    Token,
    command_model,
    dump_ocpi,
    format_datetime,
    loads,
    parse_datetime,
    parse_ocpi,
    parse_ocpi_strict,
    parse_patch,
    unknown_fields,
)
from tests.unit.ocpi.ocpi_openapi import validate_object

TOKEN = {
    "country_code": "DE",
    "party_id": "TNM",
    "uid": "012345678",
    "type": "RFID",
    "contract_id": "DE8ACC12E46L89",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2018-12-10T17:25:10Z",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-29T20:39:09Z", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09.123Z", datetime(2015, 6, 29, 20, 39, 9, 123000, tzinfo=UTC)),
        ("2015-06-29T20:39:09.123456789Z", datetime(2015, 6, 29, 20, 39, 9, 123456, tzinfo=UTC)),
        ("2015-06-29T22:39:09+02:00", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09+00:00", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29t20:39:09z", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
    ],
)
def test_datetime_inputs(text: str, expected: datetime) -> None:
    value = parse_datetime(text)
    assert value == expected
    assert value.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["2015-06-29", "20150629T203909Z", "2015-13-01T00:00:00Z", "yesterday", "", "1435610349"],
)
def test_datetime_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_datetime(text)


def test_datetime_output_is_utc_z() -> None:
    cet = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2015, 6, 29, 22, 39, 9, tzinfo=cet)) == "2015-06-29T20:39:09Z"
    token = parse_ocpi(Token, {**TOKEN, "last_updated": "2018-12-10T18:25:10.000+01:00"})
    assert dump_ocpi(token)["last_updated"] == "2018-12-10T17:25:10Z"


def test_datetime_numbers_are_not_accepted() -> None:
    with pytest.raises(InvalidParameters) as info:
        parse_ocpi(Token, {**TOKEN, "last_updated": 1544462710})
    assert info.value.errors[0]["field"] == "last_updated"


def test_numbers_are_decimals_and_dump_as_json_numbers() -> None:
    body = loads(b'{"result": "ACCEPTED", "timeout": 30}')
    assert dump_ocpi(parse_ocpi(CommandResponse, body)) == {"result": "ACCEPTED", "timeout": 30}
    text = '{"profile_type": "FAST", "energy_need": 12.35}'
    from ocpi.models import ChargingPreferences

    prefs = parse_ocpi(ChargingPreferences, text)
    assert prefs.energy_need == Decimal("12.35")
    out = dump_ocpi(prefs)
    assert out == {"profile_type": "FAST", "energy_need": 12.35}
    assert json.dumps(out) == '{"profile_type": "FAST", "energy_need": 12.35}'
    assert dump_ocpi(prefs, exact=True)["energy_need"] == Decimal("12.35")
    for bad in ("12.35", True, "NaN"):
        with pytest.raises(InvalidParameters):
            parse_ocpi(ChargingPreferences, {"profile_type": "FAST", "energy_need": bad})


def test_unknown_fields_are_tolerated_listed_and_not_dumped() -> None:
    token = parse_ocpi(
        Token, {**TOKEN, "x_vendor": 1, "energy_contract": {"supplier_name": "G", "x": 2}}
    )
    assert unknown_fields(token) == ["$.x_vendor", "$.energy_contract.x"]
    assert "x_vendor" not in dump_ocpi(token)
    assert "x" not in dump_ocpi(token)["energy_contract"]
    with pytest.raises(InvalidParameters) as info:
        parse_ocpi_strict(Token, {**TOKEN, "x_vendor": 1})
    assert info.value.errors == [{"field": "x_vendor", "error": "unknown field"}]
    assert parse_ocpi_strict(Token, TOKEN).uid == "012345678"


def test_none_fields_are_omitted() -> None:
    result = CommandResult(result=CommandResultType.ACCEPTED)
    assert dump_ocpi(result) == {"result": "ACCEPTED"}
    validate_object("CommandResult", dump_ocpi(result))
    response = CommandResponse(
        result=CommandResponseType.REJECTED,
        timeout=0,
        message=[DisplayText(language="en", text="Unknown location")],
    )
    validate_object("CommandResponse", dump_ocpi(response))


def test_errors_have_field_level_detail() -> None:
    with pytest.raises(InvalidParameters) as info:
        parse_ocpi(Token, {**TOKEN, "party_id": "TOOLONG", "whitelist": "SOMETIMES"})
    fields = {e["field"] for e in info.value.errors}
    assert fields == {"party_id", "whitelist"}
    assert info.value.status_code == 2001
    assert info.value.http_status == 200


@pytest.mark.parametrize("data", [[], "[]", "not json", b"\xff", 42, None, '{"a": NaN}'])
def test_non_objects_are_2001(data: object) -> None:
    with pytest.raises(InvalidParameters):
        parse_ocpi(Token, data)


def test_codes_are_upper_cased_and_ciStrings_are_ascii() -> None:
    token = parse_ocpi(Token, {**TOKEN, "country_code": "de", "party_id": "tnm"})
    assert (token.country_code, token.party_id) == ("DE", "TNM")
    with pytest.raises(InvalidParameters):
        parse_ocpi(Token, {**TOKEN, "uid": "čšž"})
    with pytest.raises(InvalidParameters):
        parse_ocpi(Token, {**TOKEN, "uid": "x" * 37})


def test_patch_needs_last_updated_and_cannot_null_required_fields() -> None:
    assert parse_patch(Token, {"valid": False, "last_updated": "2019-06-19T12:00:00Z"}) == {
        "valid": False,
        "last_updated": datetime(2019, 6, 19, 12, tzinfo=UTC),
    }
    with pytest.raises(InvalidParameters, match="last_updated"):
        parse_patch(Token, {"valid": False})
    with pytest.raises(InvalidParameters, match="null"):
        parse_patch(Token, {"valid": None, "last_updated": "2019-06-19T12:00:00Z"})
    with pytest.raises(InvalidParameters):
        parse_patch(Token, {"whitelist": "NOPE", "last_updated": "2019-06-19T12:00:00Z"})


def test_commands_and_credentials() -> None:
    start = {
        "response_url": "https://emsp.example.com/ocpi/commands/START_SESSION/1",
        "token": TOKEN,
        "location_id": "010107",
        "evse_uid": "010107",
    }
    assert command_model("START_SESSION") is StartSession
    assert command_model(CommandType.RESERVE_NOW) is ReserveNow
    with pytest.raises(ValueError, match="UNKNOWN"):
        command_model("UNKNOWN")
    assert parse_ocpi(StartSession, start).token.uid == "012345678"
    role = {
        "role": "CPO",
        "party_id": "TRI",
        "country_code": "SI",
        "business_details": {"name": "Tridens"},
    }
    creds = {"token": "abc", "url": "https://gw.example.com/ocpi/versions", "roles": [role]}
    validate_object("Credentials", dump_ocpi(parse_ocpi(Credentials, creds)))
    with pytest.raises(InvalidParameters, match="duplicate"):
        parse_ocpi(Credentials, {**creds, "roles": [role, role]})
    with pytest.raises(InvalidParameters):
        parse_ocpi(Credentials, {**creds, "token": "has space"})


def test_cdr_and_location_constraints() -> None:
    with pytest.raises(InvalidParameters) as info:
        parse_ocpi(CDR, {"charging_periods": []})
    assert "charging_periods" in {e["field"] for e in info.value.errors}
    with pytest.raises(InvalidParameters) as info:
        parse_ocpi(Location, {"country": "SI"})
    assert "country" in {e["field"] for e in info.value.errors}
