"""OCPI 2.2.1 shared types (``types`` chapter and the classes every module reuses).

``DisplayText`` and ``Price`` are the tariff engine's models (:mod:`tariffs.ocpi_model`), so
prices flow from pricing to OCPI objects without conversion.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from ocpi.models.base import URL, DateTime, Number, OcpiModel, ci, text
from tariffs.ocpi_model import DisplayText, Price

__all__ = [
    "AdditionalGeoLocation",
    "BusinessDetails",
    "DisplayText",
    "EnergyMix",
    "EnergySource",
    "EnergySourceCategory",
    "EnvironmentalImpact",
    "EnvironmentalImpactCategory",
    "ExceptionalPeriod",
    "GeoLocation",
    "Hours",
    "Image",
    "ImageCategory",
    "Latitude",
    "Longitude",
    "Price",
    "RegularHours",
    "Role",
]


class Role(StrEnum):
    """Role of a party (``Role`` in the types chapter).

    ``PTP`` (payment terminal provider) is not in the Role enum of any released text: 2.3.0
    introduces the PTP role (terminology chapter, Payments module) but its Role table only
    lists CPO, EMSP, NAP, NSP, OTHER, SCSP (and drops HUB).  Spec gap decision: we accept
    and name ``PTP`` as a role; PTPs that follow the enum literally send ``OTHER``, which
    is accepted too.  On 2.3.0 input the role is an open value anyway
    (:mod:`ocpi.models.v230`).
    """

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"
    PTP = "PTP"
    SCSP = "SCSP"


# The spec's regexes: 5 to 7 decimals.
Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]


class GeoLocation(OcpiModel):
    """WGS 84 coordinates as decimal-degree strings."""

    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(OcpiModel):
    """A related point (entrance, sub-area, ...) with an optional name."""

    latitude: Latitude
    longitude: Longitude
    name: DisplayText | None = None


class ImageCategory(StrEnum):
    """What an image shows."""

    CHARGER = "CHARGER"
    ENTRANCE = "ENTRANCE"
    LOCATION = "LOCATION"
    NETWORK = "NETWORK"
    OPERATOR = "OPERATOR"
    OTHER = "OTHER"
    OWNER = "OWNER"


class Image(OcpiModel):
    """Reference to an image."""

    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: Annotated[str, ci(4)]
    width: int | None = Field(default=None, ge=0, le=99999)
    height: int | None = Field(default=None, ge=0, le=99999)


class BusinessDetails(OcpiModel):
    """Operator, sub-operator, owner or party details."""

    name: Annotated[str, text(100)]
    website: URL | None = None
    logo: Image | None = None


_HHMM = r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$"


class RegularHours(OcpiModel):
    """A weekly recurring opening period; weekday 1 = Monday .. 7 = Sunday."""

    weekday: int = Field(ge=1, le=7)
    period_begin: Annotated[str, StringConstraints(pattern=_HHMM)]
    period_end: Annotated[str, StringConstraints(pattern=_HHMM)]


class ExceptionalPeriod(OcpiModel):
    """An exceptional opening or closing between two instants."""

    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiModel):
    """Opening times: 24/7 or regular hours, plus exceptions."""

    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None


class EnergySourceCategory(StrEnum):
    """Category of an energy source."""

    NUCLEAR = "NUCLEAR"
    GENERAL_FOSSIL = "GENERAL_FOSSIL"
    COAL = "COAL"
    GAS = "GAS"
    GENERAL_GREEN = "GENERAL_GREEN"
    SOLAR = "SOLAR"
    WIND = "WIND"
    WATER = "WATER"


class EnergySource(OcpiModel):
    """Share (percent) of one source in the energy mix."""

    source: EnergySourceCategory
    percentage: Annotated[Number, Field(ge=0, le=100)]


class EnvironmentalImpactCategory(StrEnum):
    """Category of environmental impact."""

    NUCLEAR_WASTE = "NUCLEAR_WASTE"
    CARBON_DIOXIDE = "CARBON_DIOXIDE"


class EnvironmentalImpact(OcpiModel):
    """Amount (g/kWh) of one environmental impact."""

    category: EnvironmentalImpactCategory
    amount: Annotated[Number, Field(ge=0)]


class EnergyMix(OcpiModel):
    """Energy supplied at a location or by a tariff."""

    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: Annotated[str, text(64)] | None = None
    energy_product_name: Annotated[str, text(64)] | None = None
