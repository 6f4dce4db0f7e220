"""Network model -> OCPI Location / EVSE / Connector (the manual's Table 1).

* One Location per exposed area: ``id`` = area roaming id.  An area is exposed when it has a
  roaming id, a phone (its support contact's or its operator's; OCPI 2.2.1 has no phone
  field, the manual makes it a precondition) and what a Location requires (address, city,
  a known country, coordinates, time zone).  :func:`area_problems` says what is missing.
* OCPI 2.3.0 ``help_phone``: the support contact's phone, else the operator's, in
  international form (:func:`help_phone_for`); the Location carries it as
  ``help_desk_phone`` and only the 2.3.0 serializer writes it.
* One EVSE per connector of a roaming-enabled charger with a roaming id (OCPP 1.x
  multi-connector chargers become one virtual EVSE per connector): ``uid`` = connector
  roaming id, ``evse_id`` = ``{country}*{party}*E{CONNECTOR ROAMING ID}``, Connector
  ``id`` = connector roaming id.  A connector is exposed when it has a roaming id usable in
  an eMI3 EVSE ID (letters and digits, at most 30) and a standard OCPI 2.2.1 can express
  (``MCS`` and ``OTHER`` cannot; ``NACS`` is sent as ``TESLA_S``, the connector J3400
  standardised; ``DOMESTIC`` becomes the country's household plug).
* Limits: ``max_electric_power`` = wattage limit; ``max_voltage`` is line-to-neutral
  (a 400 V three-phase limit is sent as 230 V); a missing voltage or amperage is derived
  from the power (P = phases * V * I), with nominal voltages 230 V AC, 120 V split phase and
  500 V DC as last resort.
* Sub-areas and the parent area appear in ``related_locations`` (their coordinates and
  name); each is also its own Location.
* ``last_updated`` cascades: EVSE = max(charger, connector), Location = max(area, EVSEs).
* EVSEs that leave roaming are kept once more as REMOVED (:func:`removed_evse`), never
  silently dropped, so receivers learn about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from csms.network.phones import international_phone
from csms.network.types import ConnectorStandard, ElectricCurrentType
from ocpi.mapping.countries import DOMESTIC_PLUG, alpha3_for
from ocpi.mapping.status import evse_status_for_charger
from ocpi.mapping.views import AreaView, ChargerView, ConnectorView, Party
from ocpi.models.common import AdditionalGeoLocation, BusinessDetails, DisplayText, GeoLocation
from ocpi.models.locations import (
    EVSE,
    Capability,
    Connector,
    ConnectorFormat,
    ConnectorType,
    Location,
    PowerType,
    Status,
)

__all__ = [
    "area_problems",
    "capabilities_for",
    "cascade_last_updated",
    "charger_problems",
    "connector_for",
    "connector_problems",
    "connector_type_for",
    "coordinates_for",
    "evse_for",
    "evse_id_for",
    "exposed",
    "help_phone_for",
    "location_for",
    "power_limits_for",
    "removed_evse",
    "removed_location",
]

ChargerWithConnectors = tuple[ChargerView, Sequence[ConnectorView]]

_STANDARDS: dict[ConnectorStandard, ConnectorType] = {
    ConnectorStandard.CCS1: ConnectorType.IEC_62196_T1_COMBO,
    ConnectorStandard.CCS2: ConnectorType.IEC_62196_T2_COMBO,
    ConnectorStandard.TYPE_1: ConnectorType.IEC_62196_T1,
    ConnectorStandard.TYPE_2: ConnectorType.IEC_62196_T2,
    ConnectorStandard.TYPE_3A: ConnectorType.IEC_62196_T3A,
    ConnectorStandard.TYPE_3C: ConnectorType.IEC_62196_T3C,
    ConnectorStandard.CHAOJI: ConnectorType.CHAOJI,
    ConnectorStandard.GBT_AC: ConnectorType.GBT_AC,
    ConnectorStandard.GBT_DC: ConnectorType.GBT_DC,
    ConnectorStandard.CHADEMO: ConnectorType.CHADEMO,
    ConnectorStandard.NACS: ConnectorType.TESLA_S,
}
_EMI3_SUFFIX = re.compile(r"^[A-Za-z0-9]{1,30}$")
_PHASES = {
    PowerType.AC_1_PHASE: 1,
    PowerType.AC_2_PHASE: 2,
    PowerType.AC_2_PHASE_SPLIT: 2,
    PowerType.AC_3_PHASE: 3,
    PowerType.DC: 1,
}
_NOMINAL_V = {
    PowerType.AC_1_PHASE: 230,
    PowerType.AC_2_PHASE: 230,
    PowerType.AC_2_PHASE_SPLIT: 120,
    PowerType.AC_3_PHASE: 230,
    PowerType.DC: 500,
}
_SQRT3 = Decimal(3).sqrt()


# ---- predicates -----------------------------------------------------------------------------


def area_problems(area: AreaView) -> list[str]:
    """Why an area cannot be a Location (empty list: it is exposed)."""
    problems = []
    if not area.roaming_id:
        problems.append("no roaming id")
    if not (area.phone or area.operator_phone):
        problems.append("no phone number on the area or its operator")
    for name in ("address", "city", "time_zone"):
        if not getattr(area, name):
            problems.append(f"no {name}")
    if not area.country or alpha3_for(area.country) is None:
        problems.append(f"country {area.country!r} unknown to the alpha-3 table")
    if area.latitude is None or area.longitude is None:
        problems.append("no coordinates")
    return problems


def charger_problems(charger: ChargerView) -> list[str]:
    """Why a charger's connectors cannot be EVSEs (empty list: it is exposed)."""
    problems = []
    if not charger.roaming_enabled:
        problems.append("roaming not enabled")
    if not charger.roaming_id:
        problems.append("no roaming id")
    return problems


