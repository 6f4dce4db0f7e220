"""Pure mapping from network views to OICP EvseDataRecord and EvseStatusRecord.

OCPP status -> OICP EvseStatus (:data:`OCPP_TO_EVSE_STATUS`; OCPP 1.6 and 2.0.1 values):

==============================================================  ==============
OCPP status (connector, or charger-level)                       OICP EvseStatus
==============================================================  ==============
Available                                                       Available
Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing,     Occupied
Occupied
Reserved                                                        Reserved
Faulted, Unavailable                                            OutOfService
station disconnected, no status, anything else                  Unknown
(never produced: only Hubject answers it on pulls)              EvseNotFound
==============================================================  ==============

A charger-level Faulted/Unavailable overrides the connector's status.  This follows
ev-server's ``convertStatus2OICPEvseStatus`` except that ``Unavailable`` (an inoperative
charger) is OutOfService rather than Unknown, and a disconnected station is Unknown (as
on the OCPI side) rather than OutOfService.

Connector standard -> OICP Plug: :data:`PLUGS` (``TYPE_2`` depends on socket/cable;
``DOMESTIC`` on the country's household plug); standards without an OICP plug (ChaoJi,
GB/T, MCS, other) raise :class:`~oicp.errors.OicpMappingError` and are not published.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csms.network.phones import international_phone
from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from oicp.countries import alpha3_for
from oicp.errors import InvalidIdError, OicpMappingError
from oicp.ids import evse_id_for_connector, validate_operator_id
from oicp.models.common import ActionType, InfoText, Period, Weekday
from oicp.models.evse_data import (
    Address,
    AuthenticationMode,
    ChargingFacility,
    ChargingMode,
    DecimalDegree,
    EvseDataRecord,
    GeoCoordinates,
    OpeningTimes,
    OperatorEvseData,
    PaymentOption,
    Plug,
    PowerType,
    PushEvseDataRequest,
    ValueAddedService,
)
from oicp.models.evse_status import (
    EvseStatus,
    EvseStatusRecord,
    OperatorEvseStatus,
    PushEvseStatusRequest,
)
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView

__all__ = [
    "DOMESTIC_PLUGS",
    "OCPP_TO_EVSE_STATUS",
    "PLUGS",
    "charging_facility",
    "evse_data_record",
    "evse_id_of",
    "evse_status",
    "evse_status_record",
    "hotline_phone",
    "plug_for",
    "push_evse_data",
    "push_evse_status",
    "time_zone_offset",
]

OCPP_TO_EVSE_STATUS: dict[str, EvseStatus] = {
    "Available": EvseStatus.AVAILABLE,
    "Preparing": EvseStatus.OCCUPIED,
    "Charging": EvseStatus.OCCUPIED,
    "SuspendedEV": EvseStatus.OCCUPIED,
    "SuspendedEVSE": EvseStatus.OCCUPIED,
    "Finishing": EvseStatus.OCCUPIED,
    "Occupied": EvseStatus.OCCUPIED,
    "Reserved": EvseStatus.RESERVED,
    "Faulted": EvseStatus.OUT_OF_SERVICE,
    "Unavailable": EvseStatus.OUT_OF_SERVICE,
}
"""OCPP 1.6 ChargePointStatus / 2.0.1 ConnectorStatus -> OICP EvseStatus."""

_CHARGER_BLOCKING = frozenset({"Faulted", "Unavailable"})

PLUGS: dict[tuple[ConnectorStandard, ConnectorFormat | None], Plug] = {
    (ConnectorStandard.CCS1, None): Plug.CCS_COMBO_1,
    (ConnectorStandard.CCS2, None): Plug.CCS_COMBO_2,
    (ConnectorStandard.TYPE_1, None): Plug.TYPE_1_CABLE,
    (ConnectorStandard.TYPE_2, ConnectorFormat.SOCKET): Plug.TYPE_2_OUTLET,
    (ConnectorStandard.TYPE_2, ConnectorFormat.CABLE): Plug.TYPE_2_CABLE,
    (ConnectorStandard.TYPE_3A, None): Plug.TYPE_3_OUTLET,
    (ConnectorStandard.TYPE_3C, None): Plug.TYPE_3_OUTLET,
    (ConnectorStandard.CHADEMO, None): Plug.CHADEMO,
    (ConnectorStandard.NACS, None): Plug.TESLA,
}
"""Connector standard (and format where it matters) -> OICP Plug."""

_TYPE_F = ("AT", "DE", "NL", "SE", "FI", "NO", "ES", "PT", "SI", "HR", "HU", "RO", "BG",
           "GR", "LU", "LV", "LT", "EE", "IS", "RS", "BA", "ME", "MK", "AL", "XK", "TR",
           "UA", "MD", "GE", "BY", "AM", "AZ", "FO", "AD", "KR")  # fmt: skip
DOMESTIC_PLUGS: dict[str, Plug] = {
    **dict.fromkeys(_TYPE_F, Plug.TYPE_F),
    **dict.fromkeys(("FR", "BE", "PL", "CZ", "SK", "MC"), Plug.TYPE_E),
    **dict.fromkeys(("GB", "IE", "MT", "CY", "GI", "IM", "JE", "GG", "AE", "SG"), Plug.TYPE_G),
    **dict.fromkeys(("CH", "LI"), Plug.TYPE_J),
}
"""Country (alpha-2) -> OICP household plug for our generic ``DOMESTIC`` standard."""

_WEEKDAYS = {w.value.lower(): w for w in Weekday}
_MICRO = Decimal("0.000001")


def plug_for(standard: ConnectorStandard, fmt: ConnectorFormat, country: str | None = None) -> Plug:
    """OICP Plug of a connector; raises :class:`OicpMappingError` when OICP has none."""
    if standard is ConnectorStandard.DOMESTIC:
        plug = DOMESTIC_PLUGS.get((country or "").upper())
        if plug is None:
            raise OicpMappingError(f"no OICP household plug known for country {country!r}")
        return plug
    found = PLUGS.get((standard, fmt)) or PLUGS.get((standard, None))
    if found is None:
        raise OicpMappingError(f"connector standard {standard.value} has no OICP plug")
    return found


def _power_type(current: ElectricCurrentType) -> PowerType:
    if current is ElectricCurrentType.DC:
        return PowerType.DC
    if current is ElectricCurrentType.AC_3_PHASE:
        return PowerType.AC_3_PHASE
    return PowerType.AC_1_PHASE  # AC_1_PHASE and the two-phase variants


def charging_facility(charger: OicpChargerView, connector: OicpConnectorView) -> ChargingFacility:
    """ChargingFacility from the connector's limits (Power in whole kW, rounded half up).

    Voltage and Amperage are given only when within OICP's ranges (<=999 V, <=99 A).
    """
    current = connector.electric_current_type or charger.electric_current_type
    power_type = _power_type(current)
    if connector.wattage_limit_w < 0:
        raise OicpMappingError(f"connector {connector.code}: negative power limit")
    kw = int((Decimal(connector.wattage_limit_w) / 1000).to_integral_value(ROUND_HALF_UP))
    if connector.wattage_limit_w > 0:
        kw = max(kw, 1)
    voltage = connector.voltage_limit_v
    amperage = None
    if connector.amperage_limit_a is not None:
        amperage = int(connector.amperage_limit_a.to_integral_value(ROUND_HALF_UP))
    if power_type is PowerType.DC:
        is_chademo = connector.standard is ConnectorStandard.CHADEMO
        modes = (ChargingMode.CHADEMO,) if is_chademo else (ChargingMode.MODE_4,)
    else:
        modes = (ChargingMode.MODE_3,)
    return ChargingFacility(
        power_type=power_type,
        power=min(kw, 999),
        voltage=voltage if voltage is not None and 0 <= voltage <= 999 else None,
        amperage=amperage if amperage is not None and 0 <= amperage <= 99 else None,
        charging_modes=modes,
    )


def time_zone_offset(time_zone: str, at: datetime) -> str:
    """OICP TimeZone (``UTC+01:00``) of an IANA zone at an instant."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise OicpMappingError(f"unknown time zone {time_zone!r}") from exc
    offset = at.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def hotline_phone(*candidates: str | None) -> str:
    """The first candidate that normalizes to an OICP PhoneNumber (``+`` and 5-15 digits).

    Spaces, dashes, dots, slashes and parentheses are dropped; ``00`` becomes ``+``
    (:func:`csms.network.phones.international_phone`, shared with OCPI's ``help_phone``).
    """
    phone = international_phone(*candidates)
    if phone is None:
        raise OicpMappingError("no hotline phone number in international form (+...)")
    return phone


