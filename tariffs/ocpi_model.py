"""Pydantic models of the OCPI 2.2.1 Tariff object and of the CDR parts needed for pricing.

Reading is tolerant ("inverse reading" of partner data): unknown fields are kept (and
reported by :func:`unexpected_fields`), ``country_code`` / ``party_id`` / ``last_updated`` may
be missing (reported by :func:`lint_tariff`).  Structure, enums, formats and signs are
validated strictly; any violation raises :class:`~tariffs.errors.InvalidTariffError` or
:class:`~tariffs.errors.InvalidCdrError`.

JSON numbers are read as :class:`~decimal.Decimal` (:func:`loads`) and written back as JSON
numbers with the same digits (:func:`dumps`); :func:`to_json_dict` excludes fields that were
not present, so official examples round-trip equal.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
)

from tariffs.errors import InvalidCdrError, InvalidJsonError, InvalidTariffError, TariffError

__all__ = [
    "Cdr",
    "CdrDimension",
    "CdrDimensionType",
    "ChargingPeriod",
    "DayOfWeek",
    "DisplayText",
    "Price",
    "PriceComponent",
    "ReservationRestrictionType",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
    "dumps",
    "format_datetime",
    "lint_tariff",
    "loads",
    "parse_cdr",
    "parse_tariff",
    "parse_tariffs",
    "to_json_dict",
    "unexpected_fields",
]


# --------------------------------------------------------------------------------------------
# Scalars


def _as_utc(value: datetime) -> datetime:
    """OCPI DateTime is UTC; a missing offset means UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as OCPI DateTime (UTC, ``Z`` suffix)."""
    text = _as_utc(value).isoformat()
    return text.replace("+00:00", "Z")


OcpiDateTime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(format_datetime, return_type=str),
]


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("number must be finite")
    return value


def _non_negative(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("number must be finite and >= 0")
    return value


Number = Annotated[Decimal, AfterValidator(_finite)]
NonNegative = Annotated[Decimal, AfterValidator(_non_negative)]

_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_DATE_RE = re.compile(r"^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def _check_time(value: str) -> str:
    if not _TIME_RE.match(value):
        raise ValueError(f"time of day must be HH:MM (00:00..23:59), got {value!r}")
    return value


def _check_date(value: str) -> str:
    if not _DATE_RE.match(value):
        raise ValueError(f"date must be YYYY-MM-DD, got {value!r}")
    date.fromisoformat(value)  # rejects 2023-02-30
    return value


TimeOfDay = Annotated[str, AfterValidator(_check_time)]
DateString = Annotated[str, AfterValidator(_check_date)]


# --------------------------------------------------------------------------------------------
# Enums


class TariffDimensionType(StrEnum):
    """Dimension a PriceComponent prices."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class DayOfWeek(StrEnum):
    """Day of the week, MONDAY first (``list(DayOfWeek).index(d)`` == ``date.weekday()``)."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class ReservationRestrictionType(StrEnum):
    """Marks a TariffElement as pricing a reservation (or an expired one)."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class TariffType(StrEnum):
    """OCPI TariffType."""

    AD_HOC_PAYMENT = "AD_HOC_PAYMENT"
    PROFILE_CHEAP = "PROFILE_CHEAP"
    PROFILE_FAST = "PROFILE_FAST"
    PROFILE_GREEN = "PROFILE_GREEN"
    REGULAR = "REGULAR"


class CdrDimensionType(StrEnum):
    """OCPI CdrDimensionType (session-only types accepted too)."""

    CURRENT = "CURRENT"
    ENERGY = "ENERGY"
    ENERGY_EXPORT = "ENERGY_EXPORT"
    ENERGY_IMPORT = "ENERGY_IMPORT"
    MAX_CURRENT = "MAX_CURRENT"
    MIN_CURRENT = "MIN_CURRENT"
    MAX_POWER = "MAX_POWER"
    MIN_POWER = "MIN_POWER"
    PARKING_TIME = "PARKING_TIME"
    POWER = "POWER"
    RESERVATION_TIME = "RESERVATION_TIME"
    STATE_OF_CHARGE = "STATE_OF_CHARGE"
    TIME = "TIME"


