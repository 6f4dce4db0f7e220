"""OCPI 2.2.1 Locations module objects: Location, EVSE, Connector and their enums.

``Location.address`` is string(255) and ``state`` string(45) as corrected by the 2.2.1
errata (the released text said 45 / 20; ``CdrLocation`` keeps 45 / 20).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, PrivateAttr, StringConstraints

from ocpi.models.base import (
    URL,
    CiString36,
    CountryCode,
    DateTime,
    OcpiModel,
    PartyId,
    ci,
    text,
)
from ocpi.models.common import (
    AdditionalGeoLocation,
    BusinessDetails,
    DisplayText,
    EnergyMix,
    GeoLocation,
    Hours,
    Image,
)
from ocpi.models.tokens import TokenType

__all__ = [
    "EVSE",
    "Capability",
    "Connector",
    "ConnectorFormat",
    "ConnectorType",
    "Facility",
    "Location",
    "ParkingRestriction",
    "ParkingType",
    "PowerType",
    "PublishTokenType",
    "Status",
    "StatusSchedule",
]


class Status(StrEnum):
    """EVSE status."""

    AVAILABLE = "AVAILABLE"
    BLOCKED = "BLOCKED"
    CHARGING = "CHARGING"
    INOPERATIVE = "INOPERATIVE"
    OUTOFORDER = "OUTOFORDER"
    PLANNED = "PLANNED"
    REMOVED = "REMOVED"
    RESERVED = "RESERVED"
    UNKNOWN = "UNKNOWN"


class Capability(StrEnum):
    """What an EVSE can do."""

    CHARGING_PROFILE_CAPABLE = "CHARGING_PROFILE_CAPABLE"
    CHARGING_PREFERENCES_CAPABLE = "CHARGING_PREFERENCES_CAPABLE"
    CHIP_CARD_SUPPORT = "CHIP_CARD_SUPPORT"
    CONTACTLESS_CARD_SUPPORT = "CONTACTLESS_CARD_SUPPORT"
    CREDIT_CARD_PAYABLE = "CREDIT_CARD_PAYABLE"
    DEBIT_CARD_PAYABLE = "DEBIT_CARD_PAYABLE"
    PED_TERMINAL = "PED_TERMINAL"
    REMOTE_START_STOP_CAPABLE = "REMOTE_START_STOP_CAPABLE"
    RESERVABLE = "RESERVABLE"
    RFID_READER = "RFID_READER"
    START_SESSION_CONNECTOR_REQUIRED = "START_SESSION_CONNECTOR_REQUIRED"
    TOKEN_GROUP_CAPABLE = "TOKEN_GROUP_CAPABLE"  # noqa: S105 - not a secret
    UNLOCK_CAPABLE = "UNLOCK_CAPABLE"


class ConnectorType(StrEnum):
    """Socket / plug standard."""

    CHADEMO = "CHADEMO"
    CHAOJI = "CHAOJI"
    DOMESTIC_A = "DOMESTIC_A"
    DOMESTIC_B = "DOMESTIC_B"
    DOMESTIC_C = "DOMESTIC_C"
    DOMESTIC_D = "DOMESTIC_D"
    DOMESTIC_E = "DOMESTIC_E"
    DOMESTIC_F = "DOMESTIC_F"
    DOMESTIC_G = "DOMESTIC_G"
    DOMESTIC_H = "DOMESTIC_H"
    DOMESTIC_I = "DOMESTIC_I"
    DOMESTIC_J = "DOMESTIC_J"
    DOMESTIC_K = "DOMESTIC_K"
    DOMESTIC_L = "DOMESTIC_L"
    DOMESTIC_M = "DOMESTIC_M"
    DOMESTIC_N = "DOMESTIC_N"
    DOMESTIC_O = "DOMESTIC_O"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    IEC_60309_2_single_16 = "IEC_60309_2_single_16"
    IEC_60309_2_three_16 = "IEC_60309_2_three_16"
    IEC_60309_2_three_32 = "IEC_60309_2_three_32"
    IEC_60309_2_three_64 = "IEC_60309_2_three_64"
    IEC_62196_T1 = "IEC_62196_T1"
    IEC_62196_T1_COMBO = "IEC_62196_T1_COMBO"
    IEC_62196_T2 = "IEC_62196_T2"
    IEC_62196_T2_COMBO = "IEC_62196_T2_COMBO"
    IEC_62196_T3A = "IEC_62196_T3A"
    IEC_62196_T3C = "IEC_62196_T3C"
    NEMA_5_20 = "NEMA_5_20"
    NEMA_6_30 = "NEMA_6_30"
    NEMA_6_50 = "NEMA_6_50"
    NEMA_10_30 = "NEMA_10_30"
    NEMA_10_50 = "NEMA_10_50"
    NEMA_14_30 = "NEMA_14_30"
    NEMA_14_50 = "NEMA_14_50"
    PANTOGRAPH_BOTTOM_UP = "PANTOGRAPH_BOTTOM_UP"
    PANTOGRAPH_TOP_DOWN = "PANTOGRAPH_TOP_DOWN"
    TESLA_R = "TESLA_R"
    TESLA_S = "TESLA_S"


class ConnectorFormat(StrEnum):
    """Socket, or cable attached to the EVSE."""

    SOCKET = "SOCKET"
    CABLE = "CABLE"


class PowerType(StrEnum):
    """AC phases or DC."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ParkingType(StrEnum):
    """General type of parking at a location."""

    ALONG_MOTORWAY = "ALONG_MOTORWAY"
    PARKING_GARAGE = "PARKING_GARAGE"
    PARKING_LOT = "PARKING_LOT"
    ON_DRIVEWAY = "ON_DRIVEWAY"
    ON_STREET = "ON_STREET"
    UNDERGROUND_GARAGE = "UNDERGROUND_GARAGE"