def _split_street(address: str, house_number: str | None) -> tuple[str, str]:
    street = address.strip()
    if house_number:
        return street, house_number.strip()
    head, _, tail = street.rpartition(" ")
    if head and any(ch.isdigit() for ch in tail) and len(tail) <= 10:
        return head.strip(), tail
    return street, "n/a"


def _coordinate(value: Decimal) -> str:
    return str(value.quantize(_MICRO, rounding=ROUND_HALF_UP))


def _opening_times(hours: Iterable[tuple[str, str, str]]) -> tuple[OpeningTimes, ...]:
    grouped: dict[Weekday, list[Period]] = {}
    for on, begin, end in hours:
        day = _WEEKDAYS.get(on.lower())
        if day is None:
            raise OicpMappingError(f"unknown opening day {on!r}")
        grouped.setdefault(day, []).append(Period(begin=begin, end=end))
    return tuple(OpeningTimes(period=tuple(p), on=d) for d, p in grouped.items())


def evse_id_of(platform: OicpPlatformView, connector: OicpConnectorView) -> str:
    """The connector's EvseID (``SI*TRI*E010107``); raises when it has no roaming id."""
    if not connector.roaming_id:
        raise OicpMappingError(f"connector {connector.code} has no roaming id")
    try:
        return evse_id_for_connector(platform.operator_id, connector.roaming_id)
    except InvalidIdError as exc:
        raise OicpMappingError(str(exc)) from exc