# --------------------------------------------------------------------------------------------
# Models


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=False)


class Price(_Model):
    """OCPI Price: ``excl_vat`` required, ``incl_vat`` optional."""

    excl_vat: Number
    incl_vat: Number | None = None


class DisplayText(_Model):
    """OCPI DisplayText."""

    language: str = Field(min_length=2, max_length=2)
    text: str = Field(max_length=512)


class PriceComponent(_Model):
    """Price per unit (excl. VAT) of one dimension; ``vat`` omitted means "no VAT"."""

    type: TariffDimensionType
    price: NonNegative
    vat: NonNegative | None = None
    step_size: int = Field(ge=0)


class TariffRestrictions(_Model):
    """When a TariffElement is active; all present restrictions must hold (logical AND)."""

    start_time: TimeOfDay | None = None
    end_time: TimeOfDay | None = None
    start_date: DateString | None = None
    end_date: DateString | None = None
    min_kwh: NonNegative | None = None
    max_kwh: NonNegative | None = None
    min_current: NonNegative | None = None
    max_current: NonNegative | None = None
    min_power: NonNegative | None = None
    max_power: NonNegative | None = None
    min_duration: int | None = Field(default=None, ge=0)
    max_duration: int | None = Field(default=None, ge=0)
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(_Model):
    """Price components that are active together under (optional) restrictions."""

    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class Tariff(_Model):
    """OCPI 2.2.1 Tariff object."""

    country_code: str | None = None
    party_id: str | None = None
    id: str = Field(min_length=1, max_length=36)
    currency: str = Field(min_length=3, max_length=3)
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: str | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: OcpiDateTime | None = None
    end_date_time: OcpiDateTime | None = None
    energy_mix: dict[str, Any] | None = None
    last_updated: OcpiDateTime | None = None


class CdrDimension(_Model):
    """A volume of one dimension within a charging period."""

    type: CdrDimensionType
    volume: Number


class ChargingPeriod(_Model):
    """A CDR charging period; it ends where the next one starts (the last at CDR end)."""

    start_date_time: OcpiDateTime
    dimensions: list[CdrDimension] = Field(min_length=1)
    tariff_id: str | None = Field(default=None, max_length=36)


class Cdr(_Model):
    """The parts of an OCPI 2.2.1 CDR that pricing needs; every other field is kept as-is."""

    country_code: str | None = None
    party_id: str | None = None
    id: str | None = None
    start_date_time: OcpiDateTime
    end_date_time: OcpiDateTime
    currency: str | None = None
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    total_cost: Price | None = None
    total_fixed_cost: Price | None = None
    total_energy: Number | None = None
    total_energy_cost: Price | None = None
    total_time: Number | None = None
    total_time_cost: Price | None = None
    total_parking_time: Number | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    last_updated: OcpiDateTime | None = None

    @field_validator("charging_periods")
    @classmethod
    def _periods_sorted(cls, value: list[ChargingPeriod]) -> list[ChargingPeriod]:
        for before, after in itertools.pairwise(value):
            if after.start_date_time < before.start_date_time:
                raise ValueError("charging_periods must be in chronological order")
        return value


# --------------------------------------------------------------------------------------------
# JSON


def _reject_constant(name: str) -> Any:
    raise InvalidJsonError(f"JSON constant {name} is not a number")


