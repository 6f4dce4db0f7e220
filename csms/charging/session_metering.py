"""Metering records of a session: the duration tracker and the energy register as stored on
a ``SessionRecord``.

A session keeps its durations as per-scope totals plus the open scope and its start
(``duration_scope``/``scope_since``); these helpers turn them into a
``csms.sessions.durations`` tracker and back. Energy readings go through the pure validation
of ``csms.sessions.energy``; a rejected reading is logged and leaves the session unchanged.
Everything here mutates the record in memory only: the session service saves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog

from csms.charging.records import SessionRecord
from csms.ocpp.metering import Sample, energy_wh
from csms.sessions.durations import (
    Durations,
    DurationScope,
    DurationTracker,
    close_tracking,
    switch_scope,
)
from csms.sessions.energy import (
    EnergyReading,
    EnergyState,
    ReadingPhase,
    ReadingType,
    apply_reading,
    start_energy,
)

log = structlog.get_logger("evgw.sessions")

_PHASE_BY_CONTEXT = {"Transaction.Begin": ReadingPhase.START,
                     "Transaction.End": ReadingPhase.STOP}


# --- durations -----------------------------------------------------------------------------

def durations(session: SessionRecord) -> DurationTracker | None:
    """The session's duration tracker; None when no scope was ever started."""
    if session.scope_since is None:
        return None
    totals = Durations(
        charge=timedelta(seconds=session.charge_time_s),
        park=timedelta(seconds=session.park_time_s),
        fault=timedelta(seconds=session.fault_time_s),
        reservation=timedelta(seconds=session.reservation_time_s),
    )
    scope = DurationScope(session.duration_scope) if session.duration_scope else None
    return DurationTracker(totals=totals, scope=scope, since=session.scope_since)


def store_totals(session: SessionRecord, totals: Durations) -> None:
    session.charge_time_s = totals.seconds_of(DurationScope.CHARGE)
    session.park_time_s = totals.seconds_of(DurationScope.PARK)
    session.fault_time_s = totals.seconds_of(DurationScope.FAULT)
    session.reservation_time_s = totals.seconds_of(DurationScope.RESERVATION)


def store_tracker(session: SessionRecord, tracker: DurationTracker) -> None:
    store_totals(session, tracker.totals)
    session.duration_scope = tracker.scope.value if tracker.scope else None
    session.scope_since = tracker.since


def switch_session_scope(session: SessionRecord, at: datetime,
                         scope: DurationScope | None) -> None:
    """Moves a tracked session into ``scope`` at ``at`` (no-op without tracker or scope)."""
    tracker = durations(session)
    if tracker is not None and scope is not None:
        store_tracker(session, switch_scope(tracker, at, scope))


def close_durations(session: SessionRecord, at: datetime) -> None:
    """Closes the open scope at ``at``: the totals are final, no scope stays open."""
    tracker = durations(session)
    if tracker is not None:
        store_totals(session, close_tracking(tracker, at))
        session.duration_scope = None
        session.scope_since = None


# --- energy --------------------------------------------------------------------------------

def apply_energy_reading(
    session: SessionRecord, reading: EnergyReading, max_power: int | None,
    station_code: str,
) -> None:
    """Validates one energy-register reading and stores the resulting energy state."""
    if session.meter_start_wh is None or session.last_valid_reading_at is None:
        state = start_energy(reading)
    else:
        state = EnergyState(
            meter_start_wh=session.meter_start_wh,
            reading_type=ReadingType(session.reading_type),
            energy_wh=session.energy_wh,
            last_valid_at=session.last_valid_reading_at)
        verdict = apply_reading(state, reading, max_power)
        if not verdict.accepted:
            log.warning("meter_reading_rejected", station_id=station_code,
                        session_id=session.id, reason=verdict.reason,
                        wh=str(reading.wh), at=reading.at.isoformat())
            return
        state = verdict.state
    session.meter_start_wh = state.meter_start_wh
    session.reading_type = state.reading_type.value
    session.energy_wh = state.energy_wh
    session.last_valid_reading_at = state.last_valid_at


def apply_energy_samples(
    session: SessionRecord, samples: Sequence[Sample], max_power: int | None,
    station_code: str,
) -> None:
    """Applies the energy-register samples in order; other measurands are ignored. The
    transaction context picks the reading phase (Begin/End, else intermediate)."""
    for sample in samples:
        wh = energy_wh(sample)
        if wh is None:
            continue
        phase = _PHASE_BY_CONTEXT.get(sample.context or "", ReadingPhase.INTERMEDIATE)
        apply_energy_reading(session, EnergyReading(sample.at, wh, phase), max_power,
                             station_code)
