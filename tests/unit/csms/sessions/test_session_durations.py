"""Duration scopes: the status → scope table and the tracker's arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.sessions.durations import (
    Durations,
    DurationScope,
    DurationTracker,
    close_tracking,
    scope_for_status,
    start_tracking,
    switch_scope,
)

D = DurationScope
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)

ROWS = [
    # OCPP 1.6 StatusNotification
    ("Available", D.PARK), ("Preparing", D.PARK), ("Charging", D.CHARGE),
    ("SuspendedEV", D.PARK), ("SuspendedEVSE", D.PARK), ("Finishing", D.PARK),
    ("Reserved", D.RESERVATION), ("Unavailable", D.FAULT), ("Faulted", D.FAULT),
    # OCPP 2.0.1 connectorStatus
    ("Occupied", D.PARK),
    # OCPP 2.0.1 chargingState
    ("EVConnected", D.PARK), ("Idle", D.PARK),
    # case / separator variants
    ("charging", D.CHARGE), ("CHARGING", D.CHARGE), ("Suspended EV", D.PARK),
    ("SUSPENDED_EVSE", D.PARK), ("faulted", D.FAULT), ("ev_connected", D.PARK),
]


@pytest.mark.parametrize(("status", "scope"), ROWS)
def test_status_row(status: str, scope: DurationScope) -> None:
    assert scope_for_status(status) is scope


@pytest.mark.parametrize("status", ["", "Unknown", "Charged", "Suspended", "Occupied2"])
def test_unknown_status(status: str) -> None:
    assert scope_for_status(status) is None


def test_durations_accessors() -> None:
    d = Durations(timedelta(seconds=90.9), timedelta(minutes=2), timedelta(0), timedelta(hours=1))
    assert d.seconds_of(D.CHARGE) == 90
    assert d.seconds_of(D.PARK) == 120
    assert d.seconds_of(D.FAULT) == 0
    assert d.seconds_of(D.RESERVATION) == 3600
    assert d.total == timedelta(seconds=3810.9)
    with pytest.raises(ValueError, match="park"):
        Durations(timedelta(0), timedelta(seconds=-1), timedelta(0), timedelta(0))


def test_session_sequence() -> None:
    tracker = start_tracking(T0, D.RESERVATION)
    tracker = switch_scope(tracker, T0 + timedelta(minutes=5), scope_for_status("Preparing"))
    tracker = switch_scope(tracker, T0 + timedelta(minutes=6), scope_for_status("Charging"))
    tracker = switch_scope(tracker, T0 + timedelta(minutes=36), scope_for_status("SuspendedEV"))
    tracker = switch_scope(tracker, T0 + timedelta(minutes=40), scope_for_status("Faulted"))
    tracker = switch_scope(tracker, T0 + timedelta(minutes=42), scope_for_status("Charging"))
    totals = close_tracking(tracker, T0 + timedelta(minutes=52))
    assert totals == Durations(
        charge=timedelta(minutes=40), park=timedelta(minutes=5), fault=timedelta(minutes=2),
        reservation=timedelta(minutes=5),
    )
    assert totals.total == timedelta(minutes=52)


def test_out_of_order_event_counts_zero_and_keeps_since() -> None:
    tracker = start_tracking(T0, D.CHARGE)
    tracker = switch_scope(tracker, T0 + timedelta(minutes=10), D.PARK)
    late = switch_scope(tracker, T0 + timedelta(minutes=4), D.FAULT)
    assert late.since == T0 + timedelta(minutes=10)
    assert late.totals == tracker.totals
    assert late.scope is D.FAULT
    totals = close_tracking(late, T0 + timedelta(minutes=12))
    assert totals.charge == timedelta(minutes=10)
    assert totals.fault == timedelta(minutes=2)
    assert totals.park == timedelta(0)
    # closing before since adds nothing
    assert close_tracking(late, T0) == late.totals


def test_none_scope_is_not_counted() -> None:
    tracker = start_tracking(T0, None)
    tracker = switch_scope(tracker, T0 + timedelta(minutes=3), D.CHARGE)
    totals = close_tracking(tracker, T0 + timedelta(minutes=5))
    assert totals.total == timedelta(minutes=2) == totals.charge


def test_naive_times_are_rejected() -> None:
    naive = datetime(2024, 5, 1, 8)
    with pytest.raises(ValueError):
        start_tracking(naive, D.CHARGE)
    tracker = start_tracking(T0, D.CHARGE)
    with pytest.raises(ValueError):
        switch_scope(tracker, naive, D.PARK)
    with pytest.raises(ValueError):
        close_tracking(tracker, naive)
    with pytest.raises(ValueError):
        DurationTracker(Durations.zero(), None, naive)


scopes = st.sampled_from(list(DurationScope))


@given(
    first=scopes,
    steps=st.lists(st.tuples(st.integers(0, 10_000_000), scopes), max_size=20),
    tail=st.integers(0, 10_000_000),
)
def test_in_order_scopes_sum_to_the_session_time(
    first: DurationScope, steps: list[tuple[int, DurationScope]], tail: int
) -> None:
    """In-order events with a scope always: the scopes add up to close - start exactly."""
    tracker = start_tracking(T0, first)
    now = T0
    for gap_ms, scope in steps:
        now += timedelta(milliseconds=gap_ms)
        tracker = switch_scope(tracker, now, scope)
    end = now + timedelta(milliseconds=tail)
    assert close_tracking(tracker, end).total == end - T0


@given(
    first=st.one_of(st.none(), scopes),
    steps=st.lists(
        st.tuples(st.integers(-10_000, 10_000), st.one_of(st.none(), scopes)), max_size=20
    ),
    end=st.integers(-10_000, 10_000),
)
def test_any_order_never_negative_nor_longer_than_the_span(
    first: DurationScope | None, steps: list[tuple[int, DurationScope | None]], end: int
) -> None:
    """In any order: every scope ≥ 0, totals never shrink, and the total never exceeds the
    span from the start to the latest instant seen."""
    tracker = start_tracking(T0, first)
    latest = T0
    for offset, scope in steps:
        at = T0 + timedelta(seconds=offset)
        nxt = switch_scope(tracker, at, scope)
        assert nxt.totals.total >= tracker.totals.total
        assert nxt.since == max(tracker.since, at)
        tracker = nxt
        latest = max(latest, at)
    close_at = T0 + timedelta(seconds=end)
    totals = close_tracking(tracker, close_at)
    for scope in DurationScope:
        assert totals.of(scope) >= timedelta(0)
    assert totals.total <= max(latest, close_at) - T0
