"""Build OCPI charging periods and priced totals from a session's meter trace.

The session engine records samples ``(timestamp, cumulative Wh, connector state, power,
current)``.  Between two samples energy is assumed to flow linearly and the state / power of
the earlier sample holds.  The trace is turned into micro periods, priced with
:mod:`tariffs.pricing` (which cuts them where a restriction flips), and consecutive pieces
that share state, tariff and selected elements are merged into OCPI charging periods: a
period boundary therefore exists wherever a price can change, and nowhere else.

Volumes in the CDR carry 6 decimals (:func:`tariffs.rounding.round_output` applied to
*cumulative* volumes, so the periods add up to the rounded session totals) and the CDR
totals are the pricing of exactly those periods: an eMSP re-pricing our CDR gets our totals.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tariffs.errors import InvalidMeterTraceError
from tariffs.ocpi_model import Cdr, CdrDimension, CdrDimensionType, ChargingPeriod, Price
from tariffs.pricing import (
    PricingResult,
    Session,
    SessionPeriod,
    TariffsArg,
    price_session,
    session_from_cdr,
)
from tariffs.rounding import INTERNAL_CONTEXT, VOLUME_PLACES, ZERO, round_output

__all__ = [
    "BuiltCdr",
    "ConnectorState",
    "MeterSample",
    "Reservation",
    "build_cdr",
    "estimate_cost",
    "limit_reached",
]

_THOUSAND = Decimal(1000)
_HOUR = Decimal(3600)
_MICRO = Decimal(1_000_000)


class ConnectorState(StrEnum):
    """What the vehicle does during a sample interval."""

    CHARGING = "CHARGING"
    PARKING = "PARKING"


@dataclass(frozen=True, slots=True)
class MeterSample:
    """A sample of a running session: cumulative energy in Wh, instantaneous power / current."""

    timestamp: datetime
    energy_wh: Decimal
    state: ConnectorState
    power_kw: Decimal | None = None
    current_a: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reservation preceding the session: [start, end); ``expired`` if never used."""

    start: datetime
    end: datetime
    expired: bool = False


@dataclass(frozen=True)
class BuiltCdr:
    """OCPI charging periods of a session and their pricing."""

    start: datetime
    end: datetime
    charging_periods: tuple[ChargingPeriod, ...]
    pricing: PricingResult
    reservation_expired: bool | None = None

    def to_cdr(self, **fields: Any) -> Cdr:
        """An OCPI CDR with our periods and totals; ``fields`` adds the other CDR fields."""
        p = self.pricing
        data: dict[str, Any] = dict(fields)
        data.update(
            start_date_time=self.start,
            end_date_time=self.end,
            charging_periods=list(self.charging_periods),
            currency=fields.get("currency", p.currency),
            total_cost=p.total_cost,
            total_fixed_cost=p.total_fixed_cost,
            total_energy=p.total_energy,
            total_energy_cost=p.total_energy_cost,
            total_time=p.total_time,
            total_time_cost=p.total_time_cost,
            total_parking_time=p.total_parking_time,
            total_parking_cost=p.total_parking_cost,
            total_reservation_cost=p.total_reservation_cost,
        )
        return Cdr.model_validate(data)


