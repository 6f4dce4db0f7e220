"""Reservation rules of the manual. Pure.

Only reservable chargers take reservations. A connector of a charger whose connectors
cannot be used simultaneously reserves the whole charger; with simultaneous connectors it
reserves that connector only, and another connector stays free for someone else. A
reservation is active until it is used by a session, cancelled, or expires.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from csms.charging.records import ChargerInfo, ConnectorInfo
from csms.operations.errors import InvalidOperation, ReservationConflict
from csms.operations.records import ReservationRecord

REQUESTED, ACCEPTED = "REQUESTED", "ACCEPTED"
REJECTED, NO_ANSWER, FAILED = "REJECTED", "NO_ANSWER", "FAILED"
USED, CANCELLED, EXPIRED = "USED", "CANCELLED", "EXPIRED"
ACTIVE = (REQUESTED, ACCEPTED)


def reserves_whole_charger(charger: ChargerInfo, connector: ConnectorInfo | None,
                           simultaneous: bool) -> bool:
    return connector is None or len(charger.connectors) <= 1 or not simultaneous


def check_reservation(charger: ChargerInfo, connector: ConnectorInfo | None, *,
                      reservable: bool, simultaneous: bool, expires_at: datetime,
                      now: datetime, active: Sequence[ReservationRecord]) -> bool:
    """Raises when the reservation may not be made; returns whether it takes the whole
    charger. ``active`` are the charger's active reservations."""
    if not reservable:
        raise ReservationConflict(f"charger {charger.code!r} is not reservable",
                                  field="charger")
    if expires_at <= now:
        raise InvalidOperation("expires_at must be in the future", field="expires_at")
    whole = reserves_whole_charger(charger, connector, simultaneous)
    for other in active:
        if whole or other.whole_charger or other.connector_id == (
                connector.id if connector else None):
            raise ReservationConflict(
                f"charger {charger.code!r} is already reserved (reservation {other.id})",
                field="connector" if connector else "charger")
    return whole


def status_after_answer(charger_status: str) -> str:
    """ReserveNow answers: Accepted; Faulted, Occupied, Rejected, Unavailable refuse."""
    return ACCEPTED if charger_status == "Accepted" else REJECTED


def status_after_update(update: str) -> str | None:
    """2.0.1 ReservationStatusUpdate: Expired or Removed (by the charger)."""
    return {"Expired": EXPIRED, "Removed": CANCELLED}.get(update)
