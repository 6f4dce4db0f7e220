"""Every official OCPI 2.2.1 example we model parses and serializes back equal.

Comparison is on JSON values with numbers compared as Decimals (``2.00 == 2``).  Examples
we cannot round-trip are listed in ``NOT_ROUND_TRIPPABLE`` with the reason; they must fail
with :class:`InvalidParameters` (so the list stays honest).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.envelope import parse_envelope
from ocpi.errors import InvalidParameters
from ocpi.models import (
    CDR,
    EVSE,
    Connector,
    Credentials,
    DisplayText,
    EnergyMix,
    Hours,
    Location,
    Session,
    Tariff,
    Token,
    Version,
    VersionDetails,
    dump_ocpi,
    json_value,
    parse_ocpi,
    parse_patch,
    unknown_fields,
)
from tests.unit.ocpi.ocpi_openapi import shared_dir, validate_object, validate_response

EXAMPLES = Path("specs") / "ocpi" / "examples-2.2.1" / "examples"

# file -> (model, wrapper key or None)
OBJECTS: dict[str, tuple[type[BaseModel], str | None]] = {
    "cdr_example.json": (CDR, None),
    "credentials_example.json": (Credentials, None),
    "credentials_example2.json": (Credentials, None),
    "credentials_example3.json": (Credentials, None),
    "credentials_example4.json": (Credentials, None),
    "location_example.json": (Location, None),
    "location_example_parking_garage_opening_hours.json": (Location, None),
    "location_example_uc2_destination_charger.json": (Location, None),
    "location_example_uc3_destination_charger_not_published.json": (Location, None),
    "location_example_uc4_limited_visibility.json": (Location, None),
    "location_example_uc5_home_charge_point.json": (Location, None),
    "location_energymix_example_complete.json": (EnergyMix, "energy_mix"),
    "location_energymix_example_energy_provider.json": (EnergyMix, "energy_mix"),
    "location_energymix_example_simple.json": (EnergyMix, "energy_mix"),
    "location_hours_247_open_exception_closing.json": (Hours, None),
    "location_hours_opening_hours_with_exceptional_closing.json": (Hours, None),
    "location_hours_opening_hours_with_exceptional_opening.json": (Hours, None),
    "location_regularhours_example.json": (Hours, "opening_times"),
    "session_example_1_simple_start.json": (Session, None),
    "session_example_2_short_finished.json": (Session, None),
    "token_example_1_app_user.json": (Token, None),
    "token_example_2_full_rfid.json": (Token, None),
    "token_put_example.json": (Token, None),
    "type_displaytext_example.json": (DisplayText, None),
    "version_details_example.json": (VersionDetails, None),
    "version_details_example2.json": (VersionDetails, None),
}
OBJECTS.update(
    {
        p: (Tariff, None)
        for p in (
            "tariff_10_025kwh_parking_start.json",
            "tariff_11_not_possible_alt_text.json",
            "tariff_12_025kwh_min_price.json",
            "tariff_13_simple_3hour_5parking.json",
            "tariff_14_step_size.json",
            "tariff_15_reservation_5_euro_per_hour.json",
            "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json",
            "tariff_17_reservation_with_expire_fee.json",
            "tariff_18_reservation_with_expire_time.json",
            "tariff_1_simple_2hour.json",
            "tariff_2_alt_text.json",
            "tariff_3_alt_url.json",
            "tariff_4_complex.json",
            "tariff_5_free_of_charge.json",
            "tariff_6_025kwh_start_max_price.json",
            "tariff_8_simple_025kwh.json",
            "tariff_9_025kwh_start.json",
            "tariffrestriction_example_max_duration.json",
            "tariffrestriction_example_max_power.json",
        )
    }
)
# PATCH bodies: (model the patch applies to)
PATCHES: dict[str, type[BaseModel]] = {
    "location_patch_example_location.json": Location,
    "location_patch_example_remove_evse.json": EVSE,
    "location_patch_example_status.json": EVSE,
    "location_patch_example_tariff.json": Connector,
    "session_patch_example_charging_period.json": Session,
    "session_patch_example_total_cost.json": Session,
    "token_patch_example.json": Token,
}
# Response envelopes: (data model, many)
ENVELOPES: dict[str, tuple[type[BaseModel], bool]] = {
    "transport_and_format_get_token_example.json": (Token, False),
    "transport_and_format_get_token_list_example.json": (Token, True),
    "transport_and_format_version_details_example.json": (VersionDetails, False),
    "transport_and_format_version_info_example.json": (Version, True),
}
LISTS: dict[str, type[BaseModel]] = {"versions_info_example.json": Version}

NOT_ROUND_TRIPPABLE: dict[str, tuple[type[BaseModel], str]] = {
    "location_put_example_add_evse.json": (
        EVSE,
        "not a valid EVSE: connectors lack power_type/max_voltage/max_amperage/last_updated, "
        "'floor' instead of floor_level, physical_reference is a number",
    ),
    "tariff_put_example.json": (Tariff, "no last_updated (required in 2.2.1)"),
}

SCHEMA_OF: dict[type[BaseModel], str] = {
    CDR: "CDR",
    Credentials: "Credentials",
    Location: "Location",
    Session: "Session",
    Tariff: "Tariff",
    Token: "Token",
    VersionDetails: "VersionDetails",
    Version: "Version",
    EnergyMix: "EnergyMix",
    Hours: "Hours",
    DisplayText: "DisplayText",
}


def load(name: str) -> Any:
    path = shared_dir() / EXAMPLES / name
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def same_json(a: Any, b: Any) -> bool:
    """JSON equality with numbers compared as Decimals (bool is not a number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def test_every_example_is_classified() -> None:
    names = {p.name for p in (shared_dir() / EXAMPLES).glob("*.json")}
    known = set(OBJECTS) | set(PATCHES) | set(ENVELOPES) | set(LISTS) | set(NOT_ROUND_TRIPPABLE)
    assert names == known


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_object_example_round_trips(name: str) -> None:
    model, key = OBJECTS[name]
    raw = load(name)
    data = raw[key] if key else raw
    parsed = parse_ocpi(model, data)
    assert unknown_fields(parsed) == []
    out = dump_ocpi(parsed)
    assert same_json(out, data), (out, data)
    assert same_json(dump_ocpi(parsed, exact=True), data)
    # dump_ocpi output is plain JSON and validates against the OpenAPI definitions
    assert same_json(json.loads(json.dumps(out)), data)
    validate_object(SCHEMA_OF[model], out)


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_patch_example_validates_and_round_trips(name: str) -> None:
    raw = load(name)
    fields = parse_patch(PATCHES[name], raw)
    assert set(fields) == set(raw)
    assert same_json(json_value(fields), raw)


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_envelope_example_round_trips(name: str) -> None:
    model, many = ENVELOPES[name]
    raw = load(name)
    response = parse_envelope(raw)
    assert response.ok and response.status_code == 1000
    items = response.data if many else [response.data]
    parsed = [parse_ocpi(model, item) for item in items]
    out = [dump_ocpi(p) for p in parsed]
    assert same_json(out if many else out[0], raw["data"])
    validate_response(json.loads(json.dumps(raw, default=float)), SCHEMA_OF[model], many=many)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_example_round_trips(name: str) -> None:
    raw = load(name)
    out = [dump_ocpi(parse_ocpi(LISTS[name], item)) for item in raw]
    assert same_json(out, raw)


@pytest.mark.parametrize("name", sorted(NOT_ROUND_TRIPPABLE))
def test_known_invalid_examples_are_rejected(name: str) -> None:
    model, _reason = NOT_ROUND_TRIPPABLE[name]
    with pytest.raises(InvalidParameters) as info:
        parse_ocpi(model, load(name))
    assert info.value.errors
