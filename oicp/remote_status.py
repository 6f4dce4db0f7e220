"""Outcome of a remote operation Hubject asked for -> Hubject StatusCode. Pure.

Hubject's code list has no code per OCPP answer, so the mapping is ours (notes/oicp.md
§3.5 for the codes).  ``status_code_for`` is the single place that decides it:

==============================  =====================  ==================================
outcome                         operation              StatusCode
==============================  =====================  ==================================
ACCEPTED                        any                    000 Success
UNKNOWN_EVSE                    any                    603 Unknown EVSE ID
OUT_OF_SERVICE                  any                    700 EVSE out of service
EVSE_OCCUPIED                   any                    602 EVSE already in use/ wrong token
EVSE_RESERVED                   any                    601 EVSE already reserved
NOT_RESERVABLE                  any                    320 Service not available
OFFLINE, TIMEOUT, CALL_FAILED   any                    501 Communication to EVSE failed
UNKNOWN_SESSION                 any                    400 Session is invalid
INVALID_REQUEST                 any                    022 Data error
FAILED                          any                    021 System error
REJECTED                        START                  602 (the charger refuses: in use or
                                                       the token is not usable there)
REJECTED                        STOP                   021 (no code says "refused to stop")
REJECTED "Occupied"             RESERVE                602
REJECTED "Faulted"/"Unavailable"  RESERVE              700
REJECTED (other, "Rejected")    RESERVE                320 (the charger takes no reservations)
REJECTED                        CANCEL_RESERVATION     400 (the charger does not know it)
==============================  =====================  ==================================

``REJECTED`` is any answer of the charger other than ``Accepted``; ``charger_status`` is
that answer (OCPP 1.6 and 2.0.1 use the same words here).
"""

from __future__ import annotations

from enum import StrEnum

from oicp.status_codes import StatusCodeValue

__all__ = ["RemoteOperation", "RemoteOutcome", "status_code_for"]


class RemoteOperation(StrEnum):
    """The OCPP operation behind a Hubject call."""

    START = "START"  # eRoamingAuthorizeRemoteStart -> RemoteStart/RequestStartTransaction
    STOP = "STOP"  # eRoamingAuthorizeRemoteStop -> RemoteStop/RequestStopTransaction
    RESERVE = "RESERVE"  # eRoamingAuthorizeRemoteReservationStart -> ReserveNow
    CANCEL_RESERVATION = "CANCEL_RESERVATION"  # ...ReservationStop -> CancelReservation


class RemoteOutcome(StrEnum):
    """What happened to the operation, before or at the charger."""

    ACCEPTED = "ACCEPTED"  # the charger accepted
    REJECTED = "REJECTED"  # the charger answered, not Accepted (see ``charger_status``)
    TIMEOUT = "TIMEOUT"  # the charger did not answer in time
    CALL_FAILED = "CALL_FAILED"  # the charger answered with a CALLERROR
    OFFLINE = "OFFLINE"  # the station is not connected
    UNKNOWN_EVSE = "UNKNOWN_EVSE"  # no roaming connector has this EvseID
    OUT_OF_SERVICE = "OUT_OF_SERVICE"  # inoperative, faulted or unavailable
    EVSE_OCCUPIED = "EVSE_OCCUPIED"  # an active session holds the connector
    EVSE_RESERVED = "EVSE_RESERVED"  # reserved for someone else
    NOT_RESERVABLE = "NOT_RESERVABLE"  # the charger takes no reservations
    UNKNOWN_SESSION = "UNKNOWN_SESSION"  # no (live) session/reservation for the SessionID
    INVALID_REQUEST = "INVALID_REQUEST"  # the request cannot be carried out as given
    FAILED = "FAILED"  # anything else on our side


_FIXED: dict[RemoteOutcome, StatusCodeValue] = {
    RemoteOutcome.ACCEPTED: StatusCodeValue.SUCCESS,
    RemoteOutcome.UNKNOWN_EVSE: StatusCodeValue.UNKNOWN_EVSE_ID,
    RemoteOutcome.OUT_OF_SERVICE: StatusCodeValue.EVSE_OUT_OF_SERVICE,
    RemoteOutcome.EVSE_OCCUPIED: StatusCodeValue.EVSE_ALREADY_IN_USE,
    RemoteOutcome.EVSE_RESERVED: StatusCodeValue.EVSE_ALREADY_RESERVED,
    RemoteOutcome.NOT_RESERVABLE: StatusCodeValue.SERVICE_NOT_AVAILABLE,
    RemoteOutcome.OFFLINE: StatusCodeValue.COMMUNICATION_TO_EVSE_FAILED,
    RemoteOutcome.TIMEOUT: StatusCodeValue.COMMUNICATION_TO_EVSE_FAILED,
    RemoteOutcome.CALL_FAILED: StatusCodeValue.COMMUNICATION_TO_EVSE_FAILED,
    RemoteOutcome.UNKNOWN_SESSION: StatusCodeValue.SESSION_INVALID,
    RemoteOutcome.INVALID_REQUEST: StatusCodeValue.DATA_ERROR,
    RemoteOutcome.FAILED: StatusCodeValue.SYSTEM_ERROR,
}

_RESERVE_REFUSALS: dict[str, StatusCodeValue] = {
    "Occupied": StatusCodeValue.EVSE_ALREADY_IN_USE,
    "Faulted": StatusCodeValue.EVSE_OUT_OF_SERVICE,
    "Unavailable": StatusCodeValue.EVSE_OUT_OF_SERVICE,
}


def status_code_for(
    operation: RemoteOperation, outcome: RemoteOutcome, charger_status: str | None = None
) -> StatusCodeValue:
    """The StatusCode of our acknowledgement (see the module table)."""
    if outcome is not RemoteOutcome.REJECTED:
        return _FIXED[outcome]
    if operation is RemoteOperation.START:
        return StatusCodeValue.EVSE_ALREADY_IN_USE
    if operation is RemoteOperation.RESERVE:
        return _RESERVE_REFUSALS.get(charger_status or "", StatusCodeValue.SERVICE_NOT_AVAILABLE)
    if operation is RemoteOperation.CANCEL_RESERVATION:
        return StatusCodeValue.SESSION_INVALID
    return StatusCodeValue.SYSTEM_ERROR
