"""Session status lifecycle.

Theory of operation
-------------------
A session is created in one of the *initial* statuses: READY (the driver asked the central
system to start), RESERVED (a reservation was accepted), IN_PROGRESS (the charger started
on its own, e.g. RFID authorised at the charger) or REFUSED (a known customer that could not
be authorised is persisted as refused; otherwise no session is persisted at all).

From there the session moves through the *active* statuses (READY, RESERVED, IN_PROGRESS,
LIMIT_REACHED, CLOSING) and ends in a *final* one (CLOSED, REFUSED, RATING_FAILED,
BILLING_FAILED). Finalising a session means rating it and, for a pay-now driver, billing it;
so every finalisation has three possible outcomes: CLOSED (rated and billed), RATING_FAILED
(not rated) or BILLING_FAILED (rated, pay-now driver not billed). The retry jobs move
RATING_FAILED on to CLOSED or BILLING_FAILED, and BILLING_FAILED on to CLOSED.

The only way back from a final status is *reactivation* (CLOSED → IN_PROGRESS), which the
manual describes for completed sessions whose stop event has not arrived yet (see
``csms.sessions.reactivation``). Staying in the same status is not a transition.
"""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    """Latest status of a charging session (manual, "Session Status")."""

    READY = "READY"
    REFUSED = "REFUSED"
    RESERVED = "RESERVED"
    IN_PROGRESS = "IN_PROGRESS"
    LIMIT_REACHED = "LIMIT_REACHED"
    CLOSING = "CLOSING"
    CLOSED = "CLOSED"
    RATING_FAILED = "RATING_FAILED"
    BILLING_FAILED = "BILLING_FAILED"


class AuthorizationMode(StrEnum):
    """How a session is authorised and paid (manual, "Authorization Mode")."""

    CUSTOMER = "CUSTOMER"
    PAYMENT_TRANSACTION = "PAYMENT_TRANSACTION"
    ROAMING_CUSTOMER = "ROAMING_CUSTOMER"
    PUBLIC_FREE = "PUBLIC_FREE"


class SessionNetwork(StrEnum):
    """Whose network a session belongs to in lists and reports. Only a roaming customer
    (an eMSP's or Hubject's driver) is ROAMING: a payment-terminal session is the CPO's own
    ad hoc customer paying by card, so it counts as HOME like customer and free sessions."""

    HOME = "HOME"
    ROAMING = "ROAMING"


def network_of(mode: str) -> SessionNetwork:
    return (SessionNetwork.ROAMING if mode == AuthorizationMode.ROAMING_CUSTOMER
            else SessionNetwork.HOME)


class InvalidTransition(ValueError):
    """A status change the lifecycle does not allow."""

    def __init__(self, current: SessionStatus, new: SessionStatus) -> None:
        self.current = current
        self.new = new
        allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none (terminal)"
        super().__init__(
            f"session status cannot change from {current.value} to {new.value}; "
            f"allowed from {current.value}: {allowed}"
        )


_S = SessionStatus

# Outcomes of finalising (rating, then billing pay-now drivers) a session.
_FINALISED: frozenset[SessionStatus] = frozenset({_S.CLOSED, _S.RATING_FAILED, _S.BILLING_FAILED})

INITIAL_STATUSES: frozenset[SessionStatus] = frozenset(
    {_S.READY, _S.RESERVED, _S.IN_PROGRESS, _S.REFUSED}
)
ACTIVE_STATUSES: frozenset[SessionStatus] = frozenset(
    {_S.READY, _S.RESERVED, _S.IN_PROGRESS, _S.LIMIT_REACHED, _S.CLOSING}
)
FINAL_STATUSES: frozenset[SessionStatus] = frozenset(
    {_S.CLOSED, _S.REFUSED, _S.RATING_FAILED, _S.BILLING_FAILED}
)

TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    # READY: the charger's start event → IN_PROGRESS; a force close from the dashboard while
    # ready → CLOSING; the charger rejecting the start ("closed immediately") or the ready
    # expiration ("finalizes it (rating and closing)") → finalisation, which rates and can
    # therefore also fail rating/billing; insufficient driver resources or a configuration
    # failure → REFUSED.
    _S.READY: frozenset({_S.IN_PROGRESS, _S.CLOSING, _S.REFUSED}) | _FINALISED,
    # RESERVED: the reserving driver requests the start → READY, or the charger starts with
    # the reserving token → IN_PROGRESS; the start of the reserving driver can be refused
    # like any start → REFUSED; the reservation "expires and closes otherwise" → finalisation
    # (reservations can be rated: reservation rating setting, home roaming reservation price).
    # Force close is only offered for ready/in-progress sessions, so no CLOSING.
    _S.RESERVED: frozenset({_S.READY, _S.IN_PROGRESS, _S.REFUSED}) | _FINALISED,
    # IN_PROGRESS: a monetary/energy/charge-time limit or a failed re-authorisation →
    # LIMIT_REACHED; force close → CLOSING; stop event or idle expiration → finalisation.
    _S.IN_PROGRESS: frozenset({_S.LIMIT_REACHED, _S.CLOSING}) | _FINALISED,
    # LIMIT_REACHED: the stop was requested; the charger's stop event or idle detection
    # finalises it; a force close from the dashboard → CLOSING. Going back to IN_PROGRESS is
    # not described: the limit stays reached.
    _S.LIMIT_REACHED: frozenset({_S.CLOSING}) | _FINALISED,
    # CLOSING: the stop event arrives, or the closed-verification time passes and the
    # session is force closed; either way it is finalised.
    _S.CLOSING: _FINALISED,
    # CLOSED: final, except session reactivation (status changes to IN_PROGRESS).
    _S.CLOSED: frozenset({_S.IN_PROGRESS}),
    # RATING_FAILED: retry rating succeeds → CLOSED, or rating succeeds and the pay-now
    # billing that follows fails → BILLING_FAILED.
    _S.RATING_FAILED: frozenset({_S.CLOSED, _S.BILLING_FAILED}),
    # BILLING_FAILED: retry billing succeeds → CLOSED.
    _S.BILLING_FAILED: frozenset({_S.CLOSED}),
    # REFUSED: the session never started; terminal.
    _S.REFUSED: frozenset(),
}


def can_transition(current: SessionStatus | str, new: SessionStatus | str) -> bool:
    """Whether a session in ``current`` may change to ``new`` (same status → False)."""
    return SessionStatus(new) in TRANSITIONS[SessionStatus(current)]


def ensure_transition(current: SessionStatus | str, new: SessionStatus | str) -> SessionStatus:
    """Return ``new`` as a ``SessionStatus`` when allowed; raise ``InvalidTransition`` if not.

    Unknown status names raise ``ValueError`` (of which ``InvalidTransition`` is a subclass).
    """
    cur, nxt = SessionStatus(current), SessionStatus(new)
    if nxt not in TRANSITIONS[cur]:
        raise InvalidTransition(cur, nxt)
    return nxt