def evse_data_record(
    platform: OicpPlatformView,
    area: OicpAreaView,
    charger: OicpChargerView,
    connector: OicpConnectorView,
    *,
    at: datetime,
) -> EvseDataRecord:
    """EvseDataRecord of one connector; ``at`` fixes the time-zone offset (DST).

    Raises :class:`OicpMappingError` listing what is missing when the connector cannot be
    published (not roaming-enabled, no roaming id, incomplete address, no plug ...).
    """
    problems: list[str] = []
    if not area.publish:
        problems.append(f"area {area.code} is not published")
    if not charger.roaming_enabled:
        problems.append(f"charger {charger.code} is not roaming-enabled")
    for label, value in (
        ("address", area.address),
        ("city", area.city),
        ("postal code", area.postal_code),
        ("country", area.country),
        ("latitude", area.latitude),
        ("longitude", area.longitude),
        ("time zone", area.time_zone),
    ):
        if value is None or value == "":
            problems.append(f"area {area.code} has no {label}")
    country3 = alpha3_for(area.country) if area.country else None
    if area.country and country3 is None:
        problems.append(f"area {area.code}: unknown country {area.country!r}")
    if problems:
        raise OicpMappingError("; ".join(problems))
    assert area.address is not None and area.city is not None
    assert area.latitude is not None and area.longitude is not None
    assert area.time_zone is not None and country3 is not None
    evse_id = evse_id_of(platform, connector)
    street, house = _split_street(area.address, area.house_number)
    street = street[:100].ljust(2, "_")
    auth: list[AuthenticationMode] = []
    if charger.rfid_reader:
        auth.append(AuthenticationMode.NFC_RFID_CLASSIC)
    if charger.remote_start_stop:
        auth.append(AuthenticationMode.REMOTE)
    if platform.intercharge_direct:
        auth.append(AuthenticationMode.DIRECT_PAYMENT)
    if not auth:
        raise OicpMappingError(f"charger {charger.code} has no roaming authentication mode")
    payments = [PaymentOption.CONTRACT]
    if charger.payment_terminal or platform.intercharge_direct:
        payments.append(PaymentOption.DIRECT)
    services: list[ValueAddedService] = []
    if charger.reservable:
        services.append(ValueAddedService.RESERVATION)
    if platform.dynamic_pricing:
        services.append(ValueAddedService.DYNAMIC_PRICING)
    opening = _opening_times(area.opening_hours)
    try:
        return EvseDataRecord(
            evse_id=evse_id,
            charging_station_id=(charger.roaming_id or charger.code)[:50],
            charging_station_names=(InfoText(lang=platform.language, value=area.name[:150]),),
            hardware_manufacturer=charger.manufacturer[:50] if charger.manufacturer else None,
            address=Address(
                country=country3,
                city=area.city[:50],
                street=street,
                postal_code=(area.postal_code or "")[:10],
                house_num=house[:10],
                region=area.state[:50] if area.state else None,
                time_zone=time_zone_offset(area.time_zone, at),
            ),
            geo_coordinates=GeoCoordinates(
                decimal_degree=DecimalDegree(
                    latitude=_coordinate(area.latitude), longitude=_coordinate(area.longitude)
                )
            ),
            plugs=(plug_for(connector.standard, connector.format, area.country),),
            charging_facilities=(charging_facility(charger, connector),),
            renewable_energy=platform.renewable_energy,
            calibration_law_data_availability=platform.calibration_law_data_availability,
            authentication_modes=tuple(auth),
            payment_options=tuple(payments),
            value_added_services=tuple(services) or (ValueAddedService.NONE,),
            accessibility=platform.accessibility,
            accessibility_location=area.accessibility_location,
            hotline_phone_number=hotline_phone(
                platform.hotline_phone, area.operator_phone, area.phone
            ),
            is_open_24_hours=not opening,
            opening_times=opening or None,
            hub_operator_id=platform.hub_operator_id,
            is_hubject_compatible=platform.is_hubject_compatible and charger.remote_start_stop,
            dynamic_info_available=platform.dynamic_info_available,
        )
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        if isinstance(exc, OicpMappingError):
            raise
        raise OicpMappingError(f"connector {connector.code}: {exc}") from exc


