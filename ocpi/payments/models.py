"""OCPI 2.3.0 Payments objects: Terminal and FinancialAdviceConfirmation (``230p:pay``).

Reading is lenient where the published material disagrees with itself, each on purpose:

* ``Terminal.last_updated`` is required by the spec, yet its own "create a minimal
  Terminal" example is ``{"terminal_id": …}`` only: a missing ``last_updated`` is accepted
  (the receiver stamps the time of receipt).
* ``FinancialAdviceConfirmation.total_costs`` is a 2.3.0 Price ``{before_taxes, taxes[]}``,
  yet every official example sends the 2.2.1 form ``{excl_vat, incl_vat}``: both are read
  (:class:`PaymentPrice`); the 2.2.1 form becomes ``before_taxes = excl_vat`` and one tax
  ``VAT`` of ``incl_vat - excl_vat``. The object is also stored as received.
* ``eft_data`` is required with at least one entry, yet the official failure example
  (capture FAILED) has none: a missing list is read as empty.
* ``capture_status_code`` and ``invoice_creator`` are read as open enums (2.3.0 turned most
  enums into OpenEnums): unknown values are kept as the strings they were.
* Terminal addresses are ``CiString`` (ASCII) in the spec; street and city names are not
  ASCII everywhere, so they are read as text of the spec's length.

Stricter than the spec in one point: a confirmation's totals (before and after taxes) must
stay below :data:`MAX_AMOUNT` in magnitude (what a card captures, and what we store: 10
integer digits); a larger number is refused with 2001 instead of failing the database.

Writing (what we send: PUT / activate bodies, our GET answers) follows the spec strictly.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ocpi.models.base import URL, CiString36, DateTime, OcpiModel, OpenValue, ci, text
from ocpi.models.v230 import Price, TaxAmount

__all__ = [
    "CaptureStatusCode",
    "FinancialAdviceConfirmation",
    "GeoPoint",
    "InvoiceCreator",
    "PaymentPrice",
    "Terminal",
    "TerminalPatch",
]

_LEFT = Field(union_mode="left_to_right")
MAX_AMOUNT = Decimal(10) ** 10


class InvoiceCreator(StrEnum):
    """Who issues the driver's invoice: CPO (at ``invoice_base_url`` +
    ``authorization_reference``) or PTP (shown on the terminal)."""

    CPO = "CPO"
    PTP = "PTP"


class CaptureStatusCode(StrEnum):
    """Outcome of the capture at the payment service provider."""

    SUCCESS = "SUCCESS"
    PARTIAL_SUCCESS = "PARTIAL_SUCCESS"
    FAILED = "FAILED"


class GeoPoint(OcpiModel):
    """GeoLocation as a PTP may send it (1 to 8 decimals, as the 2.3.0 OpenAPI allows)."""

    latitude: Annotated[str, StringConstraints(max_length=12,
                                               pattern=r"^-?[0-9]{1,2}(\.[0-9]{1,8})?$")]
    longitude: Annotated[str, StringConstraints(max_length=13,
                                                pattern=r"^-?[0-9]{1,3}(\.[0-9]{1,8})?$")]


class Terminal(OcpiModel):
    """One physical payment terminal, owned by the PTP (``mod_payments`` Terminal)."""

    terminal_id: CiString36
    customer_reference: Annotated[str, ci(36)] | None = None
    party_id: Annotated[str, ci(3)] | None = None
    country_code: Annotated[str, ci(2)] | None = None
    address: Annotated[str, text(45)] | None = None
    city: Annotated[str, text(45)] | None = None
    postal_code: Annotated[str, text(10)] | None = None
    state: Annotated[str, text(20)] | None = None
    country: Annotated[str, ci(3)] | None = None  # ISO 3166-1 alpha-3
    coordinates: GeoPoint | None = None
    invoice_base_url: URL | None = None
    invoice_creator: Annotated[InvoiceCreator | OpenValue, _LEFT] | None = None
    reference: Annotated[str, ci(36)] | None = None
    location_ids: list[CiString36] | None = None
    evse_uids: list[CiString36] | None = None
    last_updated: DateTime | None = None  # required by the spec; see the module notes


class TerminalPatch(OcpiModel):
    """The CPO's assignment PATCH (``PATCH {terminals}/{terminal_id}``).

    We always send both lists and ``last_updated``, so the union at the PTP is exactly our
    assignment; reading accepts either list alone (the spec's example has only
    ``location_ids``)."""

    location_ids: list[CiString36] | None = None
    evse_uids: list[CiString36] | None = None
    last_updated: DateTime | None = None


class PaymentPrice(Price):
    """A 2.3.0 Price, also read from the 2.2.1 ``{excl_vat, incl_vat}`` form."""

    @model_validator(mode="before")
    @classmethod
    def _from_221(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "before_taxes" in data or "excl_vat" not in data:
            return data
        converted = {k: v for k, v in data.items() if k not in ("excl_vat", "incl_vat")}
        converted["before_taxes"] = data["excl_vat"]
        incl = data.get("incl_vat")
        if incl is not None:
            try:
                vat = Decimal(str(incl)) - Decimal(str(data["excl_vat"]))
            except ArithmeticError:
                return data  # left to the field validation to report
            converted["taxes"] = [TaxAmount(name="VAT", amount=vat)]
        return converted


class FinancialAdviceConfirmation(OcpiModel):
    """The PTP's confirmation of the capture at its payment service provider."""

    id: CiString36
    authorization_reference: CiString36
    total_costs: PaymentPrice
    currency: Annotated[str, ci(3, 3)]
    eft_data: list[Annotated[str, text(255, 1)]] = Field(default_factory=list)
    capture_status_code: Annotated[CaptureStatusCode | OpenValue, _LEFT]
    capture_status_message: Annotated[str, text(255)] | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _storable_totals(self) -> FinancialAdviceConfirmation:
        for amount in (self.total_costs.before_taxes, self.total_costs.after_taxes):
            if abs(amount) >= MAX_AMOUNT:
                raise ValueError(f"total_costs {amount} is out of range (|amount| < 10^10)")
        return self
