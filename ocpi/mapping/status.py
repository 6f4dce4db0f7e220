"""OCPP status -> OCPI EVSE status, and session status -> OCPI SessionStatus.

OCPP 1.6 ChargePointStatus and OCPP 2.0.1 ConnectorStatus, matched case-insensitively:

=============== ============ ==========================================================
OCPP            OCPI         why
=============== ============ ==========================================================
Available       AVAILABLE
Preparing       CHARGING     plugged in / authorized: the EVSE is taken by a driver.
                             Not BLOCKED, which OCPI reserves for an EVSE that cannot be
                             reached (parking blocked by a vehicle), nor AVAILABLE.
Charging        CHARGING
SuspendedEV     CHARGING     session running, EV not drawing
SuspendedEVSE   CHARGING     session running, EVSE not offering
Finishing       CHARGING     session over but the vehicle is still plugged in: the
                             EVSE is still occupied until unplugged
Occupied        CHARGING     2.0.1's single "in use" state
Reserved        RESERVED
Unavailable     INOPERATIVE  taken out of service on purpose (ChangeAvailability)
Faulted         OUTOFORDER   broken
None / other    UNKNOWN      no (usable) status information, also used while offline
=============== ============ ==========================================================

REMOVED is not an OCPP status: it marks an EVSE that left roaming
(:func:`ocpi.mapping.locations.removed_evse`).  A charger-level Unavailable / Faulted
overrides the connector status (:func:`evse_status_for_charger`).
"""

from __future__ import annotations

from types import MappingProxyType

from csms.sessions.lifecycle import SessionStatus as CsmsSessionStatus
from ocpi.models.locations import Status
from ocpi.models.sessions import SessionStatus

__all__ = [
    "OCPP_TO_OCPI_STATUS",
    "SESSION_STATUS",
    "evse_status_for",
    "evse_status_for_charger",
    "session_status_for",
]

OCPP_TO_OCPI_STATUS = MappingProxyType(
    {
        "available": Status.AVAILABLE,
        "preparing": Status.CHARGING,
        "charging": Status.CHARGING,
        "suspendedev": Status.CHARGING,
        "suspendedevse": Status.CHARGING,
        "finishing": Status.CHARGING,
        "occupied": Status.CHARGING,
        "reserved": Status.RESERVED,
        "unavailable": Status.INOPERATIVE,
        "faulted": Status.OUTOFORDER,
    }
)


def evse_status_for(ocpp_status: str | None) -> Status:
    """OCPI EVSE status of an OCPP connector status (table above); UNKNOWN when unknown."""
    if not ocpp_status:
        return Status.UNKNOWN
    return OCPP_TO_OCPI_STATUS.get(ocpp_status.strip().lower(), Status.UNKNOWN)


def evse_status_for_charger(
    connector_status: str | None, charger_status: str | None, *, connected: bool = True
) -> Status:
    """EVSE status combining the connector and charger statuses.

    Offline -> UNKNOWN; a charger-level Faulted / Unavailable wins over the connector.
    """
    if not connected:
        return Status.UNKNOWN
    charger = evse_status_for(charger_status)
    if charger in (Status.OUTOFORDER, Status.INOPERATIVE):
        return charger
    return evse_status_for(connector_status)


SESSION_STATUS = MappingProxyType(
    {
        CsmsSessionStatus.READY: SessionStatus.PENDING,
        CsmsSessionStatus.RESERVED: SessionStatus.RESERVATION,
        CsmsSessionStatus.IN_PROGRESS: SessionStatus.ACTIVE,
        CsmsSessionStatus.LIMIT_REACHED: SessionStatus.ACTIVE,
        CsmsSessionStatus.CLOSING: SessionStatus.ACTIVE,
        CsmsSessionStatus.CLOSED: SessionStatus.COMPLETED,
        # Ended sessions whose rating / pay-now billing is retried: charging is over; the
        # CDR follows when rating succeeds.
        CsmsSessionStatus.RATING_FAILED: SessionStatus.COMPLETED,
        CsmsSessionStatus.BILLING_FAILED: SessionStatus.COMPLETED,
        CsmsSessionStatus.REFUSED: SessionStatus.INVALID,
    }
)


def session_status_for(status: CsmsSessionStatus | str) -> SessionStatus:
    """OCPI SessionStatus of a session-engine status (``ValueError`` for unknown names)."""
    return SESSION_STATUS[CsmsSessionStatus(status)]
