"""Price a charging session against OCPI 2.2.1 tariffs.

Theory of operation
-------------------
A session is a chronological list of periods (:class:`SessionPeriod`), each with volumes of
ENERGY (kWh), TIME (h charging), PARKING_TIME (h) or RESERVATION_TIME (h) and, optionally, the
power / current observed during the period.  A period ends where the next one starts.

1. **Tariff.**  The *primary* tariff is the first supplied tariff valid at the session start
   (``start_date_time`` inclusive, ``end_date_time`` exclusive).  A period carrying a
   ``tariff_id`` of another supplied tariff is priced with that tariff.  ``min_price`` /
   ``max_price`` and the currency come from the primary tariff.
2. **Continuous restrictions.**  Restrictions are evaluated in the location's local time
   (``zoneinfo``).  Inside a period every instant where some restriction can flip is a
   candidate boundary: the tariff's start/end times (and local midnight when dates or week
   days are restricted), ``session start + min/max_duration``, and the instants where the
   session energy reaches a ``min/max_kwh`` (energy assumed linear within a period).  The
   period is cut at a candidate only if the selected elements change there; volumes are
   split pro rata of wall-clock time (energy exactly at kWh thresholds).  Power and current
   are constant within a period (MIN/MAX_POWER, MIN/MAX_CURRENT dimensions; without them the
   average power ``energy / duration`` is used, and the current is unknown, which fails
   current restrictions).
3. **Element selection.**  Per dimension independently, the first element (list order) that
   has a component of that dimension and whose restrictions all hold is used; the first
   component of that type in the element wins.  No matching element: the dimension is free.
   Charging periods only see elements without a ``reservation`` restriction; reservation
   periods only see ``RESERVATION`` elements, and an expired reservation sees
   ``RESERVATION_EXPIRES`` elements first, then ``RESERVATION`` ones.
4. **FLAT** is billed once per session, at the first charging piece where a FLAT component is
   active; a reservation FLAT is billed once, likewise, for the reservation.
5. **step_size** (OCPI CDR rules), applied once per session after the walk: ENERGY on the
   session's billed energy total, with the step of the last piece billed for energy; of TIME and
   PARKING_TIME only the dimension billed last in the session is rounded, on its own total,
   with the step of its last billed piece; RESERVATION_TIME on its total.  The extra quantity
   is billed at the price (and VAT) of that last piece.
6. **VAT** per component: ``incl = excl * (1 + vat/100)`` (no ``vat``: ``incl = excl``), kept
   side by side at full precision.
7. **Totals** (see :mod:`tariffs.rounding`): each per-dimension total is rounded once to
   4 decimals, ``total_cost`` is their sum, then ``min_price`` / ``max_price`` clamp the
   excl. and incl. VAT totals independently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tariffs.errors import InvalidCdrError, InvalidTimeZoneError, NoApplicableTariffError
from tariffs.ocpi_model import (
    Cdr,
    CdrDimensionType,
    Price,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    format_datetime,
)
from tariffs.rounding import (
    ENERGY_GUARD_PLACES,
    INTERNAL_CONTEXT,
    TIME_GUARD_PLACES,
    ZERO,
    ceil_to_step,
    round_output,
)

__all__ = [
    "CompiledTariff",
    "PricedDimension",
    "PricedPeriod",
    "PricingResult",
    "Session",
    "SessionPeriod",
    "TariffsArg",
    "compile_tariff",
    "price_cdr",
    "price_session",
    "resolve_time_zone",
    "session_from_cdr",
]

_HUNDRED: Final = Decimal(100)
_ONE: Final = Decimal(1)
_THOUSAND: Final = Decimal(1000)
_HOUR: Final = Decimal(3600)
_MICRO: Final = Decimal(1_000_000)
_UTC_ZONE: Final = ZoneInfo("UTC")

# Piece dimensions (FLAT of a reservation is RESERVATION_FLAT).
ENERGY: Final = "ENERGY"
TIME: Final = "TIME"
PARKING_TIME: Final = "PARKING_TIME"
RESERVATION_TIME: Final = "RESERVATION_TIME"
FLAT: Final = "FLAT"
RESERVATION_FLAT: Final = "RESERVATION_FLAT"

_UNITS: Final = {
    ENERGY: "kWh",
    TIME: "h",
    PARKING_TIME: "h",
    RESERVATION_TIME: "h",
    FLAT: "x",
    RESERVATION_FLAT: "x",
}

# --------------------------------------------------------------------------------------------
# Session input


@dataclass(frozen=True, slots=True)
class SessionPeriod:
    """One period of a session: [start, end) with its volumes (kWh and hours)."""

    start: datetime
    end: datetime
    energy: Decimal = ZERO
    time: Decimal = ZERO
    parking: Decimal = ZERO
    reservation_time: Decimal = ZERO
    is_reservation: bool = False
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    tariff_id: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A session to price: chronological periods; ``reservation_expired`` None = infer.

    An inferred reservation is expired when the session has reservation periods only.
    """

    periods: tuple[SessionPeriod, ...]
    reservation_expired: bool | None = None


