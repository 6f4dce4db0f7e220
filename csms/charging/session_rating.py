"""Rating and limits of a session: its amount and whether a configured limit is reached.

The amount comes from the roaming-tariff pricer when one is configured and prices the
session (an estimate mid-session; at the close the final amount plus a CDR with the
explanation); otherwise from the simple pricing of the effective rating
(``csms.sessions.limits.simple_amount``: energy, charge, park and reservation time). Limits
(``csms.sessions.limits.reached_limit``) apply only to IN_PROGRESS sessions; a reached limit
sets LIMIT_REACHED and the caller asks the charger to stop. Everything here mutates the
record in memory (and writes the CDR through the given repository): the session service
saves the session.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Protocol

import structlog

from csms.charging.ports import CsmsRepository
from csms.charging.records import ChargerInfo, SessionRecord, StationInfo
from csms.charging.session_metering import durations
from csms.clock import Clock
from csms.sessions.durations import DurationScope, close_tracking
from csms.sessions.lifecycle import AuthorizationMode, SessionStatus
from csms.sessions.limits import reached_limit, simple_amount
from csms.sessions.settings import EffectiveRating, effective_rating

log = structlog.get_logger("evgw.sessions")


class SessionPricer(Protocol):
    """Prices sessions with roaming tariffs; None keeps the simple pricing."""

    async def price(self, trace: Any, station: StationInfo, session: SessionRecord,
                    at: datetime, final: bool) -> Any: ...


def rating_for(station: StationInfo, charger: ChargerInfo | None) -> EffectiveRating:
    """The effective rating: charger over operator over site settings."""
    return effective_rating(station.site_rating, station.operator_rating,
                            charger.session_rating if charger else None)


def session_rating(station: StationInfo, session: SessionRecord) -> EffectiveRating:
    """The effective rating of the charger the session runs on."""
    charger, _ = station.locate(session.charger_id, session.connector_id)
    return rating_for(station, charger)


def _home_roaming(session: SessionRecord) -> bool:
    return session.authorization_mode == AuthorizationMode.ROAMING_CUSTOMER


async def rate(
    repo: CsmsRepository, station: StationInfo, session: SessionRecord,
    pricer: SessionPricer | None, clock: Clock, at: datetime | None = None,
) -> None:
    """Mid-session amount: the roaming-tariff estimate, else the simple pricing."""
    moment = at or clock.now()
    if pricer is not None:
        priced = await pricer.price(repo, station, session, moment, final=False)
        if priced is not None:
            session.amount, session.currency = priced.amount, priced.currency
            return
    rating = session_rating(station, session)
    tracker = durations(session)
    totals = close_tracking(tracker, at or clock.now()) if tracker else None
    seconds = {scope: totals.seconds_of(scope) if totals else 0 for scope in DurationScope}
    session.amount = simple_amount(
        rating, session.energy_wh, seconds[DurationScope.CHARGE],
        seconds[DurationScope.PARK], seconds[DurationScope.RESERVATION],
        home_roaming=_home_roaming(session))
    session.currency = station.currency


async def rate_final(
    repo: CsmsRepository, station: StationInfo, session: SessionRecord,
    pricer: SessionPricer | None, clock: Clock,
) -> None:
    """Final amount; a roaming-tariff session also gets its CDR with the explanation."""
    if pricer is not None and session.ended_at is not None:
        priced = await pricer.price(repo, station, session, session.ended_at, final=True)
        if priced is not None and session.id is not None:
            session.amount, session.currency = priced.amount, priced.currency
            await repo.save_cdr(session.id, {
                "tariff_ids": priced.tariff_ids, "currency": priced.currency,
                "cdr": priced.cdr or {}, "explanation": priced.explanation,
                "total_excl_vat": priced.total_excl_vat,
                "total_incl_vat": priced.total_incl_vat,
                "created_at": clock.now()})
            return
    rating = session_rating(station, session)
    session.amount = simple_amount(
        rating, session.energy_wh, session.charge_time_s, session.park_time_s,
        session.reservation_time_s, home_roaming=_home_roaming(session))
    session.currency = station.currency


def _with_session_limit(rating: EffectiveRating, session: SessionRecord) -> EffectiveRating:
    """The session's own monetary limit (a payment terminal's pre-authorized amount) beside
    the rating's: the lower one applies, so a card is never charged above what it
    authorized."""
    own = session.monetary_limit
    if own is None:
        return rating
    limit = own if rating.monetary_limit is None else min(own, rating.monetary_limit)
    return dataclasses.replace(rating, monetary_limit=limit)


def check_limits(station: StationInfo, session: SessionRecord, clock: Clock) -> bool:
    """Marks an IN_PROGRESS session LIMIT_REACHED when a limit of its rating is reached;
    True when it did (the caller then asks the charger to stop)."""
    if session.status != SessionStatus.IN_PROGRESS:
        return False
    rating = _with_session_limit(session_rating(station, session), session)
    tracker = durations(session)
    totals = close_tracking(tracker, clock.now()) if tracker else None
    charge_s = totals.seconds_of(DurationScope.CHARGE) if totals else 0
    reason = reached_limit(rating, session.energy_wh, charge_s, session.amount)
    if reason is None:
        return False
    session.status = SessionStatus.LIMIT_REACHED
    session.limit_reason = reason.value
    session.stop_requested_at = clock.now()
    log.info("session_limit_reached", station_id=station.code, session_id=session.id,
             limit=reason.value)
    return True
