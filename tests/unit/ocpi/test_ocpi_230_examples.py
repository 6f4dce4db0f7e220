"""The official OCPI 2.3.0 examples (``examples-2.3.0-payments``) against our 2.3.0 models.

Every example that is valid by the 2.3.0 OpenAPI parses into our model and serializes back
equal (numbers compared as Decimals).  Examples the spec itself got wrong are listed in
``SCHEMA_INVALID`` with the reason, and must stay invalid (so the list stays honest).  The
``payment_*`` examples belong to the Payments module models (ocpi.payments) and are tested
there.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from ocpi.models import (
    DisplayText,
    EnergyMix,
    Hours,
    VersionDetails,
    dump_ocpi,
    json_value,
    parse_ocpi,
    parse_patch,
    v230,
)
from tests.support.ocpi230_openapi import examples_dir, schema_errors

# file prefix -> (model, OpenAPI schema or None, wrapper key or None); longest prefix wins
KINDS: dict[str, tuple[type[BaseModel], str | None, str | None]] = {
    "cdr_": (v230.CDR, "CDR", None),
    "credentials_": (v230.Credentials, "Credentials", None),
    "location_energymix_": (EnergyMix, None, "energy_mix"),
    "location_hours_": (Hours, None, None),
    "location_regularhours_": (Hours, None, "opening_times"),
    "location_example": (v230.Location, "Location", None),
    "location_put_example_add_evse": (v230.EVSE, "EVSE", None),
    "session_example": (v230.Session, "Session", None),
    "tariff_": (v230.Tariff, "Tariff", None),
    "token_example": (v230.Token, "Token", None),
    "token_put_example": (v230.Token, "Token", None),
    "type_displaytext_": (DisplayText, None, None),
    "version_details_": (VersionDetails, "VersionDetails", None),
}
PATCHES: dict[str, tuple[type[BaseModel], str]] = {
    "location_patch_example_location": (v230.Location, "LocationPatch"),
    "location_patch_example_remove_evse": (v230.EVSE, "EvsePatch"),
    "location_patch_example_status": (v230.EVSE, "EvsePatch"),
    "location_patch_example_tariff": (v230.Connector, "ConnectorPatch"),
    "session_patch_": (v230.Session, "SessionPatch"),
    "token_patch_": (v230.Token, "TokenPatch"),
}
SCHEMA_INVALID = {
    "cdr_example.json": "its tariff copy lacks the required tax_included",
    "location_example.json": "EVSE parking given as ids, not EVSEParking objects",
    "location_example_parking_garage_opening_hours.json": "EVSE parking given as ids",
    "location_put_example_add_evse.json": "connector without power_type / voltage / amperage",
    "tariff_put_example.json": "no last_updated",
}
NOT_OBJECTS = ("payment_", "transport_and_format_", "versions_info_", "tariffrestriction_")


def _files() -> list[str]:
    return sorted(p.name for p in examples_dir().glob("*.json"))


def _kind(name: str) -> tuple[type[BaseModel], str | None, str | None] | None:
    matches = [p for p in KINDS if name.startswith(p)]
    return KINDS[max(matches, key=len)] if matches else None


def _load(name: str) -> Any:
    with (examples_dir() / name).open(encoding="utf-8") as fh:
        return json.load(fh, parse_float=Decimal)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float | Decimal) and not isinstance(a, bool) and \
            isinstance(b, int | float | Decimal) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def test_every_example_is_covered() -> None:
    for name in _files():
        known = _kind(name) is not None or any(name.startswith(p) for p in PATCHES) \
            or name.startswith(NOT_OBJECTS)
        assert known, f"{name}: no model decided for this example"


@pytest.mark.parametrize("name", [n for n in _files() if _kind(n) is not None])
def test_object_examples_round_trip(name: str) -> None:
    kind = _kind(name)
    assert kind is not None
    model, schema, key = kind
    data = _load(name)
    if key is not None:
        data = data[key]
    if schema is not None:
        problems = schema_errors(schema, json_value(data))
        if name in SCHEMA_INVALID:
            assert problems, f"{name} is valid now: drop it from SCHEMA_INVALID"
            return
        assert not problems, problems
    parsed = parse_ocpi(model, data)
    back = dump_ocpi(parsed)
    assert _same(back, json_value(data)), (name, back)
    if schema is not None:
        assert not schema_errors(schema, back)


@pytest.mark.parametrize("name", [n for n in _files()
                                  if any(n.startswith(p) for p in PATCHES)])
def test_patch_examples_parse(name: str) -> None:
    prefix = next(p for p in PATCHES if name.startswith(p))
    model, schema = PATCHES[prefix]
    data = _load(name)
    assert not schema_errors(schema, json_value(data))
    fields = parse_patch(model, data)
    assert set(fields) == set(data)


def test_230_prices_in_examples_parse_as_before_and_after_taxes() -> None:
    session = parse_ocpi(v230.Session, _load("session_example_2_short_finished.json"))
    assert session.total_cost is not None
    assert session.total_cost.after_taxes == Decimal("9.35")
    tariff = parse_ocpi(v230.Tariff, _load("tariff_20_simple_north_american_inclusive.json"))
    assert tariff.tax_included is v230.TaxIncluded.YES
