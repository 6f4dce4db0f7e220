"""OCPI 2.2.1 Credentials object."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from ocpi.models.base import URL, CountryCode, OcpiModel, PartyId
from ocpi.models.common import BusinessDetails, Role

__all__ = ["Credentials", "CredentialsRole", "CredentialsToken"]

CredentialsToken = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7E]+$")
]
"""Credentials token: 1..64 printable non-whitespace ASCII characters (never base64 here)."""


class CredentialsRole(OcpiModel):
    """One role (party) a platform plays."""

    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiModel):
    """Token for the other party to use, our versions URL, and our roles."""

    token: CredentialsToken
    url: URL
    roles: list[CredentialsRole] = Field(min_length=1)

    @model_validator(mode="after")
    def _roles_unique(self) -> Credentials:
        seen = set()
        for r in self.roles:
            key = (r.role, r.country_code, r.party_id)
            if key in seen:
                raise ValueError(f"duplicate role {r.role} {r.country_code}*{r.party_id}")
            seen.add(key)
        return self
