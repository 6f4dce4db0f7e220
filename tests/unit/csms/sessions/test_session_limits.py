"""Session limits and simple pricing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.network.schemas import SessionRatingSettings
from csms.sessions.limits import LimitReason, reached_limit, simple_amount
from csms.sessions.settings import EffectiveRating, effective_rating

BASE = effective_rating(SessionRatingSettings(), None, None)


def rating(**changes: object) -> EffectiveRating:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


LIMITED = rating(
    monetary_limit=Decimal("10.00"), energy_limit_kwh=Decimal("50"), charge_time_limit_s=3600
)


def test_no_limits_configured() -> None:
    assert reached_limit(BASE, Decimal(10**9), 10**9, Decimal(10**9)) is None


@pytest.mark.parametrize(("energy_wh", "charge_s", "amount", "expected"), [
    (Decimal("49999.999"), 3599, Decimal("9.9999"), None),
    (Decimal("50000"), 0, None, LimitReason.ENERGY),
    (Decimal("50000.001"), 0, None, LimitReason.ENERGY),
    (Decimal(0), 3600, None, LimitReason.CHARGE_TIME),
    (Decimal(0), 3599, Decimal("10.00"), LimitReason.MONETARY),
    (Decimal(0), 0, Decimal("9.9999"), None),
    (Decimal(0), 0, None, None),
    # several at once: monetary, then energy, then charge time
    (Decimal(60000), 7200, Decimal(20), LimitReason.MONETARY),
    (Decimal(60000), 7200, Decimal(1), LimitReason.ENERGY),
])
def test_limit_boundaries(
    energy_wh: Decimal, charge_s: int, amount: Decimal | None, expected: LimitReason | None
) -> None:
    assert reached_limit(LIMITED, energy_wh, charge_s, amount) is expected


def test_limits_reject_negative_inputs() -> None:
    with pytest.raises(ValueError):
        reached_limit(LIMITED, Decimal(-1), 0, None)
    with pytest.raises(ValueError):
        reached_limit(LIMITED, Decimal(0), -1, None)


def test_no_price_gives_none() -> None:
    assert simple_amount(BASE, Decimal(1000), 60, 60, 60, home_roaming=False) is None
    assert simple_amount(BASE, Decimal(1000), 60, 60, 60, home_roaming=True) is None
    own_only = rating(energy_price=Decimal("0.30"))
    assert simple_amount(own_only, Decimal(1000), 0, 0, 0, home_roaming=True) is None
    roaming_only = rating(home_roaming_energy_price=Decimal("0.30"))
    assert simple_amount(roaming_only, Decimal(1000), 0, 0, 0, home_roaming=False) is None


def test_simple_pricing() -> None:
    r = rating(
        energy_price=Decimal("0.35"), charge_time_price=Decimal("1.20"),
        park_time_price=Decimal("3.00"), park_time_threshold_s=1800,
        home_roaming_reservation_fixed_price=Decimal(5),
    )
    # 12.345 kWh * 0.35 = 4.32075; 45 min * 1.20/h = 0.90; park 40 min - 30 min = 10 min → 0.50
    amount = simple_amount(r, Decimal("12345"), 2700, 2400, 600, home_roaming=False)
    assert amount == Decimal("5.7208")  # 5.72075 rounded half up
    # park below the threshold costs nothing
    assert simple_amount(r, Decimal(0), 0, 1800, 0, home_roaming=False) == Decimal("0.0000")
    assert simple_amount(r, Decimal(0), 0, 1801, 0, home_roaming=False) == Decimal("0.0008")


def test_home_roaming_pricing() -> None:
    r = rating(
        energy_price=Decimal(9), park_time_threshold_s=600,
        home_roaming_energy_price=Decimal("0.50"),
        home_roaming_charge_time_price=Decimal("2.00"),
        home_roaming_park_time_price=Decimal("6.00"),
        home_roaming_reservation_time_price=Decimal("1.00"),
        home_roaming_reservation_fixed_price=Decimal("0.75"),
    )
    # 10 kWh → 5.00; 30 min → 1.00; park 20 min - 10 min → 1.00; reservation 15 min → 0.25;
    # fixed 0.75
    amount = simple_amount(r, Decimal(10000), 1800, 1200, 900, home_roaming=True)
    assert amount == Decimal("8.0000")
    # without reservation time no reservation fee
    assert simple_amount(r, Decimal(10000), 1800, 1200, 0, home_roaming=True) == Decimal("7.0000")


def test_amount_rounding_half_up() -> None:
    r = rating(charge_time_price=Decimal(1))
    # 1 s at 1/h = 0.000277..., 2 s = 0.000555... → 0.0003 / 0.0006
    assert simple_amount(r, Decimal(0), 1, 0, 0, home_roaming=False) == Decimal("0.0003")
    assert simple_amount(r, Decimal(0), 2, 0, 0, home_roaming=False) == Decimal("0.0006")
    e = rating(energy_price=Decimal("0.1"))
    assert simple_amount(e, Decimal("0.5"), 0, 0, 0, home_roaming=False) == Decimal("0.0001")
    assert simple_amount(e, Decimal("0.4"), 0, 0, 0, home_roaming=False) == Decimal("0.0000")


def test_amount_rejects_negative() -> None:
    r = rating(energy_price=Decimal(1))
    with pytest.raises(ValueError):
        simple_amount(r, Decimal(-1), 0, 0, 0, home_roaming=False)
    with pytest.raises(ValueError):
        simple_amount(r, Decimal(0), 0, -5, 0, home_roaming=False)


prices = st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=4))
quantities = st.integers(min_value=0, max_value=10**7)


@given(
    energy_price=prices, charge_price=prices, park_price=prices, reservation_price=prices,
    fixed_price=prices, threshold=st.integers(0, 10**5), home_roaming=st.booleans(),
    base=st.tuples(quantities, quantities, quantities, quantities),
    extra=st.tuples(quantities, quantities, quantities, quantities),
)
def test_amount_is_monotone(
    energy_price: Decimal | None, charge_price: Decimal | None, park_price: Decimal | None,
    reservation_price: Decimal | None, fixed_price: Decimal | None, threshold: int,
    home_roaming: bool, base: tuple[int, int, int, int], extra: tuple[int, int, int, int],
) -> None:
    """More energy or more time (any scope) never lowers the amount."""
    r = rating(
        energy_price=energy_price, charge_time_price=charge_price, park_time_price=park_price,
        home_roaming_energy_price=energy_price, home_roaming_charge_time_price=charge_price,
        home_roaming_park_time_price=park_price,
        home_roaming_reservation_time_price=reservation_price,
        home_roaming_reservation_fixed_price=fixed_price, park_time_threshold_s=threshold,
    )
    e, c, p, v = base
    low = simple_amount(r, Decimal(e), c, p, v, home_roaming)
    high = simple_amount(
        r, Decimal(e + extra[0]), c + extra[1], p + extra[2], v + extra[3], home_roaming
    )
    if low is None:
        assert high is None
    else:
        assert high is not None
        assert low <= high
        assert low >= 0
        assert low == low.quantize(Decimal("0.0001"))
