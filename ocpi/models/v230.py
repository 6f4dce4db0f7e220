"""OCPI 2.3.0 objects where they differ from 2.2.1 (import as ``from ocpi.models import v230``).

What changed for a CPO (``230:changelog``, the ocpi.fyi 2.3.0 OpenAPI):

* :class:`Price` is ``{before_taxes, taxes[TaxAmount]}`` instead of ``{excl_vat, incl_vat}``;
  Sessions and CDRs carry it.
* :class:`Tariff` has ``tax_included`` (required), ``preauthorize_amount`` (Payments) and
  ``min_price`` / ``max_price`` as :class:`PriceLimit` ``{before_taxes, after_taxes}``.
* :class:`Credentials` may carry ``hub_party_id``.
* Location gains ``help_phone`` / ``parking_places``, EVSE ``parking`` /
  ``accepted_service_providers``, Connector ``capabilities``.
* Many enums are OpenEnums: unknown values must be accepted on input.  Their fields here are
  ``E | OpenValue`` (known values become members, unknown ones stay strings), so code that
  reads them must not assume an enum member (``str(value)`` works for both).

Every other object is unchanged; the 2.3.0 classes here subclass the 2.2.1 ones, so code
written against a 2.2.1 model accepts the 2.3.0 one.  Writing is done by
:mod:`ocpi.serialization`, which builds these models from the version-neutral (2.2.1)
objects the rest of the interface works with.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.models import cdrs, commands, credentials, hubclientinfo, locations, sessions, tokens
from ocpi.models.base import (
    URL,
    CiString36,
    CountryCode,
    DateTime,
    Number,
    OcpiModel,
    OpenValue,
    PartyId,
    ci,
    text,
)
from ocpi.models.common import DisplayText, EnergyMix, Image, Role
from ocpi.models.locations import (
    Capability,
    ConnectorType,
    Facility,
    ParkingRestriction,
    ParkingType,
)
from ocpi.models.tokens import TokenType
from tariffs.ocpi_model import TariffElement, TariffType

__all__ = [
    "CDR",
    "EVSE",
    "AuthorizationInfo",
    "CdrLocation",
    "CdrToken",
    "ClientInfo",
    "Connector",
    "ConnectorCapability",
    "Credentials",
    "CredentialsRole",
    "EVSEParking",
    "EVSEPosition",
    "Location",
    "Parking",
    "ParkingDirection",
    "Price",
    "PriceLimit",
    "ReserveNow",
    "Session",
    "StartSession",
    "Tariff",
    "TaxAmount",
    "TaxIncluded",
    "Token",
    "VehicleType",
]

# --------------------------------------------------------------------------------------------
# Open enums

_LEFT = Field(union_mode="left_to_right")
OpenRole = Annotated[Role | OpenValue, _LEFT]
OpenTokenType = Annotated[TokenType | OpenValue, _LEFT]
OpenCapability = Annotated[Capability | OpenValue, _LEFT]
OpenConnectorType = Annotated[ConnectorType | OpenValue, _LEFT]
OpenParkingType = Annotated[ParkingType | OpenValue, _LEFT]
OpenParkingRestriction = Annotated[ParkingRestriction | OpenValue, _LEFT]
OpenFacility = Annotated[Facility | OpenValue, _LEFT]


class ConnectorCapability(StrEnum):
    """What a connector supports (OpenEnum)."""

    ISO_15118_2_PLUG_AND_CHARGE = "ISO_15118_2_PLUG_AND_CHARGE"
    ISO_15118_20_PLUG_AND_CHARGE = "ISO_15118_20_PLUG_AND_CHARGE"


class VehicleType(StrEnum):
    """Vehicles a parking place is meant for (OpenEnum)."""

    MOTORCYCLE = "MOTORCYCLE"
    PERSONAL_VEHICLE = "PERSONAL_VEHICLE"
    PERSONAL_VEHICLE_WITH_TRAILER = "PERSONAL_VEHICLE_WITH_TRAILER"
    VAN = "VAN"
    SEMI_TRACTOR = "SEMI_TRACTOR"
    RIGID = "RIGID"
    TRUCK_WITH_TRAILER = "TRUCK_WITH_TRAILER"
    BUS = "BUS"
    DISABLED = "DISABLED"


OpenConnectorCapability = Annotated[ConnectorCapability | OpenValue, _LEFT]
OpenVehicleType = Annotated[VehicleType | OpenValue, _LEFT]


class ParkingDirection(StrEnum):
    """How a vehicle parks relative to the driving direction."""

    PARALLEL = "PARALLEL"
    PERPENDICULAR = "PERPENDICULAR"
    ANGLE = "ANGLE"


class EVSEPosition(StrEnum):
    """Where the EVSE stands relative to the parking place."""

    LEFT = "LEFT"
    RIGHT = "RIGHT"
    CENTER = "CENTER"


class TaxIncluded(StrEnum):
    """Whether a Tariff's prices include taxes (``N/A``: no taxes apply)."""

    YES = "YES"
    NO = "NO"
    N_A = "N/A"


# --------------------------------------------------------------------------------------------
# Prices


class TaxAmount(OcpiModel):
    """One tax of a price: its name (``VAT``), optional percentage, and the amount due."""

    name: Annotated[str, text(255, 1)]
    account_number: Annotated[str, text(255)] | None = None
    percentage: Number | None = None
    amount: Number


class Price(OcpiModel):
    """A 2.3.0 price: the amount before taxes and every tax applied to it."""

    before_taxes: Number
    taxes: list[TaxAmount] | None = None

    @property
    def after_taxes(self) -> Decimal:
        """``before_taxes`` plus every tax amount."""
        return self.before_taxes + sum((t.amount for t in self.taxes or []), Decimal(0))


