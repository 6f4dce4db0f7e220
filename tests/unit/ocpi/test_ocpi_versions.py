"""Our versions / details and the handshake negotiation helpers."""

from __future__ import annotations

import pytest

from ocpi.envelope import envelope
from ocpi.errors import NoMatchingEndpoints, UnsupportedVersion
from ocpi.models import Endpoint, InterfaceRole, Role, Version, VersionDetails, dump_ocpi
from ocpi.versions import (
    module_url,
    our_version_details,
    our_versions,
    pick_common_version,
    required_endpoints,
    versions_url,
)
from tests.unit.ocpi.ocpi_openapi import validate_object, validate_response

BASE = "https://gw.example.com/ocpi/"


def test_our_versions_and_details() -> None:
    assert versions_url(BASE) == "https://gw.example.com/ocpi/versions"
    versions = our_versions(BASE)
    assert [dump_ocpi(v) for v in versions] == [
        {"version": "2.2.1", "url": "https://gw.example.com/ocpi/2.2.1"},
        {"version": "2.3.0", "url": "https://gw.example.com/ocpi/2.3.0"},
    ]
    validate_response(envelope(versions), "Version", many=True)
    details = our_version_details(BASE)
    roles = {(e.identifier, e.role) for e in details.endpoints}
    assert roles == {
        ("credentials", InterfaceRole.SENDER),
        ("credentials", InterfaceRole.RECEIVER),
        ("locations", InterfaceRole.SENDER),
        ("sessions", InterfaceRole.SENDER),
        ("cdrs", InterfaceRole.SENDER),
        ("tariffs", InterfaceRole.SENDER),
        ("tokens", InterfaceRole.RECEIVER),
        ("commands", InterfaceRole.RECEIVER),
        ("hubclientinfo", InterfaceRole.RECEIVER),
    }
    assert module_url(BASE, "locations") == "https://gw.example.com/ocpi/2.2.1/locations"
    validate_object("VersionDetails", dump_ocpi(details))
    validate_response(envelope(details), "VersionDetails")
    with_cp = our_version_details(BASE, charging_profiles=True)
    assert ("chargingprofiles", InterfaceRole.RECEIVER) in {
        (e.identifier, e.role) for e in with_cp.endpoints
    }
    with pytest.raises(UnsupportedVersion):
        our_version_details(BASE, version="2.1.1")


@pytest.mark.parametrize(
    ("ours", "theirs", "expected"),
    [
        (["2.2.1"], ["2.1.1", "2.2.1"], "2.2.1"),
        (["2.1.1", "2.2.1"], ["2.1.1", "2.2", "2.2.1", "3.0"], "2.2.1"),
        (["2.1.1", "2.2.1", "2.3.0"], ["2.1.1", "2.3.0", "x.y"], "2.3.0"),
        (["2.1.1", "2.2.1"], [Version(version="2.1.1", url="https://e/2.1.1")], "2.1.1"),
    ],
)
def test_pick_common_version(ours: list[str], theirs: list[str], expected: str) -> None:
    assert pick_common_version(ours, theirs) == expected


@pytest.mark.parametrize("theirs", [[], ["2.1.1"], ["2.2"], ["garbage"]])
def test_no_common_version_is_3002(theirs: list[str]) -> None:
    with pytest.raises(UnsupportedVersion) as info:
        pick_common_version(["2.2.1"], theirs)
    assert info.value.status_code == 3002


def details(*endpoints: tuple[str, InterfaceRole]) -> VersionDetails:
    return VersionDetails(
        version="2.2.1",
        endpoints=[
            Endpoint(identifier=m, role=r, url=f"https://emsp.example.com/{m}/{r.value.lower()}")
            for m, r in endpoints
        ],
    )


def test_required_endpoints_found_with_optionals() -> None:
    found = required_endpoints(
        details(
            ("credentials", InterfaceRole.SENDER),
            ("cdrs", InterfaceRole.RECEIVER),
            ("locations", InterfaceRole.RECEIVER),
            ("tokens", InterfaceRole.SENDER),
            ("tokens", InterfaceRole.RECEIVER),
            ("commands", InterfaceRole.SENDER),
            ("nltnm-tokens", InterfaceRole.SENDER),
        )
    )
    assert found == {
        "credentials": "https://emsp.example.com/credentials/sender",
        "cdrs": "https://emsp.example.com/cdrs/receiver",
        "locations": "https://emsp.example.com/locations/receiver",
        "tokens": "https://emsp.example.com/tokens/sender",
    }


def test_missing_required_endpoints_is_3003() -> None:
    with pytest.raises(NoMatchingEndpoints) as info:
        required_endpoints(
            details(("credentials", InterfaceRole.RECEIVER), ("cdrs", InterfaceRole.SENDER))
        )
    assert info.value.status_code == 3003
    assert info.value.errors == [{"field": "cdrs RECEIVER", "error": "missing"}]
    with pytest.raises(NoMatchingEndpoints, match="credentials"):
        required_endpoints(details(("cdrs", InterfaceRole.RECEIVER)))
    with pytest.raises(ValueError, match="CPO"):
        required_endpoints(details(("cdrs", InterfaceRole.RECEIVER)), Role.EMSP)
