"""Records and ports of the OICP remote bridge (:mod:`oicp.remote`); no I/O here.

The link (``oicp_sessions``) statuses: PENDING from the claim until we answered, then
ACTIVE (accepted) or FAILED (refused); ENDED once the session or reservation is over.
Both sides of the OICP interface write these rows (this bridge, and the sending side for
AuthorizeStart, notifications and CDRs), so the statuses and origins are defined here once.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from csms.authorization import AuthorizationDecision
from csms.charging.remote import RemoteResult
from csms.network.types import IdTokenType
from csms.operations.access import OperationOutcome
from csms.operations.requests import CancelReservationBody, ReserveNowBody
from oicp.errors import InvalidIdError
from oicp.ids import parse_operator_id
from oicp.models import Identification

__all__ = [
    "ACTIVE",
    "ENDED",
    "FAILED",
    "ORIGIN_AUTHORIZE",
    "ORIGIN_REMOTE_START",
    "ORIGIN_RESERVATION",
    "PENDING",
    "EvseDirectory",
    "EvsePlace",
    "NewLink",
    "OicpPlatform",
    "RemoteSessionsPort",
    "RemoteToken",
    "ReservationEnded",
    "ReservationsPort",
    "SessionLink",
    "SessionLinks",
    "connector_roaming_id",
    "token_of",
]

ORIGIN_AUTHORIZE = "authorize"  # eRoamingAuthorizeStart for a charger's token
ORIGIN_REMOTE_START = "remote_start"
ORIGIN_RESERVATION = "reservation"
PENDING, ACTIVE, ENDED, FAILED = "PENDING", "ACTIVE", "ENDED", "FAILED"
_BLOCKING_STATUSES = frozenset({"Faulted", "Unavailable"})  # OCPP 1.6 and 2.0.1 words


@dataclass(frozen=True, slots=True)
class OicpPlatform:
    """The roaming platform that called (identified by its client certificate)."""

    id: int
    code: str
    operator_id: str  # our OperatorID on it (the roaming profile's), e.g. SI*TRI


@dataclass(frozen=True, slots=True)
class EvsePlace:
    """The connector behind an EvseID, with what decides whether it can be used."""

    station: str
    charger: str
    connector: str
    ocpp_protocol: str
    reservable: bool
    operative: bool  # neither the station nor the charger is CLOSED
    charger_status: str | None = None  # charger-level OCPP status
    connector_status: str | None = None
    reserved_for: tuple[str, ...] = ()  # id tokens of active reservations holding it

    @property
    def out_of_service(self) -> bool:
        return not self.operative or self.charger_status in _BLOCKING_STATUSES or \
            self.connector_status in _BLOCKING_STATUSES


@dataclass(frozen=True, slots=True)
class NewLink:
    """What a remote start or reservation claims before anything else happens."""

    platform_id: int
    hubject_session_id: str
    cpo_partner_session_id: str
    emp_partner_session_id: str | None
    provider_id: str
    evse_id: str
    identification: dict[str, Any]
    origin: str
    partner_product_id: str | None = None


@dataclass(frozen=True, slots=True)
class SessionLink:
    """A stored link Hubject SessionID <-> our charging session or reservation."""

    id: int
    platform_id: int
    hubject_session_id: str
    cpo_partner_session_id: str
    emp_partner_session_id: str | None
    provider_id: str | None
    evse_id: str
    origin: str
    status: str  # PENDING | ACTIVE | ENDED | FAILED
    charging_session_id: int | None = None
    reservation_id: int | None = None
    status_code: str | None = None  # StatusCode.Code we answered to the claiming request


class EvseDirectory(Protocol):
    async def place(self, platform: OicpPlatform, evse_id: str) -> EvsePlace | None:
        """The roaming-enabled connector published as ``evse_id`` to ``platform``."""
        ...


class SessionLinks(Protocol):
    async def claim(self, link: NewLink) -> tuple[SessionLink, bool]:
        """Stores ``link`` as PENDING; (the existing link, False) when the SessionID is
        already known for the platform."""
        ...

    async def find(self, platform_id: int, hubject_session_id: str) -> SessionLink | None: ...

    async def get(self, link_id: int) -> SessionLink | None: ...

    async def attach_session(self, link_id: int, charging_session_id: int) -> None: ...

    async def attach_reservation(self, link_id: int, reservation_id: int) -> None: ...

    async def settle(self, link_id: int, status: str, status_code: str) -> None:
        """The answer to the claiming request: its code, and the status FAILED, or ACTIVE
        if the link is still PENDING."""
        ...

    async def end(self, link_id: int) -> bool:
        """ACTIVE -> ENDED; False when the link was not ACTIVE (someone else ended it)."""
        ...

    async def session_status(self, charging_session_id: int) -> str | None: ...

    async def reservation_station(self, reservation_id: int) -> str | None: ...

    async def ended_reservations(self) -> list[SessionLink]:
        """ACTIVE reservation links whose reservation is no longer active and that no
        charging session took over."""
        ...


class RemoteSessionsPort(Protocol):
    async def remote_start(
        self, station_code: str, *, charger: str | None, connector: str | None,
        id_token: str, token_type: str | None = None,
        preauthorized: AuthorizationDecision | None = None,
        on_prepared: Callable[[int], Awaitable[None]] | None = None,
    ) -> RemoteResult: ...

    async def remote_stop(self, session_id: int) -> RemoteResult: ...

    async def force_close(self, session_id: int) -> RemoteResult: ...


class ReservationsPort(Protocol):
    async def reserve(self, code: str, body: ReserveNowBody) -> OperationOutcome: ...

    async def cancel(self, code: str, body: CancelReservationBody) -> OperationOutcome: ...


ReservationEnded = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RemoteToken:
    """The id token we hand the charger for an OICP identification."""

    value: str
    type: IdTokenType


def token_of(identification: Identification) -> RemoteToken | None:
    """EvcoID (contract, OCPP 2.0.1 eMAID) first, else the RFID UID; None when neither."""
    if identification.evco_id is not None:
        return RemoteToken(identification.evco_id, IdTokenType.ISO15118)
    if identification.uid is not None:
        return RemoteToken(identification.uid, IdTokenType.RFID)
    return None


_ISO_EVSE = re.compile(r"^([A-Za-z]{2})\*?([A-Za-z0-9]{3})\*?[Ee]([A-Za-z0-9*]{1,30})$")


def connector_roaming_id(evse_id: str, operator_id: str) -> str | None:
    """The connector roaming id inside our EvseID (``SI*TRI*E010107`` -> ``010107``), or
    None when ``evse_id`` is not an ISO EvseID of ``operator_id``.  Upper-cased, as Hubject
    stores EvseIDs; ``*`` separators are optional (``SITRIE010107``)."""
    match = _ISO_EVSE.fullmatch(evse_id)
    if match is None:
        return None
    try:
        operator = parse_operator_id(operator_id)
    except InvalidIdError:
        return None  # a DIN OperatorID: we build no EvseIDs under it
    if (match.group(1).upper(), match.group(2).upper()) != (operator.country, operator.operator):
        return None
    return match.group(3).upper()