def evse_status(
    connector_status: str | None,
    charger_status: str | None = None,
    *,
    connected: bool = True,
) -> EvseStatus:
    """OICP EvseStatus of a connector from OCPP statuses (see the module table)."""
    if not connected:
        return EvseStatus.UNKNOWN
    if charger_status in _CHARGER_BLOCKING:
        return EvseStatus.OUT_OF_SERVICE
    if connector_status is None:
        return EvseStatus.UNKNOWN
    return OCPP_TO_EVSE_STATUS.get(connector_status, EvseStatus.UNKNOWN)


def evse_status_record(
    platform: OicpPlatformView, charger: OicpChargerView, connector: OicpConnectorView
) -> EvseStatusRecord:
    """EvseStatusRecord of one connector."""
    return EvseStatusRecord(
        evse_id=evse_id_of(platform, connector),
        evse_status=evse_status(
            connector.ocpp_status, charger.ocpp_status, connected=charger.connected
        ),
    )


def push_evse_data(
    platform: OicpPlatformView, records: Iterable[EvseDataRecord], action: ActionType
) -> PushEvseDataRequest:
    """eRoamingPushEvseData body for the platform's operator."""
    return PushEvseDataRequest(
        action_type=action,
        operator_evse_data=OperatorEvseData(
            operator_id=validate_operator_id(platform.operator_id),
            operator_name=platform.operator_name[:100],
            evse_data_record=tuple(records),
        ),
    )


def push_evse_status(
    platform: OicpPlatformView, records: Iterable[EvseStatusRecord], action: ActionType
) -> PushEvseStatusRequest:
    """eRoamingPushEvseStatus body for the platform's operator."""
    return PushEvseStatusRequest(
        action_type=action,
        operator_evse_status=OperatorEvseStatus(
            operator_id=validate_operator_id(platform.operator_id),
            operator_name=platform.operator_name[:100],
            evse_status_record=tuple(records),
        ),
    )
