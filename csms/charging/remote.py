"""Remote start and stop, force close, and the idle-session job, for internal callers
(admin API now; OCPI, OICP and payment terminals later).

Theory of operation. A remote start creates a READY session first (so a concurrent start
on the same connector or by the same customer is refused: first come, first served under
the station lock), then asks the charger. "Rejected" closes the session at once; silence
or a timeout leaves it READY, and the idle job closes it after the ready-session
expiration. A force close asks the charger to stop and closes the session whatever the
charger answers, or when it does not answer at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from csms.authorization import AuthorizationDecision, AuthorizationStatus
from csms.charging.errors import (
    ChargerTimeout,
    SessionConflict,
    SessionNotFound,
    StationNotConnected,
)
from csms.charging.ports import CsmsUnitOfWork
from csms.charging.records import SessionRecord, StationInfo
from csms.charging.sessions import SessionService
from csms.clock import Clock
from csms.network.errors import NotFound, RuleViolation
from csms.sessions.idle import IdleAction, SessionSnapshot, idle_actions
from csms.sessions.lifecycle import ACTIVE_STATUSES, SessionStatus
from csms.sessions.settings import effective_idle

log = structlog.get_logger("evgw.sessions")
# Connector statuses that show a vehicle plugged in (1.6 and 2.0.1 names).
_OCCUPIED = frozenset({"Preparing", "Occupied", "SuspendedEV", "SuspendedEVSE", "Finishing"})


@dataclass(frozen=True)
class RemoteResult:
    status: str  # the charger's answer, or "Timeout"
    session_id: int | None
    session_status: str | None


class RemoteSessions:
    def __init__(self, uow: CsmsUnitOfWork, sessions: SessionService, clock: Clock,
                 stop_timeout: float = 10.0) -> None:
        self._uow = uow
        self._sessions = sessions
        self._clock = clock
        self._stop_timeout = stop_timeout

    async def _station(self, code: str) -> StationInfo:
        async with self._uow() as repo:
            station = await repo.station_by_code(code)
        if station is None:
            raise NotFound(f"station {code!r} does not exist")
        return station

    def _control(self, station: StationInfo):  # type: ignore[no-untyped-def]
        control = self._sessions.control
        if control is None or not control.is_connected(station.code):
            raise StationNotConnected(f"station {station.code!r} is not connected")
        return control

    async def remote_start(
        self, station_code: str, *, charger: str | None, connector: str | None,
        id_token: str, token_type: str | None = None,
        preauthorized: AuthorizationDecision | None = None,
        on_prepared: Callable[[int], Awaitable[None]] | None = None,
    ) -> RemoteResult:
        """``preauthorized``: a roaming party (OCPI START_SESSION, OICP remote start, a
        payment terminal) already authorized the driver; its decision is used as is.
        ``on_prepared`` gets the READY session's id before the charger is asked, so a caller
        can link it first (OICP: Hubject's SessionID, found again by a remote stop)."""
        station = await self._station(station_code)
        control = self._control(station)
        charger_info = next((c for c in station.chargers if c.code == charger), None) \
            if charger else station.only_charger()
        if charger_info is None:
            raise RuleViolation(
                "charger is required (the station has several)" if charger is None
                else f"charger {charger!r} is not on station {station.code!r}", field="charger")
        connector_info = None
        if connector is not None:
            connector_info = next((c for c in charger_info.connectors if c.code == connector),
                                  None)
            if connector_info is None:
                raise RuleViolation(f"connector {connector!r} is not on charger "
                                    f"{charger_info.code!r}", field="connector")
        elif len(charger_info.connectors) == 1:
            connector_info = charger_info.connectors[0]
        rating = self._sessions.rating_for(station, charger_info)
        if rating.start_restriction_connector_occupied and (
                connector_info is None or (connector_info.status or "") not in _OCCUPIED):
            raise SessionConflict(
                "the start restriction needs the vehicle plugged in: the connector is "
                f"{connector_info.status if connector_info else 'not chosen'}",
                field="connector")
        decision = preauthorized or await self._sessions.authorize(
            station, id_token, token_type, charger_info, connector_info)
        if not decision.accepted:
            return RemoteResult(f"Refused: {decision.status}", None, SessionStatus.REFUSED)
        session = await self._prepare(station, charger_info.id,
                                      connector_info.id if connector_info else None,
                                      id_token, token_type, decision)
        assert session.id is not None
        if on_prepared is not None:
            try:
                await on_prepared(session.id)
            except Exception:
                await self._sessions.close(station, session.id, "REMOTE_START_ABORTED")
                raise
        try:
            answer = await control.remote_start(
                station.code, evse_id=charger_info.evse_id,
                connector_id=connector_info.ocpp_connector_id if connector_info else None,
                id_token=id_token, token_type=token_type, remote_start_id=session.id)
        except (TimeoutError, ChargerTimeout):
            log.warning("remote_start_unanswered", station_id=station.code,
                        session_id=session.id)
            return RemoteResult("Timeout", session.id, SessionStatus.READY)
        if answer != "Accepted":
            closed = await self._sessions.close(station, session.id, "REMOTE_START_REJECTED")
            return RemoteResult(answer, session.id, closed.status if closed else None)
        return RemoteResult(answer, session.id, SessionStatus.READY)

    async def _prepare(
        self, station: StationInfo, charger_id: int, connector_id: int | None, id_token: str,
        token_type: str | None, decision: AuthorizationDecision,
    ) -> SessionRecord:
        customer_id = decision.customer_id
        now = self._clock.now()
        async with self._sessions.station_lock(station.id), self._uow() as repo:
            active = list(ACTIVE_STATUSES)
            if connector_id is not None and await repo.sessions_where(
                    connector_id=connector_id, status__in=active):
                raise SessionConflict("the connector already has an active session",
                                      field="connector")
            if customer_id is not None and await repo.sessions_where(
                    customer_id=customer_id, status__in=active):
                raise SessionConflict("the customer already has an active session",
                                      field="id_token")
            session = SessionRecord(
                id=None, status=SessionStatus.READY, station_id=station.id,
                charger_id=charger_id, connector_id=connector_id,
                authorization_mode=self._sessions.mode_of(decision, customer_id),
                created_at=now, updated_at=now, last_event_at=now, id_token=id_token,
                id_token_type=token_type, customer_id=customer_id, currency=station.currency,
                roaming_platform=decision.roaming_party,
                authorization_reference=decision.authorization_reference,
                monetary_limit=decision.monetary_limit)
            await repo.insert_session(session)
            session.remote_start_id = session.id
            await repo.save_session(session)
        log.info("remote_start_prepared", station_id=station.code, session_id=session.id)
        return session

    async def _session(self, session_id: int) -> tuple[StationInfo, SessionRecord]:
        async with self._uow() as repo:
            session = await repo.session_by_id(session_id)
            station = None
            if session is not None:
                station = await repo.station_by_id(session.station_id)
        if session is None or station is None:
            raise SessionNotFound(f"session {session_id} does not exist")
        return station, session

    async def remote_stop(self, session_id: int) -> RemoteResult:
        station, session = await self._session(session_id)
        if session.status not in ACTIVE_STATUSES or session.transaction_id is None:
            raise SessionConflict(f"session {session_id} is {session.status} and has no "
                                  "running transaction to stop")
        control = self._control(station)
        await self._mark_stop_requested(station, session_id)
        try:
            answer = await control.remote_stop(station.code, session.transaction_id)
        except (TimeoutError, ChargerTimeout):
            return RemoteResult("Timeout", session_id, session.status)
        return RemoteResult(answer, session_id, session.status)

    async def _mark_stop_requested(self, station: StationInfo, session_id: int) -> None:
        async with self._sessions.station_lock(station.id), self._uow() as repo:
            session = await repo.session_by_id(session_id)
            if session is not None and session.stop_requested_at is None:
                session.stop_requested_at = self._clock.now()
                await repo.save_session(session)

    async def force_close(self, session_id: int) -> RemoteResult:
        """Asks the charger to stop (briefly) and closes the session regardless."""
        station, session = await self._session(session_id)
        if session.status not in ACTIVE_STATUSES:
            raise SessionConflict(f"session {session_id} is already {session.status}")
        answer = "NotSent"
        control = self._sessions.control
        if session.transaction_id and control is not None and \
                control.is_connected(station.code):
            try:
                answer = await asyncio.wait_for(
                    control.remote_stop(station.code, session.transaction_id),
                    self._stop_timeout)
            except Exception as exc:  # whatever the charger does, we close
                answer = "Timeout" if isinstance(exc, TimeoutError | ChargerTimeout) else \
                    "Failed"
        closed = await self._sessions.close(station, session_id, "FORCE_CLOSED")
        log.info("session_force_closed", station_id=station.code, session_id=session_id,
                 charger_answer=answer)
        return RemoteResult(answer, session_id, closed.status if closed else None)

    async def run_idle_check(self) -> dict[str, int]:
        """One pass of the idle-session job at the clock's current time."""
        now = self._clock.now()
        counts = {action.value: 0 for action in IdleAction}
        async with self._uow() as repo:
            sessions = await repo.active_sessions([s.value for s in ACTIVE_STATUSES])
            stations = {sid: await repo.station_by_id(sid)
                        for sid in {s.station_id for s in sessions}}
        for station_id, station in stations.items():
            if station is None:
                continue
            idle = effective_idle(station.site_idle, station.operator_idle)
            snapshots = [
                SessionSnapshot(str(s.id), SessionStatus(s.status), s.created_at,
                                s.last_event_at, s.stop_requested_at)
                for s in sessions if s.station_id == station_id
            ]
            by_id = {str(s.id): s for s in sessions}
            for session_id, action in idle_actions(snapshots, idle, now):
                counts[action.value] += 1
                session = by_id[session_id]
                if action is IdleAction.EXPIRE_ONGOING and session.transaction_id:
                    await self._try_stop(station, session)
                await self._sessions.close(station, int(session_id), action.value, now)
        if any(counts.values()):
            log.info("idle_sessions_closed", **counts)
        return counts

    async def _try_stop(self, station: StationInfo, session: SessionRecord) -> None:
        control = self._sessions.control
        if control is None or not control.is_connected(station.code) or \
                session.transaction_id is None:
            return
        try:
            await asyncio.wait_for(control.remote_stop(station.code, session.transaction_id),
                                   self._stop_timeout)
        except Exception as exc:  # the session is closed anyway
            log.warning("idle_stop_failed", station_id=station.code, session_id=session.id,
                        error=str(exc))


__all__ = ["AuthorizationStatus", "RemoteResult", "RemoteSessions"]
