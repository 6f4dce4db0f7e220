"""Reservations: ReserveNow/CancelReservation, status updates, expiry, and the session
that honours a reservation.

Theory of operation. A reservation is stored REQUESTED before the call (its id is the
OCPP reservation id), then ACCEPTED or REJECTED by the charger's answer (NO_ANSWER or
FAILED when there is none). While ACCEPTED it blocks the charger or connector for other
reservations. It ends USED when a session starts with its id (1.6 StartTransaction /
2.0.1 TransactionEvent reservationId): the session is credited with the time between the
reservation and its start as reservation time. CancelReservation accepted → CANCELLED;
the 2.0.1 ReservationStatusUpdate ends it EXPIRED or CANCELLED; the idle job expires
what is past ``expires_at``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

import structlog

from csms.charging.errors import ChargerCallFailed, ChargerTimeout
from csms.charging.ports import CsmsUnitOfWork
from csms.charging.records import StationInfo
from csms.clock import Clock
from csms.network.errors import NotFound
from csms.operations import reservation_rules as rules
from csms.operations.access import OperationOutcome, StationAccess, resolve_target
from csms.operations.dialect import reply_status
from csms.operations.errors import ReservationConflict
from csms.operations.ports import OperationsUnitOfWork
from csms.operations.records import ReservationRecord
from csms.operations.requests import CancelReservationBody, ReserveNowBody
from csms.sessions.idle import reservation_expired

log = structlog.get_logger("evgw.reservations")
StationLock = Callable[[int], AbstractAsyncContextManager[object]]


class Reservations:
    def __init__(self, access: StationAccess, uow: OperationsUnitOfWork,
                 csms_uow: CsmsUnitOfWork, clock: Clock,
                 station_lock: StationLock | None = None) -> None:
        self._access = access
        self._uow = uow
        self._csms_uow = csms_uow
        self._clock = clock
        self._station_lock = station_lock

    async def reserve(self, code: str, body: ReserveNowBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, body.connector, need_charger=True)
        assert target.charger is not None
        now = self._clock.now()
        async with self._uow() as repo:
            reservable, simultaneous = await repo.reservation_rules(target.charger.id)
            active = await repo.reservations_where(charger_id=target.charger.id,
                                                   status__in=list(rules.ACTIVE))
            active = [r for r in active if not reservation_expired(r.expires_at, now)]
            whole = rules.check_reservation(
                target.charger, target.connector, reservable=reservable,
                simultaneous=simultaneous, expires_at=body.expires_at, now=now, active=active)
            token_type = body.token_type.value if body.token_type else None
            reservation = ReservationRecord(
                None, station.id, target.charger.id,
                target.connector.id if target.connector else None, whole, body.id_token,
                token_type, rules.REQUESTED, body.expires_at, now, now)
            reservation.id = await repo.add_reservation(reservation)
        call = dialect.reserve_now(reservation.id, body.expires_at, body.id_token, token_type,
                                   target)
        try:
            reply = await self._access.send(station, call)
        except (ChargerTimeout, ChargerCallFailed) as exc:
            await self._set(reservation, rules.NO_ANSWER if isinstance(exc, ChargerTimeout)
                            else rules.FAILED)
            raise
        status = reply_status(reply)
        reservation.charger_status = status
        await self._set(reservation, rules.status_after_answer(status))
        log.info("reservation_answered", station_id=station.code,
                 reservation_id=reservation.id, status=status, whole_charger=whole)
        return OperationOutcome(status, reply, {"reservation_id": reservation.id,
                                                "reservation_status": reservation.status,
                                                "whole_charger": whole})

    async def _set(self, reservation: ReservationRecord, status: str) -> None:
        reservation.status = status
        reservation.updated_at = self._clock.now()
        async with self._uow() as repo:
            await repo.save_reservation(reservation)

    async def cancel(self, code: str, body: CancelReservationBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        async with self._uow() as repo:
            reservation = await repo.reservation(body.reservation_id)
        if reservation is None or reservation.station_id != station.id:
            raise NotFound(f"reservation {body.reservation_id} is not on station {code!r}")
        if reservation.status not in rules.ACTIVE:
            raise ReservationConflict(f"reservation {reservation.id} is already "
                                      f"{reservation.status}")
        assert reservation.id is not None
        reply = await self._access.send(station, dialect.cancel_reservation(reservation.id))
        status = reply_status(reply)
        if status == "Accepted":
            await self._set(reservation, rules.CANCELLED)
        return OperationOutcome(status, reply, {"reservation_id": reservation.id,
                                                "reservation_status": reservation.status})

    async def set_rules(self, charger_code: str, simultaneous: bool) -> None:
        async with self._uow() as repo:
            charger_id = await repo.charger_id(charger_code)
            if charger_id is None:
                raise NotFound(f"charger {charger_code!r} does not exist")
            await repo.set_simultaneous_connectors(charger_id, simultaneous)

    async def list(self, code: str) -> list[ReservationRecord]:
        station = await self._access.station(code)
        async with self._uow() as repo:
            return await repo.reservations_where(station_id=station.id)

    async def status_update(self, station: StationInfo, reservation_id: int,
                            update: str) -> None:
        """2.0.1 ReservationStatusUpdate."""
        new_status = rules.status_after_update(update)
        async with self._uow() as repo:
            reservation = await repo.reservation(reservation_id)
            if reservation is None or reservation.station_id != station.id or \
                    new_status is None or reservation.status not in rules.ACTIVE:
                return
            reservation.status = new_status
            reservation.updated_at = self._clock.now()
            await repo.save_reservation(reservation)
        log.info("reservation_status_updated", station_id=station.code,
                 reservation_id=reservation_id, status=new_status)

    async def expire_due(self, now: datetime | None = None) -> int:
        """The idle job's pass: active reservations past their expiry become EXPIRED."""
        now = now or self._clock.now()
        async with self._uow() as repo:
            due = await repo.reservations_expiring(list(rules.ACTIVE), now)
            for reservation in due:
                reservation.status = rules.EXPIRED
                reservation.updated_at = now
                await repo.save_reservation(reservation)
        if due:
            log.info("reservations_expired", count=len(due))
        return len(due)

    async def session_started(self, session_id: int) -> None:
        """A session started: if it carries the id of an active reservation of its station,
        the reservation is USED and the session gets the reserved time."""
        async with self._csms_uow() as csms:
            session = await csms.session_by_id(session_id)
        if session is None or session.reservation_id is None:
            return
        async with self._uow() as repo:
            reservation = await repo.reservation(session.reservation_id)
            if reservation is None or reservation.station_id != session.station_id or \
                    reservation.status not in rules.ACTIVE:
                return
            reservation.status = rules.USED
            reservation.session_id = session_id
            reservation.updated_at = self._clock.now()
            await repo.save_reservation(reservation)
        started = session.started_at or self._clock.now()
        end = min(started, reservation.expires_at)
        reserved_s = max(0, int((end - reservation.created_at).total_seconds()))
        await self._credit(session.station_id, session_id, reserved_s)
        log.info("reservation_used", reservation_id=reservation.id, session_id=session_id,
                 reserved_s=reserved_s)

    async def _credit(self, station_id: int, session_id: int, seconds: int) -> None:
        async def write() -> None:
            async with self._csms_uow() as csms:
                session = await csms.session_by_id(session_id)
                if session is not None:
                    session.reservation_time_s += seconds
                    await csms.save_session(session)

        if self._station_lock is None:
            await write()
            return
        async with self._station_lock(station_id):
            await write()