def connector_problems(connector: ConnectorView, country: str | None = None) -> list[str]:
    """Why a connector cannot be an EVSE (empty list: it is exposed)."""
    problems = []
    if not connector.roaming_id:
        problems.append("no roaming id")
    elif not _EMI3_SUFFIX.match(connector.roaming_id):
        problems.append("roaming id not usable in an EVSE ID (letters and digits, max 30)")
    if connector_type_for(connector.standard, country) is None:
        problems.append(f"standard {connector.standard} has no OCPI 2.2.1 connector type")
    return problems


def exposed(view: AreaView | ChargerView | ConnectorView, country: str | None = None) -> bool:
    """Whether an area / charger / connector is in roaming (``country`` for connectors)."""
    if isinstance(view, AreaView):
        return not area_problems(view)
    if isinstance(view, ChargerView):
        return not charger_problems(view)
    return not connector_problems(view, country)


# ---- field mapping --------------------------------------------------------------------------


def connector_type_for(
    standard: ConnectorStandard, country: str | None = None
) -> ConnectorType | None:
    """OCPI ConnectorType of our standard; ``None`` when 2.2.1 has no equivalent."""
    if standard is ConnectorStandard.DOMESTIC:
        plug = DOMESTIC_PLUG.get((country or "").upper())
        return ConnectorType(plug) if plug else None
    return _STANDARDS.get(standard)


def help_phone_for(area: AreaView) -> str | None:
    """The Location's help desk phone: the area's support contact phone, else its
    operator's, the first in international form (``+386 1 234-5678`` -> ``+38612345678``);
    None when neither is (a national number is no use to a roaming driver)."""
    return international_phone(area.phone, area.operator_phone)


def evse_id_for(party: Party, connector_roaming_id: str) -> str:
    """eMI3 EVSE ID ``{country}*{party}*E{id}`` in upper case, e.g. ``SI*TRI*E010107``."""
    return f"{party.country_code}*{party.party_id}*E{connector_roaming_id}".upper()


def coordinates_for(latitude: Decimal, longitude: Decimal) -> GeoLocation:
    """GeoLocation with 6 decimals (the spec's regex wants 5 to 7)."""
    q = Decimal("0.000001")
    lat = latitude.quantize(q, rounding=ROUND_HALF_UP)
    lon = longitude.quantize(q, rounding=ROUND_HALF_UP)
    return GeoLocation(latitude=f"{lat:f}", longitude=f"{lon:f}")


