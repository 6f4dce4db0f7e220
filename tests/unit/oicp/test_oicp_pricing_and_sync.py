"""Dynamic pricing from roaming tariffs, EVSE data deltas and status changes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from oicp.dynamic_pricing import pricing_push, products_of
from oicp.evse_sync import (
    PushedEvse,
    chunks,
    evse_data_delta,
    record_digest,
    status_changes,
)
from oicp.mapping import evse_data_record
from oicp.models import EvseStatus
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tariffs.roaming import RoamingTariff, parse_roaming_tariff
from tests.unit.oicp.oicp_openapi import validate_request


def tariff(code: str, *details: dict[str, Any]) -> RoamingTariff:
    return parse_roaming_tariff({"code": code, "name": code, "currency": "EUR",
                                 "details": list(details)})


def _record(tariff_: RoamingTariff) -> dict[str, Any]:
    push = pricing_push("SI*TRI", "Tridens", [tariff_], {"SI*TRI*E1": (tariff_.code,)},
                        {"SI*TRI*E1": Decimal(22)}, "EUR")
    validate_request("eRoamingPushPricingProductData", push.products.to_json())
    validate_request("eRoamingPushEVSEPricing", push.evse_pricing.to_json())
    records: list[dict[str, Any]] = push.products.to_json()["PricingProductData"][
        "PricingProductDataRecords"]
    return records[0]


def test_energy_tariff_all_day() -> None:
    record = _record(tariff("AC", {"energy": {"price": "0.30", "vat": "22"},
                                   "flat": {"price": "1.00"}}))
    assert (record["ProductID"], record["ReferenceUnit"], record["PricePerReferenceUnit"]) == (
        "AC", "KILOWATT_HOUR", 0.3)
    assert record["IsValid24hours"] is True
    assert record["ProductAvailabilityTimes"] == [
        {"Periods": [{"begin": "00:00", "end": "23:59"}], "on": "Everyday"}]
    assert record["AdditionalReferences"] == [{
        "AdditionalReference": "START FEE", "AdditionalReferenceUnit": "KILOWATT_HOUR",
        "PricePerAdditionalReferenceUnit": 1}]
    assert record["MaximumProductChargingPower"] == 22


def test_time_and_flat_only_tariffs() -> None:
    hourly = _record(tariff("T", {"charge_time": {"price": "2.5"}}))
    assert (hourly["ReferenceUnit"], hourly["PricePerReferenceUnit"]) == ("HOUR", 2.5)
    fixed = _record(tariff("F", {"flat": {"price": "5"}}))
    assert fixed["PricePerReferenceUnit"] == 0
    assert fixed["AdditionalReferences"][0]["AdditionalReference"] == "FIXED FEE"


def test_daily_window_past_midnight_on_workdays() -> None:
    record = _record(tariff("NIGHT", {
        "recurrence": "DAILY", "start": "2026-01-01T22:00:00", "stop": "2026-01-01T06:00:00",
        "days_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        "energy": {"price": "0.2"}}))
    assert record["IsValid24hours"] is False
    assert record["ProductAvailabilityTimes"] == [{"Periods": [
        {"begin": "00:00", "end": "06:00"}, {"begin": "22:00", "end": "23:59"}],
        "on": "Workdays"}]


def test_weekly_frame_over_the_weekend() -> None:
    # Friday 18:00 to Monday 06:00 (2026-01-02 is a Friday).
    record = _record(tariff("WEEKEND", {
        "recurrence": "WEEKLY", "start": "2026-01-02T18:00:00", "stop": "2026-01-05T06:00:00",
        "energy": {"price": "0.25"}}))
    assert record["ProductAvailabilityTimes"] == [
        {"Periods": [{"begin": "00:00", "end": "06:00"}], "on": "Monday"},
        {"Periods": [{"begin": "18:00", "end": "23:59"}], "on": "Friday"},
        {"Periods": [{"begin": "00:00", "end": "23:59"}], "on": "Saturday"},
        {"Periods": [{"begin": "00:00", "end": "23:59"}], "on": "Sunday"}]


def test_what_oicp_cannot_express_is_reported() -> None:
    products, warnings = products_of(tariff(
        "MIX",
        {"priority": 1, "energy": {"price": "0.3"}, "charge_time": {"price": "1"},
         "reservation_flat": {"price": "2"}},
        {"recurrence": "ONE_TIME", "start": "2026-12-24T00:00:00",
         "stop": "2026-12-27T00:00:00", "energy": {"price": "0"}}))
    assert [p.product_id for p in products] == ["MIX-1"]
    text = " ".join(warnings)
    assert "charging-time price" in text and "reservation" in text
    assert "ONE_TIME" in text and "priority" in text


def test_evse_pricing_lists_the_products_per_evse() -> None:
    ac, dc = tariff("AC", {"energy": {"price": "0.3"}}), tariff("DC", {
        "energy": {"price": "0.5"}}, {"recurrence": "DAILY", "start": "2026-01-01T08:00:00",
                                      "stop": "2026-01-01T20:00:00", "priority": 2,
                                      "energy": {"price": "0.6"}})
    push = pricing_push("SI*TRI", None, [ac, dc], {"SI*TRI*E1": ("AC",),
                                                   "SI*TRI*E2": ("DC", "AC"), "SI*TRI*E3": ()},
                        {"SI*TRI*E1": Decimal(11), "SI*TRI*E2": Decimal(150)}, "EUR")
    body = push.evse_pricing.to_json()
    validate_request("eRoamingPushEVSEPricing", body)
    assert body == {"ActionType": "fullLoad", "EVSEPricing": [
        {"EvseID": "SI*TRI*E1", "ProviderID": "*", "EvseIDProductList": ["AC"]},
        {"EvseID": "SI*TRI*E2", "ProviderID": "*", "EvseIDProductList": ["DC-1", "DC-2", "AC"]},
    ]}
    records = push.products.to_json()["PricingProductData"]["PricingProductDataRecords"]
    power = {r["ProductID"]: r["MaximumProductChargingPower"] for r in records}
    assert power == {"AC": 150, "DC-1": 150, "DC-2": 150}


def test_no_tariffs_is_an_empty_full_load() -> None:
    push = pricing_push("SI*TRI", None, [], {}, {}, "EUR")
    validate_request("eRoamingPushPricingProductData", push.products.to_json())
    data = push.products.to_json()["PricingProductData"]
    assert data["PricingProductDataRecords"] == [] and data["PricingDefaultPrice"] == 0


PLATFORM = OicpPlatformView(operator_id="SI*TRI", operator_name="Tridens",
                            hotline_phone="+38640000000")
AREA = OicpAreaView(code="A", name="Ljubljana", address="Slovenska cesta 1", city="Ljubljana",
                    postal_code="1000", country="SI", latitude=Decimal("46.0569"),
                    longitude=Decimal("14.5058"), time_zone="Europe/Ljubljana")
CHARGER = OicpChargerView(code="B1C1", roaming_enabled=True, roaming_id="0101",
                          electric_current_type=ElectricCurrentType.AC_3_PHASE)
AT = datetime.fromisoformat("2026-11-21T08:00:00+00:00")


def _evse(roaming_id: str, watts: int = 22000) -> Any:
    connector = OicpConnectorView(code=roaming_id, roaming_id=roaming_id,
                                  standard=ConnectorStandard.TYPE_2,
                                  format=ConnectorFormat.SOCKET, wattage_limit_w=watts)
    return evse_data_record(PLATFORM, AREA, CHARGER, connector, at=AT)


def test_evse_data_delta() -> None:
    one, two, three = _evse("01"), _evse("02"), _evse("03")
    pushed = {
        one.evse_id: PushedEvse(one.evse_id, record_digest(one), one.to_json()),
        two.evse_id: PushedEvse(two.evse_id, record_digest(two), two.to_json()),
        "SI*TRI*EOLD": PushedEvse("SI*TRI*EOLD", None, None, "Available"),  # status only
    }
    changed = _evse("02", watts=11000)
    delta = evse_data_delta({one.evse_id: one, changed.evse_id: changed,
                             three.evse_id: three}, pushed)
    assert [r.evse_id for r in delta.inserts] == [three.evse_id]
    assert [r.evse_id for r in delta.updates] == [changed.evse_id]
    assert delta.deletes == ()
    gone = evse_data_delta({one.evse_id: one}, pushed)
    assert [r.evse_id for r in gone.deletes] == [two.evse_id]
    assert gone.deletes[0] == two  # the record last pushed, whole
    assert not evse_data_delta({one.evse_id: one, two.evse_id: two}, pushed)
    broken = {two.evse_id: PushedEvse(two.evse_id, "digest", {"EvseID": "bad"})}
    assert evse_data_delta({}, broken).undeletable == (two.evse_id,)


def test_status_changes_against_what_was_sent() -> None:
    pushed = {"SI*TRI*E1": PushedEvse("SI*TRI*E1", status="Available")}
    changes = status_changes({"SI*TRI*E1": EvseStatus.AVAILABLE,
                              "SI*TRI*E2": EvseStatus.UNKNOWN,
                              "SI*TRI*E3": EvseStatus.OCCUPIED}, pushed)
    assert [(r.evse_id, r.evse_status) for r in changes] == [
        ("SI*TRI*E3", EvseStatus.OCCUPIED)]  # E2: Unknown was never sent, nothing to say


@pytest.mark.parametrize(("size", "expected"), [(1, 5), (2, 3), (5, 1), (100, 1)])
def test_chunks(size: int, expected: int) -> None:
    batches = list(chunks(range(5), size))
    assert len(batches) == expected and [x for b in batches for x in b] == list(range(5))
