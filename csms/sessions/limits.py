"""Session limits (monetary, energy, charge time) and the manual's simple pricing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Final

from csms.sessions.settings import EffectiveRating

AMOUNT_QUANTUM: Final = Decimal("0.0001")
_WH_PER_KWH: Final = Decimal(1000)
_SECONDS_PER_HOUR: Final = Decimal(3600)


class LimitReason(StrEnum):
    """Which configured session limit was reached."""

    MONETARY = "MONETARY"
    ENERGY = "ENERGY"
    CHARGE_TIME = "CHARGE_TIME"


def _non_negative(**values: Decimal | int | None) -> None:
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"{name} must be finite, got {value}")
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")


def reached_limit(
    rating: EffectiveRating, energy_wh: Decimal, charge_time_s: int, amount: Decimal | None
) -> LimitReason | None:
    """The first limit reached (value >= limit), checked in the order monetary, energy,
    charge time; None when none is reached. A limit of None is no limit; an ``amount`` of
    None (not rated yet / free session) never reaches the monetary limit. The energy limit
    is configured in kWh and compared in Wh."""
    _non_negative(energy_wh=energy_wh, charge_time_s=charge_time_s, amount=amount)
    monetary, energy = rating.monetary_limit, rating.energy_limit_kwh
    if monetary is not None and amount is not None and amount >= monetary:
        return LimitReason.MONETARY
    if energy is not None and energy_wh >= energy * _WH_PER_KWH:
        return LimitReason.ENERGY
    if rating.charge_time_limit_s is not None and charge_time_s >= rating.charge_time_limit_s:
        return LimitReason.CHARGE_TIME
    return None


def _per_hour(price: Decimal | None, seconds: int) -> Decimal:
    return Decimal(0) if price is None else price * Decimal(seconds) / _SECONDS_PER_HOUR


def simple_amount(
    rating: EffectiveRating,
    energy_wh: Decimal,
    charge_time_s: int,
    park_time_s: int,
    reservation_time_s: int,
    home_roaming: bool,
) -> Decimal | None:
    """Monetary amount of a session under the manual's simple pricing, 4 dp ROUND_HALF_UP.

    Own customers: energy price per kWh + charge time price per hour + park time price per
    hour of ``max(0, park_time_s - park_time_threshold_s)``; ``reservation_time_s`` is not
    priced. ``home_roaming`` (a third-party eMSP's driver on our chargers): the home roaming
    energy, charge time, park time (same threshold) and reservation time prices, plus the
    reservation fixed price when the session had reservation time (> 0 s).
    Returns None when none of the applicable prices is configured. Intermediate results are
    kept at 50 significant digits; only the total is rounded.
    """
    _non_negative(
        energy_wh=energy_wh, charge_time_s=charge_time_s, park_time_s=park_time_s,
        reservation_time_s=reservation_time_s,
    )
    if home_roaming:
        energy_price = rating.home_roaming_energy_price
        charge_price = rating.home_roaming_charge_time_price
        park_price = rating.home_roaming_park_time_price
        reservation_price = rating.home_roaming_reservation_time_price
        fixed_price = rating.home_roaming_reservation_fixed_price
    else:
        energy_price = rating.energy_price
        charge_price = rating.charge_time_price
        park_price = rating.park_time_price
        reservation_price = fixed_price = None
    prices = (energy_price, charge_price, park_price, reservation_price, fixed_price)
    if all(price is None for price in prices):
        return None
    ratable_park_s = max(0, park_time_s - rating.park_time_threshold_s)
    with localcontext() as ctx:
        ctx.prec = 50
        total = Decimal(0)
        if energy_price is not None:
            total += energy_price * energy_wh / _WH_PER_KWH
        total += _per_hour(charge_price, charge_time_s)
        total += _per_hour(park_price, ratable_park_s)
        total += _per_hour(reservation_price, reservation_time_s)
        if fixed_price is not None and reservation_time_s > 0:
            total += fixed_price
        return total.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)
