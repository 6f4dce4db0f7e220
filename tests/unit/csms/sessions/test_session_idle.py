"""Idle-session detection with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csms.sessions.idle import (
    IdleAction,
    SessionSnapshot,
    idle_action,
    idle_actions,
    reservation_expired,
)
from csms.sessions.lifecycle import SessionStatus
from csms.sessions.settings import EffectiveIdle

S = SessionStatus
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
IDLE = EffectiveIdle(ready_session_expiration_s=120, ongoing_session_expiration_s=3600,
                     closed_verification_time_s=300)
US = timedelta(microseconds=1)


def snap(
    status: SessionStatus, idle_for: timedelta, stop_for: timedelta | None = None,
    sid: str = "s",
) -> SessionSnapshot:
    last = NOW - idle_for
    return SessionSnapshot(
        id=sid, status=status, created_at=last - timedelta(hours=1), last_event_at=last,
        stop_requested_at=None if stop_for is None else NOW - stop_for,
    )


@pytest.mark.parametrize(("status", "idle_for", "stop_for", "expected"), [
    (S.READY, timedelta(seconds=120), None, None),
    (S.READY, timedelta(seconds=120) + US, None, IdleAction.EXPIRE_READY),
    (S.READY, timedelta(seconds=3), None, None),
    (S.IN_PROGRESS, timedelta(seconds=3600), None, None),
    (S.IN_PROGRESS, timedelta(seconds=3600) + US, None, IdleAction.EXPIRE_ONGOING),
    (S.LIMIT_REACHED, timedelta(seconds=3601), None, IdleAction.EXPIRE_ONGOING),
    (S.LIMIT_REACHED, timedelta(seconds=3599), None, None),
    # a pending stop request: wait for the verification time, then force close
    (S.CLOSING, timedelta(days=9), timedelta(seconds=300), None),
    (S.CLOSING, timedelta(seconds=1), timedelta(seconds=300) + US, IdleAction.FORCE_CLOSE),
    (S.IN_PROGRESS, timedelta(seconds=1), timedelta(seconds=301), IdleAction.FORCE_CLOSE),
    (S.LIMIT_REACHED, timedelta(days=9), timedelta(seconds=301), IdleAction.FORCE_CLOSE),
    (S.LIMIT_REACHED, timedelta(days=9), timedelta(seconds=10), None),
    (S.READY, timedelta(days=9), timedelta(seconds=10), None),
    # CLOSING without a recorded request: counted from its last event
    (S.CLOSING, timedelta(seconds=300), None, None),
    (S.CLOSING, timedelta(seconds=301), None, IdleAction.FORCE_CLOSE),
    # never acted on here
    (S.RESERVED, timedelta(days=9), None, None),
    (S.CLOSED, timedelta(days=9), timedelta(days=9), None),
    (S.REFUSED, timedelta(days=9), None, None),
    (S.RATING_FAILED, timedelta(days=9), None, None),
    (S.BILLING_FAILED, timedelta(days=9), None, None),
    # an event stamped in the future is no inactivity
    (S.READY, -timedelta(days=1), None, None),
])
def test_idle_action(
    status: SessionStatus, idle_for: timedelta, stop_for: timedelta | None,
    expected: IdleAction | None,
) -> None:
    assert idle_action(snap(status, idle_for, stop_for), IDLE, NOW) is expected


def test_idle_actions_keeps_input_order_and_skips_quiet_sessions() -> None:
    sessions = [
        snap(S.IN_PROGRESS, timedelta(hours=2), sid="a"),
        snap(S.READY, timedelta(seconds=10), sid="b"),
        snap(S.READY, timedelta(minutes=5), sid="c"),
        snap(S.CLOSING, timedelta(hours=1), timedelta(minutes=6), sid="d"),
        snap(S.CLOSED, timedelta(hours=9), sid="e"),
    ]
    assert idle_actions(sessions, IDLE, NOW) == [
        ("a", IdleAction.EXPIRE_ONGOING), ("c", IdleAction.EXPIRE_READY),
        ("d", IdleAction.FORCE_CLOSE),
    ]
    assert idle_actions([], IDLE, NOW) == []


def test_naive_times_are_rejected() -> None:
    naive = datetime(2024, 5, 1, 12)
    with pytest.raises(ValueError):
        idle_actions([snap(S.READY, timedelta(0))], IDLE, naive)
    with pytest.raises(ValueError):
        SessionSnapshot("x", S.READY, naive, NOW, None)
    with pytest.raises(ValueError):
        SessionSnapshot("x", S.READY, NOW, NOW, naive)
    with pytest.raises(ValueError):
        reservation_expired(naive, NOW)


def test_reservation_expired_boundaries() -> None:
    assert reservation_expired(NOW + US, NOW) is False
    assert reservation_expired(NOW, NOW) is True
    assert reservation_expired(NOW - US, NOW) is True
