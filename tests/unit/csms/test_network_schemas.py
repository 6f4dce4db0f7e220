"""Pure validation of the network schemas (no database, no server)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from csms.network import schemas as s
from csms.network.resources import RESOURCES
from gateway.demo import SEED_ORDER


@pytest.mark.parametrize(("kind", "body"), [(k, b) for k, objs in SEED_ORDER for b in objs])
def test_demo_objects_are_valid(kind: str, body: dict[str, Any]) -> None:
    spec = next(r for r in RESOURCES if r.kind == kind)
    created = spec.create.model_validate(body)
    assert isinstance(created, spec.create)
    assert created.model_fields_set == set(body)  # every field given was accepted as a field
    assert created.code == body["code"]


def _station(**changes: Any) -> dict[str, Any]:
    return {"code": "s", "name": "s", "area": "A", "connection_identifier": "s",
            "ocpp_protocol": "2.0.1"} | changes


@pytest.mark.parametrize("identifier", ["", "has space", "x" * 49, "slash/no", "é"])
def test_connection_identifier_is_url_safe(identifier: str) -> None:
    with pytest.raises(ValidationError):
        s.StationCreate.model_validate(_station(connection_identifier=identifier))


def test_mac_address_format() -> None:
    s.StationCreate.model_validate(_station(physical_address="00:1A:2B:3C:4D:5E"))
    with pytest.raises(ValidationError):
        s.StationCreate.model_validate(_station(physical_address="00:1A:2B:3C:4D"))


@pytest.mark.parametrize(("protocol", "country", "identifier", "ok"), [
    ("OCPI", "SI", "TRI", True), ("OCPI", "SI", "tri", False), ("OCPI", "SI", "TRIX", False),
    ("OICP", "SI", "SI*TRI", True), ("OICP", "SI", "SITRI", True), ("OICP", "DE", "SI*TRI", False),
    ("OICP", "DE", "+49*123", True), ("OICP", "SI", "TRI", False),
])
def test_roaming_identifier(protocol: str, country: str, identifier: str, ok: bool) -> None:
    body = {"code": "p", "name": "p", "type": "CPO", "protocol": protocol,
            "country_code": country, "roaming_identifier": identifier}
    if ok:
        s.RoamingProfileCreate.model_validate(body)
    else:
        with pytest.raises(ValidationError):
            s.RoamingProfileCreate.model_validate(body)


def test_coordinates_come_in_pairs_and_in_range() -> None:
    base = {"code": "a", "name": "a"}
    assert s.AreaCreate.model_validate(base | {"latitude": "46.0569", "longitude": "14.5058"}
                                       ).latitude == Decimal("46.0569")
    for bad in ({"latitude": "46"}, {"latitude": "91", "longitude": "0"},
                {"latitude": "0", "longitude": "-181"}):
        with pytest.raises(ValidationError):
            s.AreaCreate.model_validate(base | bad)


def test_money_is_decimal_and_never_negative() -> None:
    rating = s.SessionRatingSettings.model_validate({"energy_price": "0.35"})
    assert rating.energy_price == Decimal("0.35")
    with pytest.raises(ValidationError):
        s.SessionRatingSettings.model_validate({"energy_price": "-1"})


def test_patch_model_keeps_constraints_and_forbids_code() -> None:
    patch = s.patch_model_for(s.ConnectorCreate)
    assert "code" not in patch.model_fields
    assert patch.model_validate({}).model_dump(exclude_unset=True) == {}
    with pytest.raises(ValidationError):
        patch.model_validate({"power_factor": "1.5"})
    with pytest.raises(ValidationError):
        patch.model_validate({"code": "x"})


@given(st.text(max_size=40))
def test_time_zone_parses_or_raises_validation_error(name: str) -> None:
    try:
        site = s.SiteCreate.model_validate({"code": "s", "name": "s", "country": "SI",
                                            "currency": "EUR", "time_zone": name})
    except ValidationError:
        return
    assert ZoneInfo(site.time_zone).key == name  # whatever is accepted is a usable zone
