"""Session reactivation: may a completed session be resumed by a late start/update event?"""

from __future__ import annotations

from datetime import datetime, timedelta

from csms.sessions._time import require_aware


def may_reactivate(
    closed_at: datetime,
    created_at: datetime,
    stop_event_received: bool,
    grace_period_s: int | None,
    now: datetime,
) -> bool:
    """Whether a completed session may go back to IN_PROGRESS at ``now``.

    Never when the charger's stop event for it already arrived. Otherwise allowed while
    ``now - created_at <= grace_period_s`` (the manual's note: the grace is counted "from the
    session's creation"; the boundary instant is still within it); a grace of 0 or None means
    no limit. ``closed_at`` must not precede ``created_at`` (ValueError).
    """
    require_aware(closed_at, "closed_at")
    require_aware(created_at, "created_at")
    require_aware(now, "now")
    if closed_at < created_at:
        raise ValueError(f"closed_at {closed_at} precedes created_at {created_at}")
    if grace_period_s is not None and grace_period_s < 0:
        raise ValueError(f"grace_period_s must not be negative, got {grace_period_s}")
    if stop_event_received:
        return False
    if not grace_period_s:
        return True
    return now - created_at <= timedelta(seconds=grace_period_s)
