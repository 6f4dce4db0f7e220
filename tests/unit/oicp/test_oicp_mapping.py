"""Network views -> EvseDataRecord / EvseStatusRecord, validated against the CPO OpenAPI."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from oicp.errors import OicpMappingError
from oicp.mapping import (
    OCPP_TO_EVSE_STATUS,
    charging_facility,
    evse_data_record,
    evse_status,
    evse_status_record,
    hotline_phone,
    plug_for,
    push_evse_data,
    push_evse_status,
    time_zone_offset,
)
from oicp.models import (
    ActionType,
    AuthenticationMode,
    ChargingMode,
    EvseStatus,
    PaymentOption,
    Plug,
    PowerType,
    ValueAddedService,
)
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tests.unit.oicp.oicp_openapi import validate_request

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)

PLATFORM = OicpPlatformView(
    operator_id="SI*TRI", operator_name="Tridens", hotline_phone="+386 1 234 5678"
)
AREA = OicpAreaView(
    code="A1",
    name="Ljubljana BTC",
    address="Šmartinska cesta 152",
    city="Ljubljana",
    postal_code="1000",
    country="SI",
    latitude=Decimal("46.0654321"),
    longitude=Decimal("14.5432109"),
    time_zone="Europe/Ljubljana",
)
CHARGER = OicpChargerView(
    code="CH1",
    roaming_enabled=True,
    roaming_id="0101",
    electric_current_type=ElectricCurrentType.AC_3_PHASE,
    reservable=True,
    manufacturer="Alpitronic",
    ocpp_status="Available",
)
CONNECTOR = OicpConnectorView(
    code="C1",
    roaming_id="010107",
    standard=ConnectorStandard.TYPE_2,
    format=ConnectorFormat.SOCKET,
    wattage_limit_w=22000,
    amperage_limit_a=Decimal("32"),
    voltage_limit_v=400,
    ocpp_status="Charging",
)


def test_evse_data_record_full() -> None:
    record = evse_data_record(PLATFORM, AREA, CHARGER, CONNECTOR, at=WINTER)
    assert record.evse_id == "SI*TRI*E010107"
    assert record.charging_station_id == "0101"
    assert record.address.country == "SVN"
    assert record.address.street == "Šmartinska cesta"
    assert record.address.house_num == "152"
    assert record.address.time_zone == "UTC+01:00"
    assert record.geo_coordinates.decimal_degree is not None
    assert record.geo_coordinates.decimal_degree.latitude == "46.065432"
    assert record.plugs == (Plug.TYPE_2_OUTLET,)
    assert record.authentication_modes == (
        AuthenticationMode.NFC_RFID_CLASSIC,
        AuthenticationMode.REMOTE,
    )
    assert record.payment_options == (PaymentOption.CONTRACT,)
    assert record.value_added_services == (ValueAddedService.RESERVATION,)
    assert record.hotline_phone_number == "+38612345678"
    assert record.is_open_24_hours is True
    assert record.is_hubject_compatible is True
    assert record.hardware_manufacturer == "Alpitronic"
    body = push_evse_data(PLATFORM, [record], ActionType.FULL_LOAD).to_json()
    validate_request("/evsepush/v23/operators/SI*TRI/data-records", body)
    assert body["OperatorEvseData"]["OperatorID"] == "SI*TRI"


def test_time_zone_follows_dst() -> None:
    assert time_zone_offset("Europe/Ljubljana", SUMMER) == "UTC+02:00"
    assert time_zone_offset("America/St_Johns", WINTER) == "UTC-03:30"
    assert time_zone_offset("UTC", WINTER) == "UTC+00:00"
    with pytest.raises(OicpMappingError):
        time_zone_offset("Mars/Olympus", WINTER)


def test_opening_hours_and_options() -> None:
    area = replace(
        AREA,
        opening_hours=(("Workdays", "08:00", "12:00"), ("workdays", "13:00", "20:00"),
                       ("Saturday", "09:00", "13:00")),
        house_number="152a",
        address="Šmartinska cesta",
    )  # fmt: skip
    platform = replace(PLATFORM, intercharge_direct=True, dynamic_pricing=True)
    charger = replace(CHARGER, payment_terminal=True, reservable=False, rfid_reader=False)
    record = evse_data_record(platform, area, charger, CONNECTOR, at=SUMMER)
    assert record.is_open_24_hours is False
    assert record.opening_times is not None
    assert [t.on.value for t in record.opening_times] == ["Workdays", "Saturday"]
    assert len(record.opening_times[0].period) == 2
    assert record.address.house_num == "152a"
    assert record.payment_options == (PaymentOption.CONTRACT, PaymentOption.DIRECT)
    assert record.authentication_modes == (
        AuthenticationMode.REMOTE,
        AuthenticationMode.DIRECT_PAYMENT,
    )
    assert record.value_added_services == (ValueAddedService.DYNAMIC_PRICING,)
    validate_request(
        "eRoamingPushEvseData",
        push_evse_data(platform, [record], ActionType.INSERT).to_json(),
    )


@pytest.mark.parametrize(
    ("area", "charger", "connector", "message"),
    [
        (replace(AREA, publish=False), CHARGER, CONNECTOR, "not published"),
        (AREA, replace(CHARGER, roaming_enabled=False), CONNECTOR, "not roaming-enabled"),
        (AREA, CHARGER, replace(CONNECTOR, roaming_id=None), "no roaming id"),
        (AREA, CHARGER, replace(CONNECTOR, roaming_id="01-07"), "cannot form"),
        (replace(AREA, latitude=None), CHARGER, CONNECTOR, "no latitude"),
        (replace(AREA, time_zone=None), CHARGER, CONNECTOR, "no time zone"),
        (replace(AREA, country="QQ"), CHARGER, CONNECTOR, "unknown country"),
        (AREA, CHARGER, replace(CONNECTOR, standard=ConnectorStandard.GBT_AC), "no OICP plug"),
        (AREA, replace(CHARGER, rfid_reader=False, remote_start_stop=False), CONNECTOR,
         "authentication mode"),
    ],
)  # fmt: skip
def test_unpublishable(
    area: OicpAreaView,
    charger: OicpChargerView,
    connector: OicpConnectorView,
    message: str,
) -> None:
    with pytest.raises(OicpMappingError, match=message):
        evse_data_record(PLATFORM, area, charger, connector, at=WINTER)


def test_no_hotline_phone() -> None:
    with pytest.raises(OicpMappingError, match="hotline"):
        evse_data_record(replace(PLATFORM, hotline_phone=None), AREA, CHARGER, CONNECTOR,
                         at=WINTER)  # fmt: skip


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("+386 1 234 5678",), "+38612345678"),
        (("00386-1-234-5678",), "+38612345678"),
        ((None, "", "+49 (30) 123456"), "+4930123456"),
        (("01 234 5678", "+38640111222"), "+38640111222"),
    ],
)
def test_hotline_phone(candidates: tuple[str | None, ...], expected: str) -> None:
    assert hotline_phone(*candidates) == expected


# OCPP status -> OICP EvseStatus, row by row (module docstring of oicp.mapping).
STATUS_TABLE = [
    ("Available", EvseStatus.AVAILABLE),
    ("Preparing", EvseStatus.OCCUPIED),
    ("Charging", EvseStatus.OCCUPIED),
    ("SuspendedEV", EvseStatus.OCCUPIED),
    ("SuspendedEVSE", EvseStatus.OCCUPIED),
    ("Finishing", EvseStatus.OCCUPIED),
    ("Occupied", EvseStatus.OCCUPIED),
    ("Reserved", EvseStatus.RESERVED),
    ("Faulted", EvseStatus.OUT_OF_SERVICE),
    ("Unavailable", EvseStatus.OUT_OF_SERVICE),
    (None, EvseStatus.UNKNOWN),
    ("Bogus", EvseStatus.UNKNOWN),
    ("available", EvseStatus.UNKNOWN),
]


def test_status_table_is_complete() -> None:
    mapped = {row[0]: row[1] for row in STATUS_TABLE if row[0] in OCPP_TO_EVSE_STATUS}
    assert mapped == OCPP_TO_EVSE_STATUS
    assert EvseStatus.EVSE_NOT_FOUND not in OCPP_TO_EVSE_STATUS.values()


@pytest.mark.parametrize(("ocpp", "oicp"), STATUS_TABLE)
def test_status_row(ocpp: str | None, oicp: EvseStatus) -> None:
    assert evse_status(ocpp) is oicp
    assert evse_status(ocpp, "Available") is oicp


@pytest.mark.parametrize("charger_status", ["Faulted", "Unavailable"])
@pytest.mark.parametrize("ocpp", [row[0] for row in STATUS_TABLE])
def test_charger_level_failure_overrides(ocpp: str | None, charger_status: str) -> None:
    assert evse_status(ocpp, charger_status) is EvseStatus.OUT_OF_SERVICE


@pytest.mark.parametrize("ocpp", [row[0] for row in STATUS_TABLE])
def test_disconnected_station_is_unknown(ocpp: str | None) -> None:
    assert evse_status(ocpp, "Faulted", connected=False) is EvseStatus.UNKNOWN


def test_status_record_and_push() -> None:
    record = evse_status_record(PLATFORM, CHARGER, CONNECTOR)
    assert record.evse_id == "SI*TRI*E010107"
    assert record.evse_status is EvseStatus.OCCUPIED
    body = push_evse_status(PLATFORM, [record], ActionType.UPDATE).to_json()
    assert body == {
        "ActionType": "update",
        "OperatorEvseStatus": {
            "OperatorID": "SI*TRI",
            "OperatorName": "Tridens",
            "EvseStatusRecord": [{"EvseID": "SI*TRI*E010107", "EvseStatus": "Occupied"}],
        },
    }
    validate_request("/evsepush/v21/operators/SI*TRI/status-records", body)


PLUG_TABLE = [
    (ConnectorStandard.CCS1, ConnectorFormat.CABLE, None, Plug.CCS_COMBO_1),
    (ConnectorStandard.CCS2, ConnectorFormat.CABLE, None, Plug.CCS_COMBO_2),
    (ConnectorStandard.TYPE_1, ConnectorFormat.CABLE, None, Plug.TYPE_1_CABLE),
    (ConnectorStandard.TYPE_2, ConnectorFormat.SOCKET, None, Plug.TYPE_2_OUTLET),
    (ConnectorStandard.TYPE_2, ConnectorFormat.CABLE, None, Plug.TYPE_2_CABLE),
    (ConnectorStandard.TYPE_3A, ConnectorFormat.SOCKET, None, Plug.TYPE_3_OUTLET),
    (ConnectorStandard.TYPE_3C, ConnectorFormat.SOCKET, None, Plug.TYPE_3_OUTLET),
    (ConnectorStandard.CHADEMO, ConnectorFormat.CABLE, None, Plug.CHADEMO),
    (ConnectorStandard.NACS, ConnectorFormat.CABLE, None, Plug.TESLA),
    (ConnectorStandard.DOMESTIC, ConnectorFormat.SOCKET, "SI", Plug.TYPE_F),
    (ConnectorStandard.DOMESTIC, ConnectorFormat.SOCKET, "fr", Plug.TYPE_E),
    (ConnectorStandard.DOMESTIC, ConnectorFormat.SOCKET, "GB", Plug.TYPE_G),
    (ConnectorStandard.DOMESTIC, ConnectorFormat.SOCKET, "CH", Plug.TYPE_J),
]


@pytest.mark.parametrize(("standard", "fmt", "country", "plug"), PLUG_TABLE)
def test_plug_row(
    standard: ConnectorStandard, fmt: ConnectorFormat, country: str | None, plug: Plug
) -> None:
    assert plug_for(standard, fmt, country) is plug


@pytest.mark.parametrize(
    ("standard", "country"),
    [
        (ConnectorStandard.CHAOJI, None),
        (ConnectorStandard.GBT_AC, None),
        (ConnectorStandard.GBT_DC, None),
        (ConnectorStandard.MCS, None),
        (ConnectorStandard.OTHER, None),
        (ConnectorStandard.DOMESTIC, "US"),
        (ConnectorStandard.DOMESTIC, None),
    ],
)
def test_no_oicp_plug(standard: ConnectorStandard, country: str | None) -> None:
    with pytest.raises(OicpMappingError):
        plug_for(standard, ConnectorFormat.SOCKET, country)


@pytest.mark.parametrize(
    ("current", "standard", "watts", "amps", "volts", "expected"),
    [
        (ElectricCurrentType.AC_3_PHASE, ConnectorStandard.TYPE_2, 22000, Decimal(32), 400,
         (PowerType.AC_3_PHASE, 22, 400, 32, (ChargingMode.MODE_3,))),
        (ElectricCurrentType.AC_1_PHASE, ConnectorStandard.TYPE_2, 3700, Decimal(16), 230,
         (PowerType.AC_1_PHASE, 4, 230, 16, (ChargingMode.MODE_3,))),
        (ElectricCurrentType.AC_2_PHASE, ConnectorStandard.TYPE_1, 7400, None, None,
         (PowerType.AC_1_PHASE, 7, None, None, (ChargingMode.MODE_3,))),
        (ElectricCurrentType.DC, ConnectorStandard.CCS2, 150000, Decimal(375), 1000,
         (PowerType.DC, 150, None, None, (ChargingMode.MODE_4,))),
        (ElectricCurrentType.DC, ConnectorStandard.CHADEMO, 50000, Decimal(125), 500,
         (PowerType.DC, 50, 500, None, (ChargingMode.CHADEMO,))),
        (ElectricCurrentType.DC, ConnectorStandard.MCS, 1_200_000, None, None,
         (PowerType.DC, 999, None, None, (ChargingMode.MODE_4,))),
        (ElectricCurrentType.AC_1_PHASE, ConnectorStandard.DOMESTIC, 400, None, None,
         (PowerType.AC_1_PHASE, 1, None, None, (ChargingMode.MODE_3,))),
    ],
)  # fmt: skip
def test_charging_facility(
    current: ElectricCurrentType,
    standard: ConnectorStandard,
    watts: int,
    amps: Decimal | None,
    volts: int | None,
    expected: tuple[object, ...],
) -> None:
    connector = replace(
        CONNECTOR,
        standard=standard,
        wattage_limit_w=watts,
        amperage_limit_a=amps,
        voltage_limit_v=volts,
        electric_current_type=current,
    )
    facility = charging_facility(CHARGER, connector)
    assert (
        facility.power_type,
        facility.power,
        facility.voltage,
        facility.amperage,
        facility.charging_modes,
    ) == expected


def test_connector_current_type_falls_back_to_charger() -> None:
    charger = replace(CHARGER, electric_current_type=ElectricCurrentType.DC)
    connector = replace(CONNECTOR, electric_current_type=None, standard=ConnectorStandard.CCS2)
    assert charging_facility(charger, connector).power_type is PowerType.DC