def _sum_dims(dims: Iterable[tuple[CdrDimensionType, Decimal]]) -> dict[CdrDimensionType, Any]:
    out: dict[CdrDimensionType, Any] = {}
    for kind, volume in dims:
        if kind in (CdrDimensionType.MIN_POWER, CdrDimensionType.MIN_CURRENT):
            out[kind] = volume if kind not in out else min(out[kind], volume)
        elif kind in (CdrDimensionType.MAX_POWER, CdrDimensionType.MAX_CURRENT):
            out[kind] = volume if kind not in out else max(out[kind], volume)
        elif kind in (CdrDimensionType.POWER, CdrDimensionType.CURRENT):
            out.setdefault(kind, volume)
        else:
            out[kind] = out.get(kind, ZERO) + volume
    return out


def session_from_cdr(cdr: Cdr) -> Session:
    """Turn the charging periods of a CDR into a :class:`Session` (ends from next starts)."""
    periods: list[SessionPeriod] = []
    cps = cdr.charging_periods
    for i, cp in enumerate(cps):
        start = cp.start_date_time
        end = cps[i + 1].start_date_time if i + 1 < len(cps) else cdr.end_date_time
        end = max(end, start)
        dims = _sum_dims((d.type, d.volume) for d in cp.dimensions)
        for kind in (
            CdrDimensionType.ENERGY,
            CdrDimensionType.TIME,
            CdrDimensionType.PARKING_TIME,
            CdrDimensionType.RESERVATION_TIME,
        ):
            if dims.get(kind, ZERO) < 0:
                raise InvalidCdrError(f"charging period {i}: negative {kind} volume")
        power = dims.get(CdrDimensionType.POWER)
        current = dims.get(CdrDimensionType.CURRENT)
        periods.append(
            SessionPeriod(
                start=start,
                end=end,
                energy=dims.get(CdrDimensionType.ENERGY, ZERO),
                time=dims.get(CdrDimensionType.TIME, ZERO),
                parking=dims.get(CdrDimensionType.PARKING_TIME, ZERO),
                reservation_time=dims.get(CdrDimensionType.RESERVATION_TIME, ZERO),
                is_reservation=CdrDimensionType.RESERVATION_TIME in dims,
                min_power=dims.get(CdrDimensionType.MIN_POWER, power),
                max_power=dims.get(CdrDimensionType.MAX_POWER, power),
                min_current=dims.get(CdrDimensionType.MIN_CURRENT, current),
                max_current=dims.get(CdrDimensionType.MAX_CURRENT, current),
                tariff_id=cp.tariff_id,
            )
        )
    return Session(periods=tuple(periods))


# --------------------------------------------------------------------------------------------
# Compiled tariffs


@dataclass(frozen=True, slots=True)
class _Component:
    dim: TariffDimensionType
    price: Decimal
    vat: Decimal | None
    factor: Decimal
    step: int
    element: int


def _parse_tod(value: str | None) -> int | None:
    if value is None:
        return None
    return int(value[:2]) * 3600 + int(value[3:5]) * 60


@dataclass(frozen=True, slots=True)
class _Element:
    index: int
    comps: dict[TariffDimensionType, _Component]
    reservation: ReservationRestrictionType | None
    start_tod: int | None = None
    end_tod: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    days: frozenset[int] | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    unrestricted: bool = False

    def matches(self, ctx: _Ctx) -> bool:
        """All restrictions hold at the context instant (reservation handled by the caller)."""
        if self.unrestricted:
            return True
        s, e = self.start_tod, self.end_tod
        if s is not None or e is not None:
            tod = ctx.tod
            if s is not None and e is not None:
                if s < e:
                    if not s <= tod < e:
                        return False
                elif s > e and not (tod >= s or tod < e):
                    return False
            elif s is not None:
                if tod < s:
                    return False
            elif e is not None and e != 0 and tod >= e:
                return False
        if self.start_date is not None and ctx.day < self.start_date:
            return False
        if self.end_date is not None and ctx.day >= self.end_date:
            return False
        if self.days is not None and ctx.weekday not in self.days:
            return False
        if self.min_kwh is not None and ctx.energy < self.min_kwh:
            return False
        if self.max_kwh is not None and ctx.energy >= self.max_kwh:
            return False
        if self.min_duration is not None and ctx.duration < self.min_duration:
            return False
        if self.max_duration is not None and ctx.duration >= self.max_duration:
            return False
        if self.min_power is not None and (ctx.min_power is None or ctx.min_power < self.min_power):
            return False
        if self.max_power is not None and (
            ctx.max_power is None or ctx.max_power >= self.max_power
        ):
            return False
        if self.min_current is not None and (
            ctx.min_current is None or ctx.min_current < self.min_current
        ):
            return False
        return not (
            self.max_current is not None
            and (ctx.max_current is None or ctx.max_current >= self.max_current)
        )


