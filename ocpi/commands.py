"""Commands receiver bridged to OCPP.

Theory of operation. The POST is answered at once with a CommandResponse: ACCEPTED (with
the timeout within which the result follows), REJECTED (unknown EVSE, token unusable on
the charger), NOT_SUPPORTED, or UNKNOWN_SESSION; an unknown location is 2003. The OCPP
operation then runs in a task, and its outcome becomes a CommandResult POSTed to the
eMSP's ``response_url`` through the outbox. A START_SESSION prepares a READY session
already authorized by the eMSP (mode roaming customer, the eMSP's authorization
reference), so the charger's StartTransaction binds to it and its cdr_token is the
command's token. Reservations use our own reservation id towards the charger; the eMSP's
reservation id is only ever mapped, never sent.

Payment terminals. A START_SESSION from a payment terminal provider (platform type PTP)
is a card payment, not a customer's contract: it must carry the PTP's
``authorization_reference`` (the reference of the pre-authorization, which its financial
advice confirmation names later), the EVSE must be priced by a roaming tariff assigned to
that PTP (else the card would pay nothing), and the READY session is prepared in
authorization mode PAYMENT_TRANSACTION without a customer, with the tariff's maximum
payment authorization amount as its monetary limit (the CSMS stops it there). Anything
else is REJECTED at once, with a message saying why.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC
from typing import Any, Protocol

import structlog

from csms.authorization import AuthorizationDecision, AuthorizationSource, AuthorizationStatus
from csms.charging.errors import SessionConflict, StationNotConnected
from csms.network.errors import NetworkError
from csms.operations.requests import (
    CancelReservationBody,
    ReserveNowBody,
    UnlockConnectorBody,
)
from csms.sessions.lifecycle import AuthorizationMode
from ocpi.errors import UnknownLocation
from ocpi.models import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    DisplayText,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
    dump_ocpi,
)
from ocpi.ports import PlatformRecord, PreauthorizationSource, TokenStore
from ocpi.push import PushSink
from ocpi.routing import RoutingHeaders
from ocpi.versions import PTP

log = structlog.get_logger("evgw.ocpi")
RESULT_TIMEOUT = 60  # seconds within which we promise the CommandResult
OCPP16_ID_TAG_LENGTH = 20
_RFID = "RFID"  # our identification-device type for OCPI tokens towards the charger


class PlaceResolver(Protocol):
    async def resolve(self, location_id: str, evse_uid: str | None) -> Any: ...

    async def session_platform(self, session_id: int) -> str | None: ...

    async def map_reservation(self, platform_id: int, country: str, party: str,
                              reservation_id: str, ours: int | None) -> int | None: ...

    async def reservation_station(self, reservation_id: int) -> str | None: ...


_START_RESULTS = {"Accepted": CommandResultType.ACCEPTED, "Rejected": CommandResultType.REJECTED,
                  "Timeout": CommandResultType.TIMEOUT}


class CommandBridge:
    def __init__(self, remote: Any, operations: Any, places: PlaceResolver,
                 tokens: TokenStore, sink: PushSink,
                 preauthorization: PreauthorizationSource | None = None) -> None:
        self._remote = remote
        self._operations = operations
        self._places = places
        self._tokens = tokens
        self._sink = sink
        self._preauthorization = preauthorization
        self._tasks: set[asyncio.Task[None]] = set()

    def _later(self, platform: PlatformRecord, response_url: str, to: tuple[str, str] | None,
               work: Any, correlation_id: str | None) -> None:
        """Runs ``work`` and POSTs its CommandResult, continuing the command's
        X-Correlation-ID."""
        async def run() -> None:
            try:
                result = await work
            except StationNotConnected:
                result = CommandResult(result=CommandResultType.EVSE_INOPERATIVE)
            except SessionConflict:
                result = CommandResult(result=CommandResultType.EVSE_OCCUPIED)
            except NetworkError as exc:
                log.info("ocpi_command_failed", platform=platform.code, error=exc.detail)
                result = CommandResult(result=CommandResultType.FAILED)
            except Exception:
                log.exception("ocpi_command_crashed", platform=platform.code)
                result = CommandResult(result=CommandResultType.FAILED)
            headers = RoutingHeaders(platform.party.country_code, platform.party.party_id,
                                     *(to or (None, None))).as_headers()
            await self._sink.push(partner=platform.code, stream=f"commands:{uuid.uuid4()}",
                                  method="POST", url=response_url, body=dump_ocpi(result),
                                  kind="command_result", headers=headers,
                                  correlation_id=correlation_id)
            log.info("ocpi_command_result", platform=platform.code, result=result.result)

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    @staticmethod
    def _accepted() -> CommandResponse:
        return CommandResponse(result=CommandResponseType.ACCEPTED, timeout=RESULT_TIMEOUT)

    @staticmethod
    def _rejected(why: str | None = None) -> CommandResponse:
        message = [DisplayText(language="en", text=why)] if why else None
        return CommandResponse(result=CommandResponseType.REJECTED, timeout=0, message=message)

    async def _place(self, location_id: str, evse_uid: str | None) -> Any:
        place = await self._places.resolve(location_id, evse_uid)
        if place is None:
            raise UnknownLocation(f"location {location_id} is unknown",
                                  data=dump_ocpi(self._rejected()))
        return place

    async def start(self, platform: PlatformRecord, command: StartSession,
                    correlation_id: str | None = None) -> CommandResponse:
        place = await self._place(command.location_id, command.evse_uid)
        if place == "ambiguous":
            return self._rejected()
        token = command.token
        if place.ocpp_protocol == "1.6" and len(token.uid) > OCPP16_ID_TAG_LENGTH:
            return self._rejected("the token uid is longer than an OCPP 1.6 idTag (20)")
        if platform.type.upper() == PTP:
            decision_or_why = await self._payment(platform, command, place.charger)
            if isinstance(decision_or_why, str):
                log.info("ocpi_payment_start_rejected", platform=platform.code,
                         reason=decision_or_why)
                return self._rejected(decision_or_why)
            decision = decision_or_why
        else:
            decision = AuthorizationDecision(
                AuthorizationStatus.ACCEPTED, AuthorizationSource.ROAMING,
                authorization_reference=command.authorization_reference,
                roaming_party=platform.code)
        await self._tokens.put(platform.id, dump_ocpi(token))

        async def work() -> CommandResult:
            result = await self._remote.remote_start(
                place.station, charger=place.charger, connector=place.connector,
                id_token=token.uid, token_type=_RFID, preauthorized=decision)
            return CommandResult(result=_START_RESULTS.get(result.status,
                                                           CommandResultType.REJECTED))

        self._later(platform, str(command.response_url),
                    (token.country_code, token.party_id), work(), correlation_id)
        return self._accepted()

    async def _payment(self, platform: PlatformRecord, command: StartSession,
                       charger: str) -> AuthorizationDecision | str:
        """The decision of a payment terminal's session, or why it cannot start."""
        if not command.authorization_reference:
            return "a payment terminal session needs the authorization_reference"
        if self._preauthorization is None:
            return "payment terminal sessions are not available"
        pre = await self._preauthorization.preauthorization(platform.code, charger)
        if not pre.priced:
            return "no roaming tariff of this payment terminal provider prices this EVSE"
        log.info("ocpi_payment_start", platform=platform.code,
                 authorization_reference=command.authorization_reference,
                 preauthorized=str(pre.amount) if pre.amount is not None else None)
        return AuthorizationDecision(
            AuthorizationStatus.ACCEPTED, AuthorizationSource.ROAMING,
            authorization_reference=command.authorization_reference,
            roaming_party=platform.code, mode=AuthorizationMode.PAYMENT_TRANSACTION,
            monetary_limit=pre.amount)

    async def stop(self, platform: PlatformRecord, command: StopSession,
                    correlation_id: str | None = None) -> CommandResponse:
        try:
            session_id = int(command.session_id)
        except ValueError:
            return CommandResponse(result=CommandResponseType.UNKNOWN_SESSION, timeout=0)
        if await self._places.session_platform(session_id) != platform.code:
            return CommandResponse(result=CommandResponseType.UNKNOWN_SESSION, timeout=0)

        async def work() -> CommandResult:
            result = await self._remote.remote_stop(session_id)
            return CommandResult(result=_START_RESULTS.get(result.status,
                                                           CommandResultType.REJECTED))

        self._later(platform, str(command.response_url), None, work(), correlation_id)
        return self._accepted()

    async def unlock(self, platform: PlatformRecord, command: UnlockConnector,
                     correlation_id: str | None = None) -> CommandResponse:
        if self._operations is None:
            return CommandResponse(result=CommandResponseType.NOT_SUPPORTED, timeout=0)
        place = await self._place(command.location_id, command.evse_uid)
        if place == "ambiguous":
            return self._rejected()

        async def work() -> CommandResult:
            outcome = await self._operations.stations.unlock_connector(
                place.station, UnlockConnectorBody(charger=place.charger,
                                                   connector=place.connector))
            unlocked = outcome.status in ("Unlocked", "Accepted")
            return CommandResult(result=CommandResultType.ACCEPTED if unlocked
                                 else CommandResultType.REJECTED)

        self._later(platform, str(command.response_url), None, work(), correlation_id)
        return self._accepted()

    async def reserve(self, platform: PlatformRecord, command: ReserveNow,
                    correlation_id: str | None = None) -> CommandResponse:
        if self._operations is None:
            return CommandResponse(result=CommandResponseType.NOT_SUPPORTED, timeout=0)
        place = await self._place(command.location_id, command.evse_uid)
        if place == "ambiguous":
            return self._rejected()
        token = command.token
        await self._tokens.put(platform.id, dump_ocpi(token))

        async def work() -> CommandResult:
            outcome = await self._operations.reservations.reserve(
                place.station, ReserveNowBody(
                    charger=place.charger, connector=place.connector, id_token=token.uid,
                    expires_at=command.expiry_date.astimezone(UTC)))
            ours = (outcome.details or {}).get("reservation_id")
            await self._places.map_reservation(platform.id, token.country_code,
                                               token.party_id, command.reservation_id, ours)
            return CommandResult(result=CommandResultType.ACCEPTED
                                 if outcome.status == "Accepted"
                                 else CommandResultType.REJECTED)

        self._later(platform, str(command.response_url),
                    (token.country_code, token.party_id), work(), correlation_id)
        return self._accepted()

    async def cancel(self, platform: PlatformRecord, command: CancelReservation,
                     correlation_id: str | None = None) -> CommandResponse:
        if self._operations is None:
            return CommandResponse(result=CommandResponseType.NOT_SUPPORTED, timeout=0)
        party = next(iter(platform.roles), {})
        ours = await self._places.map_reservation(
            platform.id, str(party.get("country_code", "")), str(party.get("party_id", "")),
            command.reservation_id, None)
        if ours is None:
            return self._rejected()

        async def work() -> CommandResult:
            station = await self._places.reservation_station(ours)
            outcome = await self._operations.reservations.cancel(
                station, CancelReservationBody(reservation_id=ours))
            return CommandResult(result=CommandResultType.CANCELED_RESERVATION
                                 if outcome.status == "Accepted"
                                 else CommandResultType.UNKNOWN_RESERVATION)

        self._later(platform, str(command.response_url), None, work(), correlation_id)
        return self._accepted()
