"""Model behaviour: Hubject spellings, explicit nulls, UTC timestamps, Decimal, dispatch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from oicp import models
from oicp.errors import OicpDecodeError
from oicp.models import (
    ChargeDetailRecord,
    ChargingNotificationEnd,
    ChargingNotificationError,
    ChargingNotificationProgress,
    ChargingNotificationStart,
    ErrorType,
    Identification,
)
from tests.unit.oicp.oicp_openapi import validate_request

SESSION = "b2688855-7f00-0002-6d8e-48d883f6abb6"

# Hubject's remote start as recorded by WWCP (notes/oicp.md §2b): explicit nulls.
REMOTE_START_WITH_NULLS: dict[str, Any] = {
    "ProviderID": "DE*ICE",
    "EvseID": "DE*GEF*E1234567*A*1",
    "Identification": {
        "RFIDMifareFamilyIdentification": None,
        "QRCodeIdentification": None,
        "PlugAndChargeIdentification": None,
        "RemoteIdentification": {"EvcoID": "DE*ICE*I01000*6"},
        "RFIDIdentification": None,
    },
    "SessionID": SESSION,
    "CPOPartnerSessionID": None,
    "EMPPartnerSessionID": None,
    "PartnerProductID": None,
}


def _cdr(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "SessionID": SESSION,
        "EvseID": "SI*TRI*E010107",
        "Identification": {"RFIDMifareFamilyIdentification": {"UID": "044A2DAA856280"}},
        "ChargingStart": "2026-03-01T10:00:05+01:00",
        "ChargingEnd": "2026-03-01T11:00:00+01:00",
        "SessionStart": "2026-03-01T10:00:00+01:00",
        "SessionEnd": "2026-03-01T11:05:00+01:00",
        "ConsumedEnergy": 12.345,
        "MeterValueStart": 1000.5,
        "MeterValueEnd": 1012.845,
        "MeterValueInBetween": {"meterValues": [1003.1, 1010]},
        "PartnerProductID": "AC3",
        "HubOperatorID": "SI*TRI",
        "HubProviderId": "DE-ICE",
    }
    body.update(changes)
    return body


def test_remote_start_with_explicit_nulls() -> None:
    request = models.decode_remote_start(json.dumps(REMOTE_START_WITH_NULLS))
    assert request.identification.variant == "RemoteIdentification"
    assert request.identification.evco_id == "DE*ICE*I01000*6"
    assert request.cpo_partner_session_id is None
    out = request.to_json()
    assert "CPOPartnerSessionID" not in out
    assert out["Identification"] == {"RemoteIdentification": {"EvcoID": "DE*ICE*I01000*6"}}
    validate_request("/charging/v21/providers/DE*ICE/authorize-remote/start", out)


def test_ids_are_upper_cased() -> None:
    body = dict(REMOTE_START_WITH_NULLS, EvseID="de*gef*E1234567*a*1", ProviderID="de*ice")
    request = models.decode_remote_start(body)
    assert request.evse_id == "DE*GEF*E1234567*A*1"
    assert request.provider_id == "DE*ICE"


def test_empty_identification_is_refused() -> None:
    body = dict(REMOTE_START_WITH_NULLS, Identification={"RemoteIdentification": None})
    with pytest.raises(OicpDecodeError) as info:
        models.decode_remote_start(body)
    assert info.value.errors


def test_lower_case_uid_is_upper_cased() -> None:
    ident = Identification.of_uid("044a2daa856280")
    assert ident.uid == "044A2DAA856280"
    assert Identification.of_remote("DE-8EO-CAet5e4XY-3").evco_id == "DE-8EO-CAET5E4XY-3"


def test_reservation_accepts_both_emp_session_spellings() -> None:
    base = {"SessionID": SESSION, "ProviderID": "DE-DCB", "EvseID": "DE*XYZ*ETEST1"}
    a = models.decode_remote_reservation_stop({**base, "EMPPartnerSessionId": "emp-1"})
    b = models.decode_remote_reservation_stop({**base, "EMPPartnerSessionID": "emp-1"})
    assert a == b
    assert a.to_json()["EMPPartnerSessionID"] == "emp-1"


def test_reservation_duration_range() -> None:
    body = {
        "ProviderID": "DE-DCB",
        "EvseID": "DE*XYZ*ETEST1",
        "Identification": {"RemoteIdentification": {"EvcoID": "DE-DCB-C12345678-X"}},
        "Duration": 100,
    }
    with pytest.raises(OicpDecodeError):
        models.decode_remote_reservation_start(body)
    assert models.decode_remote_reservation_start({**body, "Duration": 99}).duration == 99


def test_cdr_timestamps_keep_their_offset_and_energy_is_decimal() -> None:
    cdr = models.decode_charge_detail_record(_cdr())
    assert cdr.session_start == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert cdr.session_start.utcoffset() == timedelta(hours=1)  # kept as sent
    assert cdr.consumed_energy == Decimal("12.345")
    assert cdr.hub_provider_id == "DE-ICE"
    out = cdr.to_json()
    assert out["SessionStart"] == "2026-03-01T10:00:00+01:00"
    assert out["ConsumedEnergy"] == 12.345
    assert out["MeterValueInBetween"] == {"meterValues": [1003.1, 1010]}
    assert out["HubProviderID"] == "DE-ICE"
    validate_request("/cdrmgmt/v22/operators/SI*TRI/charge-detail-record", out)


def test_cdr_built_in_python() -> None:
    start = datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    cdr = ChargeDetailRecord(
        session_id=SESSION,
        evse_id="SI*TRI*E010107",
        identification=Identification.of_remote("DE*ICE*I01000*6"),
        charging_start=start,
        charging_end=start + timedelta(hours=1),
        session_start=start,
        session_end=start + timedelta(hours=1, minutes=1),
        consumed_energy=Decimal("7.5"),
        cpo_partner_session_id="tx-17",
    )
    out = cdr.to_json()
    # written in the offset it was given: the charge point's local time (OICP "Time format")
    assert out["ChargingStart"] == "2026-03-01T10:00:00+01:00"
    assert out["ConsumedEnergy"] == 7.5
    validate_request("eRoamingChargeDetailRecord", out)


@pytest.mark.parametrize(
    "changes",
    [
        {"SessionStart": "2026-03-01T10:00:00"},  # naive
        {"ConsumedEnergy": "NaN"},
        {"ConsumedEnergy": -1},
        {"SessionEnd": "2026-03-01T08:00:00Z"},  # before SessionStart
        {"SessionID": "not-a-guid"},
        {"EvseID": "SI*TRI*010107"},
        {"SignedMeteringValues": [{"MeteringStatus": "Start"}] * 11},
    ],
)
def test_cdr_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(OicpDecodeError):
        models.decode_charge_detail_record(_cdr(**changes))


def _notification(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": kind,
        "SessionID": SESSION,
        "EvseID": "SI*TRI*E010107",
        "OperatorID": "SI*TRI",
        **extra,
    }


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        (_notification("Start", ChargingStart="2026-03-01T09:00:00Z"), ChargingNotificationStart),
        (
            _notification(
                "Progress",
                ChargingStart="2026-03-01T09:00:00Z",
                EventOccurred="2026-03-01T09:05:00Z",
                ChargingDuration=300000,
                ConsumedEnergyProgress=1.25,
            ),
            ChargingNotificationProgress,
        ),
        (_notification("End", ChargingEnd="2026-03-01T10:00:00Z"), ChargingNotificationEnd),
        (_notification("Error", ErrorType="CriticalError"), ChargingNotificationError),
    ],
)
def test_notifications_dispatch_on_type(body: dict[str, Any], cls: type) -> None:
    parsed = models.decode_charging_notification(body)
    assert type(parsed) is cls
    out = parsed.to_json()
    assert out == body
    validate_request("/notificationmgmt/v11/charging-notifications", out)


def test_progress_body_is_not_taken_for_start() -> None:
    body = _notification(
        "Progress", ChargingStart="2026-03-01T09:00:00Z", EventOccurred="2026-03-01T09:05:00Z"
    )
    assert isinstance(models.decode_charging_notification(body), ChargingNotificationProgress)
    with pytest.raises(OicpDecodeError):
        models.decode_charging_notification({**body, "Type": "Bogus"})
    with pytest.raises(OicpDecodeError):
        models.decode_charging_notification({k: v for k, v in body.items() if k != "Type"})


def test_error_type_spaced_spelling() -> None:
    parsed = models.decode_charging_notification(
        _notification("Error", ErrorType="Connector Error")
    )
    assert isinstance(parsed, ChargingNotificationError)
    assert parsed.error_type is ErrorType.CONNECTOR_ERROR
    assert parsed.to_json()["ErrorType"] == "ConnectorError"


def test_pricing_period_spelling() -> None:
    record = {
        "ProductID": "AC3",
        "ReferenceUnit": "KILOWATT_HOUR",
        "ProductPriceCurrency": "EUR",
        "PricePerReferenceUnit": 0.39,
        "MaximumProductChargingPower": 22,
        "IsValid24hours": False,
        "ProductAvailabilityTimes": [
            {"Period": [{"begin": "08:00", "end": "20:00"}], "on": "Workdays"}
        ],
    }
    body = {
        "ActionType": "fullLoad",
        "PricingProductData": {
            "OperatorID": "SI*TRI",
            "ProviderID": "*",
            "PricingDefaultPrice": 0.45,
            "PricingDefaultPriceCurrency": "EUR",
            "PricingDefaultReferenceUnit": "KILOWATT_HOUR",
            "PricingProductDataRecords": [record],
        },
    }
    parsed = models.decode_push_pricing_product_data(body)
    product = parsed.pricing_product_data.pricing_product_data_records[0]
    assert product.price_per_reference_unit == Decimal("0.39")
    out = parsed.to_json()
    times = out["PricingProductData"]["PricingProductDataRecords"][0]["ProductAvailabilityTimes"]
    assert times == [{"Periods": [{"begin": "08:00", "end": "20:00"}], "on": "Workdays"}]
    validate_request("/dynamicpricing/v10/operators/SI*TRI/pricing-products", out)


def test_provider_asterisk_pattern_is_strict() -> None:
    body = {"ActionType": "insert", "EVSEPricing": [
        {"EvseID": "SI*TRI*E1", "ProviderID": "junk*", "EvseIDProductList": ["AC3"]}
    ]}  # fmt: skip
    with pytest.raises(OicpDecodeError):
        models.decode_push_evse_pricing(body)


def test_authorization_start_response_from_hubject() -> None:
    body = {
        "SessionID": SESSION,
        "CPOPartnerSessionID": None,
        "EMPPartnerSessionID": None,
        "ProviderID": "DE*ICE",
        "AuthorizationStatus": "Authorized",
        "StatusCode": {"Code": "000", "Description": None, "AdditionalInfo": None},
        "AuthorizationStopIdentifications": None,
    }
    parsed = models.decode_authorization_start(body)
    assert parsed.authorization_status is models.AuthorizationStatus.AUTHORIZED
    assert parsed.provider_id == "DE*ICE"
    assert parsed.status_code.code == "000"


def test_dynamic_info_available_accepts_bool() -> None:
    from tests.unit.oicp.oicp_examples import cpo_examples

    example = next(e for e in cpo_examples() if e.id == "cpo/eRoamingPushEvseData.request")
    body = example.body()
    body["OperatorEvseData"]["EvseDataRecord"][0]["DynamicInfoAvailable"] = False
    parsed = models.decode_push_evse_data(body)
    record = parsed.to_json()["OperatorEvseData"]["EvseDataRecord"][0]
    assert record["DynamicInfoAvailable"] == "false"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("GeoCoordinates", {}),
        ("GeoCoordinates", {"Google": {"Coordinates": "1.0 2.0"},
                            "DecimalDegree": {"Latitude": "1.0", "Longitude": "2.0"}}),
        ("OpeningTimes", None),  # IsOpen24Hours is false in the example
        ("PaymentOptions", ["No Payment", "Contract"]),
        ("Plugs", ["Unspecified"]),
        ("HotlinePhoneNumber", "0123123123"),
        ("ChargingStationId", "x" * 51),
    ],
)  # fmt: skip
def test_evse_data_record_rules(field: str, value: Any) -> None:
    from tests.unit.oicp.oicp_examples import cpo_examples

    example = next(e for e in cpo_examples() if e.id == "cpo/eRoamingPushEvseData.request")
    body = example.body()
    record = body["OperatorEvseData"]["EvseDataRecord"][0]
    record.pop("ChargingStationID")
    record[field] = value
    with pytest.raises(OicpDecodeError):
        models.decode_push_evse_data(body)


@pytest.mark.parametrize("data", [b"\xff", "{", "[]", "null", b'{"Result": true}', 42])
def test_decoders_raise_their_own_error(data: Any) -> None:
    with pytest.raises(OicpDecodeError):
        models.decode_acknowledgement(data)