def power_limits_for(connector: ConnectorView, power_type: PowerType) -> tuple[int, int, int]:
    """``(max_voltage, max_amperage, max_electric_power)`` of a connector (see module doc)."""
    phases = _PHASES[power_type]
    watts = connector.wattage_limit_w
    amps = connector.amperage_limit_a
    volts: Decimal | None = None
    if connector.voltage_limit_v is not None:
        volts = Decimal(connector.voltage_limit_v)
        if power_type in (PowerType.AC_3_PHASE, PowerType.AC_2_PHASE) and volts >= 346:
            volts = volts / _SQRT3  # line-to-line given: OCPI wants line-to-neutral
        elif power_type is PowerType.AC_2_PHASE_SPLIT and volts >= 200:
            volts = volts / 2
    elif amps is not None and amps > 0:
        volts = Decimal(watts) / (phases * amps)
    if volts is None or volts <= 0:
        volts = Decimal(_NOMINAL_V[power_type])
    if amps is None:
        amps = Decimal(watts) / (phases * volts)
    voltage = int(volts.to_integral_value(rounding=ROUND_HALF_UP))
    amperage = int(amps.to_integral_value(rounding=ROUND_HALF_UP))
    return voltage, max(amperage, 0), watts


# What a payment terminal of a PTP gives an EVSE: card payment (credit and debit),
# contactless, and a PIN entry device. CHIP_CARD_SUPPORT is left to the charger's own
# reader: a PTP's Terminal object does not say whether it reads chip cards.
_TERMINAL_CAPABILITIES = frozenset({
    Capability.CREDIT_CARD_PAYABLE, Capability.DEBIT_CARD_PAYABLE,
    Capability.CONTACTLESS_CARD_SUPPORT, Capability.PED_TERMINAL})


def capabilities_for(charger: ChargerView, connector: ConnectorView | None = None
                     ) -> list[Capability]:
    """EVSE capabilities from the charger's features and payment terminal, and from a
    payment terminal serving the connector (enum order)."""
    flags = {
        Capability.CHARGING_PROFILE_CAPABLE: charger.charging_profiles,
        Capability.CHIP_CARD_SUPPORT: charger.chip_card_support,
        Capability.CONTACTLESS_CARD_SUPPORT: charger.contactless_card_support,
        Capability.CREDIT_CARD_PAYABLE: charger.credit_card_payable,
        Capability.DEBIT_CARD_PAYABLE: charger.debit_card_payable,
        Capability.PED_TERMINAL: charger.ped_terminal,
        Capability.REMOTE_START_STOP_CAPABLE: charger.remote_start_stop,
        Capability.RESERVABLE: charger.reservable,
        Capability.RFID_READER: charger.rfid_reader,
        Capability.UNLOCK_CAPABLE: charger.unlock,
    }
    terminal = connector is not None and connector.payment_terminal
    return [cap for cap in Capability
            if flags.get(cap) or (terminal and cap in _TERMINAL_CAPABILITIES)]


def _power_type(charger: ChargerView, connector: ConnectorView) -> PowerType:
    current: ElectricCurrentType = connector.electric_current_type or charger.electric_current_type
    return PowerType(current.value)


def connector_for(
    charger: ChargerView, connector: ConnectorView, country: str | None = None
) -> Connector:
    """The OCPI Connector of an exposed connector (``ValueError`` if not exposable)."""
    standard = connector_type_for(connector.standard, country)
    if standard is None or not connector.roaming_id:
        raise ValueError(f"connector {connector.code} is not exposable")
    power_type = _power_type(charger, connector)
    voltage, amperage, watts = power_limits_for(connector, power_type)
    return Connector(
        id=connector.roaming_id,
        standard=standard,
        format=ConnectorFormat(connector.format.value),
        power_type=power_type,
        max_voltage=voltage,
        max_amperage=amperage,
        max_electric_power=watts,
        tariff_ids=list(connector.tariff_ids) or None,
        last_updated=connector.last_updated,
    )


def evse_for(
    party: Party, charger: ChargerView, connector: ConnectorView, country: str | None = None
) -> EVSE:
    """The OCPI EVSE of one exposed connector of an exposed charger."""
    ocpi_connector = connector_for(charger, connector, country)
    return EVSE(
        uid=ocpi_connector.id,
        evse_id=evse_id_for(party, ocpi_connector.id),
        status=evse_status_for_charger(
            connector.ocpp_status, charger.ocpp_status, connected=charger.connected
        ),
        capabilities=capabilities_for(charger, connector) or None,
        connectors=[ocpi_connector],
        last_updated=max(charger.last_updated, connector.last_updated),
    )


