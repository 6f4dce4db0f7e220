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
from ocpi.errors import UnknownLocation
from ocpi.models import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandResult,
    CommandResultType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
    dump_ocpi,
)
from ocpi.ports import PlatformRecord, TokenStore
from ocpi.push import PushSink
from ocpi.routing import RoutingHeaders

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
                 tokens: TokenStore, sink: PushSink) -> None:
        self._remote = remote
        self._operations = operations
        self._places = places
        self._tokens = tokens
        self._sink = sink
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
    def _rejected() -> CommandResponse:
        return CommandResponse(result=CommandResponseType.REJECTED, timeout=0)

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
            return self._rejected()  # an OCPP 1.6 idTag holds 20 characters at most
        await self._tokens.put(platform.id, dump_ocpi(token))
        decision = AuthorizationDecision(
            AuthorizationStatus.ACCEPTED, AuthorizationSource.ROAMING,
            authorization_reference=command.authorization_reference,
            roaming_party=platform.code)

        async def work() -> CommandResult:
            result = await self._remote.remote_start(
                place.station, charger=place.charger, connector=place.connector,
                id_token=token.uid, token_type=_RFID, preauthorized=decision)
            return CommandResult(result=_START_RESULTS.get(result.status,
                                                           CommandResultType.REJECTED))

        self._later(platform, str(command.response_url),
                    (token.country_code, token.party_id), work(), correlation_id)
        return self._accepted()

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