def _micros(delta: timedelta) -> Decimal:
    return Decimal(delta // timedelta(microseconds=1))


def _check(start: datetime, end: datetime, samples: Sequence[MeterSample]) -> None:
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None:
            raise InvalidMeterTraceError(f"{name} must be timezone-aware")
    if end < start:
        raise InvalidMeterTraceError("session end is before its start")
    for i, s in enumerate(samples):
        if s.timestamp.tzinfo is None:
            raise InvalidMeterTraceError(f"sample {i}: timestamp must be timezone-aware")
        if not s.energy_wh.is_finite() or s.energy_wh < 0:
            raise InvalidMeterTraceError(f"sample {i}: energy must be finite and >= 0")
        if i and s.timestamp < samples[i - 1].timestamp:
            raise InvalidMeterTraceError(f"sample {i}: timestamps must not go backwards")
        if i and s.energy_wh < samples[i - 1].energy_wh:
            raise InvalidMeterTraceError(
                f"sample {i}: cumulative energy went backwards "
                f"({samples[i - 1].energy_wh} -> {s.energy_wh} Wh)"
            )
        for label, v in (("power", s.power_kw), ("current", s.current_a)):
            if v is not None and (not v.is_finite() or v < 0):
                raise InvalidMeterTraceError(f"sample {i}: {label} must be finite and >= 0")


def _energy_at(samples: Sequence[MeterSample], times: Sequence[datetime], t: datetime) -> Decimal:
    i = bisect_right(times, t)
    if i == 0:
        return samples[0].energy_wh
    if i >= len(samples):
        return samples[-1].energy_wh
    a, b = samples[i - 1], samples[i]
    span = _micros(b.timestamp - a.timestamp)
    if span == 0:
        return b.energy_wh
    return a.energy_wh + (b.energy_wh - a.energy_wh) * _micros(t - a.timestamp) / span


def _micro_session(
    start: datetime,
    end: datetime,
    samples: Sequence[MeterSample],
    reservation: Reservation | None,
) -> tuple[list[SessionPeriod], list[ConnectorState | None]]:
    periods: list[SessionPeriod] = []
    states: list[ConnectorState | None] = []
    if reservation is not None:
        if reservation.end < reservation.start:
            raise InvalidMeterTraceError("reservation end is before its start")
        periods.append(
            SessionPeriod(
                start=reservation.start,
                end=reservation.end,
                reservation_time=_micros(reservation.end - reservation.start) / _MICRO / _HOUR,
                is_reservation=True,
            )
        )
        states.append(None)
        if reservation.expired:
            return periods, states
    if not samples:
        samples = [MeterSample(start, ZERO, ConnectorState.CHARGING)]
    times = [s.timestamp for s in samples]
    cuts = [start] + [t for t in times if start < t < end] + [end]
    cuts = sorted(set(cuts))
    if len(cuts) == 1:
        cuts.append(end)
    for a, b in itertools.pairwise(cuts):
        i = bisect_right(times, a) - 1
        sample = samples[max(i, 0)]
        energy_kwh = (_energy_at(samples, times, b) - _energy_at(samples, times, a)) / _THOUSAND
        hours = _micros(b - a) / _MICRO / _HOUR
        charging = sample.state is ConnectorState.CHARGING
        power = sample.power_kw
        if power is None:
            power = energy_kwh / hours if hours > 0 else ZERO
        periods.append(
            SessionPeriod(
                start=a,
                end=b,
                energy=energy_kwh,
                time=hours if charging else ZERO,
                parking=ZERO if charging else hours,
                min_power=power,
                max_power=power,
                min_current=sample.current_a,
                max_current=sample.current_a,
            )
        )
        states.append(sample.state)
    return periods, states


@dataclass
class _Group:
    start: datetime
    tariff_id: str
    state: ConnectorState | None
    signature: tuple[tuple[str, int | None], ...]
    energy: Decimal = ZERO
    time: Decimal = ZERO
    parking: Decimal = ZERO
    reservation: Decimal = ZERO
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    current_known: bool = True


def _merge(
    result: PricingResult, micro: list[SessionPeriod], states: list[ConnectorState | None]
) -> list[_Group]:
    groups: list[_Group] = []
    for piece in result.periods:
        src = micro[piece.source_period]
        state = states[piece.source_period]
        signature = tuple(
            (d.dimension, d.element_index)
            for d in piece.dimensions
            if d.dimension not in ("FLAT", "RESERVATION_FLAT")
        )
        if piece.end <= piece.start and groups:
            continue
        last = groups[-1] if groups else None
        if (
            last is None
            or last.tariff_id != piece.tariff_id
            or last.state != state
            or last.signature != signature
        ):
            last = _Group(piece.start, piece.tariff_id, state, signature)
            groups.append(last)
        for d in piece.dimensions:
            if d.dimension == "ENERGY":
                last.energy += d.volume
            elif d.dimension == "TIME":
                last.time += d.volume
            elif d.dimension == "PARKING_TIME":
                last.parking += d.volume
            elif d.dimension == "RESERVATION_TIME":
                last.reservation += d.volume
        if state is not None:
            for attr, value, pick in (
                ("min_power", src.min_power, min),
                ("max_power", src.max_power, max),
                ("min_current", src.min_current, min),
                ("max_current", src.max_current, max),
            ):
                if value is None:
                    if attr.endswith("current"):
                        last.current_known = False
                    continue
                old = getattr(last, attr)
                setattr(last, attr, value if old is None else pick(old, value))
    return groups


def _periods(groups: list[_Group], include_power: bool) -> list[ChargingPeriod]:
    out: list[ChargingPeriod] = []
    cum = {"e": ZERO, "t": ZERO, "p": ZERO, "r": ZERO}
    done = {"e": ZERO, "t": ZERO, "p": ZERO, "r": ZERO}

    def step(key: str, value: Decimal) -> Decimal:
        cum[key] += value
        rounded = round_output(cum[key], VOLUME_PLACES)
        vol = rounded - done[key]
        done[key] = rounded
        return vol

    for g in groups:
        dims: list[CdrDimension] = []
        e, t, p, r = step("e", g.energy), step("t", g.time), step("p", g.parking), step(
            "r", g.reservation
        )
        if g.state is None:
            dims.append(CdrDimension(type=CdrDimensionType.RESERVATION_TIME, volume=r))
        else:
            if g.state is ConnectorState.CHARGING or e != 0:
                dims.append(CdrDimension(type=CdrDimensionType.ENERGY, volume=e))
            if g.state is ConnectorState.CHARGING:
                dims.append(CdrDimension(type=CdrDimensionType.TIME, volume=t))
            else:
                dims.append(CdrDimension(type=CdrDimensionType.PARKING_TIME, volume=p))
            if include_power:
                for kind, value in (
                    (CdrDimensionType.MIN_POWER, g.min_power),
                    (CdrDimensionType.MAX_POWER, g.max_power),
                ):
                    if value is not None:
                        dims.append(CdrDimension(type=kind, volume=value))
                if g.current_known:
                    for kind, value in (
                        (CdrDimensionType.MIN_CURRENT, g.min_current),
                        (CdrDimensionType.MAX_CURRENT, g.max_current),
                    ):
                        if value is not None:
                            dims.append(CdrDimension(type=kind, volume=value))
        out.append(ChargingPeriod(start_date_time=g.start, dimensions=dims, tariff_id=g.tariff_id))
    return out


def build_cdr(
    start: datetime,
    end: datetime,
    samples: Sequence[MeterSample],
    tariffs: TariffsArg,
    tz: str | ZoneInfo | None = None,
    *,
    reservation: Reservation | None = None,
    include_power: bool = True,
) -> BuiltCdr:
    """Charging periods (split where prices can change) and priced totals of a session.

    ``samples`` must be chronological with non-decreasing cumulative energy; samples outside
    [start, end] only anchor the interpolation.  Raises
    :class:`~tariffs.errors.InvalidMeterTraceError` on an inconsistent trace.
    """
    _check(start, end, samples)
    with localcontext(INTERNAL_CONTEXT):
        micro, states = _micro_session(start, end, samples, reservation)
        expired = None if reservation is None else reservation.expired
        exact = price_session(Session(tuple(micro), expired), tariffs, tz)
        groups = _merge(exact, micro, states)
        periods = _periods(groups, include_power)
        cdr_end = end if reservation is None or not reservation.expired else reservation.end
        cdr = Cdr(
            start_date_time=periods[0].start_date_time,
            end_date_time=max(cdr_end, periods[-1].start_date_time),
            charging_periods=periods,
        )
        session = session_from_cdr(cdr)
        pricing = price_session(Session(session.periods, expired), tariffs, tz)
    return BuiltCdr(
        start=cdr.start_date_time,
        end=cdr.end_date_time,
        charging_periods=tuple(periods),
        pricing=pricing,
        reservation_expired=expired,
    )


def estimate_cost(
    start: datetime,
    now: datetime,
    samples: Sequence[MeterSample],
    tariffs: TariffsArg,
    tz: str | ZoneInfo | None = None,
    *,
    reservation: Reservation | None = None,
) -> PricingResult:
    """Cost so far of a running session: the session priced as if it ended at ``now``.

    Step sizes, FLAT fees and min/max price apply exactly as at session end.
    """
    seen = [s for s in samples if s.timestamp <= now]
    return build_cdr(start, now, seen, tariffs, tz, reservation=reservation).pricing


def limit_reached(cost: Decimal | Price, limit: Decimal | None) -> bool:
    """True when a monetary ``limit`` is set and ``cost`` has reached it.

    A :class:`Price` is compared on ``incl_vat`` (what the driver pays), falling back to
    ``excl_vat`` when no VAT figure exists.  ``limit=None`` means "no limit".
    """
    if limit is None:
        return False
    if isinstance(cost, Price):
        amount = cost.incl_vat if cost.incl_vat is not None else cost.excl_vat
    else:
        amount = cost
    return amount >= limit
