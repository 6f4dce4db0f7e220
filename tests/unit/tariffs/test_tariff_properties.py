"""Hypothesis invariants of the pricing engine and the decoders.

Precise statements (each test's docstring repeats its own):

* breakdown: each per-dimension total is the 4-dp rounding of the exact sum of its priced
  pieces, and ``total_cost_before_limits`` (the total *before* min/max adjustment) is exactly
  the sum of the five per-dimension totals, excl. and incl. VAT; ``total_cost`` is that sum
  clamped to ``[min_price, max_price]`` excl. and incl. independently.
* VAT: with non-negative VAT rates excl <= incl for every total.
* monotonicity: for tariffs whose unit prices do not fall as a session accumulates energy
  (no min/max_kwh restriction) and sessions with explicit power/current, adding energy to
  (or TIME to) a period never lowers any cost, provided step_size <= 1 and volumes are whole
  Wh / seconds; with arbitrary step sizes it holds for the last period.  (Volume discounts
  and the OCPI rule "the step extra is billed at the last period's price" make other cases
  genuinely non-monotone; that is the spec, not a bug.)
* restrictions only switch elements at boundaries: a period is only ever cut at a local
  start/end time or midnight of the tariff, at session start + min/max_duration, or where the
  session energy reaches a min/max_kwh.
* a CDR built by the engine, serialized, parsed and priced again gives the same totals.
* decoders either return a model or raise TariffError.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tariffs.cdr import ConnectorState, MeterSample, build_cdr
from tariffs.errors import InvalidCdrError, InvalidTariffError, TariffError
from tariffs.ocpi_model import (
    Cdr,
    Tariff,
    dumps,
    parse_cdr,
    parse_tariff,
    parse_tariffs,
)
from tariffs.pricing import PricingResult, SessionPeriod, price_cdr, price_session
from tariffs.rounding import INTERNAL_CONTEXT, round_output

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ZONES = ["UTC", "Europe/Amsterdam", "America/New_York"]
D = Decimal

money_st = st.integers(0, 500).map(lambda c: D(c) / 100)
vat_st = st.one_of(st.none(), st.sampled_from([D(0), D("5.5"), D(10), D(21)]))
hhmm_st = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 30]))
days_st = st.lists(
    st.sampled_from(["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]),
    min_size=1,
    max_size=7,
    unique=True,
)


def restrictions_st(with_kwh: bool) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "start_time": hhmm_st,
        "end_time": hhmm_st,
        "day_of_week": days_st,
        "min_power": st.sampled_from([D(7), D(11), D(22)]),
        "max_power": st.sampled_from([D(11), D(22), D(50)]),
        "min_duration": st.sampled_from([600, 1800, 3600]),
        "max_duration": st.sampled_from([900, 3600, 7200]),
        "max_current": st.sampled_from([D(16), D(32)]),
    }
    if with_kwh:
        fields["min_kwh"] = st.sampled_from([D(1), D("2.5"), D(10)])
        fields["max_kwh"] = st.sampled_from([D(2), D(5), D(20)])
    return st.fixed_dictionaries({}, optional=fields)


def component_st(step1: bool) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda kind, price, vat, step: {
            "type": kind,
            "price": price,
            **({} if vat is None else {"vat": vat}),
            "step_size": 1 if step1 else step,
        },
        st.sampled_from(["ENERGY", "TIME", "PARKING_TIME", "FLAT"]),
        money_st,
        vat_st,
        st.sampled_from([0, 1, 60, 300, 500, 900]),
    )


def tariff_st(with_kwh: bool = True, step1: bool = False) -> st.SearchStrategy[Tariff]:
    element = st.builds(
        lambda comps, restr: {
            "price_components": comps,
            **({"restrictions": restr} if restr else {}),
        },
        st.lists(component_st(step1), min_size=1, max_size=4),
        st.one_of(st.just({}), restrictions_st(with_kwh)),
    )
    limits = st.one_of(
        st.none(),
        st.builds(lambda a, b: {"excl_vat": a, "incl_vat": a + b}, money_st, money_st),
    )
    return st.builds(
        lambda elements, lo, hi: Tariff.model_validate(
            {
                "id": "T",
                "currency": "EUR",
                "elements": elements,
                **({"min_price": lo} if lo else {}),
                **(
                    {
                        "max_price": {
                            "excl_vat": hi["excl_vat"] * 10,
                            "incl_vat": hi["incl_vat"] * 10,
                        }
                    }
                    if hi
                    else {}
                ),
            }
        ),
        st.lists(element, min_size=1, max_size=5),
        limits,
        limits,
    )


@st.composite
def session_st(draw: st.DrawFn) -> list[SessionPeriod]:
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 365 * 86400)))
    periods = []
    t = start
    for _ in range(draw(st.integers(1, 6))):
        seconds = draw(st.integers(1, 4 * 3600))
        end = t + timedelta(seconds=seconds)
        hours = D(seconds) / 3600
        power = draw(st.sampled_from([D(3), D(7), D(11), D(22), D(50)]))
        current = draw(st.sampled_from([D(10), D(16), D(32), D(48)]))
        if draw(st.booleans()):
            wh = draw(st.integers(0, 60_000))
            periods.append(
                SessionPeriod(
                    t,
                    end,
                    energy=D(wh) / 1000,
                    time=hours,
                    min_power=power,
                    max_power=power,
                    min_current=current,
                    max_current=current,
                )
            )
        else:
            periods.append(
                SessionPeriod(
                    t,
                    end,
                    parking=hours,
                    min_power=D(0),
                    max_power=D(0),
                    min_current=D(0),
                    max_current=D(0),
                )
            )
        t = end
    return periods


def _costs(r: PricingResult) -> list[Decimal]:
    out = []
    for name in (
        "total_cost",
        "total_cost_before_limits",
        "total_fixed_cost",
        "total_energy_cost",
        "total_time_cost",
        "total_parking_cost",
    ):
        price = getattr(r, name)
        out += [price.excl_vat, price.incl_vat]
    return out


@SETTINGS
@given(tariff_st(), session_st(), st.sampled_from(ZONES))
def test_breakdown_adds_up(tariff: Tariff, periods: list[SessionPeriod], tz: str) -> None:
    """Per-dimension totals round the exact piece sums; before-limits total is their sum."""
    r = price_session(periods, tariff, tz)
    exact: dict[str, list[Decimal]] = {}
    with localcontext(INTERNAL_CONTEXT):
        _accumulate(r, exact)
    _check_breakdown(r, exact, tariff)


def _accumulate(r: PricingResult, exact: dict[str, list[Decimal]]) -> None:
    for p in r.periods:
        for d in p.dimensions:
            key = {"RESERVATION_FLAT": "RESERVATION_TIME"}.get(d.dimension, d.dimension)
            acc = exact.setdefault(key, [D(0), D(0)])
            acc[0] += d.cost_excl_vat
            acc[1] += d.cost_incl_vat


def _check_breakdown(r: PricingResult, exact: dict[str, list[Decimal]], tariff: Tariff) -> None:
    names = {
        "FLAT": r.total_fixed_cost,
        "ENERGY": r.total_energy_cost,
        "TIME": r.total_time_cost,
        "PARKING_TIME": r.total_parking_cost,
        "RESERVATION_TIME": r.total_reservation_cost,
    }
    for key, price in names.items():
        excl, incl = exact.get(key, [D(0), D(0)])
        assert price.excl_vat == round_output(excl)
        assert price.incl_vat == round_output(incl)
    parts = list(names.values())
    before = r.total_cost_before_limits
    assert before.excl_vat == sum((p.excl_vat for p in parts), D(0))
    assert before.incl_vat == sum((p.incl_vat or D(0) for p in parts), D(0))
    lo, hi = tariff.min_price, tariff.max_price
    excl, incl = before.excl_vat, before.incl_vat
    assert incl is not None
    if lo is not None:
        excl = max(excl, lo.excl_vat)
        incl = max(incl, lo.incl_vat) if lo.incl_vat is not None else incl
    if hi is not None:
        excl = min(excl, hi.excl_vat)
        incl = min(incl, hi.incl_vat) if hi.incl_vat is not None else incl
    assert (r.total_cost.excl_vat, r.total_cost.incl_vat) == (
        round_output(excl),
        round_output(incl),
    )


@SETTINGS
@given(tariff_st(), session_st(), st.sampled_from(ZONES))
def test_excl_vat_never_exceeds_incl_vat(
    tariff: Tariff, periods: list[SessionPeriod], tz: str
) -> None:
    """With non-negative VAT (and limits with excl <= incl) excl <= incl everywhere."""
    r = price_session(periods, tariff, tz)
    costs = _costs(r)
    for excl, incl in zip(costs[::2], costs[1::2], strict=True):
        assert incl is not None
        assert excl <= incl


def _bump(
    periods: list[SessionPeriod], i: int, wh: int = 0, seconds: int = 0
) -> list[SessionPeriod]:
    p = periods[i]
    bumped = SessionPeriod(
        p.start,
        p.end,
        energy=p.energy + D(wh) / 1000,
        time=p.time + D(seconds) / 3600,
        parking=p.parking,
        min_power=p.min_power,
        max_power=p.max_power,
        min_current=p.min_current,
        max_current=p.max_current,
    )
    return [*periods[:i], bumped, *periods[i + 1 :]]


def _not_lower(a: PricingResult, b: PricingResult) -> int:
    """Assert no cost of ``b`` is below the same cost of ``a``; return how many were compared."""
    compared = 0
    for before, after in zip(_costs(a), _costs(b), strict=True):
        assert after >= before
        compared += 1
    return compared


N_COSTS = 12  # excl and incl VAT of the six totals listed by _costs


@SETTINGS
@given(
    tariff_st(with_kwh=False, step1=True),
    session_st(),
    st.sampled_from(ZONES),
    st.integers(0, 5),
    st.integers(1, 5000),
    st.integers(1, 3600),
)
def test_monotone_in_energy_and_time_with_unit_steps(
    tariff: Tariff, periods: list[SessionPeriod], tz: str, pick: int, wh: int, seconds: int
) -> None:
    """Steps <= 1, no kWh restrictions, explicit power: more energy / TIME never costs less."""
    charging = [i for i, p in enumerate(periods) if p.parking == 0]
    if not charging:
        return
    i = charging[pick % len(charging)]
    base = price_session(periods, tariff, tz)
    more_energy = price_session(_bump(periods, i, wh=wh), tariff, tz)
    assert more_energy.total_energy > base.total_energy
    assert _not_lower(base, more_energy) == N_COSTS
    longer = _bump(periods, i, seconds=seconds)
    assert longer[i].time > periods[i].time  # total_time is wall-clock, so check input
    more_time = price_session(longer, tariff, tz)
    assert _not_lower(base, more_time) == N_COSTS


@SETTINGS
@given(tariff_st(with_kwh=False), session_st(), st.sampled_from(ZONES), st.integers(1, 5000))
def test_monotone_in_last_period_with_any_steps(
    tariff: Tariff, periods: list[SessionPeriod], tz: str, amount: int
) -> None:
    """Any step sizes: more energy / TIME in the last period never costs less."""
    last = len(periods) - 1
    if periods[last].parking != 0:
        return
    base = price_session(periods, tariff, tz)
    more_energy = price_session(_bump(periods, last, wh=amount), tariff, tz)
    assert more_energy.total_energy > base.total_energy
    assert _not_lower(base, more_energy) == N_COSTS
    longer = _bump(periods, last, seconds=amount)
    assert longer[last].time > periods[last].time  # total_time is wall-clock, so check input
    more_time = price_session(longer, tariff, tz)
    assert _not_lower(base, more_time) == N_COSTS


@SETTINGS
@given(tariff_st(), session_st(), st.sampled_from(ZONES))
def test_elements_switch_only_at_boundaries(
    tariff: Tariff, periods: list[SessionPeriod], tz: str
) -> None:
    """Every cut inside a period sits on a restriction boundary of the tariff."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    times, durations, kwhs, midnight = set(), set(), set(), False
    for el in tariff.elements:
        r = el.restrictions
        if r is None:
            continue
        for t in (r.start_time, r.end_time):
            if t is not None:
                times.add(t)
        midnight |= bool(r.day_of_week) or r.start_date is not None or r.end_date is not None
        durations |= {d for d in (r.min_duration, r.max_duration) if d is not None}
        kwhs |= {k for k in (r.min_kwh, r.max_kwh) if k is not None}
    result = price_session(periods, tariff, tz)
    session_start = periods[0].start
    energy = D(0)
    for a, b in zip(result.periods, result.periods[1:], strict=False):
        energy += sum((d.volume for d in a.dimensions if d.dimension == "ENERGY"), D(0))
        if a.source_period != b.source_period:
            continue
        cut = b.start
        local = cut.astimezone(zone)
        ok = (
            (f"{local.hour:02d}:{local.minute:02d}" in times and local.second == 0)
            or (midnight and (local.hour, local.minute, local.second) == (0, 0, 0))
            or (cut - session_start).total_seconds() in durations
            or energy in kwhs
        )
        assert ok, f"cut at {cut} ({local}) is not a boundary"


