"""OCPI 2.2.1 CDRs module objects (plus CdrToken / AuthMethod shared with Sessions).

``ChargingPeriod`` and ``CdrDimension`` are the tariff engine's models, so periods built by
:mod:`tariffs.cdr` go into Sessions and CDRs unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from ocpi.models.base import (
    CiString36,
    CountryCode,
    DateTime,
    Number,
    OcpiModel,
    PartyId,
    ci,
    text,
)
from ocpi.models.common import GeoLocation, Price
from ocpi.models.locations import ConnectorFormat, ConnectorType, PowerType
from ocpi.models.tariffs import Tariff
from ocpi.models.tokens import TokenType
from tariffs.ocpi_model import CdrDimension, CdrDimensionType, ChargingPeriod

__all__ = [
    "CDR",
    "AuthMethod",
    "CdrDimension",
    "CdrDimensionType",
    "CdrLocation",
    "CdrToken",
    "ChargingPeriod",
    "SignedData",
    "SignedValue",
]


class AuthMethod(StrEnum):
    """How the session was authorized (the last method used goes in the CDR)."""

    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


class CdrToken(OcpiModel):
    """The token a session / CDR was started with."""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrLocation(OcpiModel):
    """Snapshot of the location, EVSE and connector of a CDR (address 45 / state 20)."""

    id: CiString36
    name: Annotated[str, text(255)] | None = None
    address: Annotated[str, text(45)]
    city: Annotated[str, text(45)]
    postal_code: Annotated[str, text(10)] | None = None
    state: Annotated[str, text(20)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: Annotated[str, ci(48)]
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    """One signed meter value; plain_data up to 5000 per the errata (512 in the release)."""

    nature: Annotated[str, ci(32)]
    plain_data: Annotated[str, text(5000)]
    signed_data: Annotated[str, text(5000)]


class SignedData(OcpiModel):
    """Signed meter data for calibration-law verification."""

    encoding_method: Annotated[str, ci(36)]
    encoding_method_version: int | None = None
    public_key: Annotated[str, text(512)] | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: Annotated[str, text(512)] | None = None


_Id39 = Annotated[str, ci(39)]


class CDR(OcpiModel):
    """A charge detail record (immutable once sent; corrections are credit CDRs)."""

    country_code: CountryCode
    party_id: PartyId
    id: _Id39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: Annotated[str, text(255)] | None = None
    currency: Annotated[str, text(3, 3)]
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Number
    total_energy_cost: Price | None = None
    total_time: Number
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: Annotated[str, text(255)] | None = None
    invoice_reference_id: _Id39 | None = None
    credit: bool | None = None
    credit_reference_id: _Id39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime
