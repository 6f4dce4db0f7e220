"""The operator's roaming-tariff catalogue (product manual "Roaming Tariffs") and its OCPI form.

Model
-----
* :class:`RoamingTariff`: code, name, status, validity ``[valid_from, valid_to)`` (aware
  instants), currency, max payment authorization amount, and :class:`TariffDetail` s.
  Tariffs sharing a code are versions of one tariff: their validity frames must not overlap
  (:func:`validate_catalogue`), which gives clean transitions (one stops at 03:00, the next
  starts at 03:00).
* :class:`TariffDetail`: a schedule (ONE_TIME / DAILY / WEEKLY), a priority (higher wins
  where frames overlap), the days of week it applies to, and a price *excluding* VAT plus a
  VAT percentage per metric.  An empty price means 0.  Frame date-times are **local wall
  clock** (naive datetimes, the location's zone), like OCPI restrictions:

  - ONE_TIME: the absolute local interval ``[start, stop)``;
  - DAILY: every day, the time-of-day window ``[start.time(), stop.time())`` (wraps past
    midnight when stop < start; equal or absent means all day);
  - WEEKLY: every week, from ``start``'s weekday and time to ``stop``'s weekday and time.

  Seconds are not expressible in OCPI restrictions: a start is truncated to the minute, a
  stop with seconds is rounded up to the next minute (02:59:59 -> 03:00).
* Assignment: a tariff reaches a session only when it is assigned at the winning
  infrastructure level (charger over operator over site: the lowest level with any
  assignment wins) **and** on the roaming platform of the session
  (:func:`resolve_roaming_tariffs`).
* Without a roaming tariff, the session rating settings' home-roaming prices apply, turned
  into an equivalent OCPI tariff by :func:`rating_settings_tariff`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tariffs.errors import InvalidRoamingTariffError, OverlappingFramesError
from tariffs.ocpi_model import (
    DayOfWeek,
    PriceComponent,
    ReservationRestrictionType,
    Tariff,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
)

__all__ = [
    "ChargerRef",
    "MetricPrice",
    "Recurrence",
    "RoamingTariff",
    "SessionRatingSettings",
    "TariffAssignments",
    "TariffDetail",
    "TariffStatus",
    "infrastructure_codes",
    "parse_roaming_tariff",
    "rating_settings_tariff",
    "resolve_roaming_tariffs",
    "tariff_for_session",
    "to_ocpi_tariff",
    "validate_catalogue",
]

_ZERO = Decimal(0)
_WEEK = list(DayOfWeek)


class TariffStatus(StrEnum):
    """Whether a roaming tariff is in use."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class Recurrence(StrEnum):
    """How a detail's time frame repeats."""

    ONE_TIME = "ONE_TIME"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetricPrice(_Frozen):
    """Price per unit excluding VAT and the VAT percentage; empty price means 0."""

    price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    vat: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)

    @property
    def amount(self) -> Decimal:
        """The price, 0 when empty."""
        return _ZERO if self.price is None else self.price

    @property
    def is_set(self) -> bool:
        """Whether a price was entered."""
        return self.price is not None


