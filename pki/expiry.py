"""Expiry classification of a certificate: days left and the "expiring soon" warning.

One rule for the admin listing, the startup/daily log report and the ``/metrics`` gauge, so
the three never disagree: a certificate is *expiring soon* when it is already expired or its
``not_after`` falls within :data:`EXPIRY_WARNING_DAYS` days of ``now``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

EXPIRY_WARNING_DAYS = 30
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class ExpiryStatus:
    """Where ``now`` stands in a certificate's validity period."""

    seconds_left: float  # negative once expired
    days_left: int  # whole days left (floor), negative once expired
    expired: bool
    not_yet_valid: bool
    expiring_soon: bool  # expired, or expiring within the warning window


def expiry_status(
    not_before: datetime,
    not_after: datetime,
    now: datetime,
    warning_days: int = EXPIRY_WARNING_DAYS,
) -> ExpiryStatus:
    """Classify the validity period ``[not_before, not_after]`` at ``now`` (aware datetimes)."""
    seconds_left = (not_after - now).total_seconds()
    return ExpiryStatus(
        seconds_left=seconds_left,
        days_left=math.floor(seconds_left / _DAY),
        expired=now > not_after,
        not_yet_valid=now < not_before,
        expiring_soon=not_after <= now + timedelta(days=warning_days),
    )