def loads(text: str | bytes) -> Any:
    """Parse JSON text with every non-integer number as Decimal.

    Raises :class:`InvalidJsonError` on syntax errors, NaN/Infinity, or absurd nesting.
    """
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except InvalidJsonError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidJsonError(f"not valid JSON: {exc}") from None


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot encode {value} as a JSON number")
        out.append(str(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(repr(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, datetime):
        out.append(json.dumps(format_datetime(value)))
    elif isinstance(value, StrEnum):
        out.append(json.dumps(value.value))
    elif isinstance(value, Mapping):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(", ")
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(": ")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(", ")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, BaseModel):
        _encode(to_json_dict(value), out)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def dumps(value: Any) -> str:
    """Serialize to JSON text; Decimals become JSON numbers with their exact digits."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def to_json_dict(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a model: only fields that were set, Decimals kept as Decimal."""
    return model.model_dump(mode="python", exclude_unset=True)


# --------------------------------------------------------------------------------------------
# Decoders

_M = TypeVar("_M", bound=BaseModel)


def _unwrap_envelope(data: Any) -> Any:
    """Accept an OCPI response envelope ``{"data": ..., "status_code": ...}`` too."""
    if isinstance(data, Mapping) and "status_code" in data and "data" in data:
        return data["data"]
    return data


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "$"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = exc.error_count() - len(parts)
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)


def _validate(model: type[_M], data: Any, error: type[TariffError], what: str) -> _M:
    if not isinstance(data, Mapping):
        raise error(f"{what} must be a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(f"invalid {what}: {_describe(exc)}") from None
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise error(f"invalid {what}: {exc}") from None


def _load(data: str | bytes | Any, error: type[TariffError]) -> Any:
    if isinstance(data, str | bytes):
        try:
            return _unwrap_envelope(loads(data))
        except InvalidJsonError as exc:
            raise error(str(exc)) from None
    return _unwrap_envelope(data)


def parse_tariff(data: str | bytes | Mapping[str, Any]) -> Tariff:
    """Parse one OCPI Tariff from JSON text or an already-decoded mapping."""
    return _validate(Tariff, _load(data, InvalidTariffError), InvalidTariffError, "tariff")


def parse_tariffs(data: str | bytes | Any) -> list[Tariff]:
    """Parse a Tariff object or a JSON list of Tariff objects (or an OCPI envelope of either)."""
    loaded = _load(data, InvalidTariffError)
    if isinstance(loaded, list):
        if not loaded:
            raise InvalidTariffError("tariff list is empty")
        return [
            _validate(Tariff, item, InvalidTariffError, f"tariff #{i}")
            for i, item in enumerate(loaded)
        ]
    return [_validate(Tariff, loaded, InvalidTariffError, "tariff")]


def parse_cdr(data: str | bytes | Mapping[str, Any]) -> Cdr:
    """Parse one OCPI CDR from JSON text or an already-decoded mapping."""
    return _validate(Cdr, _load(data, InvalidCdrError), InvalidCdrError, "CDR")


# --------------------------------------------------------------------------------------------
# Lint helpers


def _walk_extras(model: BaseModel, path: str, found: list[str]) -> None:
    for key in (model.model_extra or {}):
        found.append(f"{path}.{key}")
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            _walk_extras(value, f"{path}.{name}", found)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _walk_extras(item, f"{path}.{name}.{i}", found)


def unexpected_fields(model: BaseModel) -> list[str]:
    """JSON paths (``$.elements.0.restrictions.dayOfWeek``) of fields the model does not know."""
    found: list[str] = []
    _walk_extras(model, "$", found)
    return found


def lint_tariff(tariff: Tariff) -> list[str]:
    """Warnings about a tolerated-but-nonconforming partner tariff (empty list when clean)."""
    warnings: list[str] = []
    for name in ("country_code", "party_id", "last_updated"):
        if getattr(tariff, name) is None:
            warnings.append(f"required_field.{name}")
    if tariff.country_code is not None:
        if len(tariff.country_code) != 2:
            warnings.append("country_code.should_be_alpha2")
        if tariff.country_code != tariff.country_code.upper():
            warnings.append("country_code.invalid_case")
    if tariff.party_id is not None and len(tariff.party_id) != 3:
        warnings.append("party_id.should_be_3_characters")
    if tariff.currency != tariff.currency.upper():
        warnings.append("currency.invalid_case")
    for path in unexpected_fields(tariff):
        warnings.append(f"unexpected_field {path}")
    for i, element in enumerate(tariff.elements):
        r = element.restrictions
        if r is not None and r.reservation is not None:
            for comp in element.price_components:
                if comp.type not in (TariffDimensionType.FLAT, TariffDimensionType.TIME):
                    warnings.append(f"elements.{i}: reservation element prices {comp.type}")
    return warnings
