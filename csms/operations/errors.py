"""Errors of the operations, rendered by the admin API like every network error."""

from __future__ import annotations

from csms.network.errors import Conflict, RuleViolation


class InvalidOperation(RuleViolation):
    """A request the station cannot be asked (wrong target, bad value, unknown name)."""


class NotInThisVersion(RuleViolation):
    title = "Not available in this OCPP version"


class ReservationConflict(Conflict):
    """The charger or connector is already reserved, or not reservable."""


class LoadBalancingConflict(Conflict):
    """Charging profiles and dynamic load balancing are mutually exclusive (the manual)."""
