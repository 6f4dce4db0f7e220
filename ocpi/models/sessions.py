"""OCPI 2.2.1 Sessions module objects."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from ocpi.models.base import CiString36, CountryCode, DateTime, Number, OcpiModel, PartyId, text
from ocpi.models.cdrs import AuthMethod, CdrToken, ChargingPeriod
from ocpi.models.common import Price
from ocpi.models.tokens import ProfileType

__all__ = [
    "ChargingPreferences",
    "ChargingPreferencesResponse",
    "ProfileType",
    "Session",
    "SessionStatus",
]


class SessionStatus(StrEnum):
    """Life-cycle state of a session (COMPLETED and INVALID are final)."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    RESERVATION = "RESERVATION"


class Session(OcpiModel):
    """A charging session (``evse_uid`` / ``connector_id`` may be ``#NA`` for reservations)."""

    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: Annotated[Number, Field(ge=0)]
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: Annotated[str, text(255)] | None = None
    currency: Annotated[str, text(3, 3)]
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime


class ChargingPreferences(OcpiModel):
    """Driver's preferences (body of PUT ``{sessions}/{id}/charging_preferences``)."""

    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Annotated[Number, Field(ge=0)] | None = None
    discharge_allowed: bool | None = None


class ChargingPreferencesResponse(StrEnum):
    """Answer to a ChargingPreferences PUT (sent as the envelope's ``data`` string)."""

    ACCEPTED = "ACCEPTED"
    DEPARTURE_REQUIRED = "DEPARTURE_REQUIRED"
    ENERGY_NEED_REQUIRED = "ENERGY_NEED_REQUIRED"
    NOT_POSSIBLE = "NOT_POSSIBLE"
    PROFILE_TYPE_NOT_SUPPORTED = "PROFILE_TYPE_NOT_SUPPORTED"