@dataclass(slots=True)
class _Ctx:
    tod: int = 0
    day: date = date(1970, 1, 1)
    weekday: int = 0
    duration: Decimal = ZERO
    energy: Decimal = ZERO
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None


class CompiledTariff:
    """A tariff prepared for fast repeated pricing (see :func:`compile_tariff`)."""

    __slots__ = (
        "charging",
        "duration_points",
        "expired",
        "kwh_points",
        "needs_local",
        "reservation",
        "tariff",
        "tod_points",
    )

    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff
        elements: list[_Element] = []
        tod: set[int] = set()
        durations: set[int] = set()
        kwh: set[Decimal] = set()
        needs_local = False
        for index, el in enumerate(tariff.elements):
            comps: dict[TariffDimensionType, _Component] = {}
            for pc in el.price_components:
                if pc.type in comps:
                    continue  # first component of a type wins (ocpi/ocpi#402)
                factor = _ONE if pc.vat is None else _ONE + pc.vat / _HUNDRED
                comps[pc.type] = _Component(pc.type, pc.price, pc.vat, factor, pc.step_size, index)
            r = el.restrictions
            if r is None:
                elements.append(_Element(index, comps, None, unrestricted=True))
                continue
            start_tod, end_tod = _parse_tod(r.start_time), _parse_tod(r.end_time)
            days = (
                frozenset(
                    ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
                    .index(d.value)
                    for d in r.day_of_week
                )
                if r.day_of_week
                else None
            )
            start_date = date.fromisoformat(r.start_date) if r.start_date else None
            end_date = date.fromisoformat(r.end_date) if r.end_date else None
            for t in (start_tod, end_tod):
                if t is not None:
                    tod.add(t)
            if days is not None or start_date is not None or end_date is not None:
                tod.add(0)
            if start_tod is not None or end_tod is not None or tod:
                needs_local = True
            for d in (r.min_duration, r.max_duration):
                if d is not None:
                    durations.add(d)
            for k in (r.min_kwh, r.max_kwh):
                if k is not None:
                    kwh.add(k)
            element = _Element(
                index=index,
                comps=comps,
                reservation=r.reservation,
                start_tod=start_tod,
                end_tod=end_tod,
                start_date=start_date,
                end_date=end_date,
                days=days,
                min_kwh=r.min_kwh,
                max_kwh=r.max_kwh,
                min_power=r.min_power,
                max_power=r.max_power,
                min_current=r.min_current,
                max_current=r.max_current,
                min_duration=r.min_duration,
                max_duration=r.max_duration,
            )
            # An element whose only restriction is `reservation` matches like an unrestricted one.
            if element == _Element(index, comps, r.reservation):
                element = _Element(index, comps, r.reservation, unrestricted=True)
            elements.append(element)
        self.charging = tuple(e for e in elements if e.reservation is None)
        self.reservation = tuple(
            e for e in elements if e.reservation is ReservationRestrictionType.RESERVATION
        )
        self.expired = (
            tuple(
                e
                for e in elements
                if e.reservation is ReservationRestrictionType.RESERVATION_EXPIRES
            )
            + self.reservation
        )
        self.tod_points = tuple(sorted(tod))
        self.duration_points = tuple(sorted(durations))
        self.kwh_points = tuple(sorted(kwh))
        self.needs_local = needs_local

    @property
    def id(self) -> str:
        """The OCPI tariff id."""
        return self.tariff.id

    def valid_at(self, instant: datetime) -> bool:
        """Whether ``start_date_time <= instant < end_date_time`` (absent bounds: open)."""
        t = self.tariff
        if t.start_date_time is not None and instant < t.start_date_time:
            return False
        return not (t.end_date_time is not None and instant >= t.end_date_time)


_COMPILE_CACHE: dict[int, tuple[Tariff, CompiledTariff]] = {}
_COMPILE_CACHE_MAX: Final = 512


