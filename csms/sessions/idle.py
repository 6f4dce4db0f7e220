"""Idle-session control: which sessions the background job must expire or force close.

Theory of operation
-------------------
A session is idle when the central system has not received an event for it for longer than
the configured expiration (manual, "Idle Session Settings"); the check is strict: idle for
exactly the expiration is not yet expired, one microsecond more is. At most one action per
session, decided in this order:

1. Final sessions (CLOSED, REFUSED, RATING_FAILED, BILLING_FAILED) and RESERVED ones get
   nothing here (reservations expire by their own ``expires_at``, see
   ``reservation_expired``).
2. A session waiting for its stop to be verified - CLOSING, or any active session with a
   ``stop_requested_at`` - is FORCE_CLOSEd once the closed verification time has passed
   since the stop request (for a CLOSING session without a recorded request: since its last
   event). Until then it gets no action: the stop is already under way, requesting it again
   or expiring it would race the charger's stop event.
3. READY idle longer than the ready expiration → EXPIRE_READY (finalise: rate and close).
4. IN_PROGRESS or LIMIT_REACHED idle longer than the ongoing expiration → EXPIRE_ONGOING
   (request the stop, then finalise).

Inactivity is ``now - last_event_at``; an event stamped after ``now`` counts as no
inactivity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from csms.sessions._time import require_aware
from csms.sessions.lifecycle import FINAL_STATUSES, SessionStatus
from csms.sessions.settings import EffectiveIdle


@dataclass(frozen=True)
class SessionSnapshot:
    """What the idle job needs to know about one session."""

    id: str
    status: SessionStatus
    created_at: datetime
    last_event_at: datetime
    stop_requested_at: datetime | None

    def __post_init__(self) -> None:
        require_aware(self.created_at, "SessionSnapshot.created_at")
        require_aware(self.last_event_at, "SessionSnapshot.last_event_at")
        if self.stop_requested_at is not None:
            require_aware(self.stop_requested_at, "SessionSnapshot.stop_requested_at")


class IdleAction(StrEnum):
    """What the idle job does with a session."""

    EXPIRE_READY = "EXPIRE_READY"
    EXPIRE_ONGOING = "EXPIRE_ONGOING"
    FORCE_CLOSE = "FORCE_CLOSE"


_ONGOING = frozenset({SessionStatus.IN_PROGRESS, SessionStatus.LIMIT_REACHED})


def _exceeds(since: datetime, now: datetime, limit_s: int) -> bool:
    return now - since > timedelta(seconds=limit_s)


def idle_action(session: SessionSnapshot, idle: EffectiveIdle, now: datetime) -> IdleAction | None:
    """The action for one session at ``now`` (see the module's precedence), or None."""
    require_aware(now, "now")
    status = session.status
    if status in FINAL_STATUSES or status is SessionStatus.RESERVED:
        return None
    stop_at = session.stop_requested_at
    if stop_at is None and status is SessionStatus.CLOSING:
        stop_at = session.last_event_at
    if stop_at is not None:
        if _exceeds(stop_at, now, idle.closed_verification_time_s):
            return IdleAction.FORCE_CLOSE
        return None
    if status is SessionStatus.READY:
        if _exceeds(session.last_event_at, now, idle.ready_session_expiration_s):
            return IdleAction.EXPIRE_READY
        return None
    if status in _ONGOING and _exceeds(
        session.last_event_at, now, idle.ongoing_session_expiration_s
    ):
        return IdleAction.EXPIRE_ONGOING
    return None


def idle_actions(
    sessions: Iterable[SessionSnapshot], idle: EffectiveIdle, now: datetime
) -> list[tuple[str, IdleAction]]:
    """``(session id, action)`` for every session needing one, in input order.

    Precedence per session: final/RESERVED → nothing; pending stop (CLOSING or
    ``stop_requested_at``) → FORCE_CLOSE after the closed verification time, else nothing;
    READY → EXPIRE_READY; IN_PROGRESS/LIMIT_REACHED → EXPIRE_ONGOING. Expiry is strict
    (> the configured seconds).
    """
    require_aware(now, "now")
    actions: list[tuple[str, IdleAction]] = []
    for session in sessions:
        action = idle_action(session, idle, now)
        if action is not None:
            actions.append((session.id, action))
    return actions


def reservation_expired(expires_at: datetime, now: datetime) -> bool:
    """Whether a reservation is over: ``now`` is at or past ``expires_at`` (OCPP
    ``expiryDateTime`` is the instant the reservation ends, so it is expired at it)."""
    return require_aware(now, "now") >= require_aware(expires_at, "expires_at")