def removed_evse(previous: EVSE, now: datetime) -> EVSE:
    """The EVSE as last published, now with status REMOVED (it left roaming)."""
    return previous.model_copy(update={"status": Status.REMOVED, "last_updated": now})


def removed_location(previous: Location, now: datetime) -> Location:
    """A Location whose area left roaming: every EVSE REMOVED (Locations are never deleted)."""
    evses = [
        e if e.status is Status.REMOVED else removed_evse(e, now) for e in previous.evses or []
    ]
    return previous.model_copy(update={"evses": evses, "last_updated": now})


def cascade_last_updated(location: Location) -> Location:
    """Location with EVSE >= its connectors and Location >= its EVSEs ``last_updated``."""
    evses = []
    for evse in location.evses or []:
        newest = max([evse.last_updated, *(c.last_updated for c in evse.connectors)])
        evses.append(
            evse
            if newest == evse.last_updated
            else evse.model_copy(update={"last_updated": newest})
        )
    newest = max([location.last_updated, *(e.last_updated for e in evses)])
    update: dict[str, object] = {"last_updated": newest}
    if location.evses is not None:
        update["evses"] = evses
    return location.model_copy(update=update)


def _related(
    area: AreaView, related: Iterable[AreaView], language: str
) -> list[AdditionalGeoLocation]:
    points = []
    for other in related:
        if other.code == area.code or other.latitude is None or other.longitude is None:
            continue
        geo = coordinates_for(other.latitude, other.longitude)
        points.append(
            AdditionalGeoLocation(
                latitude=geo.latitude,
                longitude=geo.longitude,
                name=DisplayText(language=language, text=other.name[:512]),
            )
        )
    return points


def location_for(
    area: AreaView,
    chargers_with_connectors: Iterable[ChargerWithConnectors],
    party: Party,
    *,
    related_areas: Iterable[AreaView] = (),
    removed: Iterable[EVSE] = (),
    language: str = "en",
    now: datetime | None = None,
) -> Location:
    """The OCPI Location of an exposed area.

    ``chargers_with_connectors`` are the area's chargers (exposed or not; unexposed ones and
    unexposable connectors are skipped); ``related_areas`` its parent and sub-areas;
    ``removed`` EVSEs published before that left roaming (sent as REMOVED unless an exposed
    EVSE has the same uid again; those not yet REMOVED get ``last_updated`` = ``now``,
    default the area's ``last_updated``).  Raises ``ValueError`` if the area is not exposable.
    """
    problems = area_problems(area)
    if problems:
        raise ValueError(f"area {area.code} is not exposable: {', '.join(problems)}")
    assert area.roaming_id and area.country and area.address and area.city and area.time_zone
    assert area.latitude is not None and area.longitude is not None
    country3 = alpha3_for(area.country)
    assert country3 is not None
    evses: list[EVSE] = []
    for charger, connectors in chargers_with_connectors:
        if charger_problems(charger):
            continue
        for connector in connectors:
            if not connector_problems(connector, area.country):
                evses.append(evse_for(party, charger, connector, area.country))
    live = {e.uid for e in evses}
    for gone in removed:
        if gone.uid not in live:
            if gone.status is not Status.REMOVED:
                gone = removed_evse(gone, now or max(area.last_updated, gone.last_updated))
            evses.append(gone)
    location = Location(
        country_code=party.country_code,
        party_id=party.party_id,
        id=area.roaming_id,
        publish=area.publish,
        name=area.name[:255],
        address=area.address[:255],
        city=area.city[:45],
        postal_code=area.postal_code[:10] if area.postal_code else None,
        state=area.state[:45] if area.state else None,
        country=country3,
        coordinates=coordinates_for(area.latitude, area.longitude),
        related_locations=_related(area, related_areas, language) or None,
        evses=evses,
        operator=BusinessDetails(name=area.operator_name[:100]) if area.operator_name else None,
        time_zone=area.time_zone,
        last_updated=area.last_updated,
    ).with_help_desk_phone(help_phone_for(area))
    return cascade_last_updated(location)
