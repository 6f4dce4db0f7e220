"""Every decoder parses or raises its own error type, never anything else."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from ocpi.auth import authorization_header, parse_authorization
from ocpi.envelope import parse_envelope
from ocpi.errors import InvalidParameters, Unauthorized
from ocpi.models import (
    AuthorizationInfo,
    CancelReservation,
    ChargingPreferences,
    ClientInfo,
    CommandResult,
    Credentials,
    LocationReferences,
    ReserveNow,
    StartSession,
    StopSession,
    Token,
    UnlockConnector,
    VersionDetails,
    parse_ocpi,
    parse_ocpi_strict,
    parse_patch,
)
from ocpi.models import Version as VersionModel
from ocpi.pagination import parse_page_params
from ocpi.routing import parse_routing_headers

INBOUND: list[type[BaseModel]] = [
    Token,
    LocationReferences,
    AuthorizationInfo,
    StartSession,
    StopSession,
    ReserveNow,
    CancelReservation,
    UnlockConnector,
    CommandResult,
    Credentials,
    VersionModel,
    VersionDetails,
    ClientInfo,
    ChargingPreferences,
]

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

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
# Objects shaped like inbound bodies: known keys with random values.
field_names = st.sampled_from(
    sorted({name for model in INBOUND for name in model.model_fields} | {"x_unknown"})
)
shaped = st.dictionaries(field_names, json_values, max_size=10)
mutated_token = st.builds(lambda k, v: {**TOKEN, k: v}, st.sampled_from(sorted(TOKEN)), json_values)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(INBOUND), data=json_values | shaped | mutated_token)
def test_parse_ocpi_raises_only_invalid_parameters(model: type[BaseModel], data: Any) -> None:
    for decoder in (parse_ocpi, parse_ocpi_strict, parse_patch):
        with contextlib.suppress(InvalidParameters):
            decoder(model, data)


@settings(max_examples=200)
@given(model=st.sampled_from(INBOUND), text=st.text(max_size=60) | st.binary(max_size=60))
def test_parse_ocpi_of_text_raises_only_invalid_parameters(
    model: type[BaseModel], text: str | bytes
) -> None:
    with contextlib.suppress(InvalidParameters):
        parse_ocpi(model, text)


@settings(max_examples=300)
@given(
    header=st.none()
    | st.text(max_size=100)
    | st.builds(lambda t: "Token " + t, st.text(max_size=80))
    | st.builds(lambda b: "Token " + base64.b64encode(b).decode(), st.binary(max_size=70))
)
def test_authorization_raises_only_unauthorized(header: str | None) -> None:
    try:
        parsed = parse_authorization(header)
    except Unauthorized:
        return
    assert parsed.candidates
    assert all(0 < len(c) <= 64 for c in parsed.candidates)


@given(
    token=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64
    )
)
def test_authorization_round_trip(token: str) -> None:
    assert token in parse_authorization(authorization_header(token)).candidates
    assert (
        parse_authorization(authorization_header(token, base64_encode=False)).candidates[-1]
        == token
    )


params = st.sampled_from(["date_from", "date_to", "offset", "limit", "other"])


@settings(max_examples=300)
@given(
    query=st.dictionaries(params, st.text(max_size=40) | st.integers().map(str), max_size=5),
    max_limit=st.integers(min_value=1, max_value=1000),
)
def test_pagination_raises_only_invalid_parameters(query: dict[str, str], max_limit: int) -> None:
    try:
        page = parse_page_params(query, max_limit=max_limit)
    except InvalidParameters:
        return
    assert 0 <= page.limit <= max_limit and page.offset >= 0


@given(
    headers=st.dictionaries(
        st.sampled_from(
            ["OCPI-to-country-code", "OCPI-to-party-id", "OCPI-from-country-code",
             "OCPI-from-party-id", "X-Other"]
        ),
        st.text(max_size=6),
    )
)  # fmt: skip
def test_routing_raises_only_invalid_parameters(headers: dict[str, str]) -> None:
    with contextlib.suppress(InvalidParameters):
        parse_routing_headers(headers)


@given(body=json_values | st.dictionaries(st.sampled_from(["status_code", "data"]), json_values))
def test_envelope_raises_only_invalid_parameters(body: Any) -> None:
    with contextlib.suppress(InvalidParameters):
        parse_envelope(body)
