"""OCPI 2.2.1 Hub Client Info object (pushed to us by a hub)."""

from __future__ import annotations

from enum import StrEnum

from ocpi.models.base import CountryCode, DateTime, OcpiModel, PartyId
from ocpi.models.common import Role

__all__ = ["ClientInfo", "ConnectionStatus"]


class ConnectionStatus(StrEnum):
    """Connection state of a party at the hub."""

    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class ClientInfo(OcpiModel):
    """A party connected to a hub."""

    party_id: PartyId
    country_code: CountryCode
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
