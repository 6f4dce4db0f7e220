"""Duration scopes of a session: charge, park, fault and reservation time.

Theory of operation
-------------------
While a session runs, the connector status decides which scope the elapsed time counts
towards (manual, "Duration Scopes"): Charging → charge; Preparing, Occupied, SuspendedEV,
SuspendedEVSE, Finishing, Available → park; Faulted, Unavailable → fault; Reserved →
reservation. A status outside the table maps to no scope and its time is not counted.

A ``DurationTracker`` holds the totals so far, the current scope and the instant it began.
``switch_scope`` closes the running interval (adds ``at - since`` to the current scope) and
opens a new one at ``at``. Events can arrive out of order: an event older than ``since`` is
still applied (its scope becomes the current one) but with zero duration and ``since`` is
kept, so no time is ever counted twice or negatively. ``close_tracking`` closes the last
interval the same way and returns the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from csms.sessions._time import require_aware, whole_seconds


class DurationScope(StrEnum):
    """Which part of a session's duration time counts towards."""

    CHARGE = "CHARGE"
    PARK = "PARK"
    FAULT = "FAULT"
    RESERVATION = "RESERVATION"


def _key(status: str) -> str:
    return "".join(ch for ch in status.lower() if ch.isalnum())


# Keys are lowercase alphanumerics, so "SuspendedEV", "Suspended EV" and "SUSPENDED_EV" match.
_SCOPES: dict[str, DurationScope] = {
    # OCPP 1.6 StatusNotification.status
    "available": DurationScope.PARK,
    "preparing": DurationScope.PARK,
    "charging": DurationScope.CHARGE,
    "suspendedev": DurationScope.PARK,
    "suspendedevse": DurationScope.PARK,
    "finishing": DurationScope.PARK,
    "reserved": DurationScope.RESERVATION,
    "unavailable": DurationScope.FAULT,
    "faulted": DurationScope.FAULT,
    # OCPP 2.0.1 StatusNotification.connectorStatus (Available/Reserved/Unavailable/Faulted
    # are shared with 1.6 above)
    "occupied": DurationScope.PARK,
    # OCPP 2.0.1 TransactionEvent transactionInfo.chargingState (Charging, SuspendedEV and
    # SuspendedEVSE shared above)
    "evconnected": DurationScope.PARK,
    "idle": DurationScope.PARK,
}


def scope_for_status(status: str) -> DurationScope | None:
    """Duration scope of an OCPP 1.6/2.0.1 connector status or 2.0.1 chargingState,
    compared case-insensitively ignoring spaces/underscores; unknown statuses → None."""
    return _SCOPES.get(_key(status))


@dataclass(frozen=True)
class Durations:
    """Time spent in each scope."""

    charge: timedelta
    park: timedelta
    fault: timedelta
    reservation: timedelta

    def __post_init__(self) -> None:
        for scope in DurationScope:
            if self.of(scope) < timedelta(0):
                raise ValueError(f"{scope.value.lower()} duration must not be negative")

    @classmethod
    def zero(cls) -> Durations:
        """All scopes at zero."""
        return cls(timedelta(0), timedelta(0), timedelta(0), timedelta(0))

    def of(self, scope: DurationScope) -> timedelta:
        """Time spent in ``scope``."""
        if scope is DurationScope.CHARGE:
            return self.charge
        if scope is DurationScope.PARK:
            return self.park
        if scope is DurationScope.FAULT:
            return self.fault
        return self.reservation

    def seconds_of(self, scope: DurationScope) -> int:
        """Whole seconds (floored) spent in ``scope``."""
        return whole_seconds(self.of(scope))

    @property
    def total(self) -> timedelta:
        """Sum of all scopes."""
        return self.charge + self.park + self.fault + self.reservation

    def plus(self, scope: DurationScope, delta: timedelta) -> Durations:
        """A copy with ``delta`` added to ``scope``."""
        return replace(self, **{scope.value.lower(): self.of(scope) + delta})


@dataclass(frozen=True)
class DurationTracker:
    """Running totals, the current scope (None = not counted) and when it began."""

    totals: Durations
    scope: DurationScope | None
    since: datetime

    def __post_init__(self) -> None:
        require_aware(self.since, "DurationTracker.since")


def start_tracking(at: datetime, scope: DurationScope | None) -> DurationTracker:
    """Begin tracking at ``at`` in ``scope`` with all totals at zero."""
    return DurationTracker(Durations.zero(), scope, require_aware(at, "at"))


def _close_interval(tracker: DurationTracker, at: datetime) -> Durations:
    require_aware(at, "at")
    elapsed = max(at - tracker.since, timedelta(0))
    if tracker.scope is None or elapsed == timedelta(0):
        return tracker.totals
    return tracker.totals.plus(tracker.scope, elapsed)


def switch_scope(
    tracker: DurationTracker, at: datetime, scope: DurationScope | None
) -> DurationTracker:
    """Count ``at - since`` towards the current scope and continue in ``scope`` from ``at``.

    An event older than ``since`` adds nothing and keeps ``since`` (never negative time);
    its scope still becomes the current one.
    """
    totals = _close_interval(tracker, at)
    return DurationTracker(totals, scope, max(at, tracker.since))


def close_tracking(tracker: DurationTracker, at: datetime) -> Durations:
    """Final totals: the running interval up to ``at`` (zero if ``at`` is older) included."""
    return _close_interval(tracker, at)
