"""Network model -> OCPI objects (the manual's Table 1), validated against the OpenAPI."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from csms.sessions.lifecycle import SessionStatus as CsmsStatus
from ocpi.mapping import (
    ALPHA3,
    AreaView,
    ChargerView,
    ConnectorView,
    Party,
    SessionView,
    TokenRef,
    area_problems,
    cdr_for,
    cdr_location_for,
    connector_type_for,
    evse_id_for,
    evse_status_for,
    evse_status_for_charger,
    exposed,
    location_for,
    power_limits_for,
    removed_location,
    session_for,
    session_status_for,
)
from ocpi.models import (
    AuthMethod,
    Capability,
    ConnectorType,
    PowerType,
    SessionStatus,
    Status,
    TokenType,
    dump_ocpi,
    parse_ocpi,
)
from ocpi.models import Tariff as OcpiTariff
from tariffs.cdr import ConnectorState, MeterSample, build_cdr
from tests.unit.ocpi.ocpi_openapi import validate_object

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
PARTY = Party("SI", "TRI")
AREA = AreaView(
    code="ljubljana-center",
    name="Ljubljana Center",
    address="Slovenska cesta 1",
    city="Ljubljana",
    postal_code="1000",
    state=None,
    country="SI",
    latitude=Decimal("46.0510100"),
    longitude=Decimal("14.5059200"),
    phone="+386 1 123 4567",
    operator_name="Tridens",
    roaming_id="0101",
    time_zone="Europe/Ljubljana",
    last_updated=T0,
)
CHARGER = ChargerView(
    code="ch-1",
    roaming_enabled=True,
    roaming_id="0101",
    reservable=True,
    electric_current_type=ElectricCurrentType.AC_3_PHASE,
    last_updated=T0,
    ocpp_status="Available",
)
CONNECTOR = ConnectorView(
    code="c-1",
    roaming_id="010107",
    standard=ConnectorStandard.TYPE_2,
    format=ConnectorFormat.SOCKET,
    wattage_limit_w=22_000,
    amperage_limit_a=Decimal("32"),
    voltage_limit_v=400,
    ocpp_status="Charging",
    tariff_ids=("AC-STD",),
    last_updated=T0 + timedelta(minutes=5),
)


def demo_location() -> tuple[dict, object]:
    loc = location_for(AREA, [(CHARGER, [CONNECTOR])], PARTY)
    return dump_ocpi(loc), loc


def test_demo_location_table_1() -> None:
    body, _ = demo_location()
    validate_object("Location", body)
    assert body["country_code"] == "SI" and body["party_id"] == "TRI"
    assert body["id"] == "0101"
    assert body["country"] == "SVN"
    assert body["coordinates"] == {"latitude": "46.051010", "longitude": "14.505920"}
    assert body["operator"] == {"name": "Tridens"}
    (evse,) = body["evses"]
    assert evse["uid"] == "010107"
    assert evse["evse_id"] == "SI*TRI*E010107"
    assert evse["status"] == "CHARGING"
    assert evse["capabilities"] == [
        "REMOTE_START_STOP_CAPABLE",
        "RESERVABLE",
        "RFID_READER",
        "UNLOCK_CAPABLE",
    ]
    (connector,) = evse["connectors"]
    assert connector == {
        "id": "010107",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 231,
        "max_amperage": 32,
        "max_electric_power": 22000,
        "tariff_ids": ["AC-STD"],
        "last_updated": "2024-05-01T08:05:00Z",
    }
    validate_object("EVSE", evse)
    validate_object("Connector", connector)
    # last_updated cascades connector -> EVSE -> location
    assert evse["last_updated"] == body["last_updated"] == "2024-05-01T08:05:00Z"


def test_evse_id_format() -> None:
    assert evse_id_for(PARTY, "010107") == "SI*TRI*E010107"
    assert evse_id_for(Party("si", "tri"), "ab12") == "SI*TRI*EAB12"


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("Available", Status.AVAILABLE),
        ("Preparing", Status.CHARGING),
        ("Charging", Status.CHARGING),
        ("SuspendedEV", Status.CHARGING),
        ("SuspendedEVSE", Status.CHARGING),
        ("Finishing", Status.CHARGING),
        ("Occupied", Status.CHARGING),
        ("Reserved", Status.RESERVED),
        ("Unavailable", Status.INOPERATIVE),
        ("Faulted", Status.OUTOFORDER),
        ("faulted", Status.OUTOFORDER),
        (" Available ", Status.AVAILABLE),
        (None, Status.UNKNOWN),
        ("", Status.UNKNOWN),
        ("Exploded", Status.UNKNOWN),
    ],
)
def test_ocpp_status_table(ocpp: str | None, ocpi: Status) -> None:
    assert evse_status_for(ocpp) is ocpi


def test_charger_status_and_connectivity_override() -> None:
    assert evse_status_for_charger("Available", "Faulted") is Status.OUTOFORDER
    assert evse_status_for_charger("Charging", "Unavailable") is Status.INOPERATIVE
    assert evse_status_for_charger("Charging", "Available") is Status.CHARGING
    assert evse_status_for_charger("Available", None, connected=False) is Status.UNKNOWN


@pytest.mark.parametrize(
    ("csms", "ocpi"),
    [
        (CsmsStatus.READY, SessionStatus.PENDING),
        (CsmsStatus.RESERVED, SessionStatus.RESERVATION),
        (CsmsStatus.IN_PROGRESS, SessionStatus.ACTIVE),
        (CsmsStatus.LIMIT_REACHED, SessionStatus.ACTIVE),
        (CsmsStatus.CLOSING, SessionStatus.ACTIVE),
        (CsmsStatus.CLOSED, SessionStatus.COMPLETED),
        (CsmsStatus.RATING_FAILED, SessionStatus.COMPLETED),
        (CsmsStatus.BILLING_FAILED, SessionStatus.COMPLETED),
        (CsmsStatus.REFUSED, SessionStatus.INVALID),
    ],
)
def test_session_status_table(csms: CsmsStatus, ocpi: SessionStatus) -> None:
    assert session_status_for(csms) is ocpi


@pytest.mark.parametrize(
    ("standard", "country", "expected"),
    [
        (ConnectorStandard.CCS1, "US", ConnectorType.IEC_62196_T1_COMBO),
        (ConnectorStandard.CCS2, "SI", ConnectorType.IEC_62196_T2_COMBO),
        (ConnectorStandard.TYPE_1, "SI", ConnectorType.IEC_62196_T1),
        (ConnectorStandard.TYPE_2, "SI", ConnectorType.IEC_62196_T2),
        (ConnectorStandard.TYPE_3A, "IT", ConnectorType.IEC_62196_T3A),
        (ConnectorStandard.TYPE_3C, "FR", ConnectorType.IEC_62196_T3C),
        (ConnectorStandard.CHAOJI, "CN", ConnectorType.CHAOJI),
        (ConnectorStandard.GBT_AC, "CN", ConnectorType.GBT_AC),
        (ConnectorStandard.GBT_DC, "CN", ConnectorType.GBT_DC),
        (ConnectorStandard.CHADEMO, "JP", ConnectorType.CHADEMO),
        (ConnectorStandard.NACS, "US", ConnectorType.TESLA_S),
        (ConnectorStandard.DOMESTIC, "SI", ConnectorType.DOMESTIC_F),
        (ConnectorStandard.DOMESTIC, "GB", ConnectorType.DOMESTIC_G),
        (ConnectorStandard.DOMESTIC, "CH", ConnectorType.DOMESTIC_J),
        (ConnectorStandard.DOMESTIC, "ZZ", None),
        (ConnectorStandard.MCS, "SI", None),
        (ConnectorStandard.OTHER, "SI", None),
    ],
)
def test_connector_standards(
    standard: ConnectorStandard, country: str, expected: ConnectorType | None
) -> None:
    assert connector_type_for(standard, country) is expected


@pytest.mark.parametrize(
    ("current", "watts", "amps", "volts", "expected"),
    [
        (ElectricCurrentType.AC_3_PHASE, 22_000, Decimal(32), 400, (231, 32, 22_000)),
        (ElectricCurrentType.AC_3_PHASE, 11_000, Decimal(16), 230, (230, 16, 11_000)),
        (ElectricCurrentType.AC_3_PHASE, 22_000, None, None, (230, 32, 22_000)),
        (ElectricCurrentType.AC_1_PHASE, 7_400, None, None, (230, 32, 7_400)),
        (ElectricCurrentType.AC_1_PHASE, 3_680, Decimal(16), None, (230, 16, 3_680)),
        (ElectricCurrentType.AC_2_PHASE_SPLIT, 9_600, None, 240, (120, 40, 9_600)),
        (ElectricCurrentType.DC, 150_000, Decimal(375), None, (400, 375, 150_000)),
        (ElectricCurrentType.DC, 50_000, None, 500, (500, 100, 50_000)),
        (ElectricCurrentType.DC, 50_000, None, None, (500, 100, 50_000)),
    ],
)
def test_power_limits(
    current: ElectricCurrentType,
    watts: int,
    amps: Decimal | None,
    volts: int | None,
    expected: tuple[int, int, int],
) -> None:
    view = replace(
        CONNECTOR,
        electric_current_type=current,
        wattage_limit_w=watts,
        amperage_limit_a=amps,
        voltage_limit_v=volts,
    )
    assert power_limits_for(view, PowerType(current.value)) == expected


def test_exposure_rules() -> None:
    assert exposed(AREA) and exposed(CHARGER) and exposed(CONNECTOR, "SI")
    assert area_problems(replace(AREA, phone=None)) == [
        "no phone number on the area or its operator"
    ]
    assert exposed(replace(AREA, phone=None, operator_phone="+386 1 000"))
    assert not exposed(replace(AREA, roaming_id=None))
    assert not exposed(replace(AREA, country="ZZ"))
    assert not exposed(replace(AREA, latitude=None))
    assert not exposed(replace(CHARGER, roaming_enabled=False))
    assert not exposed(replace(CHARGER, roaming_id=None))
    assert not exposed(replace(CONNECTOR, roaming_id=None), "SI")
    assert not exposed(replace(CONNECTOR, roaming_id="01-01"), "SI")
    assert not exposed(replace(CONNECTOR, standard=ConnectorStandard.MCS), "SI")
    with pytest.raises(ValueError, match="not exposable"):
        location_for(replace(AREA, phone=None), [], PARTY)


def test_only_exposed_chargers_and_connectors_become_evses() -> None:
    hidden_charger = replace(CHARGER, code="ch-2", roaming_enabled=False)
    second = replace(CONNECTOR, code="c-2", roaming_id="010108", ocpp_status="Faulted")
    no_id = replace(CONNECTOR, code="c-3", roaming_id=None)
    mcs = replace(CONNECTOR, code="c-4", roaming_id="010109", standard=ConnectorStandard.MCS)
    loc = location_for(
        AREA,
        [(CHARGER, [CONNECTOR, second, no_id, mcs]), (hidden_charger, [CONNECTOR])],
        PARTY,
    )
    assert [(e.uid, e.status) for e in loc.evses or []] == [
        ("010107", Status.CHARGING),
        ("010108", Status.OUTOFORDER),
    ]
    validate_object("Location", dump_ocpi(loc))


def test_capabilities_from_charger_and_terminal() -> None:
    charger = replace(
        CHARGER,
        reservable=False,
        remote_start_stop=False,
        unlock=False,
        rfid_reader=False,
        charging_profiles=True,
        credit_card_payable=True,
        debit_card_payable=True,
        chip_card_support=True,
        contactless_card_support=True,
        ped_terminal=True,
    )
    loc = location_for(AREA, [(charger, [CONNECTOR])], PARTY)
    assert (loc.evses or [])[0].capabilities == [
        Capability.CHARGING_PROFILE_CAPABLE,
        Capability.CHIP_CARD_SUPPORT,
        Capability.CONTACTLESS_CARD_SUPPORT,
        Capability.CREDIT_CARD_PAYABLE,
        Capability.DEBIT_CARD_PAYABLE,
        Capability.PED_TERMINAL,
    ]
    bare = replace(charger, charging_profiles=False, credit_card_payable=False,
                   debit_card_payable=False, chip_card_support=False,
                   contactless_card_support=False, ped_terminal=False)  # fmt: skip
    body = dump_ocpi(location_for(AREA, [(bare, [CONNECTOR])], PARTY))
    assert "capabilities" not in body["evses"][0]
    validate_object("Location", body)


def test_related_locations_for_sub_areas() -> None:
    sub = replace(AREA, code="garage", name="Garage level -1", roaming_id="0102",
                  latitude=Decimal("46.0512"), longitude=Decimal("14.5061"),
                  parent_roaming_id="0101")  # fmt: skip
    no_coords = replace(sub, code="x", latitude=None, longitude=None)
    body = dump_ocpi(location_for(AREA, [], PARTY, related_areas=[sub, no_coords, AREA]))
    assert body["related_locations"] == [
        {
            "latitude": "46.051200",
            "longitude": "14.506100",
            "name": {"language": "en", "text": "Garage level -1"},
        }
    ]
    assert body["evses"] == []
    validate_object("Location", body)
    sub_body = dump_ocpi(location_for(sub, [], PARTY, related_areas=[AREA], language="sl"))
    assert sub_body["id"] == "0102"
    assert sub_body["related_locations"][0]["name"] == {
        "language": "sl",
        "text": "Ljubljana Center",
    }


def test_cascade_takes_the_newest() -> None:
    late_charger = replace(CHARGER, last_updated=T0 + timedelta(hours=1))
    loc = location_for(AREA, [(late_charger, [CONNECTOR])], PARTY)
    evse = (loc.evses or [])[0]
    assert evse.last_updated == T0 + timedelta(hours=1)
    assert evse.connectors[0].last_updated == T0 + timedelta(minutes=5)
    assert loc.last_updated == T0 + timedelta(hours=1)
    late_area = replace(AREA, last_updated=T0 + timedelta(days=1))
    assert (
        location_for(late_area, [(CHARGER, [CONNECTOR])], PARTY).last_updated
        == late_area.last_updated
    )


def test_objects_leaving_roaming_are_removed_not_deleted() -> None:
    _, before = demo_location()
    published = (before.evses or [])[0]
    later = T0 + timedelta(days=2)
    hidden = replace(CHARGER, roaming_enabled=False)
    loc = location_for(AREA, [(hidden, [CONNECTOR])], PARTY, removed=[published], now=later)
    (evse,) = loc.evses or []
    assert evse.uid == "010107" and evse.status is Status.REMOVED and evse.last_updated == later
    assert loc.last_updated == later
    validate_object("Location", dump_ocpi(loc))
    # an EVSE that is back in roaming is live again, not REMOVED
    again = location_for(AREA, [(CHARGER, [CONNECTOR])], PARTY, removed=[published])
    assert [e.status for e in again.evses or []] == [Status.CHARGING]
    gone = removed_location(before, later)
    assert all(e.status is Status.REMOVED for e in gone.evses or [])
    assert gone.last_updated == later
    validate_object("Location", dump_ocpi(gone))


def test_alpha3_table_covers_the_eu() -> None:
    eu = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
    assert all(code in ALPHA3 for code in eu.split())
    assert ALPHA3["SI"] == "SVN" and ALPHA3["GB"] == "GBR" and ALPHA3["CH"] == "CHE"


TOKEN = TokenRef("NL", "TNM", "012345678", TokenType.RFID, "NL-TNM-C12345678-X")
TARIFF = {
    "country_code": "SI",
    "party_id": "TRI",
    "id": "AC-STD",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "0.30", "vat": "22.0",
                                        "step_size": 1}]}],
    "last_updated": "2024-01-01T00:00:00Z",
}  # fmt: skip


def session_view(**changes: object) -> SessionView:
    base = SessionView(
        id="S-1001",
        start=T0,
        kwh=Decimal("0"),
        token=TOKEN,
        auth_method=AuthMethod.COMMAND,
        location_id="0101",
        evse_uid="010107",
        connector_id="010107",
        currency="EUR",
        status=SessionStatus.PENDING,
        last_updated=T0,
        authorization_reference="AUTH-1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def priced_cdr() -> object:
    tariff = parse_ocpi(OcpiTariff, TARIFF)
    samples = [
        MeterSample(T0, Decimal(0), ConnectorState.CHARGING, Decimal("11"), Decimal("16")),
        MeterSample(T0 + timedelta(hours=1), Decimal(11_000), ConnectorState.CHARGING),
        MeterSample(T0 + timedelta(hours=2), Decimal(11_000), ConnectorState.PARKING),
    ]
    built = build_cdr(T0, T0 + timedelta(hours=2), samples, [tariff], "Europe/Ljubljana")
    return built.to_cdr(tariffs=[tariff])


def test_session_for() -> None:
    pending = dump_ocpi(session_for(session_view(), PARTY))
    validate_object("Session", pending)
    assert pending["status"] == "PENDING" and pending["kwh"] == 0
    assert pending["cdr_token"] == {
        "country_code": "NL",
        "party_id": "TNM",
        "uid": "012345678",
        "type": "RFID",
        "contract_id": "NL-TNM-C12345678-X",
    }
    assert "charging_periods" not in pending and "end_date_time" not in pending
    cdr = priced_cdr()
    active = session_for(
        session_view(
            status=SessionStatus.COMPLETED,
            kwh=Decimal("11.000"),
            end=T0 + timedelta(hours=2),
            charging_periods=tuple(cdr.charging_periods),  # type: ignore[attr-defined]
            total_cost=cdr.total_cost,  # type: ignore[attr-defined]
        ),
        PARTY,
    )
    body = dump_ocpi(active)
    validate_object("Session", body)
    assert body["authorization_reference"] == "AUTH-1"
    assert body["total_cost"] == {"excl_vat": 3.3, "incl_vat": 4.026}


@pytest.mark.parametrize("as_dict", [False, True])
def test_cdr_for_from_priced_cdr(as_dict: bool) -> None:
    _, loc = demo_location()
    evse = (loc.evses or [])[0]  # type: ignore[attr-defined]
    where = cdr_location_for(loc, evse, evse.connectors[0])  # type: ignore[arg-type]
    validate_object("CdrLocation", dump_ocpi(where))
    priced = priced_cdr()
    source = priced.model_dump(mode="json") if as_dict else priced  # type: ignore[attr-defined]
    view = session_view(status=SessionStatus.COMPLETED, end=T0 + timedelta(hours=2))
    cdr = cdr_for(source, view, where, PARTY, last_updated=T0 + timedelta(hours=2, seconds=5))
    body = dump_ocpi(cdr)
    validate_object("CDR", body)
    assert body["id"] == body["session_id"] == "S-1001"
    assert body["cdr_location"]["evse_id"] == "SI*TRI*E010107"
    assert body["cdr_location"]["country"] == "SVN"
    assert body["auth_method"] == "COMMAND"
    assert body["authorization_reference"] == "AUTH-1"
    assert body["total_energy"] == 11
    assert body["total_cost"] == {"excl_vat": 3.3, "incl_vat": 4.026}
    assert body["total_time"] == 2
    assert body["tariffs"][0]["id"] == "AC-STD"
    assert body["last_updated"] == "2024-05-01T10:00:05Z"


def test_cdr_location_truncates_to_cdr_lengths() -> None:
    long_area = replace(AREA, address="A" * 100, state="S" * 40)
    loc = location_for(long_area, [(CHARGER, [CONNECTOR])], PARTY)
    evse = (loc.evses or [])[0]
    where = dump_ocpi(cdr_location_for(loc, evse, evse.connectors[0]))
    assert len(where["address"]) == 45 and len(where["state"]) == 20
    validate_object("CdrLocation", where)
