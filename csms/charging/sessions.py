"""The session engine's use cases: authorize, start, meter, stop, status-driven durations,
limits and closing. Version-neutral: the OCPP handlers translate messages into these calls.

Theory of operation. A session is created READY by a remote start, or IN_PROGRESS when a
charger starts a transaction (binding a READY session of the same token/remote-start id
when there is one, or reactivating a recently closed one inside the grace period). Every
change runs under the station's lock in one unit of work: energy readings go through the
pure validation of ``csms.sessions.energy``, connector statuses switch the duration scope
(``csms.sessions.durations``), the amount is re-rated and limits are checked; a reached
limit sets LIMIT_REACHED and asks the charger to stop. A stop event closes the session
(termination strategy "charging end") or keeps it in park time until the connector is
released ("parking end"). Replays are idempotent: a start with the same station,
connector, time and meter start returns the existing session; an event for a closed
session changes nothing.

Layout. This module holds the flows (authorize, start/bind/reactivate, meter values and
updates, connector status, stop/close) and the station lock with its unit of work. The
session record's bookkeeping lives beside it: ``session_metering`` maps the stored duration
totals/scope to a tracker and back and applies energy readings; ``session_rating`` prices
the session (roaming-tariff pricer, else the simple pricing) and checks its limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import structlog

from csms.authorization import (
    NO_AUTHORIZATION,
    AuthorizationDecision,
    AuthorizationRequest,
    AuthorizationSource,
    AuthorizationStatus,
    Authorizer,
)
from csms.charging.control import ChargerControl
from csms.charging.ports import CsmsRepository, CsmsUnitOfWork
from csms.charging.records import (
    ChargerInfo,
    ConnectorInfo,
    MeterValueRow,
    SessionRecord,
    StationInfo,
)
from csms.charging.session_metering import (
    apply_energy_reading,
    apply_energy_samples,
    close_durations,
    store_tracker,
    switch_session_scope,
)
from csms.charging.session_rating import (
    SessionPricer,
    check_limits,
    rate,
    rate_final,
    rating_for,
)
from csms.clock import Clock
from csms.events import (
    DomainEvent,
    EventPublisher,
    MeterValuesReceived,
    SessionEnded,
    SessionStarted,
    SessionUpdated,
)
from csms.ocpp.metering import Sample
from csms.sessions.durations import DurationScope, scope_for_status, start_tracking
from csms.sessions.energy import EnergyReading, ReadingPhase
from csms.sessions.lifecycle import (
    ACTIVE_STATUSES,
    AuthorizationMode,
    SessionStatus,
    can_transition,
)
from csms.sessions.reactivation import may_reactivate
from csms.sessions.settings import EffectiveRating

__all__ = ["SERVER_CLOSE_REASONS", "SessionPricer", "SessionService", "StartOutcome",
           "StartRequest"]

log = structlog.get_logger("evgw.sessions")

_TRACKED = (SessionStatus.IN_PROGRESS, SessionStatus.LIMIT_REACHED, SessionStatus.CLOSING)
# Reasons of closes decided by the central system, not by a stop event of the charger: only
# such sessions may be reactivated when the charger goes on reporting (the manual's rule).
SERVER_CLOSE_REASONS = frozenset({"FORCE_CLOSED", "EXPIRE_READY", "EXPIRE_ONGOING",
                                  "FORCE_CLOSE", "SUPERSEDED"})


@dataclass(frozen=True)
class StartRequest:
    station: StationInfo
    charger: ChargerInfo | None
    connector: ConnectorInfo | None
    at: datetime
    id_token: str | None
    token_type: str | None
    meter_start_wh: Decimal | None
    transaction_id: str | None = None  # 2.0.1 gives one; 1.6 gets the session id
    remote_start_id: int | None = None
    reservation_id: int | None = None
    offline: bool = False


@dataclass(frozen=True)
class StartOutcome:
    session: SessionRecord
    decision: AuthorizationDecision


_DEFERRED: ContextVar[list[DomainEvent] | None] = ContextVar("deferred_events", default=None)


def _source_of(session: SessionRecord) -> AuthorizationSource:
    return (AuthorizationSource.ROAMING if session.roaming_platform is not None
            else AuthorizationSource.LOCAL)


class SessionService:
    def __init__(
        self, uow: CsmsUnitOfWork, authorizer: Authorizer, events: EventPublisher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._events = events
        self._clock = clock
        self._locks: dict[int, asyncio.Lock] = {}
        self.control: ChargerControl | None = None  # set by the composition root
        self.pricer: SessionPricer | None = None  # roaming tariffs (set by the root)
        # Meter values outside any session are diagnostics: written in batches when a sink
        # is set, instead of a transaction per message on the connection's path.
        self.general_meter_values: Callable[[Sequence[MeterValueRow]], None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    def station_lock(self, station_id: int) -> asyncio.Lock:
        return self._locks.setdefault(station_id, asyncio.Lock())

    @asynccontextmanager
    async def _tx(self, station: StationInfo) -> AsyncIterator[CsmsRepository]:
        """The station's lock and one unit of work; events raised inside are published
        only after the commit, so no subscriber ever reads uncommitted state."""
        events: list[DomainEvent] = []
        token = _DEFERRED.set(events)
        try:
            async with self.station_lock(station.id), self._uow() as repo:
                yield repo
        finally:
            _DEFERRED.reset(token)
        for event in events:
            self._events.publish(event)

    def _emit(self, event: DomainEvent) -> None:
        pending = _DEFERRED.get()
        if pending is None:
            self._events.publish(event)
        else:
            pending.append(event)

    # --- authorization ---------------------------------------------------------------------

    async def authorize(
        self, station: StationInfo, id_token: str, token_type: str | None,
        charger: ChargerInfo | None = None, connector: ConnectorInfo | None = None,
    ) -> AuthorizationDecision:
        """Authorizes a token; a known customer who is refused gets a REFUSED session.

        A token a remote start prepared a READY session for is already authorized by whoever
        asked for the start (a CPO operator, an eMSP, Hubject, a payment terminal): chargers
        configured to authorize remote starts (1.6 AuthorizeRemoteTxRequests, 2.0.1
        AuthorizeRemoteStart) send Authorize for it, and the chain must not be asked again
        (a terminal's ad hoc token is unknown to it; Hubject would open a second session)."""
        prepared = await self._prepared_for_token(station, id_token, connector)
        if prepared is not None:
            log.info("token_authorized", station_id=station.code, status=prepared.status,
                     source=prepared.source, customer=prepared.customer_code,
                     prepared_by="remote_start")
            return prepared
        decision = await self._authorizer.authorize(AuthorizationRequest(
            station.code, charger.code if charger else None,
            connector.code if connector else None, id_token, token_type))
        async with self._tx(station) as repo:
            if decision.accepted and decision.customer_id is not None:
                busy = [s for s in await repo.sessions_where(
                    customer_id=decision.customer_id,
                    status__in=[SessionStatus.IN_PROGRESS, SessionStatus.LIMIT_REACHED])
                    if s.connector_id != (connector.id if connector else s.connector_id)]
                if busy:
                    decision = AuthorizationDecision(
                        AuthorizationStatus.CONCURRENT_TX, decision.source,
                        decision.customer_id, decision.customer_code)
            if not decision.accepted and decision.customer_known:
                await self._refused(repo, station, charger, connector, id_token, token_type,
                                    decision)
        log.info("token_authorized", station_id=station.code, status=decision.status,
                 source=decision.source, customer=decision.customer_code)
        return decision

    async def _refused(
        self, repo: CsmsRepository, station: StationInfo, charger: ChargerInfo | None,
        connector: ConnectorInfo | None, id_token: str, token_type: str | None,
        decision: AuthorizationDecision,
    ) -> SessionRecord:
        now = self._clock.now()
        session = SessionRecord(
            id=None, status=SessionStatus.REFUSED, station_id=station.id,
            charger_id=charger.id if charger else None,
            connector_id=connector.id if connector else None,
            authorization_mode=self._mode(decision), created_at=now, updated_at=now,
            last_event_at=now, ended_at=now, id_token=id_token, id_token_type=token_type,
            customer_id=decision.customer_id, stop_reason=f"AUTHORIZATION_{decision.status}",
            currency=station.currency)
        await repo.insert_session(session)
        return session

    def mode_of(self, decision: AuthorizationDecision, customer_id: int | None) -> str:
        """Authorization mode of a prepared session (remote start)."""
        if decision.mode is not None:
            return decision.mode
        if decision.roaming_party is not None:
            return AuthorizationMode.ROAMING_CUSTOMER
        return AuthorizationMode.CUSTOMER if customer_id else AuthorizationMode.PUBLIC_FREE

    @staticmethod
    def _mode(decision: AuthorizationDecision | None) -> str:
        if decision is None:
            return AuthorizationMode.PUBLIC_FREE
        if decision.mode is not None:
            return decision.mode
        if decision.roaming_party is not None:
            return AuthorizationMode.ROAMING_CUSTOMER
        return AuthorizationMode.CUSTOMER

    def rating_for(self, station: StationInfo, charger: ChargerInfo | None) -> EffectiveRating:
        return rating_for(station, charger)

    # --- start -----------------------------------------------------------------------------

    async def start(self, request: StartRequest) -> StartOutcome:
        """A transaction started on the charger (1.6 StartTransaction, 2.0.1 Started)."""
        station, connector = request.station, request.connector
        decision: AuthorizationDecision | None = None
        prepared = await self._prepared_decision(request)
        if prepared is not None:
            decision = prepared  # a remote start already authorized this driver
        elif request.id_token is not None and request.token_type != NO_AUTHORIZATION:
            decision = await self._authorizer.authorize(AuthorizationRequest(
                station.code, request.charger.code if request.charger else None,
                connector.code if connector else None, request.id_token, request.token_type))
        async with self._tx(station) as repo:
            replay = await self._replayed_start(repo, request)
            if replay is not None:
                log.info("transaction_start_replayed", station_id=station.code,
                         session_id=replay.id)
                return StartOutcome(replay, decision or AuthorizationDecision(
                    AuthorizationStatus.ACCEPTED))
            if connector is not None:
                await self._supersede(repo, station, connector, request)
            session = await self._bind_or_create(repo, request, decision)
            await repo.save_session(session)
        self._events.publish(SessionStarted(
            session.id or 0, station.code, request.charger.code if request.charger else None,
            connector.code if connector else None, session.authorization_mode,
            session.id_token, request.at))
        log.info("session_started", station_id=station.code, session_id=session.id,
                 transaction_id=session.transaction_id, mode=session.authorization_mode,
                 offline=request.offline)
        return StartOutcome(session, decision or AuthorizationDecision(
            AuthorizationStatus.ACCEPTED))

    async def _prepared_for_token(self, station: StationInfo, id_token: str,
                                  connector: ConnectorInfo | None
                                  ) -> AuthorizationDecision | None:
        async with self._uow() as repo:
            ready = await repo.sessions_where(station_id=station.id,
                                              status=SessionStatus.READY, id_token=id_token)
        for session in ready:
            if connector is None or session.connector_id in (None, connector.id):
                return AuthorizationDecision(
                    AuthorizationStatus.ACCEPTED, _source_of(session),
                    customer_id=session.customer_id,
                    authorization_reference=session.authorization_reference,
                    roaming_party=session.roaming_platform, mode=session.authorization_mode)
        return None

    async def _prepared_decision(self, request: StartRequest) -> AuthorizationDecision | None:
        async with self._uow() as repo:
            ready = await self._ready_session(repo, request)
        if ready is None:
            return None
        return AuthorizationDecision(
            AuthorizationStatus.ACCEPTED, customer_id=ready.customer_id,
            authorization_reference=ready.authorization_reference,
            roaming_party=ready.roaming_platform, mode=ready.authorization_mode)

    async def _replayed_start(
        self, repo: CsmsRepository, request: StartRequest
    ) -> SessionRecord | None:
        if request.transaction_id is not None:
            return await repo.session_by_transaction(request.station.id, request.transaction_id)
        if request.connector is None:
            return None
        for session in await repo.sessions_where(
            station_id=request.station.id, connector_id=request.connector.id,
            started_at=request.at,
        ):
            if session.meter_start_wh == request.meter_start_wh and \
                    session.id_token == request.id_token:
                return session
        return None

    async def _supersede(
        self, repo: CsmsRepository, station: StationInfo, connector: ConnectorInfo,
        request: StartRequest,
    ) -> None:
        """The charger is authoritative: a new transaction on a connector ends any session
        still running there (its stop was lost)."""
        for stale in await repo.sessions_where(
            connector_id=connector.id,
            status__in=[SessionStatus.IN_PROGRESS, SessionStatus.LIMIT_REACHED,
                        SessionStatus.CLOSING],
        ):
            if stale.started_at is not None and stale.started_at <= request.at:
                await self._close(repo, station, stale, request.at, "SUPERSEDED")

    async def _bind_or_create(
        self, repo: CsmsRepository, request: StartRequest,
        decision: AuthorizationDecision | None,
    ) -> SessionRecord:
        station, now = request.station, self._clock.now()
        session = await self._ready_session(repo, request)
        if session is None and request.id_token is not None:
            session = await self._reactivatable(repo, request, decision)
        if session is None:
            status = (SessionStatus.IN_PROGRESS if decision is None or decision.accepted
                      else SessionStatus.REFUSED)
            session = SessionRecord(
                id=None, status=status, station_id=station.id,
                charger_id=request.charger.id if request.charger else None,
                connector_id=request.connector.id if request.connector else None,
                authorization_mode=self._mode(decision), created_at=now, updated_at=now,
                last_event_at=now, id_token=request.id_token,
                id_token_type=request.token_type,
                customer_id=decision.customer_id if decision else None,
                authorization_reference=decision.authorization_reference if decision else None,
                roaming_platform=decision.roaming_party if decision else None,
                currency=station.currency)
            if status is SessionStatus.REFUSED:
                session.ended_at = request.at
                session.stop_reason = f"AUTHORIZATION_{decision.status if decision else ''}"
            await repo.insert_session(session)
        elif session.status != SessionStatus.REFUSED:
            session.status = SessionStatus.IN_PROGRESS
        session.transaction_id = request.transaction_id or str(session.id)
        session.started_at = session.started_at or request.at
        session.offline = request.offline
        session.reservation_id = request.reservation_id or session.reservation_id
        session.connector_id = request.connector.id if request.connector else session.connector_id
        session.charger_id = request.charger.id if request.charger else session.charger_id
        session.last_event_at = now
        session.updated_at = now
        if request.meter_start_wh is not None and session.meter_start_wh is None:
            session.meter_start_wh = request.meter_start_wh
            session.last_valid_reading_at = request.at
        if session.scope_since is None and session.status != SessionStatus.REFUSED:
            reported = request.connector.status if request.connector else None
            scope = scope_for_status(reported) if reported else None
            store_tracker(session, start_tracking(request.at, scope or DurationScope.PARK))
        return session

    async def _ready_session(
        self, repo: CsmsRepository, request: StartRequest
    ) -> SessionRecord | None:
        ready = await repo.sessions_where(station_id=request.station.id,
                                          status=SessionStatus.READY)
        for session in ready:
            if request.remote_start_id is not None and \
                    session.remote_start_id == request.remote_start_id:
                return session
        for session in ready:
            same_connector = request.connector is None or session.connector_id in (
                None, request.connector.id)
            if same_connector and session.id_token == request.id_token:
                return session
        return None

    async def _reactivatable(
        self, repo: CsmsRepository, request: StartRequest,
        decision: AuthorizationDecision | None,
    ) -> SessionRecord | None:
        if decision is None or not decision.accepted or request.connector is None:
            return None
        rating = self.rating_for(request.station, request.charger)
        candidates = await repo.sessions_where(
            connector_id=request.connector.id, id_token=request.id_token,
            status=SessionStatus.CLOSED)
        for session in reversed(candidates):
            if self._reactivate(session, rating, request.at):
                return session
        return None

    def _reactivate(self, session: SessionRecord, rating: EffectiveRating,
                    at: datetime) -> bool:
        """Session reactivation: a session the central system closed (no stop event from
        the charger) goes back to IN_PROGRESS inside the grace period."""
        if session.status != SessionStatus.CLOSED or session.ended_at is None or \
                session.started_at is None:
            return False
        if not may_reactivate(
            closed_at=session.ended_at, created_at=session.created_at,
            stop_event_received=session.stop_reason not in SERVER_CLOSE_REASONS,
            grace_period_s=rating.reactivation_grace_period_s, now=self._clock.now(),
        ) or not can_transition(session.status, SessionStatus.IN_PROGRESS):
            return False
        log.info("session_reactivated", session_id=session.id,
                 closed_reason=session.stop_reason)
        session.status = SessionStatus.IN_PROGRESS
        session.ended_at = None
        session.charging_ended_at = None
        session.stop_reason = None
        session.stop_requested_at = None
        # Durations go on from the totals kept at the close; the scope follows statuses.
        session.duration_scope = DurationScope.PARK.value
        session.scope_since = at
        return True

    def _maybe_reactivate(self, station: StationInfo, session: SessionRecord,
                          at: datetime) -> None:
        charger, _ = station.locate(session.charger_id, session.connector_id)
        self._reactivate(session, self.rating_for(station, charger), at)

    # --- meter values and updates ---------------------------------------------------------

    async def meter_values(
        self, station: StationInfo, session_transaction_id: str | None,
        connector_ref: int | None, samples: Sequence[Sample],
        charger: ChargerInfo | None = None, connector: ConnectorInfo | None = None,
    ) -> SessionRecord | None:
        """Stores samples; energy-register readings of a known session update it."""
        if session_transaction_id is None and self.general_meter_values is not None:
            self.general_meter_values([
                MeterValueRow(station.id, None, connector_ref, s.at, s.measurand, s.phase,
                              s.unit, s.context, s.location, s.value) for s in samples])
            self._events.publish(MeterValuesReceived(station.code, connector_ref, None,
                                                     len(samples), self._clock.now()))
            return None
        async with self._tx(station) as repo:
            session = None
            if session_transaction_id is not None:
                session = await repo.session_by_transaction(station.id, session_transaction_id)
            await repo.add_meter_values([
                MeterValueRow(station.id, session.id if session else None, connector_ref,
                              s.at, s.measurand, s.phase, s.unit, s.context, s.location,
                              s.value)
                for s in samples
            ])
            if session is not None and samples:
                self._maybe_reactivate(station, session, samples[0].at)
            if session is not None and session.status in _TRACKED:
                self._apply_samples(station, session, samples)
                await self._rate(repo, station, session)
                await self._check_limits(repo, station, session)
                await repo.save_session(session)
        self._events.publish(MeterValuesReceived(
            station.code, connector_ref, session.id if session else None, len(samples),
            self._clock.now()))
        if session is not None and session.status in _TRACKED:
            self._publish_update(session)
        return session

    def _apply_samples(
        self, station: StationInfo, session: SessionRecord, samples: Sequence[Sample]
    ) -> None:
        _, connector = station.locate(session.charger_id, session.connector_id)
        max_power = connector.wattage_limit_w if connector else None
        apply_energy_samples(session, samples, max_power, station.code)
        session.last_event_at = self._clock.now()
        session.updated_at = session.last_event_at

    async def _rate(self, repo: CsmsRepository, station: StationInfo, session: SessionRecord,
                    at: datetime | None = None) -> None:
        await rate(repo, station, session, self.pricer, self._clock, at)

    async def _check_limits(
        self, repo: CsmsRepository, station: StationInfo, session: SessionRecord
    ) -> None:
        """A reached limit (see ``session_rating.check_limits``) asks the charger to stop."""
        if check_limits(station, session, self._clock) and session.transaction_id is not None:
            self._spawn(self._request_stop(station.code, session.transaction_id, session.id))

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _request_stop(self, station_code: str, transaction_id: str,
                            session_id: int | None) -> None:
        if self.control is None or not self.control.is_connected(station_code):
            log.warning("session_stop_not_sent", station_id=station_code,
                        session_id=session_id, reason="station not connected")
            return
        try:
            status = await self.control.remote_stop(station_code, transaction_id)
        except Exception as exc:  # a failed stop request is logged; the idle job closes
            log.warning("session_stop_failed", station_id=station_code, session_id=session_id,
                        error=str(exc))
            return
        log.info("session_stop_requested", station_id=station_code, session_id=session_id,
                 charger_status=status)

    def _publish_update(self, session: SessionRecord) -> None:
        self._events.publish(SessionUpdated(session.id or 0, session.status,
                                            session.energy_wh, session.amount,
                                            self._clock.now()))

    async def transaction_update(
        self, station: StationInfo, transaction_id: str, *, at: datetime,
        charging_state: str | None, samples: Sequence[Sample],
        id_token: str | None = None, token_type: str | None = None,
    ) -> tuple[SessionRecord | None, AuthorizationDecision | None]:
        """2.0.1 TransactionEvent Updated: charging state, late authorization, meter values."""
        decision = None
        if id_token is not None and token_type != NO_AUTHORIZATION:
            decision = await self._authorizer.authorize(AuthorizationRequest(
                station.code, None, None, id_token, token_type))
        async with self._tx(station) as repo:
            session = await repo.session_by_transaction(station.id, transaction_id)
            if session is not None:
                self._maybe_reactivate(station, session, at)
            if session is None or session.status not in _TRACKED:
                return session, decision
            if decision is not None and session.id_token is None:
                session.id_token, session.id_token_type = id_token, token_type
                session.customer_id = decision.customer_id
                session.authorization_mode = self._mode(decision)
                session.authorization_reference = decision.authorization_reference
            if charging_state is not None:
                self._switch_scope(session, at, scope_for_status(charging_state))
            self._apply_samples(station, session, samples)
            await self._rate(repo, station, session)
            await self._check_limits(repo, station, session)
            await repo.save_session(session)
        self._publish_update(session)
        return session, decision

    @staticmethod
    def _switch_scope(session: SessionRecord, at: datetime, scope: DurationScope | None
                      ) -> None:
        switch_session_scope(session, at, scope)

    # --- connector status ------------------------------------------------------------------

    async def connector_status(
        self, station: StationInfo, connector: ConnectorInfo, status: str, at: datetime
    ) -> None:
        """Switches the duration scope of the connector's session; a parking-end session
        closes when the connector is released (Available)."""
        scope = scope_for_status(status)
        async with self._tx(station) as repo:
            for session in await repo.sessions_where(connector_id=connector.id,
                                                     status__in=list(_TRACKED)):
                self._switch_scope(session, at, scope)
                if session.charging_ended_at is not None and status.lower() == "available":
                    await self._close(repo, station, session, at, "PARKING_END")
                    continue
                session.last_event_at = self._clock.now()
                await repo.save_session(session)

    # --- stop ------------------------------------------------------------------------------

    async def stop(
        self, station: StationInfo, transaction_id: str, *, at: datetime,
        meter_stop_wh: Decimal | None, reason: str | None, samples: Sequence[Sample] = (),
    ) -> SessionRecord | None:
        """A transaction ended on the charger (1.6 StopTransaction, 2.0.1 Ended)."""
        async with self._tx(station) as repo:
            session = await repo.session_by_transaction(station.id, transaction_id)
            if session is None:
                await repo.add_station_event(station.id, "OrphanStop", at, {
                    "transaction_id": transaction_id, "reason": reason,
                    "meter_stop_wh": str(meter_stop_wh) if meter_stop_wh is not None else None})
                log.warning("transaction_stop_unknown", station_id=station.code,
                            transaction_id=transaction_id)
                return None
            if session.ended_at is not None or session.charging_ended_at is not None:
                log.info("transaction_stop_replayed", station_id=station.code,
                         session_id=session.id)
                return session
            self._apply_samples(station, session, samples)
            if meter_stop_wh is not None:
                _, connector = station.locate(session.charger_id, session.connector_id)
                apply_energy_reading(
                    session, EnergyReading(at, meter_stop_wh, ReadingPhase.STOP),
                    connector.wattage_limit_w if connector else None, station.code)
            session.stop_reason = reason or "STOP_EVENT"
            charger, _ = station.locate(session.charger_id, session.connector_id)
            rating = self.rating_for(station, charger)
            if rating.termination_strategy.value == "PARKING_END" and \
                    session.status in _TRACKED:
                session.charging_ended_at = at
                self._switch_scope(session, at, DurationScope.PARK)
                await self._rate(repo, station, session, at)
                session.last_event_at = self._clock.now()
                await repo.save_session(session)
                log.info("session_charging_ended", station_id=station.code,
                         session_id=session.id)
            else:
                await self._close(repo, station, session, at, session.stop_reason)
        if session.status != SessionStatus.CLOSED:  # a closed session announced its end
            self._publish_update(session)
        return session

    async def _close(
        self, repo: CsmsRepository, station: StationInfo, session: SessionRecord,
        at: datetime, reason: str,
    ) -> None:
        close_durations(session, at)
        session.ended_at = at
        await self._rate_final(repo, station, session)
        session.status = SessionStatus.CLOSED
        session.charging_ended_at = session.charging_ended_at or at
        session.stop_reason = session.stop_reason or reason
        session.updated_at = session.last_event_at = self._clock.now()
        await repo.save_session(session)
        self._emit(SessionEnded(session.id or 0, session.status, session.energy_wh,
                                session.amount, at))
        log.info("session_closed", station_id=station.code, session_id=session.id,
                 reason=reason, energy_wh=str(session.energy_wh),
                 amount=str(session.amount) if session.amount is not None else None)

    async def _rate_final(self, repo: CsmsRepository, station: StationInfo,
                          session: SessionRecord) -> None:
        await rate_final(repo, station, session, self.pricer, self._clock)

    async def close(self, station: StationInfo, session_id: int, reason: str,
                    at: datetime | None = None) -> SessionRecord | None:
        """Closes an active session now (force close, idle expiry, rejected remote start)."""
        async with self._tx(station) as repo:
            session = await repo.session_by_id(session_id)
            if session is None or session.status not in ACTIVE_STATUSES:
                return session
            await self._close(repo, station, session, at or self._clock.now(), reason)
            return session

    async def record_event(
        self, station: StationInfo, transaction_id: str, seq_no: int, event_type: str,
        at: datetime, offline: bool,
    ) -> bool:
        """Remembers a 2.0.1 TransactionEvent; False when (transaction, seqNo) was seen."""
        async with self._tx(station) as repo:
            return await repo.record_transaction_event(
                station.id, transaction_id, seq_no, event_type, at, offline,
                self._clock.now())

    def log_replay(self, station: StationInfo, transaction_id: str, seq_no: int) -> None:
        log.info("transaction_event_replayed", station_id=station.code,
                 transaction_id=transaction_id, seq_no=seq_no)

    async def wait_background(self) -> None:
        """Lets pending stop requests finish (shutdown and tests)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
