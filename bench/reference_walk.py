"""A deliberately plain, second-by-second reference pricer (slow, obviously correct).

It shares nothing with ``tariffs.pricing`` but the data models and the written rules: every
second of every period it looks up the local time, evaluates every restriction of every
element from the raw Tariff object, and bills that second's share of each volume at the
first matching element.  When the session energy crosses a min/max_kwh inside a second, the
second is split at the crossing.  After the walk, step sizes are applied as OCPI's CDR rules
say (energy on the billed total; of TIME / PARKING_TIME only the one billed last; reservation
time on its total; the extra at the last billed price), then totals are rounded to 4 decimals
(half-up) and clamped by min/max price.

Periods must last whole seconds (the benchmark generates them that way).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

from tariffs.ocpi_model import PriceComponent, Tariff, TariffElement
from tariffs.pricing import SessionPeriod

WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
ZERO = Decimal(0)


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


def element_active(
    el: TariffElement,
    local: datetime,
    seconds_since_start: Decimal,
    energy_so_far: Decimal,
    p: SessionPeriod,
) -> bool:
    """Do all restrictions of ``el`` hold at this instant?  (Reservation checked by caller.)"""
    r = el.restrictions
    if r is None:
        return True
    now = local.hour * 60 + local.minute + Decimal(local.second) / 60
    if r.start_time is not None and r.end_time is not None:
        start, end = _minutes(r.start_time), _minutes(r.end_time)
        if start < end and not (start <= now < end):
            return False
        if start > end and not (now >= start or now < end):
            return False
    elif r.start_time is not None:
        if now < _minutes(r.start_time):
            return False
    elif r.end_time is not None and _minutes(r.end_time) != 0 and now >= _minutes(r.end_time):
        return False
    today = local.date()
    if r.start_date is not None and today < date.fromisoformat(r.start_date):
        return False
    if r.end_date is not None and today >= date.fromisoformat(r.end_date):
        return False
    if r.day_of_week and WEEKDAYS[today.weekday()] not in r.day_of_week:
        return False
    if r.min_kwh is not None and energy_so_far < r.min_kwh:
        return False
    if r.max_kwh is not None and energy_so_far >= r.max_kwh:
        return False
    if r.min_duration is not None and seconds_since_start < r.min_duration:
        return False
    if r.max_duration is not None and seconds_since_start >= r.max_duration:
        return False
    if r.min_power is not None and (p.min_power is None or p.min_power < r.min_power):
        return False
    if r.max_power is not None and (p.max_power is None or p.max_power >= r.max_power):
        return False
    if r.min_current is not None and (p.min_current is None or p.min_current < r.min_current):
        return False
    return not (
        r.max_current is not None and (p.max_current is None or p.max_current >= r.max_current)
    )


@dataclass
class _Dim:
    excl: Decimal = ZERO
    incl: Decimal = ZERO
    billed: Decimal = ZERO
    last: PriceComponent | None = None
    last_seen: int = -1


@dataclass
class _State:
    dims: dict[str, _Dim] = field(default_factory=dict)
    flat_done: bool = False
    res_flat_done: bool = False
    counter: int = 0


def _incl(comp: PriceComponent, excl: Decimal) -> Decimal:
    return excl if comp.vat is None else excl * (1 + comp.vat / 100)


def _bill(state: _State, dim: str, comp: PriceComponent, volume: Decimal) -> None:
    d = state.dims.setdefault(dim, _Dim())
    cost = volume * comp.price
    d.excl += cost
    d.incl += _incl(comp, cost)
    d.billed += volume
    d.last = comp
    d.last_seen = state.counter


def _first(
    elements: list[TariffElement], kind: str, active: dict[int, bool]
) -> PriceComponent | None:
    for i, el in enumerate(elements):
        if not active[i]:
            continue
        for comp in el.price_components:
            if comp.type.value == kind:
                return comp
    return None


def _round4(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -20:
        value = value.quantize(Decimal("1e-20"))
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _step(d: _Dim, unit: Decimal, guard: Decimal) -> None:
    """Round the dimension's billed total up to the last component's step."""
    if d.last is None or d.last.step_size <= 0:
        return
    amount = (d.billed * unit).quantize(guard, rounding=ROUND_HALF_UP)
    steps = (amount / d.last.step_size).to_integral_value(rounding=ROUND_CEILING)
    extra = steps * d.last.step_size / unit - d.billed
    cost = extra * d.last.price
    d.excl += cost
    d.incl += _incl(d.last, cost)


def reference_price(
    periods: list[SessionPeriod], tariff: Tariff, tz: ZoneInfo, expired: bool | None = None
) -> dict[str, Decimal]:
    """Totals of the session, walking it second by second."""
    with localcontext() as ctx:
        ctx.prec = 34
        return _walk(periods, tariff, tz, expired)


def _walk(
    periods: list[SessionPeriod], tariff: Tariff, tz: ZoneInfo, expired: bool | None
) -> dict[str, Decimal]:
    charging = [p for p in periods if not p.is_reservation]
    if expired is None:
        expired = not charging and any(p.is_reservation for p in periods)
    charge_start = charging[0].start if charging else periods[0].start
    res_start = periods[0].start
    plain = [
        e for e in tariff.elements if e.restrictions is None or e.restrictions.reservation is None
    ]
    res = [
        e
        for e in tariff.elements
        if e.restrictions is not None
        and e.restrictions.reservation is not None
        and e.restrictions.reservation.value == "RESERVATION"
    ]
    exp = [
        e
        for e in tariff.elements
        if e.restrictions is not None
        and e.restrictions.reservation is not None
        and e.restrictions.reservation.value == "RESERVATION_EXPIRES"
    ] + res
    thresholds = sorted(
        {
            k
            for e in tariff.elements
            if e.restrictions is not None
            for k in (e.restrictions.min_kwh, e.restrictions.max_kwh)
            if k is not None
        }
    )
    state = _State()
    energy = ZERO
    for p in periods:
        seconds = int((p.end - p.start).total_seconds())
        if seconds <= 0:
            continue
        per_e = p.energy / seconds
        per_t = p.time / seconds
        per_p = p.parking / seconds
        per_r = p.reservation_time / seconds
        elements = (exp if expired else res) if p.is_reservation else plain
        origin = res_start if p.is_reservation else charge_start
        for s in range(seconds):
            t = p.start + timedelta(seconds=s)
            local = t.astimezone(tz)
            # split the second where the session energy crosses a kWh threshold
            cuts = [ZERO]
            if not p.is_reservation and per_e > 0:
                for k in thresholds:
                    if energy < k < energy + per_e:
                        cuts.append((k - energy) / per_e)
            cuts.append(Decimal(1))
            for a, b in itertools.pairwise(cuts):
                share = b - a
                e_now = energy + per_e * a
                if p.is_reservation:
                    e_now = ZERO
                since = Decimal((t - origin) // timedelta(seconds=1)) + a
                at = (
                    local
                    if a == 0
                    else (t + timedelta(microseconds=int(a * 1_000_000))).astimezone(tz)
                )
                active = {
                    i: element_active(el, at, since, e_now, p) for i, el in enumerate(elements)
                }
                state.counter += 1
                if p.is_reservation:
                    comp = _first(elements, "TIME", active)
                    if comp is not None and per_r > 0:
                        _bill(state, "RESERVATION_TIME", comp, per_r * share)
                    if not state.res_flat_done:
                        flat = _first(elements, "FLAT", active)
                        if flat is not None:
                            _bill(state, "RESERVATION_FLAT", flat, Decimal(1))
                            state.res_flat_done = True
                    continue
                for kind, per in (("ENERGY", per_e), ("TIME", per_t), ("PARKING_TIME", per_p)):
                    if per > 0:
                        comp = _first(elements, kind, active)
                        if comp is not None:
                            _bill(state, kind, comp, per * share)
                if not state.flat_done:
                    flat = _first(elements, "FLAT", active)
                    if flat is not None:
                        _bill(state, "FLAT", flat, Decimal(1))
                        state.flat_done = True
            if not p.is_reservation:
                energy += per_e
    dims = state.dims
    if "ENERGY" in dims:
        _step(dims["ENERGY"], Decimal(1000), Decimal("0.001"))
    time_d, park_d = dims.get("TIME"), dims.get("PARKING_TIME")
    if park_d is not None and (time_d is None or park_d.last_seen >= time_d.last_seen):
        _step(park_d, Decimal(3600), Decimal(1))
    elif time_d is not None:
        _step(time_d, Decimal(3600), Decimal(1))
    if "RESERVATION_TIME" in dims:
        _step(dims["RESERVATION_TIME"], Decimal(3600), Decimal(1))

    def total(*names: str) -> tuple[Decimal, Decimal]:
        excl = sum((dims[n].excl for n in names if n in dims), ZERO)
        incl = sum((dims[n].incl for n in names if n in dims), ZERO)
        return _round4(excl), _round4(incl)

    out: dict[str, Decimal] = {}
    parts = {
        "total_fixed_cost": total("FLAT"),
        "total_energy_cost": total("ENERGY"),
        "total_time_cost": total("TIME"),
        "total_parking_cost": total("PARKING_TIME"),
        "total_reservation_cost": total("RESERVATION_TIME", "RESERVATION_FLAT"),
    }
    excl = sum((v[0] for v in parts.values()), ZERO)
    incl = sum((v[1] for v in parts.values()), ZERO)
    if tariff.min_price is not None:
        excl = max(excl, tariff.min_price.excl_vat)
        if tariff.min_price.incl_vat is not None:
            incl = max(incl, tariff.min_price.incl_vat)
    if tariff.max_price is not None:
        excl = min(excl, tariff.max_price.excl_vat)
        if tariff.max_price.incl_vat is not None:
            incl = min(incl, tariff.max_price.incl_vat)
    parts["total_cost"] = (_round4(excl), _round4(incl))
    for name, (ex, inc) in parts.items():
        out[f"{name}.excl_vat"] = ex
        out[f"{name}.incl_vat"] = inc
    end = periods[-1].end
    out["total_energy"] = _round4(sum((p.energy for p in charging), ZERO))
    out["total_parking_time"] = _round4(sum((p.parking for p in charging), ZERO))
    out["total_time"] = _round4(
        Decimal((end - charge_start) // timedelta(seconds=1)) / 3600 if charging else ZERO
    )
    return out
