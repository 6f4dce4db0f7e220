"""Records serialized once (text, digest), bodies joined from those texts, the full-load
schedule from a summary, and what an EvseDataRecord does not depend on."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from oicp.evse_sync import PreparedRecord, PushedSummary, push_evse_data_body, record_digest
from oicp.mapping import evse_data_record, push_evse_data
from oicp.models.common import ActionType
from oicp.models.evse_data import EvseDataRecord
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tests.unit.oicp.oicp_openapi import validate_request

PLATFORM = OicpPlatformView(operator_id="SI*TRI", operator_name='Tridens "EvseDataRecord":[]',
                            hotline_phone="+38640000000")
AREA = OicpAreaView(code="A", name="Ljubljana, čevljarski most", address="Slovenska cesta 1",
                    city="Ljubljana", postal_code="1000", country="SI",
                    latitude=Decimal("46.0569"), longitude=Decimal("14.5058"),
                    time_zone="Europe/Ljubljana")
CHARGER = OicpChargerView(code="B1C1", roaming_enabled=True, roaming_id="0101",
                          electric_current_type=ElectricCurrentType.AC_3_PHASE,
                          reservable=True, manufacturer="Alpitronic")
AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _connector(roaming_id: str, watts: int = 22000, status: str | None = None
               ) -> OicpConnectorView:
    return OicpConnectorView(code=roaming_id, roaming_id=roaming_id,
                             standard=ConnectorStandard.TYPE_2,
                             format=ConnectorFormat.SOCKET, wattage_limit_w=watts,
                             ocpp_status=status)


def _record(roaming_id: str, watts: int = 22000) -> EvseDataRecord:
    return evse_data_record(PLATFORM, AREA, CHARGER, _connector(roaming_id, watts), at=AT)


def test_a_prepared_record_is_the_record_serialized_once() -> None:
    record = _record("01")
    prepared = PreparedRecord.of(record)
    assert prepared.evse_id == record.evse_id == "SI*TRI*E01"
    assert prepared.digest == record_digest(record)
    assert prepared.document() == record.to_json()
    assert prepared.digest != PreparedRecord.of(_record("01", watts=11000)).digest


@pytest.mark.parametrize("action", [ActionType.FULL_LOAD, ActionType.UPDATE,
                                    ActionType.DELETE])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_joined_body_is_the_models_bytes(action: ActionType, count: int) -> None:
    records = [_record(f"0{n}", 11000 * (n + 1)) for n in range(count)]
    text = push_evse_data_body(PLATFORM, [PreparedRecord.of(r) for r in records], action)
    expected = push_evse_data(PLATFORM, records, action).to_json()
    assert text == json.dumps(expected, separators=(",", ":"))
    assert json.loads(text)["OperatorEvseData"]["OperatorName"] == PLATFORM.operator_name
    if count:
        validate_request("eRoamingPushEvseData", json.loads(text))


def test_a_record_does_not_depend_on_live_status() -> None:
    """The reconciliation reuses a digest made from equal views but another status: the
    OCPP status and the connection are sent as EVSE status, never in EVSE data."""
    base = evse_data_record(PLATFORM, AREA, CHARGER, _connector("01"), at=AT)
    live = evse_data_record(PLATFORM, AREA,
                            replace(CHARGER, ocpp_status="Faulted", connected=False),
                            _connector("01", status="Charging"), at=AT)
    assert live == base


def test_the_time_zone_offset_is_part_of_the_record() -> None:
    summer = evse_data_record(PLATFORM, AREA, CHARGER, _connector("01"),
                              at=datetime(2026, 7, 1, tzinfo=UTC))
    winter = _record("01")
    assert summer.address.time_zone == "UTC+02:00" and winter.address.time_zone == "UTC+01:00"
    assert record_digest(summer) != record_digest(winter)


NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
WEEK_AGO, DAY_AGO = NOW - timedelta(days=7), NOW - timedelta(days=1)


@pytest.mark.parametrize(("summary", "data_due", "status_due"), [
    (PushedSummary(), True, False),  # nothing pushed, nothing known
    (PushedSummary(3, 0, None, 3, NOW), True, False),  # statuses only
    (PushedSummary(3, 3, None, 0, None), True, True),  # push times unknown
    (PushedSummary(3, 3, NOW - timedelta(days=6), 3, NOW - timedelta(hours=23)), False, False),
    (PushedSummary(3, 3, WEEK_AGO, 3, DAY_AGO), True, True),  # exactly a week / a day old
    (PushedSummary(3, 3, NOW, 2, NOW), False, False),
])
def test_full_loads_fall_due(summary: PushedSummary, data_due: bool, status_due: bool) -> None:
    assert summary.data_due(WEEK_AGO) is data_due
    assert summary.status_due(DAY_AGO) is status_due
