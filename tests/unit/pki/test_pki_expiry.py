"""Expiry classification shared by the listing, the log report and the metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pki.expiry import EXPIRY_WARNING_DAYS, expiry_status

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 12, 31, tzinfo=UTC)


@pytest.mark.parametrize(("now", "days_left", "soon", "expired", "early"), [
    (END - timedelta(days=31), 31, False, False, False),
    (END - timedelta(days=30), 30, True, False, False),
    (END - timedelta(days=29, hours=12), 29, True, False, False),
    (END, 0, True, False, False),
    (END + timedelta(seconds=1), -1, True, True, False),
    (START - timedelta(days=1), 365, False, False, True),
])
def test_expiry_status(now: datetime, days_left: int, soon: bool, expired: bool,
                       early: bool) -> None:
    status = expiry_status(START, END, now)
    assert (status.days_left, status.expiring_soon, status.expired, status.not_yet_valid) == (
        days_left, soon, expired, early)
    assert status.seconds_left == (END - now).total_seconds()


def test_warning_window_is_thirty_days_and_configurable() -> None:
    assert EXPIRY_WARNING_DAYS == 30
    now = END - timedelta(days=45)
    assert not expiry_status(START, END, now).expiring_soon
    assert expiry_status(START, END, now, warning_days=60).expiring_soon