class TariffDetail(_Frozen):
    """A schedule and the metric prices in force while it applies."""

    recurrence: Recurrence = Recurrence.DAILY
    priority: int = 0
    start: datetime | None = None
    stop: datetime | None = None
    days_of_week: list[DayOfWeek] | None = None
    energy: MetricPrice = MetricPrice()  # per kWh
    charge_time: MetricPrice = MetricPrice()  # per hour charging
    park_time: MetricPrice = MetricPrice()  # per hour parking
    flat: MetricPrice = MetricPrice()  # per session
    reservation_time: MetricPrice = MetricPrice()  # per hour reserved
    reservation_flat: MetricPrice = MetricPrice()  # per reservation

    @model_validator(mode="after")
    def _check_frame(self) -> TariffDetail:
        for name in ("start", "stop"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is not None:
                raise ValueError(f"{name} is local wall-clock time: pass a naive datetime")
        if (self.start is None) != (self.stop is None):
            raise ValueError("start and stop must be given together")
        if self.recurrence is Recurrence.ONE_TIME:
            if self.start is None or self.stop is None:
                raise ValueError("a ONE_TIME frame needs start and stop")
            if not self.start < self.stop:
                raise ValueError("frame start must be before its stop")
        if self.days_of_week is not None and not self.days_of_week:
            raise ValueError("days_of_week must not be empty (omit it for every day)")
        return self

    @property
    def prices_reservation(self) -> bool:
        """Whether a reservation metric has a price."""
        return self.reservation_time.is_set or self.reservation_flat.is_set


class RoamingTariff(_Frozen):
    """A roaming tariff of the operator's catalogue."""

    code: str = Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1)
    status: TariffStatus = TariffStatus.ACTIVE
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    currency: str = Field(min_length=3, max_length=3)
    max_payment_authorization_amount: Decimal | None = Field(
        default=None, ge=0, allow_inf_nan=False
    )
    details: list[TariffDetail] = Field(min_length=1)
    last_updated: datetime | None = None

    @model_validator(mode="after")
    def _check_validity(self) -> RoamingTariff:
        for name in ("valid_from", "valid_to", "last_updated"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        if (
            self.valid_from is not None
            and self.valid_to is not None
            and not self.valid_from < self.valid_to
        ):
            raise ValueError("valid_from must be before valid_to")
        return self

    def valid_at(self, instant: datetime) -> bool:
        """Whether ``valid_from <= instant < valid_to`` (open ends allowed)."""
        if self.valid_from is not None and instant < self.valid_from:
            return False
        return not (self.valid_to is not None and instant >= self.valid_to)


def parse_roaming_tariff(data: Mapping[str, Any]) -> RoamingTariff:
    """Validate a roaming tariff; raises :class:`InvalidRoamingTariffError`."""
    try:
        return RoamingTariff.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "$"
        raise InvalidRoamingTariffError(
            f"invalid roaming tariff: {loc}: {first.get('msg', 'invalid')}"
        ) from None


def validate_catalogue(tariffs: Sequence[RoamingTariff]) -> None:
    """Reject two tariffs of one code whose validity frames overlap."""
    far_past = datetime.min.replace(tzinfo=UTC)
    far_future = datetime.max.replace(tzinfo=UTC)
    by_code: dict[str, list[RoamingTariff]] = {}
    for t in tariffs:
        by_code.setdefault(t.code, []).append(t)
    for code, versions in by_code.items():
        spans = sorted(
            ((t.valid_from or far_past, t.valid_to or far_future, t) for t in versions),
            key=lambda item: item[0],
        )
        for (_, a_to, a), (b_from, _, b) in itertools.pairwise(spans):
            if b_from < a_to:
                raise OverlappingFramesError(
                    f"tariff code {code!r}: validity of {a.name!r} "
                    f"[{a.valid_from}, {a.valid_to}) overlaps {b.name!r} "
                    f"[{b.valid_from}, {b.valid_to})"
                )


# --------------------------------------------------------------------------------------------
# Conversion to OCPI


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _stop_minute(t: datetime) -> datetime:
    """Round a stop with seconds up to the next whole minute."""
    if t.second or t.microsecond:
        return t.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return t


def _day_names(days: Sequence[DayOfWeek] | None) -> list[DayOfWeek] | None:
    if days is None or set(days) == set(_WEEK):
        return None
    return [d for d in _WEEK if d in set(days)]


def _frames(detail: TariffDetail) -> list[dict[str, Any]]:
    """OCPI restriction dicts (without reservation) equivalent to the detail's time frame."""
    days = _day_names(detail.days_of_week)
    base: dict[str, Any] = {} if days is None else {"day_of_week": days}
    if detail.start is None or detail.stop is None:
        return [base]
    start = detail.start.replace(second=0, microsecond=0)
    stop = _stop_minute(detail.stop)
    if detail.recurrence is Recurrence.DAILY:
        if start.time() == stop.time():
            return [base]
        return [{**base, "start_time": _hhmm(start.time()), "end_time": _hhmm(stop.time())}]
    if detail.recurrence is Recurrence.WEEKLY:
        return _weekly(start, stop, days)
    return _one_time(start, stop, base)


def _one_time(start: datetime, stop: datetime, base: dict[str, Any]) -> list[dict[str, Any]]:
    d0, d1 = start.date(), stop.date()
    midnight = time(0, 0)

    def day_span(first: date, last_exclusive: date) -> dict[str, Any]:
        return {**base, "start_date": first.isoformat(), "end_date": last_exclusive.isoformat()}

    if d0 == d1:
        return [
            {
                **day_span(d0, d0 + timedelta(days=1)),
                "start_time": _hhmm(start.time()),
                "end_time": _hhmm(stop.time()),
            }
        ]
    out: list[dict[str, Any]] = []
    full_from = d0
    if start.time() != midnight:
        out.append({**day_span(d0, d0 + timedelta(days=1)), "start_time": _hhmm(start.time())})
        full_from = d0 + timedelta(days=1)
    if full_from < d1:
        out.append(day_span(full_from, d1))
    if stop.time() != midnight:
        out.append({**day_span(d1, d1 + timedelta(days=1)), "end_time": _hhmm(stop.time())})
    return out


def _weekly(
    start: datetime, stop: datetime, days: list[DayOfWeek] | None
) -> list[dict[str, Any]]:
    ws, we = start.weekday(), stop.weekday()
    ts, te = start.time(), stop.time()
    midnight = time(0, 0)
    # (weekday, start_time or None, end_time or None) pieces of the weekly interval
    pieces: list[tuple[int, time | None, time | None]] = []
    if ws == we and ts < te:
        pieces.append((ws, ts, te))
    elif ws == we and ts == te:
        pieces.extend((d, None, None) for d in range(7))
    else:
        pieces.append((ws, ts if ts != midnight else None, None))
        d = (ws + 1) % 7
        while d != we:
            pieces.append((d, None, None))
            d = (d + 1) % 7
        if te != midnight:
            pieces.append((we, None, te))
    allowed = set(range(7)) if days is None else {_WEEK.index(d) for d in days}
    grouped: dict[tuple[time | None, time | None], list[int]] = {}
    for weekday, a, b in pieces:
        if weekday in allowed:
            grouped.setdefault((a, b), []).append(weekday)
    out: list[dict[str, Any]] = []
    for (a, b), weekdays in grouped.items():
        r: dict[str, Any] = {"day_of_week": [_WEEK[w] for w in sorted(set(weekdays))]}
        if a is not None:
            r["start_time"] = _hhmm(a)
        if b is not None:
            r["end_time"] = _hhmm(b)
        out.append(r)
    return out


def _component(dim: TariffDimensionType, metric: MetricPrice) -> PriceComponent:
    data: dict[str, Any] = {"type": dim, "price": metric.amount, "step_size": 1}
    if metric.vat is not None:
        data["vat"] = metric.vat
    return PriceComponent.model_validate(data)


def _element(components: list[PriceComponent], restrictions: dict[str, Any]) -> TariffElement:
    if restrictions:
        return TariffElement(
            price_components=components,
            restrictions=TariffRestrictions.model_validate(restrictions),
        )
    return TariffElement(price_components=components)


def to_ocpi_tariff(
    tariff: RoamingTariff,
    *,
    country_code: str,
    party_id: str,
    tariff_id: str | None = None,
    last_updated: datetime | None = None,
) -> Tariff:
    """The OCPI 2.2.1 Tariff equivalent of a roaming tariff.

    Details become elements ordered by priority (highest first, catalogue order among equal
    priorities); every element carries all four charging components (empty price = 0, so a
    higher-priority frame never falls through to a lower one), VAT per component, step 1.
    When any detail prices reservations, every detail also yields a ``RESERVATION`` element
    (TIME and FLAT).
    """
    details = sorted(
        enumerate(tariff.details), key=lambda item: (-item[1].priority, item[0])
    )
    with_reservation = any(d.prices_reservation for d in tariff.details)
    elements: list[TariffElement] = []
    for _, detail in details:
        charging = [
            _component(TariffDimensionType.FLAT, detail.flat),
            _component(TariffDimensionType.ENERGY, detail.energy),
            _component(TariffDimensionType.TIME, detail.charge_time),
            _component(TariffDimensionType.PARKING_TIME, detail.park_time),
        ]
        reservation = [
            _component(TariffDimensionType.FLAT, detail.reservation_flat),
            _component(TariffDimensionType.TIME, detail.reservation_time),
        ]
        for frame in _frames(detail):
            elements.append(_element(charging, frame))
            if with_reservation:
                restriction = {**frame, "reservation": ReservationRestrictionType.RESERVATION}
                elements.append(_element(reservation, restriction))
    data: dict[str, Any] = {
        "country_code": country_code,
        "party_id": party_id,
        "id": tariff_id or tariff.code,
        "currency": tariff.currency,
        "elements": elements,
        "last_updated": last_updated or tariff.last_updated or datetime.now(UTC),
    }
    if tariff.valid_from is not None:
        data["start_date_time"] = tariff.valid_from
    if tariff.valid_to is not None:
        data["end_date_time"] = tariff.valid_to
    return Tariff.model_validate(data)


# --------------------------------------------------------------------------------------------
# Assignment and resolution


@dataclass(frozen=True, slots=True)
class ChargerRef:
    """Where a charger sits in the infrastructure tree."""

    charger_id: str
    operator_id: str | None = None
    site_id: str | None = None


@dataclass(frozen=True)
class TariffAssignments:
    """Tariff codes assigned per site, operator, charger and roaming platform."""

    by_site: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by_operator: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by_charger: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by_platform: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> TariffAssignments:
        """Group stored ``(level, target id, tariff code)`` rows, keeping their order."""
        by: dict[str, dict[str, list[str]]] = {
            level: {} for level in ("SITE", "OPERATOR", "CHARGER", "PLATFORM")}
        for level, target, code in rows:
            by[level].setdefault(str(target), []).append(code)
        return cls(by_site=by["SITE"], by_operator=by["OPERATOR"], by_charger=by["CHARGER"],
                   by_platform=by["PLATFORM"])

    def platform_codes(self, charger: ChargerRef, platform_id: str) -> tuple[str, ...]:
        """The charger's infrastructure codes that the platform is also assigned."""
        platform = set(self.by_platform.get(platform_id, ()))
        return tuple(c for c in infrastructure_codes(self, charger) if c in platform)


def infrastructure_codes(assignments: TariffAssignments, charger: ChargerRef) -> tuple[str, ...]:
    """Codes assigned at the lowest level that has any: charger, else operator, else site."""
    for mapping, key in (
        (assignments.by_charger, charger.charger_id),
        (assignments.by_operator, charger.operator_id),
        (assignments.by_site, charger.site_id),
    ):
        if key is not None and mapping.get(key):
            return tuple(mapping[key])
    return ()


def resolve_roaming_tariffs(
    catalogue: Sequence[RoamingTariff],
    assignments: TariffAssignments,
    platform_id: str,
    charger: ChargerRef,
    at: datetime,
) -> list[RoamingTariff]:
    """Active tariffs valid at ``at`` assigned both on the charger's level and the platform.

    Ordered as assigned on the infrastructure level.
    """
    if at.tzinfo is None:
        raise InvalidRoamingTariffError("resolution instant must be timezone-aware")
    out: list[RoamingTariff] = []
    for code in assignments.platform_codes(charger, platform_id):
        for t in catalogue:
            if (
                t.code == code
                and t.status is TariffStatus.ACTIVE
                and t.valid_at(at)
                and t not in out
            ):
                out.append(t)
    return out


class SessionRatingSettings(_Frozen):
    """The price-related session rating settings (site / operator / charger levels)."""

    energy_price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    charge_time_price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    park_time_price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    home_roaming_energy_price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    home_roaming_charge_time_price: Decimal | None = Field(
        default=None, ge=0, allow_inf_nan=False
    )
    home_roaming_park_time_price: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    home_roaming_reservation_time_price: Decimal | None = Field(
        default=None, ge=0, allow_inf_nan=False
    )
    home_roaming_reservation_fixed_price: Decimal | None = Field(
        default=None, ge=0, allow_inf_nan=False
    )

    @classmethod
    def effective(cls, *levels: SessionRatingSettings | None) -> SessionRatingSettings:
        """Merge levels given lowest priority first (site, operator, charger): per field the
        highest-priority level that sets a value wins."""
        merged: dict[str, Any] = {}
        for level in levels:
            if level is None:
                continue
            for name in cls.model_fields:
                value = getattr(level, name)
                if value is not None:
                    merged[name] = value
        return cls.model_validate(merged)


def rating_settings_tariff(
    settings: SessionRatingSettings,
    *,
    tariff_id: str,
    currency: str,
    country_code: str,
    party_id: str,
    home_roaming: bool = True,
    vat: Decimal | None = None,
    last_updated: datetime | None = None,
) -> Tariff:
    """OCPI tariff equivalent to the simple-pricing or home-roaming prices (empty = 0)."""

    def metric(value: Decimal | None) -> MetricPrice:
        return MetricPrice(price=value, vat=vat)

    if home_roaming:
        detail = TariffDetail(
            energy=metric(settings.home_roaming_energy_price),
            charge_time=metric(settings.home_roaming_charge_time_price),
            park_time=metric(settings.home_roaming_park_time_price),
            reservation_time=metric(settings.home_roaming_reservation_time_price),
            reservation_flat=metric(settings.home_roaming_reservation_fixed_price),
        )
    else:
        detail = TariffDetail(
            energy=metric(settings.energy_price),
            charge_time=metric(settings.charge_time_price),
            park_time=metric(settings.park_time_price),
        )
    rt = RoamingTariff(
        code=tariff_id, name=tariff_id, currency=currency, details=[detail],
        last_updated=last_updated or datetime.now(UTC),
    )
    tariff = to_ocpi_tariff(rt, country_code=country_code, party_id=party_id)
    # the settings have no flat session fee: drop the zero FLAT components for clarity
    elements = []
    for el in tariff.elements:
        is_reservation = el.restrictions is not None and el.restrictions.reservation is not None
        comps = [
            c
            for c in el.price_components
            if c.type is not TariffDimensionType.FLAT or is_reservation
        ]
        elements.append(el.model_copy(update={"price_components": comps}))
    return tariff.model_copy(update={"elements": elements})


def tariff_for_session(
    catalogue: Sequence[RoamingTariff],
    assignments: TariffAssignments,
    platform_id: str,
    charger: ChargerRef,
    at: datetime,
    *,
    country_code: str,
    party_id: str,
    fallback: SessionRatingSettings | None = None,
    fallback_currency: str | None = None,
) -> Tariff | None:
    """The OCPI tariff pricing a roaming session at ``charger`` for ``platform_id``.

    The first resolved roaming tariff wins; without one, the home-roaming prices of
    ``fallback`` (if given); else None.
    """
    resolved = resolve_roaming_tariffs(catalogue, assignments, platform_id, charger, at)
    if resolved:
        return to_ocpi_tariff(resolved[0], country_code=country_code, party_id=party_id)
    if fallback is None:
        return None
    if fallback_currency is None:
        raise InvalidRoamingTariffError("fallback pricing needs a currency")
    return rating_settings_tariff(
        fallback,
        tariff_id=f"HOME-{charger.charger_id}"[:36],
        currency=fallback_currency,
        country_code=country_code,
        party_id=party_id,
    )

