"""Schemas of payment terminals (the manual's "Terminals").

A terminal is a physical unit (a payment terminal) that CPO staff assign to an area or to
a connector, one target at a time. Terminals of a Payment Terminal Provider (PTP) carry
their roaming identity: the platform, the roaming id (OCPI ``terminal_id``) and the
roaming reference (OCPI ``reference``, e.g. the serial number). ``active`` and the
assignment are changed by their own operations (activate/deactivate, assign/unassign),
never by a plain update, because each of them is mirrored to the PTP.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from csms.network.schemas import Strict, Timestamps, patch_model_for
from csms.network.types import Code, CountryCode, Latitude, Longitude, Name, Text

# OCPI CiString(36) minus space and "/", so the id is usable as a URL path segment.
TerminalId = Annotated[
    str,
    StringConstraints(pattern=r"^[\x21-\x2E\x30-\x7E]{1,36}$"),
    Field(description="Terminal id in roaming (OCPI terminal_id): printable ASCII, no '/'"),
]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class TerminalType(StrEnum):
    PAYMENT = "PAYMENT"


class InvoiceCreator(StrEnum):
    """Who issues the driver's invoice (OCPI InvoiceCreator)."""

    CPO = "CPO"
    PTP = "PTP"


class TerminalCreate(Strict):
    code: Code
    name: Name
    description: Annotated[str, Field(max_length=2000)] | None = None
    type: TerminalType = TerminalType.PAYMENT
    address: Text | None = None
    city: Text | None = None
    postal_code: Annotated[str, Field(max_length=16)] | None = None
    state: Text | None = None
    country: CountryCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    platform: Code | None = Field(
        default=None, description="Roaming platform (Payment Terminal Provider) of the terminal")
    roaming_id: TerminalId | None = None
    roaming_reference: Reference | None = Field(
        default=None, description="Mapping value issued by the PTP, e.g. the serial number")
    operator: Code | None = Field(default=None, description="Optional site operator")
    customer_reference: Reference | None = Field(
        default=None, description="Links the terminal to the CSMS at the PTP (OCPI)")
    # OCPI URL; kept loose (the spec's own example sends "someNewURL").
    invoice_base_url: Annotated[str, Field(pattern=r"^\S+$", max_length=255)] | None = None
    invoice_creator: InvoiceCreator | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude are set together")
        if self.platform is None and (self.roaming_id or self.roaming_reference):
            raise ValueError("a roaming id or reference needs the roaming platform")
        return self


TerminalPatch = patch_model_for(TerminalCreate)


class TerminalRead(Timestamps, TerminalCreate):
    active: bool = Field(description="Inactive terminals give no payment capabilities")
    area: Code | None = Field(default=None, description="Assigned area (or none)")
    charger: Code | None = Field(default=None, description="Charger of the assigned connector")
    connector: Code | None = Field(default=None, description="Assigned connector (or none)")
    location_ids: list[str] = Field(
        default_factory=list, description="OCPI Location ids the assignment stands for")
    evse_uids: list[str] = Field(
        default_factory=list, description="OCPI EVSE uids the assignment stands for")
    roaming_in_sync: bool | None = Field(
        default=None, description="Whether the PTP was sent this assignment (null: local)")
    roaming_last_updated: datetime | None = Field(
        default=None, description="last_updated of the terminal as the PTP last sent it")
    roaming_refused: str | None = Field(
        default=None, description="Why the PTP refused the last assignment sent (null: it "
        "did not); assign again, or retry the outbox message, to send it again")


class TerminalAssignment(Strict):
    """``{"area": code}`` or ``{"connector": code}``; a connector code is unique only
    within its charger, so name the charger too (``"charger"``, or ``"CHARGER/CODE"``)
    unless the code is unique in the network."""

    area: Code | None = None
    connector: Annotated[
        str, Field(pattern=r"^([A-Za-z0-9][A-Za-z0-9_.:-]{0,63}/)?"
                           r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")] | None = None
    charger: Code | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.area is None) == (self.connector is None):
            raise ValueError("assign either an area or a connector")
        if self.charger is not None and self.connector is None:
            raise ValueError("charger only names the charger of a connector")
        if self.connector and "/" in self.connector:
            charger, code = self.connector.split("/", 1)
            if self.charger is not None and self.charger != charger:
                raise ValueError("charger differs from the one in the connector")
            self.charger, self.connector = charger, code
        return self


class RoamingTerminal(BaseModel):
    """A terminal as a PTP sends it (OCPI Terminal, already mapped to our vocabulary):
    address fields and coordinates as in ``TerminalCreate``; ``None`` means not sent."""

    roaming_id: str
    roaming_reference: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    customer_reference: str | None = None
    invoice_base_url: str | None = None
    invoice_creator: str | None = None
    location_ids: list[str] | None = None
    evse_uids: list[str] | None = None
    last_updated: datetime | None = None