@st.composite
def trace_st(draw: st.DrawFn) -> tuple[datetime, datetime, list[MeterSample]]:
    start = datetime(2024, 3, 1, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 60 * 86400)))
    t, wh = start, 0
    samples = []
    for _ in range(draw(st.integers(1, 8))):
        charging = draw(st.booleans())
        power = draw(st.sampled_from([D(0), D("3.7"), D(11), D(22), D(50)]))
        current = draw(st.sampled_from([D(8), D(16), D(32), D(63)]))
        samples.append(
            MeterSample(
                t,
                D(wh),
                ConnectorState.CHARGING if charging else ConnectorState.PARKING,
                power if charging else D(0),
                current if charging else D(0),
            )
        )
        t += timedelta(seconds=draw(st.integers(1, 5400)))
        if charging:
            wh += draw(st.integers(0, 40_000))
    samples.append(MeterSample(t, D(wh), ConnectorState.PARKING, D(0), D(0)))
    end = t + timedelta(seconds=draw(st.integers(0, 1800)))
    return start, end, samples


@SETTINGS
@given(tariff_st(), trace_st(), st.sampled_from(ZONES))
def test_engine_cdr_reprices_to_the_same_totals(
    tariff: Tariff, trace: tuple[datetime, datetime, list[MeterSample]], tz: str
) -> None:
    """Build a CDR from a meter trace, serialize, parse, price: the totals are identical, and
    they are close to pricing the trace itself (CDR volumes carry 6 decimals)."""
    start, end, samples = trace
    built = build_cdr(start, end, samples, tariff, tz)
    cdr = parse_cdr(dumps(built.to_cdr(country_code="NL", party_id="EVG", id="S1")))
    again = price_cdr(cdr, tariff, tz)
    assert again.cdr_totals() == built.pricing.cdr_totals()
    total_wh = samples[-1].energy_wh - samples[0].energy_wh
    assert again.total_energy == round_output(total_wh / 1000)
    assert cdr.total_cost is not None and cdr.total_cost == built.pricing.total_cost


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=8),
        st.decimals(allow_nan=False, allow_infinity=False, places=3),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "currency",
                    "elements",
                    "price_components",
                    "type",
                    "price",
                    "step_size",
                    "restrictions",
                    "start_time",
                    "vat",
                    "charging_periods",
                    "dimensions",
                    "volume",
                    "start_date_time",
                    "end_date_time",
                    "day_of_week",
                    "min_price",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=25,
)


