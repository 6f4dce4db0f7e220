"""Hub routing headers and request / correlation ids."""

from __future__ import annotations

import uuid

import pytest

from ocpi.errors import InvalidParameters
from ocpi.routing import (
    RoutingHeaders,
    carries_routing_headers,
    parse_routing_headers,
    request_id_headers,
    response_id_headers,
)

REQUEST = {
    "OCPI-to-country-code": "SI",
    "OCPI-to-party-id": "TRI",
    "OCPI-from-country-code": "NL",
    "OCPI-from-party-id": "TNM",
}


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("locations", True),
        ("sessions", True),
        ("cdrs", True),
        ("tariffs", True),
        ("tokens", True),
        ("commands", True),
        ("chargingprofiles", True),
        ("nltnm-tokens", True),
        ("credentials", False),
        ("versions", False),
        ("hubclientinfo", False),
    ],
)
def test_which_modules_carry_them(module: str, expected: bool) -> None:
    assert carries_routing_headers(module) is expected


def test_build_and_reply() -> None:
    ours = RoutingHeaders("SI", "TRI", "NL", "TNM")
    assert ours.as_headers() == {
        "OCPI-from-country-code": "SI",
        "OCPI-from-party-id": "TRI",
        "OCPI-to-country-code": "NL",
        "OCPI-to-party-id": "TNM",
    }
    inbound = parse_routing_headers(REQUEST)
    assert inbound == RoutingHeaders("NL", "TNM", "SI", "TRI")
    assert inbound is not None and inbound.reply() == ours
    open_request = RoutingHeaders("NL", "TNM")
    assert open_request.as_headers() == {
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "TNM",
    }
    with pytest.raises(ValueError, match="TO"):
        open_request.reply()


def test_parse_is_case_insensitive_and_normalizes() -> None:
    headers = {k.lower(): v.lower() for k, v in REQUEST.items()}
    assert parse_routing_headers(headers) == RoutingHeaders("NL", "TNM", "SI", "TRI")


def test_absent_headers() -> None:
    assert parse_routing_headers({}) is None
    with pytest.raises(InvalidParameters):
        parse_routing_headers({}, required=True)


@pytest.mark.parametrize(
    "change",
    [
        {"OCPI-to-country-code": "SVN"},
        {"OCPI-to-party-id": "TR"},
        {"OCPI-from-party-id": "TN*"},
        {"OCPI-from-country-code": "1L"},
    ],
)
def test_malformed_values_are_2001(change: dict[str, str]) -> None:
    with pytest.raises(InvalidParameters):
        parse_routing_headers({**REQUEST, **change})


def test_incomplete_sets_are_2001() -> None:
    only_to = {k: v for k, v in REQUEST.items() if "to" in k}
    with pytest.raises(InvalidParameters, match="incomplete"):
        parse_routing_headers(only_to)
    half_to = {k: v for k, v in REQUEST.items() if k != "OCPI-to-party-id"}
    with pytest.raises(InvalidParameters, match="incomplete"):
        parse_routing_headers(half_to)


def test_request_and_response_ids() -> None:
    first = request_id_headers()
    uuid.UUID(first["X-Request-ID"])
    uuid.UUID(first["X-Correlation-ID"])
    follow_up = request_id_headers(first["X-Correlation-ID"])
    assert follow_up["X-Correlation-ID"] == first["X-Correlation-ID"]
    assert follow_up["X-Request-ID"] != first["X-Request-ID"]
    echoed = response_id_headers({"x-request-id": "abc", "X-Correlation-ID": "def"})
    assert echoed == {"X-Request-ID": "abc", "X-Correlation-ID": "def"}
    generated = response_id_headers({"X-Request-ID": "bad id\n"})
    uuid.UUID(generated["X-Request-ID"])
    uuid.UUID(generated["X-Correlation-ID"])
