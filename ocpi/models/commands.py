"""OCPI 2.2.1 Commands module objects (we are the Receiver of commands)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ocpi.models.base import URL, CiString36, DateTime, OcpiModel
from ocpi.models.common import DisplayText
from ocpi.models.tokens import Token

__all__ = [
    "CancelReservation",
    "CommandResponse",
    "CommandResponseType",
    "CommandResult",
    "CommandResultType",
    "CommandType",
    "ReserveNow",
    "StartSession",
    "StopSession",
    "UnlockConnector",
    "command_model",
]


class CommandType(StrEnum):
    """The ``{command}`` path segment of POST ``{commands}/{command}``."""

    CANCEL_RESERVATION = "CANCEL_RESERVATION"
    RESERVE_NOW = "RESERVE_NOW"
    START_SESSION = "START_SESSION"
    STOP_SESSION = "STOP_SESSION"
    UNLOCK_CONNECTOR = "UNLOCK_CONNECTOR"


class CommandResponseType(StrEnum):
    """Synchronous answer: did the CPO understand and forward the command."""

    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    ACCEPTED = "ACCEPTED"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class CommandResultType(StrEnum):
    """Asynchronous result reported by the charge point."""

    ACCEPTED = "ACCEPTED"
    CANCELED_RESERVATION = "CANCELED_RESERVATION"
    EVSE_OCCUPIED = "EVSE_OCCUPIED"
    EVSE_INOPERATIVE = "EVSE_INOPERATIVE"
    FAILED = "FAILED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TIMEOUT = "TIMEOUT"
    UNKNOWN_RESERVATION = "UNKNOWN_RESERVATION"


class CancelReservation(OcpiModel):
    """CANCEL_RESERVATION request."""

    response_url: URL
    reservation_id: CiString36


class ReserveNow(OcpiModel):
    """RESERVE_NOW request (same location + reservation_id replaces the reservation)."""

    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class StartSession(OcpiModel):
    """START_SESSION request (``connector_id`` needs ``evse_uid``)."""

    response_url: URL
    token: Token
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class StopSession(OcpiModel):
    """STOP_SESSION request."""

    response_url: URL
    session_id: CiString36


class UnlockConnector(OcpiModel):
    """UNLOCK_CONNECTOR request (helpdesk only)."""

    response_url: URL
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36


class CommandResponse(OcpiModel):
    """Body of our answer to a command POST; ``timeout`` in seconds."""

    result: CommandResponseType
    timeout: int = Field(ge=0)
    message: list[DisplayText] | None = None


class CommandResult(OcpiModel):
    """Body we POST to the command's ``response_url``."""

    result: CommandResultType
    message: list[DisplayText] | None = None


_MODELS: dict[CommandType, type[OcpiModel]] = {
    CommandType.CANCEL_RESERVATION: CancelReservation,
    CommandType.RESERVE_NOW: ReserveNow,
    CommandType.START_SESSION: StartSession,
    CommandType.STOP_SESSION: StopSession,
    CommandType.UNLOCK_CONNECTOR: UnlockConnector,
}


def command_model(command: CommandType | str) -> type[OcpiModel]:
    """The request model of a command name; ``KeyError``/``ValueError`` for unknown names."""
    return _MODELS[CommandType(command)]