class PriceLimit(OcpiModel):
    """A Tariff's ``min_price`` / ``max_price``: bounds before and (optionally) after taxes."""

    before_taxes: Number
    after_taxes: Number | None = None


# --------------------------------------------------------------------------------------------
# Tariffs


class Tariff(OcpiModel):
    """A 2.3.0 Tariff (elements, components and restrictions are unchanged from 2.2.1)."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: Annotated[str, text(3, 3)]
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: PriceLimit | None = None
    max_price: PriceLimit | None = None
    preauthorize_amount: Annotated[Number, Field(ge=0)] | None = None
    elements: list[TariffElement] = Field(min_length=1)
    tax_included: TaxIncluded
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime


# --------------------------------------------------------------------------------------------
# Tokens, sessions, CDRs, commands


class Token(tokens.Token):
    """A 2.3.0 Token: ``type`` is an OpenEnum (2.3.0 adds ``EMAID``)."""

    type: OpenTokenType  # type: ignore[assignment]


class AuthorizationInfo(tokens.AuthorizationInfo):
    """Answer of a real-time authorization carrying a 2.3.0 Token."""

    token: Token


class CdrToken(cdrs.CdrToken):
    """CdrToken with an open token type."""

    type: OpenTokenType  # type: ignore[assignment]


class CdrLocation(cdrs.CdrLocation):
    """CdrLocation with an open connector standard."""

    connector_standard: OpenConnectorType  # type: ignore[assignment]


class Session(sessions.Session):
    """A 2.3.0 Session: 2.3.0 ``total_cost``."""

    cdr_token: CdrToken
    total_cost: Price | None = None  # type: ignore[assignment]


class CDR(cdrs.CDR):
    """A 2.3.0 CDR: every cost is a 2.3.0 Price, tariff copies are 2.3.0 Tariffs."""

    cdr_token: CdrToken
    cdr_location: CdrLocation
    tariffs: list[Tariff] | None = None  # type: ignore[assignment]
    total_cost: Price  # type: ignore[assignment]
    total_fixed_cost: Price | None = None  # type: ignore[assignment]
    total_energy_cost: Price | None = None  # type: ignore[assignment]
    total_time_cost: Price | None = None  # type: ignore[assignment]
    total_parking_cost: Price | None = None  # type: ignore[assignment]
    total_reservation_cost: Price | None = None  # type: ignore[assignment]


class StartSession(commands.StartSession):
    """START_SESSION with a 2.3.0 Token (a PTP sends its ``authorization_reference`` here)."""

    token: Token


class ReserveNow(commands.ReserveNow):
    """RESERVE_NOW with a 2.3.0 Token."""

    token: Token


# --------------------------------------------------------------------------------------------
# Credentials, hub client info


class CredentialsRole(credentials.CredentialsRole):
    """A role of a 2.3.0 party: any value is accepted (see :class:`~ocpi.models.Role` on
    the missing ``PTP``)."""

    role: OpenRole  # type: ignore[assignment]


class Credentials(credentials.Credentials):
    """2.3.0 Credentials: a hub names its own party in ``hub_party_id`` (e.g. ``DEHUB``)."""

    roles: list[CredentialsRole] = Field(min_length=1)  # type: ignore[assignment]
    hub_party_id: Annotated[str, ci(5)] | None = None


class ClientInfo(hubclientinfo.ClientInfo):
    """ClientInfo with an open role."""

    role: OpenRole  # type: ignore[assignment]


# --------------------------------------------------------------------------------------------
# Locations


class Parking(OcpiModel):
    """A parking place of a Location (trucks, buses, ... : 2.3.0)."""

    id: CiString36
    physical_reference: Annotated[str, text(12)] | None = None
    vehicle_types: list[OpenVehicleType] = Field(min_length=1)
    max_vehicle_weight: Number | None = None
    max_vehicle_height: Number | None = None
    max_vehicle_length: Number | None = None
    max_vehicle_width: Number | None = None
    parking_space_length: Number | None = None
    parking_space_width: Number | None = None
    dangerous_goods_allowed: bool | None = None
    direction: ParkingDirection | None = None
    drive_through: bool | None = None
    restricted_to_type: bool
    reservation_required: bool
    time_limit: Number | None = None
    roofed: bool | None = None
    images: list[Image] | None = None
    lighting: bool | None = None
    refrigeration_outlet: bool | None = None
    standards: list[CiString36] | None = None
    apds_reference: Annotated[str, text(255)] | None = None


class EVSEParking(OcpiModel):
    """Which parking place an EVSE serves, and from which side."""

    parking_id: CiString36
    evse_position: EVSEPosition | None = None


class Connector(locations.Connector):
    """A 2.3.0 Connector: open standard (adds ``MCS``, ``SAE_J3400``), capabilities."""

    standard: OpenConnectorType  # type: ignore[assignment]
    capabilities: list[OpenConnectorCapability] | None = None


class EVSE(locations.EVSE):
    """A 2.3.0 EVSE."""

    capabilities: list[OpenCapability] | None = None  # type: ignore[assignment]
    connectors: list[Connector] = Field(min_length=1)  # type: ignore[assignment]
    parking_restrictions: list[OpenParkingRestriction] | None = None  # type: ignore[assignment]
    parking: list[EVSEParking] | None = None
    accepted_service_providers: list[Annotated[str, text(50)]] | None = None


class Location(locations.Location):
    """A 2.3.0 Location: ``help_phone`` and ``parking_places``; open enums."""

    evses: list[EVSE] | None = None  # type: ignore[assignment]
    parking_type: OpenParkingType | None = None  # type: ignore[assignment]
    facilities: list[OpenFacility] | None = None  # type: ignore[assignment]
    help_phone: Annotated[str, ci(25)] | None = None
    parking_places: list[Parking] | None = None