def compile_tariff(tariff: Tariff | CompiledTariff) -> CompiledTariff:
    """Prepare a tariff for pricing (cached by object identity, bounded)."""
    if isinstance(tariff, CompiledTariff):
        return tariff
    hit = _COMPILE_CACHE.get(id(tariff))
    if hit is not None and hit[0] is tariff:
        return hit[1]
    compiled = CompiledTariff(tariff)
    if len(_COMPILE_CACHE) >= _COMPILE_CACHE_MAX:
        _COMPILE_CACHE.clear()
    _COMPILE_CACHE[id(tariff)] = (tariff, compiled)
    return compiled


TariffsArg = (
    Tariff
    | CompiledTariff
    | Sequence[Tariff | CompiledTariff]
    | Mapping[str, Tariff | CompiledTariff]
)


def resolve_time_zone(tz: str | ZoneInfo | None) -> ZoneInfo:
    """IANA zone by name (None means UTC); raises :class:`InvalidTimeZoneError`."""
    if tz is None:
        return _UTC_ZONE
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise InvalidTimeZoneError(f"unknown time zone {tz!r}") from None


# --------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class PricedDimension:
    """How one dimension of one period was priced (exact values, not rounded)."""

    dimension: str
    volume: Decimal
    billed_volume: Decimal
    price: Decimal | None
    vat: Decimal | None
    step_size: int | None
    element_index: int | None
    cost_excl_vat: Decimal
    cost_incl_vat: Decimal


@dataclass(frozen=True, slots=True)
class PricedPeriod:
    """A priced piece of a session (a period, or part of one cut at a restriction boundary)."""

    start: datetime
    end: datetime
    tariff_id: str
    reservation: bool
    source_period: int
    dimensions: tuple[PricedDimension, ...]

    @property
    def cost(self) -> Price:
        """Exact cost of the piece."""
        return Price(
            excl_vat=sum((d.cost_excl_vat for d in self.dimensions), ZERO),
            incl_vat=sum((d.cost_incl_vat for d in self.dimensions), ZERO),
        )


@dataclass(frozen=True)
class PricingResult:
    """Totals (CDR field names, rounded per :mod:`tariffs.rounding`) and the priced pieces."""

    currency: str
    total_cost: Price
    total_cost_before_limits: Price
    total_fixed_cost: Price
    total_energy_cost: Price
    total_time_cost: Price
    total_parking_cost: Price
    total_reservation_cost: Price
    total_energy: Decimal
    total_time: Decimal
    total_parking_time: Decimal
    total_reservation_time: Decimal
    billed_energy: Decimal
    billed_time: Decimal
    billed_parking_time: Decimal
    billed_reservation_time: Decimal
    periods: tuple[PricedPeriod, ...]
    tariff_ids: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def explanation(self) -> list[str]:
        """Human-readable lines: which element/component priced what, steps, limits, totals."""
        lines: list[str] = []
        for p in self.periods:
            head = (
                f"{format_datetime(p.start)} .. {format_datetime(p.end)} tariff {p.tariff_id}"
                + (" (reservation)" if p.reservation else "")
            )
            lines.append(head)
            for d in p.dimensions:
                if d.price is None:
                    lines.append(
                        f"  {d.dimension} {d.volume} {_UNITS[d.dimension]}: "
                        "no active element, free"
                    )
                    continue
                vat = "no VAT" if d.vat is None else f"VAT {d.vat}%"
                billed = "" if d.billed_volume == d.volume else f" (billed {d.billed_volume})"
                lines.append(
                    f"  {d.dimension} {d.volume} {_UNITS[d.dimension]}{billed} x {d.price} "
                    f"[element #{d.element_index}, step {d.step_size}, {vat}] = "
                    f"{d.cost_excl_vat} excl / {d.cost_incl_vat} incl"
                )
        lines.extend(self.notes)
        for name in (
            "total_fixed_cost",
            "total_energy_cost",
            "total_time_cost",
            "total_parking_cost",
            "total_reservation_cost",
            "total_cost_before_limits",
            "total_cost",
        ):
            price: Price = getattr(self, name)
            lines.append(f"{name}: {price.excl_vat} excl / {price.incl_vat} incl {self.currency}")
        return lines

    def cdr_totals(self) -> dict[str, Any]:
        """The CDR total fields as a JSON-ready dict (Decimal values; use ``ocpi_model.dumps``)."""
        out: dict[str, Any] = {}
        for name in (
            "total_cost",
            "total_fixed_cost",
            "total_energy_cost",
            "total_time_cost",
            "total_parking_cost",
            "total_reservation_cost",
        ):
            price: Price = getattr(self, name)
            out[name] = {"excl_vat": price.excl_vat, "incl_vat": price.incl_vat}
        out["total_energy"] = self.total_energy
        out["total_time"] = self.total_time
        out["total_parking_time"] = self.total_parking_time
        return out