class ParkingRestriction(StrEnum):
    """Who may park at an EVSE."""

    EV_ONLY = "EV_ONLY"
    PLUGGED = "PLUGGED"
    DISABLED = "DISABLED"
    CUSTOMERS = "CUSTOMERS"
    MOTORCYCLES = "MOTORCYCLES"


class Facility(StrEnum):
    """Facilities at or near a location."""

    HOTEL = "HOTEL"
    RESTAURANT = "RESTAURANT"
    CAFE = "CAFE"
    MALL = "MALL"
    SUPERMARKET = "SUPERMARKET"
    SPORT = "SPORT"
    RECREATION_AREA = "RECREATION_AREA"
    NATURE = "NATURE"
    MUSEUM = "MUSEUM"
    BIKE_SHARING = "BIKE_SHARING"
    BUS_STOP = "BUS_STOP"
    TAXI_STAND = "TAXI_STAND"
    TRAM_STOP = "TRAM_STOP"
    METRO_STATION = "METRO_STATION"
    TRAIN_STATION = "TRAIN_STATION"
    AIRPORT = "AIRPORT"
    PARKING_LOT = "PARKING_LOT"
    CARPOOL_PARKING = "CARPOOL_PARKING"
    FUEL_STATION = "FUEL_STATION"
    WIFI = "WIFI"


class PublishTokenType(OcpiModel):
    """A token (or token group) allowed to see an unpublished location."""

    uid: CiString36 | None = None
    type: TokenType | None = None
    visual_number: Annotated[str, text(64)] | None = None
    issuer: Annotated[str, text(64)] | None = None
    group_id: CiString36 | None = None


class StatusSchedule(OcpiModel):
    """A planned status of an EVSE."""

    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class Connector(OcpiModel):
    """A socket or cable of an EVSE."""

    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: int = Field(ge=0)
    max_amperage: int = Field(ge=0)
    max_electric_power: int | None = Field(default=None, ge=0)
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime


class EVSE(OcpiModel):
    """An EVSE: one session at a time through one of its connectors."""

    uid: CiString36
    evse_id: Annotated[str, ci(48)] | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[Connector] = Field(min_length=1)
    floor_level: Annotated[str, text(4)] | None = None
    coordinates: GeoLocation | None = None
    physical_reference: Annotated[str, text(16)] | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class Location(OcpiModel):
    """A location with a group of EVSEs, owned by a CPO."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: Annotated[str, text(255)] | None = None
    address: Annotated[str, text(255)]
    city: Annotated[str, text(45)]
    postal_code: Annotated[str, text(10)] | None = None
    state: Annotated[str, text(45)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: Annotated[str, text(255, 1)]
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime

    # Not a 2.2.1 field: the help desk phone the mapping found (international form, at most
    # 16 characters), written by OCPI 2.3.0 as ``help_phone`` (ocpi.serialization).  Private
    # so no 2.2.1 dump, parse or PATCH sees it; model_copy keeps it, so a cached, cascaded
    # or REMOVED-marked Location still carries it.
    _help_phone: str | None = PrivateAttr(default=None)

    @property
    def help_desk_phone(self) -> str | None:
        """The phone OCPI 2.3.0 publishes as ``help_phone`` (None: none known)."""
        return self._help_phone

    def with_help_desk_phone(self, phone: str | None) -> Location:
        """A copy carrying ``phone`` as :attr:`help_desk_phone`."""
        copy = self.model_copy()
        copy._help_phone = phone
        return copy
