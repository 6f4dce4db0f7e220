"""Session status lifecycle: every transition allowed and every one refused."""

from __future__ import annotations

import itertools

import pytest

from csms.sessions.lifecycle import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    INITIAL_STATUSES,
    TRANSITIONS,
    AuthorizationMode,
    InvalidTransition,
    SessionStatus,
    can_transition,
    ensure_transition,
)

S = SessionStatus
FINALISED = {S.CLOSED, S.RATING_FAILED, S.BILLING_FAILED}

# Written out independently of the module's table, so a change there must show up here.
ALLOWED: dict[SessionStatus, set[SessionStatus]] = {
    S.READY: {S.IN_PROGRESS, S.CLOSING, S.REFUSED} | FINALISED,
    S.RESERVED: {S.READY, S.IN_PROGRESS, S.REFUSED} | FINALISED,
    S.IN_PROGRESS: {S.LIMIT_REACHED, S.CLOSING} | FINALISED,
    S.LIMIT_REACHED: {S.CLOSING} | FINALISED,
    S.CLOSING: set(FINALISED),
    S.CLOSED: {S.IN_PROGRESS},
    S.RATING_FAILED: {S.CLOSED, S.BILLING_FAILED},
    S.BILLING_FAILED: {S.CLOSED},
    S.REFUSED: set(),
}

PAIRS = list(itertools.product(SessionStatus, SessionStatus))
ALLOWED_PAIRS = [(a, b) for a, b in PAIRS if b in ALLOWED[a]]
REFUSED_PAIRS = [(a, b) for a, b in PAIRS if b not in ALLOWED[a]]


def test_enum_values() -> None:
    assert [s.value for s in SessionStatus] == [
        "READY", "REFUSED", "RESERVED", "IN_PROGRESS", "LIMIT_REACHED", "CLOSING", "CLOSED",
        "RATING_FAILED", "BILLING_FAILED",
    ]
    assert [m.value for m in AuthorizationMode] == [
        "CUSTOMER", "PAYMENT_TRANSACTION", "ROAMING_CUSTOMER", "PUBLIC_FREE",
    ]


def test_pair_counts() -> None:
    assert len(ALLOWED_PAIRS) == 28
    assert len(REFUSED_PAIRS) == 81 - 28
    assert set(TRANSITIONS) == set(SessionStatus)


@pytest.mark.parametrize(("current", "new"), ALLOWED_PAIRS)
def test_allowed_transition(current: SessionStatus, new: SessionStatus) -> None:
    assert can_transition(current, new) is True
    assert ensure_transition(current, new) is new


@pytest.mark.parametrize(("current", "new"), REFUSED_PAIRS)
def test_refused_transition(current: SessionStatus, new: SessionStatus) -> None:
    assert can_transition(current, new) is False
    with pytest.raises(InvalidTransition) as info:
        ensure_transition(current, new)
    assert info.value.current is current and info.value.new is new
    assert f"from {current.value} to {new.value}" in str(info.value)


def test_invalid_transition_is_value_error_and_lists_allowed() -> None:
    with pytest.raises(ValueError, match="allowed from CLOSED: IN_PROGRESS"):
        ensure_transition(S.CLOSED, S.CLOSING)
    with pytest.raises(ValueError, match=r"none \(terminal\)"):
        ensure_transition(S.REFUSED, S.CLOSED)


def test_accepts_string_values() -> None:
    assert ensure_transition("READY", "IN_PROGRESS") is S.IN_PROGRESS
    assert can_transition("CLOSED", "IN_PROGRESS") is True
    with pytest.raises(ValueError):
        can_transition("READY", "RUNNING")


def test_status_groups() -> None:
    assert {S.READY, S.RESERVED, S.IN_PROGRESS, S.LIMIT_REACHED, S.CLOSING} == ACTIVE_STATUSES
    assert {S.CLOSED, S.REFUSED, S.RATING_FAILED, S.BILLING_FAILED} == FINAL_STATUSES
    assert set(SessionStatus) == ACTIVE_STATUSES | FINAL_STATUSES
    assert not ACTIVE_STATUSES & FINAL_STATUSES
    assert {S.READY, S.RESERVED, S.IN_PROGRESS, S.REFUSED} == INITIAL_STATUSES


def test_only_reactivation_leaves_the_final_statuses_for_an_active_one() -> None:
    leaving = {(a, b) for a, b in ALLOWED_PAIRS if a in FINAL_STATUSES and b in ACTIVE_STATUSES}
    assert leaving == {(S.CLOSED, S.IN_PROGRESS)}


def test_every_active_status_can_reach_a_final_status() -> None:
    for status in ACTIVE_STATUSES:
        seen, todo = {status}, [status]
        while todo:
            for nxt in TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert S.CLOSED in seen