@SETTINGS
@given(st.one_of(st.text(max_size=200), JSON_VALUES.map(dumps)))
def test_decoders_parse_or_raise_tariff_error(text: str) -> None:
    """Each decoder returns its model or raises its own TariffError subclass, nothing else."""
    decoders: list[tuple[Any, type[TariffError], Any]] = [
        (parse_tariff, InvalidTariffError, lambda r: isinstance(r, Tariff)),
        (
            parse_tariffs,
            InvalidTariffError,
            lambda r: isinstance(r, list) and r and all(isinstance(t, Tariff) for t in r),
        ),
        (parse_cdr, InvalidCdrError, lambda r: isinstance(r, Cdr)),
    ]
    for decoder, error, is_model in decoders:
        try:
            result = decoder(text)
        except TariffError as exc:
            assert isinstance(exc, error), f"{decoder.__name__} raised {type(exc).__name__}"
            assert str(exc)
            continue
        assert is_model(result), f"{decoder.__name__} returned {result!r}"


@SETTINGS
@given(tariff_st(), st.data())
def test_decoders_survive_mutated_tariffs(tariff: Tariff, data: st.DataObject) -> None:
    doc = json.loads(dumps(tariff), parse_float=D)
    element = doc["elements"][0]
    target = data.draw(st.sampled_from([doc, element, element["price_components"][0]]))
    key = data.draw(st.sampled_from(sorted(target)))
    target[key] = data.draw(JSON_VALUES)
    try:
        parsed = parse_tariff(dumps(doc))
    except TariffError:
        return
    assert parsed.id is not None
