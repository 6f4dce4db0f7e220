"""Charging notifications and the CDR from a session snapshot, validated against the CPO
OpenAPI (notifications dispatched on Type)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from oicp.errors import OicpMappingError
from oicp.models import ErrorType, Identification, decode_charge_detail_record
from oicp.session_messages import (
    MAX_METER_VALUES,
    PROGRESS_INTERVAL,
    OicpSessionView,
    charge_detail_record,
    end_notification,
    error_notification,
    kwh,
    progress_due,
    progress_notification,
    start_notification,
)
from tests.unit.oicp.oicp_openapi import validate_request

T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SESSION = "b2688855-7f00-0002-6d8e-48d883f6abb6"
NOTIFICATIONS = "/notificationmgmt/v11/charging-notifications"

VIEW = OicpSessionView(
    session_id=SESSION, operator_id="SI*TRI", evse_id="SI*TRI*E010107",
    identification=Identification.of_uid("044A2DAA856280"),
    session_start=T0 - timedelta(seconds=30), charging_start=T0,
    charging_end=T0 + timedelta(minutes=40), session_end=T0 + timedelta(minutes=45),
    meter_start_wh=Decimal("1234.5"), energy_wh=Decimal("7250.4"),
    meter_readings_wh=(Decimal(2000), Decimal(5000)),
    cpo_partner_session_id="42", partner_product_id="AC")


def test_cdr_of_a_charged_session() -> None:
    body = charge_detail_record(VIEW).to_json()
    validate_request("eRoamingChargeDetailRecord", body)
    assert body["ConsumedEnergy"] == 7.25
    assert body["MeterValueStart"] == 1.235  # rounded half up to Wh
    assert body["MeterValueEnd"] == 8.485
    assert body["MeterValueInBetween"] == {"meterValues": [2, 5]}
    assert (body["SessionStart"], body["ChargingStart"], body["ChargingEnd"],
            body["SessionEnd"]) == ("2026-11-21T07:59:30Z", "2026-11-21T08:00:00Z",
                                    "2026-11-21T08:40:00Z", "2026-11-21T08:45:00Z")
    assert body["PartnerProductID"] == "AC" and body["CPOPartnerSessionID"] == "42"
    assert decode_charge_detail_record(body).consumed_energy == Decimal("7.25")


def test_cdr_keeps_hubjects_order_of_times() -> None:
    # The charger's clock says charging started before we saw the session, and stopped
    # after our end: the session bounds widen to contain charging.
    view = replace(VIEW, session_start=T0 + timedelta(minutes=1),
                   charging_end=T0 + timedelta(hours=1), session_end=T0 + timedelta(minutes=50))
    body = charge_detail_record(view).to_json()
    validate_request("eRoamingChargeDetailRecord", body)
    assert body["SessionStart"] == body["ChargingStart"] == "2026-11-21T08:00:00Z"
    assert body["SessionEnd"] == body["ChargingEnd"] == "2026-11-21T09:00:00Z"


def test_cdr_of_a_reservation_without_charging() -> None:
    view = OicpSessionView(
        session_id=SESSION, operator_id="SI*TRI", evse_id="SI*TRI*E010107",
        identification=Identification.of_remote("DE*8EO*Aet5e4*3"),
        session_start=T0, session_end=T0 + timedelta(minutes=20))
    body = charge_detail_record(view).to_json()
    validate_request("eRoamingChargeDetailRecord", body)
    assert body["ConsumedEnergy"] == 0
    assert body["ChargingStart"] == body["ChargingEnd"] == body["SessionStart"]
    assert body["SessionEnd"] == "2026-11-21T08:20:00Z"
    assert "MeterValueStart" not in body


@pytest.mark.parametrize("change", [{"session_end": None}, {"identification": None}])
def test_no_cdr_without_end_or_identification(change: dict[str, object]) -> None:
    with pytest.raises(OicpMappingError):
        charge_detail_record(replace(VIEW, **change))  # type: ignore[arg-type]


def test_notifications_validate_by_type() -> None:
    at = T0 + timedelta(minutes=7, seconds=30)
    bodies = [start_notification(VIEW), progress_notification(VIEW, at),
              end_notification(VIEW, at),
              error_notification(VIEW, ErrorType.CONNECTOR_ERROR, "x" * 400)]
    for body in (b.to_json() for b in bodies):
        validate_request(NOTIFICATIONS, body)
    start, progress, end, error = (b.to_json() for b in bodies)
    assert (start["Type"], start["ChargingStart"], start["MeterValueStart"]) == (
        "Start", "2026-11-21T08:00:00Z", 1.235)
    assert progress["ChargingDuration"] == 450_000
    assert progress["ConsumedEnergyProgress"] == 7.25
    assert end["ChargingEnd"] == "2026-11-21T08:40:00Z"
    assert end["SessionEnd"] == "2026-11-21T08:45:00Z"
    assert error["ErrorType"] == "ConnectorError" and len(error["ErrorAdditionalInfo"]) == 250


def test_end_before_the_session_ends_has_no_session_end() -> None:
    view = replace(VIEW, session_end=None)
    body = end_notification(view, T0 + timedelta(minutes=40)).to_json()
    validate_request(NOTIFICATIONS, body)
    assert "SessionEnd" not in body


def test_progress_at_least_five_minutes_apart() -> None:
    assert timedelta(minutes=5) == PROGRESS_INTERVAL
    assert not progress_due(VIEW, None, T0 + timedelta(minutes=4, seconds=59))
    assert progress_due(VIEW, None, T0 + timedelta(minutes=5))
    last = T0 + timedelta(minutes=6)
    assert not progress_due(VIEW, last, last + timedelta(minutes=4))
    assert progress_due(VIEW, last, last + timedelta(minutes=5))


def test_meter_values_are_thinned_and_in_kwh() -> None:
    view = replace(VIEW, meter_readings_wh=tuple(Decimal(i * 100) for i in range(500)))
    body = charge_detail_record(view).to_json()
    values = body["MeterValueInBetween"]["meterValues"]
    assert len(values) == MAX_METER_VALUES and values[0] == 0 and values == sorted(values)
    assert kwh(Decimal("0.5")) == Decimal("0.001") and kwh(Decimal("0.4")) == Decimal("0.000")
