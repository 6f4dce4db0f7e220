"""What Hubject asks of us, bridged to OCPP: remote start/stop and remote reservations.

Theory of operation.

* Every call answers an eRoamingAcknowledgement, built here and never raised: Result=true
  only when the charger accepted the OCPP operation (RemoteStart/RequestStartTransaction,
  RemoteStop/RequestStopTransaction, ReserveNow, CancelReservation); otherwise the
  StatusCode of :func:`oicp.remote_status.status_code_for`.
* A remote start or reservation first *claims* Hubject's SessionID: the link row
  (``oicp_sessions``: SessionID, our CPOPartnerSessionID, the EMP's, provider, EvseID,
  identification, origin) is written before anything else, unique per platform and
  SessionID. A repeated SessionID does not start anything again: it gets the answer stored
  for the first request (and waits for it while it is still running in this process).
* A remote start mirrors the OCPI START_SESSION bridge (``ocpi.commands``): the driver is
  already authorized by the EMP, so a READY session is prepared as a roaming customer of the
  platform with Hubject's SessionID as authorization reference, and linked to the claim
  *before* the charger is asked (``RemoteSessions.remote_start(on_prepared=...)``): the
  charger's StartTransaction binds to it, a remote stop by SessionID always finds it, and
  the CDR finds the link. A start that is not accepted closes the prepared session.
* Reservations use our own reservation id towards the charger; the link keeps it. A
  reservation stop (or the reservation's end by expiry, use or the charger) moves the link
  to ENDED once and calls ``reservation_ended`` (the outbound side sends the CDR Hubject
  requires after a reservation).
* Hubject wants the answer within 10 s. The OCPP work runs in its own task and is awaited
  for ``answer_within`` seconds; when the charger is slower we answer 501 and undo what
  the late answer did (close the prepared session, cancel the reservation), so what we
  answered stays true.

Ports (no database, no HTTP here; :mod:`oicp.remote_ports`): the EVSE directory, the
SessionID links, the CSMS's remote sessions and reservations, and ``reservation_ended``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import structlog

from csms.authorization import AuthorizationDecision, AuthorizationSource, AuthorizationStatus
from csms.charging.errors import (
    ChargerCallFailed,
    ChargerTimeout,
    SessionConflict,
    SessionNotFound,
    StationNotConnected,
)
from csms.charging.remote import RemoteResult
from csms.network.errors import NetworkError, NotFound
from csms.operations.access import OperationOutcome
from csms.operations.errors import InvalidOperation, ReservationConflict
from csms.operations.requests import CancelReservationBody, ReserveNowBody
from csms.sessions.lifecycle import ACTIVE_STATUSES, SessionStatus
from oicp.models import (
    Acknowledgement,
    AuthorizeRemoteReservationStartRequest,
    AuthorizeRemoteReservationStopRequest,
    AuthorizeRemoteStartRequest,
    AuthorizeRemoteStopRequest,
)
from oicp.remote_ports import (
    ACTIVE,
    ENDED,
    FAILED,
    ORIGIN_REMOTE_START,
    ORIGIN_RESERVATION,
    EvseDirectory,
    EvsePlace,
    NewLink,
    OicpPlatform,
    RemoteSessionsPort,
    RemoteToken,
    ReservationEnded,
    ReservationsPort,
    SessionLink,
    SessionLinks,
    token_of,
)
from oicp.remote_status import RemoteOperation, RemoteOutcome, status_code_for
from oicp.status_codes import StatusCodeValue, failure, success

__all__ = ["RemoteBridge"]

log = structlog.get_logger("evgw.oicp")
T = TypeVar("T")

_OCPP16_ID_TAG_LENGTH = 20


def _evse_key(evse_id: str) -> str:
    """``SI*TRI*E010107`` and ``SITRIE010107`` name the same EVSE."""
    return evse_id.upper().replace("*", "")


@dataclass(frozen=True, slots=True)
class _Result:
    outcome: RemoteOutcome
    charger_status: str | None = None
    info: str | None = None


def _reply(code: StatusCodeValue, session_id: str | None, cpo: str | None, emp: str | None,
           info: str | None = None) -> Acknowledgement:
    if code is StatusCodeValue.SUCCESS:
        return success(session_id=session_id, cpo_partner_session_id=cpo,
                       emp_partner_session_id=emp)
    return failure(code, info, session_id=session_id, cpo_partner_session_id=cpo,
                   emp_partner_session_id=emp)


# How the charger could not be reached, whatever the operation.
CHARGER_UNREACHABLE = (StationNotConnected, ChargerTimeout, ChargerCallFailed)


def _unreachable(exc: Exception) -> _Result:
    if isinstance(exc, StationNotConnected):
        return _Result(RemoteOutcome.OFFLINE, info="the charging station is offline")
    if isinstance(exc, ChargerTimeout):
        return _Result(RemoteOutcome.TIMEOUT, info="the charger did not answer")
    assert isinstance(exc, ChargerCallFailed)
    return _Result(RemoteOutcome.CALL_FAILED, info=exc.detail)


class RemoteBridge:
    def __init__(self, remote: RemoteSessionsPort, reservations: ReservationsPort | None,
                 evses: EvseDirectory, links: SessionLinks, now: Callable[[], datetime], *,
                 answer_within: float = 8.0, reservation_minutes: int = 15,
                 reservation_ended: ReservationEnded | None = None) -> None:
        self._remote = remote
        self._reservations = reservations
        self._evses = evses
        self._links = links
        self._now = now
        self.answer_within = answer_within
        self._reservation_minutes = reservation_minutes
        self.reservation_ended = reservation_ended
        self._inflight: dict[tuple[int, str], asyncio.Task[Acknowledgement]] = {}
        self._background: set[asyncio.Task[None]] = set()

    # --- plumbing ---------------------------------------------------------------------------

    async def _once(self, platform: OicpPlatform, session_id: str,
                    flow: Callable[[], Coroutine[Any, Any, Acknowledgement]]) -> Acknowledgement:
        """Runs ``flow`` once per (platform, SessionID) at a time, shielded from the HTTP
        request's cancellation (a caller hanging up does not leave a half-done claim)."""
        key = (platform.id, session_id)
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        task = asyncio.ensure_future(flow())
        self._inflight[key] = task
        task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    async def _settled(self, platform: OicpPlatform, session_id: str) -> None:
        """Waits for a start/reservation of this SessionID still running here."""
        running = self._inflight.get((platform.id, session_id))
        if running is not None:
            await asyncio.wait({running})

    async def _within(self, work: Awaitable[T],
                      late: Callable[[asyncio.Future[T]], Awaitable[None]] | None = None
                      ) -> T | None:
        """``work``'s result, or None when it takes longer than ``answer_within``; it then
        goes on, and ``late`` gets it when it is done."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.answer_within)
        if task in done:
            return task.result()
        self._spawn(self._after(task, late))
        return None

    def _too_slow(self) -> _Result:
        return _Result(RemoteOutcome.TIMEOUT,
                       info=f"the charger did not answer within {self.answer_within:g} s")

    async def _after(self, task: asyncio.Future[T],
                     late: Callable[[asyncio.Future[T]], Awaitable[None]] | None) -> None:
        await asyncio.wait({task})
        if task.exception() is not None:
            log.info("oicp_late_operation_failed", error=str(task.exception()))
        if late is not None:
            try:
                await late(task)
            except Exception:
                log.exception("oicp_late_operation_undo_failed")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def wait(self) -> None:
        """Until late charger answers have been dealt with (shutdown, tests)."""
        while self._background or self._inflight:
            await asyncio.gather(*self._background, *self._inflight.values(),
                                 return_exceptions=True)

    async def _replay(self, link: SessionLink, origin: str, emp: str | None
                      ) -> Acknowledgement:
        if link.origin != origin:
            return _reply(StatusCodeValue.SESSION_INVALID, link.hubject_session_id,
                          link.cpo_partner_session_id, emp,
                          f"SessionID is already used for a {link.origin.replace('_', ' ')}")
        if link.status_code is None:
            # ``_once`` serializes a SessionID within this process, so a claim without an
            # answer is an orphan: the process that made it stopped before answering.
            return await self._recover_orphan(link, emp)
        log.info("oicp_repeated_request", session_id=link.hubject_session_id,
                 origin=origin, status_code=link.status_code)
        return _reply(StatusCodeValue(link.status_code), link.hubject_session_id,
                      link.cpo_partner_session_id, emp,
                      "repeated request: answered as the first one")

    async def _recover_orphan(self, link: SessionLink, emp: str | None) -> Acknowledgement:
        """Answers a repeated request whose first one was never answered (a restart in
        between). The link became ACTIVE if the charger started or reserved meanwhile: that
        is the answer. Otherwise what was prepared is undone and the claim fails, so the
        SessionID is never stuck in "being processed" (a reservation the charger may hold
        meanwhile expires on its own)."""
        if link.status == ACTIVE:
            code, info = StatusCodeValue.SUCCESS, "recovered after a restart: the charger accepted"
        else:
            await self._abandon(link.id)
            code, info = (StatusCodeValue.SYSTEM_ERROR,
                          "the first request was interrupted by a restart; start a new session")
        await self._links.settle(link.id, ACTIVE if code is StatusCodeValue.SUCCESS else FAILED,
                                 code.value)
        log.warning("oicp_orphan_claim_settled", session_id=link.hubject_session_id,
                    origin=link.origin, link_status=link.status, status_code=code.value)
        return _reply(code, link.hubject_session_id, link.cpo_partner_session_id, emp, info)

    async def _claim(self, platform: OicpPlatform, session_id: str, origin: str,
                     request: AuthorizeRemoteStartRequest | AuthorizeRemoteReservationStartRequest
                     ) -> tuple[SessionLink, bool]:
        return await self._links.claim(NewLink(
            platform_id=platform.id, hubject_session_id=session_id,
            cpo_partner_session_id=str(uuid.uuid4()),
            emp_partner_session_id=request.emp_partner_session_id,
            provider_id=request.provider_id, evse_id=request.evse_id,
            identification=request.identification.to_json(), origin=origin,
            partner_product_id=request.partner_product_id))

    async def _conclude(self, platform: OicpPlatform, operation: RemoteOperation,
                        link: SessionLink, result: _Result, emp: str | None
                        ) -> Acknowledgement:
        code = status_code_for(operation, result.outcome, result.charger_status)
        await self._links.settle(link.id, ACTIVE if code is StatusCodeValue.SUCCESS
                                 else FAILED, code.value)
        log.info("oicp_remote_answered", operation=operation.value, platform=platform.code,
                 session_id=link.hubject_session_id, evse_id=link.evse_id,
                 outcome=result.outcome.value, charger_status=result.charger_status,
                 status_code=code.value, info=result.info)
        return _reply(code, link.hubject_session_id, link.cpo_partner_session_id, emp,
                      result.info)

    # --- remote start ---------------------------------------------------------------------

    async def remote_start(self, platform: OicpPlatform,
                           request: AuthorizeRemoteStartRequest) -> Acknowledgement:
        """eRoamingAuthorizeRemoteStart 2.1."""
        return await self._once(platform, request.session_id,
                                lambda: self._start(platform, request))

    async def _start(self, platform: OicpPlatform,
                     request: AuthorizeRemoteStartRequest) -> Acknowledgement:
        emp = request.emp_partner_session_id
        token = token_of(request.identification)
        if token is None:
            return _reply(StatusCodeValue.DATA_ERROR, request.session_id, None, emp,
                          "Identification carries neither an EvcoID nor a UID")
        link, created = await self._claim(platform, request.session_id, ORIGIN_REMOTE_START,
                                          request)
        if not created:
            return await self._replay(link, ORIGIN_REMOTE_START, emp)
        try:
            result = await self._start_at(platform, link, request, token)
        except Exception as exc:  # never a 500: the claim is answered and kept
            log.exception("oicp_remote_start_crashed", session_id=request.session_id)
            result = _Result(RemoteOutcome.FAILED, info=type(exc).__name__)
        if result.outcome is not RemoteOutcome.ACCEPTED:
            await self._abandon(link.id)
        return await self._conclude(platform, RemoteOperation.START, link, result, emp)

    async def _start_at(self, platform: OicpPlatform, link: SessionLink,
                        request: AuthorizeRemoteStartRequest, token: RemoteToken) -> _Result:
        place = await self._evses.place(platform, request.evse_id)
        refusal = self._refusal(place, token, RemoteOperation.START)
        if refusal is not None:
            return refusal
        assert place is not None
        if place.ocpp_protocol == "1.6" and len(token.value) > _OCPP16_ID_TAG_LENGTH:
            return _Result(RemoteOutcome.INVALID_REQUEST,
                           info="the token is longer than an OCPP 1.6 idTag")
        decision = AuthorizationDecision(
            AuthorizationStatus.ACCEPTED, AuthorizationSource.ROAMING,
            authorization_reference=request.session_id, roaming_party=platform.code)

        async def link_session(session_id: int) -> None:
            await self._links.attach_session(link.id, session_id)

        async def undo(_late: asyncio.Future[RemoteResult]) -> None:
            await self._abandon(link.id)

        try:
            answer = await self._within(self._remote.remote_start(
                place.station, charger=place.charger, connector=place.connector,
                id_token=token.value, token_type=token.type.value, preauthorized=decision,
                on_prepared=link_session), undo)
        except CHARGER_UNREACHABLE as exc:
            return _unreachable(exc)
        except SessionConflict as exc:
            return _Result(RemoteOutcome.EVSE_OCCUPIED, info=exc.detail)
        except NetworkError as exc:
            return _Result(RemoteOutcome.FAILED, info=exc.detail)
        if answer is None:
            return self._too_slow()
        if answer.status == "Accepted":
            return _Result(RemoteOutcome.ACCEPTED)
        if answer.status == "Timeout":
            return _Result(RemoteOutcome.TIMEOUT, info="the charger did not answer")
        return _Result(RemoteOutcome.REJECTED, answer.status,
                       f"the charger answered {answer.status}")

    async def _abandon(self, link_id: int) -> None:
        """Closes the session prepared for a start we did not (or no longer) accept."""
        link = await self._links.get(link_id)
        if link is None or link.charging_session_id is None:
            return
        status = await self._links.session_status(link.charging_session_id)
        if status is None or status not in ACTIVE_STATUSES:
            return
        try:
            await self._remote.force_close(link.charging_session_id)
        except (SessionConflict, SessionNotFound):
            return  # closed meanwhile
        log.info("oicp_remote_start_abandoned", session_id=link.hubject_session_id,
                 charging_session_id=link.charging_session_id)

    @staticmethod
    def _refusal(place: EvsePlace | None, token: RemoteToken,
                 operation: RemoteOperation) -> _Result | None:
        if place is None:
            return _Result(RemoteOutcome.UNKNOWN_EVSE, info="no roaming EVSE has this EvseID")
        if place.out_of_service:
            return _Result(RemoteOutcome.OUT_OF_SERVICE,
                           info="the EVSE is inoperative, faulted or unavailable")
        if operation is RemoteOperation.RESERVE:
            if not place.reservable:
                return _Result(RemoteOutcome.NOT_RESERVABLE,
                               info="the EVSE takes no reservations")
            if place.reserved_for:
                return _Result(RemoteOutcome.EVSE_RESERVED)
        elif any(holder != token.value for holder in place.reserved_for):
            return _Result(RemoteOutcome.EVSE_RESERVED)
        return None

    # --- remote stop ----------------------------------------------------------------------

    async def remote_stop(self, platform: OicpPlatform,
                          request: AuthorizeRemoteStopRequest) -> Acknowledgement:
        """eRoamingAuthorizeRemoteStop 2.1: stops the session started under SessionID."""
        await self._settled(platform, request.session_id)
        emp = request.emp_partner_session_id
        link = await self._links.find(platform.id, request.session_id)
        if link is None or link.origin == ORIGIN_RESERVATION or \
                link.charging_session_id is None:
            return self._stop_answer(platform, request, link, _Result(
                RemoteOutcome.UNKNOWN_SESSION, info="no charging session has this SessionID"))
        if _evse_key(link.evse_id) != _evse_key(request.evse_id):
            return self._stop_answer(platform, request, link, _Result(
                RemoteOutcome.INVALID_REQUEST, info="the session is on another EvseID"))
        emp = emp or link.emp_partner_session_id
        try:
            result = await self._stop_at(link.charging_session_id)
        except Exception as exc:
            log.exception("oicp_remote_stop_crashed", session_id=request.session_id)
            result = _Result(RemoteOutcome.FAILED, info=type(exc).__name__)
        return self._stop_answer(platform, request, link, result, emp)

    async def _stop_at(self, charging_session_id: int) -> _Result:
        status = await self._links.session_status(charging_session_id)
        if status == SessionStatus.READY:
            # Nothing runs on the charger yet: ending the prepared session is the stop.
            await self._remote.force_close(charging_session_id)
            return _Result(RemoteOutcome.ACCEPTED)
        if status is None or status not in ACTIVE_STATUSES:
            return _Result(RemoteOutcome.UNKNOWN_SESSION, info="the session has already ended")
        try:
            answer = await self._within(self._remote.remote_stop(charging_session_id))
        except CHARGER_UNREACHABLE as exc:
            return _unreachable(exc)
        except (SessionConflict, SessionNotFound) as exc:
            return _Result(RemoteOutcome.UNKNOWN_SESSION, info=exc.detail)
        if answer is None or answer.status == "Timeout":
            return _Result(RemoteOutcome.TIMEOUT, info="the charger did not answer in time")
        if answer.status == "Accepted":
            return _Result(RemoteOutcome.ACCEPTED)
        return _Result(RemoteOutcome.REJECTED, answer.status,
                       f"the charger answered {answer.status}")

    @staticmethod
    def _stop_answer(platform: OicpPlatform, request: AuthorizeRemoteStopRequest,
                     link: SessionLink | None, result: _Result,
                     emp: str | None = None) -> Acknowledgement:
        code = status_code_for(RemoteOperation.STOP, result.outcome, result.charger_status)
        log.info("oicp_remote_answered", operation=RemoteOperation.STOP.value,
                 platform=platform.code, session_id=request.session_id,
                 evse_id=request.evse_id, outcome=result.outcome.value,
                 charger_status=result.charger_status, status_code=code.value,
                 info=result.info)
        cpo = link.cpo_partner_session_id if link else request.cpo_partner_session_id
        return _reply(code, request.session_id, cpo, emp or request.emp_partner_session_id,
                      result.info)

    # --- remote reservation start -----------------------------------------------------------

    async def reservation_start(self, platform: OicpPlatform,
                                request: AuthorizeRemoteReservationStartRequest
                                ) -> Acknowledgement:
        """eRoamingAuthorizeRemoteReservationStart 1.1 -> ReserveNow."""
        session_id = request.session_id
        if session_id is None:
            return _reply(StatusCodeValue.SESSION_INVALID, None, None,
                          request.emp_partner_session_id,
                          "a reservation needs the SessionID Hubject assigns")
        return await self._once(platform, session_id,
                                lambda: self._reserve(platform, request, session_id))

    async def _reserve(self, platform: OicpPlatform,
                       request: AuthorizeRemoteReservationStartRequest,
                       session_id: str) -> Acknowledgement:
        emp = request.emp_partner_session_id
        token = token_of(request.identification)
        if token is None:
            return _reply(StatusCodeValue.DATA_ERROR, session_id, None, emp,
                          "Identification carries neither an EvcoID nor a UID")
        link, created = await self._claim(platform, session_id, ORIGIN_RESERVATION, request)
        if not created:
            return await self._replay(link, ORIGIN_RESERVATION, emp)
        try:
            result = await self._reserve_at(platform, link, request, token)
        except Exception as exc:
            log.exception("oicp_reservation_start_crashed", session_id=session_id)
            result = _Result(RemoteOutcome.FAILED, info=type(exc).__name__)
        return await self._conclude(platform, RemoteOperation.RESERVE, link, result, emp)

    async def _reserve_at(self, platform: OicpPlatform, link: SessionLink,
                          request: AuthorizeRemoteReservationStartRequest,
                          token: RemoteToken) -> _Result:
        if self._reservations is None:
            return _Result(RemoteOutcome.NOT_RESERVABLE, info="reservations are not offered")
        reservations = self._reservations
        place = await self._evses.place(platform, request.evse_id)
        refusal = self._refusal(place, token, RemoteOperation.RESERVE)
        if refusal is not None:
            return refusal
        assert place is not None
        minutes = request.duration or self._reservation_minutes
        body = ReserveNowBody(charger=place.charger, connector=place.connector,
                              id_token=token.value, token_type=token.type,
                              expires_at=self._now() + timedelta(minutes=minutes))

        async def undo(late: asyncio.Future[OperationOutcome]) -> None:
            if late.exception() is not None:
                return
            reservation_id = self._reservation_id(late.result())
            if reservation_id is not None:
                await self._links.attach_reservation(link.id, reservation_id)
            if late.result().status == "Accepted" and reservation_id is not None:
                cancelled = await reservations.cancel(
                    place.station, CancelReservationBody(reservation_id=reservation_id))
                log.info("oicp_late_reservation_cancelled", session_id=link.hubject_session_id,
                         reservation_id=reservation_id, charger_status=cancelled.status)

        try:
            outcome = await self._within(reservations.reserve(place.station, body), undo)
        except CHARGER_UNREACHABLE as exc:
            return _unreachable(exc)
        except ReservationConflict as exc:
            return _Result(RemoteOutcome.EVSE_RESERVED, info=exc.detail)
        except InvalidOperation as exc:
            return _Result(RemoteOutcome.INVALID_REQUEST, info=exc.detail)
        except NetworkError as exc:
            return _Result(RemoteOutcome.FAILED, info=exc.detail)
        if outcome is None:
            return self._too_slow()
        reservation_id = self._reservation_id(outcome)
        if reservation_id is not None:
            await self._links.attach_reservation(link.id, reservation_id)
        if outcome.status == "Accepted":
            return _Result(RemoteOutcome.ACCEPTED)
        return _Result(RemoteOutcome.REJECTED, outcome.status,
                       f"the charger answered {outcome.status}")

    @staticmethod
    def _reservation_id(outcome: OperationOutcome) -> int | None:
        value = (outcome.details or {}).get("reservation_id")
        return value if isinstance(value, int) else None

    # --- remote reservation stop ------------------------------------------------------------

    async def reservation_stop(self, platform: OicpPlatform,
                               request: AuthorizeRemoteReservationStopRequest
                               ) -> Acknowledgement:
        """eRoamingAuthorizeRemoteReservationStop 1.1 -> CancelReservation; a CDR follows."""
        await self._settled(platform, request.session_id)
        link = await self._links.find(platform.id, request.session_id)
        emp = request.emp_partner_session_id or (link.emp_partner_session_id if link else None)
        if link is None or link.origin != ORIGIN_RESERVATION:
            result = _Result(RemoteOutcome.UNKNOWN_SESSION,
                             info="no reservation has this SessionID")
        elif _evse_key(link.evse_id) != _evse_key(request.evse_id):
            result = _Result(RemoteOutcome.INVALID_REQUEST,
                             info="the reservation is on another EvseID")
        elif link.status == ENDED:
            result = _Result(RemoteOutcome.ACCEPTED)  # a repeated stop: already done
        elif link.status != ACTIVE or link.reservation_id is None:
            result = _Result(RemoteOutcome.UNKNOWN_SESSION,
                             info="the reservation was never made")
        else:
            try:
                result = await self._cancel_at(link, link.reservation_id)
            except Exception as exc:
                log.exception("oicp_reservation_stop_crashed", session_id=request.session_id)
                result = _Result(RemoteOutcome.FAILED, info=type(exc).__name__)
        code = status_code_for(RemoteOperation.CANCEL_RESERVATION, result.outcome,
                               result.charger_status)
        log.info("oicp_remote_answered", operation=RemoteOperation.CANCEL_RESERVATION.value,
                 platform=platform.code, session_id=request.session_id,
                 evse_id=request.evse_id, outcome=result.outcome.value,
                 charger_status=result.charger_status, status_code=code.value,
                 info=result.info)
        cpo = link.cpo_partner_session_id if link else request.cpo_partner_session_id
        return _reply(code, request.session_id, cpo, emp, result.info)

    async def _cancel_at(self, link: SessionLink, reservation_id: int) -> _Result:
        assert self._reservations is not None  # an ACTIVE reservation link was made by them
        reservations = self._reservations
        station = await self._links.reservation_station(reservation_id)
        if station is None:
            await self._finish(link.id)
            return _Result(RemoteOutcome.ACCEPTED, info="the reservation had already ended")

        async def end_if_cancelled(late: asyncio.Future[OperationOutcome]) -> None:
            if late.exception() is None and late.result().status == "Accepted":
                await self._finish(link.id)

        try:
            outcome = await self._within(reservations.cancel(
                station, CancelReservationBody(reservation_id=reservation_id)),
                end_if_cancelled)
        except (ReservationConflict, NotFound):
            # Used, expired or removed already: it is over, which is what was asked.
            await self._finish(link.id)
            return _Result(RemoteOutcome.ACCEPTED, info="the reservation had already ended")
        except CHARGER_UNREACHABLE as exc:
            return _unreachable(exc)
        if outcome is None:
            return self._too_slow()
        if outcome.status != "Accepted":
            return _Result(RemoteOutcome.REJECTED, outcome.status,
                           f"the charger answered {outcome.status}")
        await self._finish(link.id)
        return _Result(RemoteOutcome.ACCEPTED)

    async def _finish(self, link_id: int) -> bool:
        """The reservation is over: ENDED once, then the CDR Hubject requires. False when
        someone else ended it first, or when a charging session took the reservation's
        SessionID over (the outbound side links it): that session's end sends the CDR."""
        link = await self._links.get(link_id)
        if link is not None and link.charging_session_id is not None:
            log.info("oicp_reservation_became_session", session_id=link.hubject_session_id,
                     charging_session_id=link.charging_session_id)
            return False
        if not await self._links.end(link_id):
            return False
        if self.reservation_ended is None:
            log.error("oicp_reservation_cdr_not_wired", link_id=link_id)
            return True
        try:
            await self.reservation_ended(link_id)
        except Exception:
            log.exception("oicp_reservation_cdr_failed", link_id=link_id)
        return True

    async def close_ended_reservations(self) -> int:
        """The idle job's pass: reservations that expired, were used or were removed by the
        charger end their links (and get their CDR). Returns how many ended."""
        ended = 0
        for link in await self._links.ended_reservations():
            ended += await self._finish(link.id)
        if ended:
            log.info("oicp_reservations_ended", count=ended)
        return ended
