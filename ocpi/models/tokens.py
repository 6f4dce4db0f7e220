"""OCPI 2.2.1 Tokens module objects (eMSP-owned; we are the Receiver)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from ocpi.models.base import CiString36, CountryCode, DateTime, OcpiModel, PartyId, text
from ocpi.models.common import DisplayText

__all__ = [
    "AllowedType",
    "AuthorizationInfo",
    "EnergyContract",
    "LocationReferences",
    "ProfileType",
    "Token",
    "TokenType",
    "WhitelistType",
]


class TokenType(StrEnum):
    """Kind of token (URL parameter ``type`` defaults to RFID).

    ``EMAID`` is 2.3.0's (an eMA ID used as token, Plug & Charge).  It is a member here so a
    2.3.0 partner's EMAID token can flow through sessions and CDRs back to that partner;
    a 2.2.1 partner never sends one (accepting it from them is harmless leniency).
    """

    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    EMAID = "EMAID"
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """Whether the CPO may / must authorize the token without asking the eMSP."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(StrEnum):
    """Outcome of a real-time authorization."""

    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class ProfileType(StrEnum):
    """Smart-charging preference of a driver."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OcpiModel):
    """The driver's energy supply contract."""

    supplier_name: Annotated[str, text(64)]
    contract_id: Annotated[str, text(64)] | None = None


class Token(OcpiModel):
    """A charging token of an eMSP; identity is (country_code, party_id, uid, type)."""

    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: Annotated[str, text(64)] | None = None
    issuer: Annotated[str, text(64)]
    group_id: CiString36 | None = None
    valid: bool
    whitelist: WhitelistType
    language: Annotated[str, text(2, 2)] | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class LocationReferences(OcpiModel):
    """Where a token wants to charge (body of POST ``{tokens}/{uid}/authorize``)."""

    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class AuthorizationInfo(OcpiModel):
    """Answer of a real-time authorization."""

    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None
