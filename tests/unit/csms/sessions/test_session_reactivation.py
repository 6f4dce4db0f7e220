"""Session reactivation rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from csms.sessions.reactivation import may_reactivate

CREATED = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
CLOSED = CREATED + timedelta(minutes=5)


@pytest.mark.parametrize(("since_creation_s", "grace", "stop", "expected"), [
    (600, 900, False, True),
    (900, 900, False, True),  # the boundary instant is within the grace
    (901, 900, False, False),
    (600, 900, True, False),  # stop event already arrived: never
    (10**7, 0, False, True),  # 0 = no limit
    (10**7, None, False, True),  # None = no limit
    (10**7, 0, True, False),
    (400, 300, False, False),  # grace counts from creation, not from closure
])
def test_may_reactivate(since_creation_s: int, grace: int | None, stop: bool,
                        expected: bool) -> None:
    now = CREATED + timedelta(seconds=since_creation_s)
    assert may_reactivate(CLOSED, CREATED, stop, grace, now) is expected


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        may_reactivate(CREATED - timedelta(seconds=1), CREATED, False, 900, CLOSED)
    with pytest.raises(ValueError):
        may_reactivate(CLOSED, CREATED, False, -1, CLOSED)
    with pytest.raises(ValueError):
        may_reactivate(CLOSED, CREATED, False, 900, datetime(2024, 5, 1, 9))
