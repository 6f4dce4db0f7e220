"""Shared guard for the timezone-aware datetimes every session module works with."""

from __future__ import annotations

from datetime import datetime, timedelta


def require_aware(value: datetime, name: str) -> datetime:
    """Return ``value`` unchanged; raise ``ValueError`` when it is naive (no UTC offset)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware (UTC) datetime, got naive {value!r}")
    return value


def whole_seconds(delta: timedelta) -> int:
    """Whole seconds of ``delta``, floored (``timedelta(seconds=1.9)`` → 1)."""
    return delta // timedelta(seconds=1)