# --------------------------------------------------------------------------------------------
# The walk


@dataclass(slots=True)
class _Piece:
    start: datetime
    end: datetime
    tariff: CompiledTariff
    source: int
    reservation: bool
    energy: Decimal
    time: Decimal
    parking: Decimal
    reservation_time: Decimal
    c_energy: _Component | None
    c_time: _Component | None
    c_parking: _Component | None
    c_flat: _Component | None
    extra: dict[str, Decimal] = field(default_factory=dict)


def _normalise(tariffs: TariffsArg) -> list[CompiledTariff]:
    if isinstance(tariffs, Tariff | CompiledTariff):
        return [compile_tariff(tariffs)]
    if isinstance(tariffs, Mapping):
        return [compile_tariff(t) for t in tariffs.values()]
    out = [compile_tariff(t) for t in tariffs]
    if not out:
        raise NoApplicableTariffError("no tariff supplied")
    return out


class _Walker:
    """Cuts periods at restriction boundaries and selects components (one session)."""

    def __init__(self, tz: ZoneInfo, session_start: datetime, expired: bool) -> None:
        self.tz = tz
        self.utc = tz.key == "UTC"
        self.session_start = session_start
        self.expired = expired
        self.flat_done = False
        self.res_flat_done = False
        self.energy_so_far = ZERO

    def _ctx(
        self, instant: datetime, energy: Decimal, p: SessionPeriod, ct: CompiledTariff
    ) -> _Ctx:
        ctx = _Ctx()
        if ct.needs_local:
            local = instant if self.utc else instant.astimezone(self.tz)
            ctx.tod = local.hour * 3600 + local.minute * 60 + local.second
            ctx.day = local.date()
            ctx.weekday = ctx.day.weekday()
        delta = instant - self.session_start
        ctx.duration = Decimal(delta.days * 86400 + delta.seconds) + (
            Decimal(delta.microseconds) / _MICRO if delta.microseconds else ZERO
        )
        ctx.energy = energy
        ctx.min_power, ctx.max_power = p.min_power, p.max_power
        if p.min_power is None and p.max_power is None:
            ctx.min_power = ctx.max_power = self._avg_power(p)
        ctx.min_current, ctx.max_current = p.min_current, p.max_current
        return ctx

    @staticmethod
    def _avg_power(p: SessionPeriod) -> Decimal | None:
        if p.energy == 0:
            return ZERO
        seconds = Decimal((p.end - p.start) // timedelta(microseconds=1)) / _MICRO
        if seconds <= 0:
            return None
        return p.energy * _HOUR / seconds

    def _select(
        self, p: SessionPeriod, ct: CompiledTariff, ctx: _Ctx
    ) -> tuple[_Component | None, _Component | None, _Component | None, _Component | None]:
        if p.is_reservation:
            elements = ct.expired if self.expired else ct.reservation
            want_e = want_p = False
            want_t = True
            want_f = not self.res_flat_done
        else:
            elements = ct.charging
            want_e = p.energy > 0
            want_t = p.time > 0
            want_p = p.parking > 0
            want_f = not self.flat_done
        c_e = c_t = c_p = c_f = None
        for el in elements:
            comps = el.comps
            if not (
                (want_e and c_e is None and TariffDimensionType.ENERGY in comps)
                or (want_t and c_t is None and TariffDimensionType.TIME in comps)
                or (want_p and c_p is None and TariffDimensionType.PARKING_TIME in comps)
                or (want_f and c_f is None and TariffDimensionType.FLAT in comps)
            ):
                continue
            if not el.matches(ctx):
                continue
            if want_e and c_e is None:
                c_e = comps.get(TariffDimensionType.ENERGY)
            if want_t and c_t is None:
                c_t = comps.get(TariffDimensionType.TIME)
            if want_p and c_p is None:
                c_p = comps.get(TariffDimensionType.PARKING_TIME)
            if want_f and c_f is None:
                c_f = comps.get(TariffDimensionType.FLAT)
            if (
                (not want_e or c_e is not None)
                and (not want_t or c_t is not None)
                and (not want_p or c_p is not None)
                and (not want_f or c_f is not None)
            ):
                break
        return c_e, c_t, c_p, c_f

    def _candidates(
        self, p: SessionPeriod, ct: CompiledTariff, e0: Decimal
    ) -> list[tuple[datetime, Decimal | None]]:
        a, b = p.start, p.end
        out: list[tuple[datetime, Decimal | None]] = []
        if ct.tod_points:
            tz = self.tz
            la = a if self.utc else a.astimezone(tz)
            lb = b if self.utc else b.astimezone(tz)
            day = la.date()
            last = lb.date()
            while day <= last:
                for point in ct.tod_points:
                    local = datetime(
                        day.year, day.month, day.day, point // 3600, point % 3600 // 60,
                        tzinfo=tz,
                    )
                    instant = local.astimezone(UTC)
                    if a < instant < b:
                        out.append((instant, None))
                day += timedelta(days=1)
        if ct.duration_points:
            for seconds in ct.duration_points:
                instant = self.session_start + timedelta(seconds=seconds)
                if a < instant < b:
                    out.append((instant, None))
        if ct.kwh_points and not p.is_reservation and p.energy > 0:
            total_us = (b - a) // timedelta(microseconds=1)
            for k in ct.kwh_points:
                if e0 < k < e0 + p.energy:
                    offset = int((k - e0) / p.energy * total_us)
                    out.append((a + timedelta(microseconds=offset), k))
        out.sort(key=lambda item: item[0])
        return out

    def pieces(self, p: SessionPeriod, index: int, ct: CompiledTariff) -> list[_Piece]:
        """Cut one period where the selected components change, select components."""
        e0 = self.energy_so_far
        ctx = self._ctx(p.start, e0, p, ct)
        sel = self._select(p, ct, ctx)
        cuts: list[tuple[datetime, Decimal | None, tuple[Any, ...]]] = []
        if p.end > p.start and (ct.tod_points or ct.duration_points or ct.kwh_points):
            total_us = (p.end - p.start) // timedelta(microseconds=1)
            current = sel
            for instant, k in self._candidates(p, ct, e0):
                if k is None:
                    frac = Decimal((instant - p.start) // timedelta(microseconds=1)) / total_us
                    energy = e0 + p.energy * frac
                else:
                    energy = k
                nsel = self._select(p, ct, self._ctx(instant, energy, p, ct))
                if nsel != current:
                    cuts.append((instant, k, nsel))
                    current = nsel
        pieces: list[_Piece] = []
        if not cuts:
            pieces.append(self._make(p, index, ct, p.start, p.end, p.energy, _ONE, sel))
        else:
            total_us_d = Decimal((p.end - p.start) // timedelta(microseconds=1))
            start, cur_sel = p.start, sel
            used_e = ZERO
            used_f = ZERO
            for instant, k, nsel in cuts:
                span = Decimal((instant - start) // timedelta(microseconds=1)) / total_us_d
                energy = (k - e0 - used_e) if k is not None else p.energy * span
                pieces.append(self._make(p, index, ct, start, instant, energy, span, cur_sel))
                used_e += energy
                used_f += span
                start, cur_sel = instant, nsel
            pieces.append(
                self._make(p, index, ct, start, p.end, p.energy - used_e, _ONE - used_f, cur_sel)
            )
        if not p.is_reservation:
            self.energy_so_far = e0 + p.energy
        return pieces

    def _make(
        self,
        p: SessionPeriod,
        index: int,
        ct: CompiledTariff,
        start: datetime,
        end: datetime,
        energy: Decimal,
        frac: Decimal,
        sel: tuple[_Component | None, _Component | None, _Component | None, _Component | None],
    ) -> _Piece:
        c_e, c_t, c_p, c_f = sel
        if c_f is not None:
            if p.is_reservation:
                if self.res_flat_done:
                    c_f = None
                self.res_flat_done = True
            else:
                if self.flat_done:
                    c_f = None
                self.flat_done = True
        whole = frac == _ONE
        return _Piece(
            start=start,
            end=end,
            tariff=ct,
            source=index,
            reservation=p.is_reservation,
            energy=ZERO if p.is_reservation else energy,
            time=ZERO if p.is_reservation else (p.time if whole else p.time * frac),
            parking=ZERO if p.is_reservation else (p.parking if whole else p.parking * frac),
            reservation_time=(
                ZERO
                if not p.is_reservation
                else (p.reservation_time if whole else p.reservation_time * frac)
            ),
            c_energy=c_e,
            c_time=c_t,
            c_parking=c_p,
            c_flat=c_f,
        )


def _apply_step(
    pieces: Sequence[_Piece], attr: str, comp_attr: str, unit: Decimal, dim: str, notes: list[str]
) -> Decimal:
    """Round the billed total of one dimension up to the step of its last billed piece."""
    total = ZERO
    last: _Piece | None = None
    for piece in pieces:
        vol: Decimal = getattr(piece, attr)
        if vol > 0 and getattr(piece, comp_attr) is not None:
            total += vol
            last = piece
    if last is None:
        return total
    comp: _Component = getattr(last, comp_attr)
    guard = ENERGY_GUARD_PLACES if dim == ENERGY else TIME_GUARD_PLACES
    billed = ceil_to_step(total * unit, comp.step, guard) / unit
    extra = billed - total
    if extra != 0:
        last.extra[dim] = extra
        notes.append(
            f"step_size {comp.step} on {dim}: total {total} -> billed {billed} "
            f"(+{extra} at {comp.price}, element #{comp.element} of tariff {last.tariff.id})"
        )
    return billed


def _last_billed_index(pieces: Sequence[_Piece], attr: str, comp_attr: str) -> int:
    idx = -1
    for i, piece in enumerate(pieces):
        if getattr(piece, attr) > 0 and getattr(piece, comp_attr) is not None:
            idx = i
    return idx


def _priced_dims(piece: _Piece) -> tuple[PricedDimension, ...]:
    out: list[PricedDimension] = []
    spec: list[tuple[str, Decimal, _Component | None]]
    if piece.reservation:
        spec = [
            (RESERVATION_TIME, piece.reservation_time, piece.c_time),
            (RESERVATION_FLAT, _ONE, piece.c_flat),
        ]
    else:
        spec = [
            (FLAT, _ONE, piece.c_flat),
            (ENERGY, piece.energy, piece.c_energy),
            (TIME, piece.time, piece.c_time),
            (PARKING_TIME, piece.parking, piece.c_parking),
        ]
    for dim, volume, comp in spec:
        if dim in (FLAT, RESERVATION_FLAT):
            if comp is None:
                continue
        elif volume == 0 and dim not in piece.extra:
            continue
        billed = volume + piece.extra.get(dim, ZERO)
        if comp is None:
            out.append(PricedDimension(dim, volume, billed, None, None, None, None, ZERO, ZERO))
            continue
        excl = billed * comp.price
        out.append(
            PricedDimension(
                dim, volume, billed, comp.price, comp.vat, comp.step, comp.element,
                excl, excl * comp.factor,
            )
        )
    return tuple(out)


def price_session(
    session: Session | Sequence[SessionPeriod],
    tariffs: TariffsArg,
    tz: str | ZoneInfo | None = None,
) -> PricingResult:
    """Price a session against a tariff, a list of tariffs, or tariffs keyed by id.

    ``tz`` is the location's IANA time zone (default UTC).  Raises
    :class:`~tariffs.errors.NoApplicableTariffError` when no tariff is valid at the start and
    :class:`~tariffs.errors.InvalidCdrError` for an empty session.
    """
    zone = resolve_time_zone(tz)
    if not isinstance(session, Session):
        session = Session(periods=tuple(session))
    with localcontext(INTERNAL_CONTEXT):
        return _price(session, _normalise(tariffs), zone)


def _price(session: Session, compiled: list[CompiledTariff], zone: ZoneInfo) -> PricingResult:
    periods = session.periods
    if not periods:
        raise InvalidCdrError("session has no periods")
    notes: list[str] = []
    first = periods[0].start
    primary = next((ct for ct in compiled if ct.valid_at(first)), None)
    if primary is None:
        ids = ", ".join(ct.id for ct in compiled)
        raise NoApplicableTariffError(
            f"no tariff valid at session start {format_datetime(first)} (tried {ids})"
        )
    by_id = {ct.id: ct for ct in reversed(compiled)}
    charging = [p for p in periods if not p.is_reservation]
    has_reservation = len(charging) != len(periods)
    expired = session.reservation_expired
    if expired is None:
        expired = has_reservation and not charging
    charge_start = charging[0].start if charging else first
    res_walker = _Walker(zone, first, expired)
    walker = _Walker(zone, charge_start, expired)
    pieces: list[_Piece] = []
    used_ids: list[str] = []
    for index, p in enumerate(periods):
        ct = primary
        if p.tariff_id is not None and p.tariff_id != primary.id:
            found = by_id.get(p.tariff_id)
            if found is None:
                notes.append(
                    f"period {index}: tariff_id {p.tariff_id!r} not supplied, "
                    f"priced with tariff {primary.id}"
                )
            else:
                ct = found
        if ct.id not in used_ids:
            used_ids.append(ct.id)
        pieces.extend((res_walker if p.is_reservation else walker).pieces(p, index, ct))

    billed_energy = _apply_step(pieces, "energy", "c_energy", _THOUSAND, ENERGY, notes)
    t_last = _last_billed_index(pieces, "time", "c_time")
    p_last = _last_billed_index(pieces, "parking", "c_parking")
    res_pieces = [pc for pc in pieces if pc.reservation]
    chg_pieces = [pc for pc in pieces if not pc.reservation]
    if p_last >= t_last:
        billed_parking = _apply_step(chg_pieces, "parking", "c_parking", _HOUR, PARKING_TIME, notes)
        billed_time = sum((pc.time for pc in chg_pieces if pc.c_time is not None), ZERO)
    else:
        billed_time = _apply_step(chg_pieces, "time", "c_time", _HOUR, TIME, notes)
        billed_parking = sum((pc.parking for pc in chg_pieces if pc.c_parking is not None), ZERO)
    billed_res = _apply_step(
        res_pieces, "reservation_time", "c_time", _HOUR, RESERVATION_TIME, notes
    )

    sums = {
        k: [ZERO, ZERO] for k in (FLAT, ENERGY, TIME, PARKING_TIME, RESERVATION_TIME)
    }
    priced: list[PricedPeriod] = []
    for pc in pieces:
        dims = _priced_dims(pc)
        for d in dims:
            key = RESERVATION_TIME if d.dimension == RESERVATION_FLAT else d.dimension
            acc = sums[key]
            acc[0] += d.cost_excl_vat
            acc[1] += d.cost_incl_vat
        priced.append(PricedPeriod(pc.start, pc.end, pc.tariff.id, pc.reservation, pc.source, dims))

    def total(key: str) -> Price:
        excl, incl = sums[key]
        return Price(excl_vat=round_output(excl), incl_vat=round_output(incl))

    fixed, energy_c, time_c = total(FLAT), total(ENERGY), total(TIME)
    parking_c, res_c = total(PARKING_TIME), total(RESERVATION_TIME)
    parts = (fixed, energy_c, time_c, parking_c, res_c)
    before_excl = sum((x.excl_vat for x in parts), ZERO)
    before_incl = sum((x.incl_vat or ZERO for x in parts), ZERO)
    excl, incl = before_excl, before_incl
    tariff = primary.tariff
    if tariff.min_price is not None:
        lo = tariff.min_price
        if excl < lo.excl_vat:
            notes.append(f"min_price: excl VAT {excl} raised to {lo.excl_vat}")
            excl = lo.excl_vat
        if lo.incl_vat is not None and incl < lo.incl_vat:
            notes.append(f"min_price: incl VAT {incl} raised to {lo.incl_vat}")
            incl = lo.incl_vat
    if tariff.max_price is not None:
        hi = tariff.max_price
        if excl > hi.excl_vat:
            notes.append(f"max_price: excl VAT {excl} capped to {hi.excl_vat}")
            excl = hi.excl_vat
        if hi.incl_vat is not None and incl > hi.incl_vat:
            notes.append(f"max_price: incl VAT {incl} capped to {hi.incl_vat}")
            incl = hi.incl_vat

    end = periods[-1].end
    total_time = (end - charge_start) // timedelta(microseconds=1) if charging else 0
    return PricingResult(
        currency=tariff.currency,
        total_cost=Price(excl_vat=round_output(excl), incl_vat=round_output(incl)),
        total_cost_before_limits=Price(excl_vat=before_excl, incl_vat=before_incl),
        total_fixed_cost=fixed,
        total_energy_cost=energy_c,
        total_time_cost=time_c,
        total_parking_cost=parking_c,
        total_reservation_cost=res_c,
        total_energy=round_output(sum((p.energy for p in charging), ZERO)),
        total_time=round_output(Decimal(total_time) / _MICRO / _HOUR),
        total_parking_time=round_output(sum((p.parking for p in charging), ZERO)),
        total_reservation_time=round_output(
            sum((p.reservation_time for p in periods if p.is_reservation), ZERO)
        ),
        billed_energy=round_output(billed_energy),
        billed_time=round_output(billed_time),
        billed_parking_time=round_output(billed_parking),
        billed_reservation_time=round_output(billed_res),
        periods=tuple(priced),
        tariff_ids=tuple(used_ids),
        notes=tuple(notes),
    )


def price_cdr(
    cdr: Cdr,
    tariffs: TariffsArg | None = None,
    tz: str | ZoneInfo | None = None,
    *,
    reservation_expired: bool | None = None,
) -> PricingResult:
    """Price an OCPI CDR; without ``tariffs`` the CDR's own ``tariffs`` copies are used."""
    if tariffs is None:
        if not cdr.tariffs:
            raise NoApplicableTariffError("no tariffs supplied and the CDR carries none")
        tariffs = cdr.tariffs
    session = session_from_cdr(cdr)
    if reservation_expired is not None:
        session = Session(session.periods, reservation_expired)
    return price_session(session, tariffs, tz)
