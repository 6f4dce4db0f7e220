"""Pure mapping between OCPI Payments objects and the network model's terminals.

* Country: OCPI sends ISO alpha-3, the network model keeps alpha-2 (one table,
  ``csms.network.countries``); an alpha-3 code we do not know is dropped, not guessed.
* Coordinates: decimal-degree strings <-> Decimal; we send 6 decimals (``coordinates_for``).
* Addresses are cut to the spec's lengths when sent (address and city 45, postal code 10,
  state 20): the PTP's copy must be valid even when ours is longer.
* ``reference`` is our roaming reference; ``location_ids`` / ``evse_uids`` are our
  assignment; ``last_updated`` of what we send is our terminal's ``updated_at``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from csms.network.countries import ALPHA3, alpha3_for
from csms.network.terminal_schemas import RoamingTerminal, TerminalRead
from ocpi.mapping.locations import coordinates_for
from ocpi.models.base import dump_ocpi
from ocpi.payments.models import (
    FinancialAdviceConfirmation,
    GeoPoint,
    InvoiceCreator,
    Terminal,
    TerminalPatch,
)

__all__ = ["alpha2_for", "assignment_patch", "fac_record", "ocpi_terminal", "roaming_terminal"]

_ALPHA2 = {alpha3: alpha2 for alpha2, alpha3 in ALPHA3.items()}


def alpha2_for(alpha3: str) -> str | None:
    """ISO 3166-1 alpha-2 of an alpha-3 code (case-insensitive), None when unknown."""
    return _ALPHA2.get(alpha3.upper())


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def roaming_terminal(terminal: Terminal) -> RoamingTerminal:
    """What the network model keeps of a Terminal the PTP sent."""
    coordinates: GeoPoint | None = terminal.coordinates
    creator = terminal.invoice_creator
    return RoamingTerminal(
        roaming_id=terminal.terminal_id,
        roaming_reference=terminal.reference,
        address=terminal.address, city=terminal.city, postal_code=terminal.postal_code,
        state=terminal.state,
        country=alpha2_for(terminal.country) if terminal.country else None,
        latitude=_decimal(coordinates.latitude) if coordinates else None,
        longitude=_decimal(coordinates.longitude) if coordinates else None,
        customer_reference=terminal.customer_reference,
        invoice_base_url=terminal.invoice_base_url,
        invoice_creator=str(creator) if isinstance(creator, InvoiceCreator) else None,
        location_ids=terminal.location_ids, evse_uids=terminal.evse_uids,
        last_updated=terminal.last_updated,
    )


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def ocpi_terminal(terminal: TerminalRead, *, terminal_id: str | None = None) -> Terminal:
    """Our terminal as an OCPI Terminal (PUT, activation, our GET answers)."""
    roaming_id = terminal_id or terminal.roaming_id
    if not roaming_id:
        raise ValueError(f"terminal {terminal.code} has no terminal id in roaming")
    coordinates = None
    if terminal.latitude is not None and terminal.longitude is not None:
        geo = coordinates_for(terminal.latitude, terminal.longitude)
        coordinates = GeoPoint(latitude=geo.latitude, longitude=geo.longitude)
    return Terminal(
        terminal_id=roaming_id,
        customer_reference=terminal.customer_reference,
        address=_cut(terminal.address, 45), city=_cut(terminal.city, 45),
        postal_code=_cut(terminal.postal_code, 10), state=_cut(terminal.state, 20),
        country=alpha3_for(terminal.country) if terminal.country else None,
        coordinates=coordinates,
        invoice_base_url=terminal.invoice_base_url,
        invoice_creator=InvoiceCreator(terminal.invoice_creator.value)
        if terminal.invoice_creator else None,
        reference=terminal.roaming_reference,
        location_ids=list(terminal.location_ids),
        evse_uids=list(terminal.evse_uids),
        last_updated=terminal.updated_at,
    )


def assignment_patch(terminal: TerminalRead, now: datetime) -> dict[str, Any]:
    """Body of the assignment PATCH: both lists (empty when unassigned) and last_updated."""
    return dump_ocpi(TerminalPatch(location_ids=list(terminal.location_ids),
                                   evse_uids=list(terminal.evse_uids), last_updated=now))


def fac_record(fac: FinancialAdviceConfirmation, received: dict[str, Any]) -> dict[str, Any]:
    """Columns of a stored confirmation: totals before / after taxes, and the object as
    received (``received``, its JSON form)."""
    return {
        "fac_id": fac.id,
        "authorization_reference": fac.authorization_reference,
        "currency": fac.currency.upper(),
        "total_excl_vat": fac.total_costs.before_taxes,
        "total_incl_vat": fac.total_costs.after_taxes,
        "total_costs": received.get("total_costs"),
        "eft_data": list(fac.eft_data),
        "capture_status_code": str(fac.capture_status_code),
        "capture_status_message": fac.capture_status_message,
        "last_updated": fac.last_updated,
        "object": received,
    }
