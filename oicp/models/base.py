"""Shared building blocks of the OICP models.

* :class:`OicpModel` -- base class: PascalCase aliases, population by name, unknown fields
  ignored, explicit ``null`` accepted for optional fields; :meth:`OicpModel.to_json`
  serializes by alias and omits ``None``.
* :data:`UtcDateTime` -- timezone-aware timestamps, normalized to UTC, written as
  ``YYYY-MM-DDThh:mm:ss[.mmm]Z``.
* :data:`OicpDecimal` -- money and energy as :class:`~decimal.Decimal`, written as a JSON
  number.
* Restricted strings with Hubject's patterns (:data:`EvseIdStr`, ...).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
)

from oicp.errors import OicpDecodeError
from oicp.ids import (
    EVCO_ID_PATTERN,
    EVSE_ID_PATTERN,
    OPERATOR_ID_PATTERN,
    PROVIDER_ID_ASTERISK_PATTERN,
    PROVIDER_ID_PATTERN,
    SESSION_ID_PATTERN,
    UID_PATTERN,
)

__all__ = [
    "CurrencyStr",
    "EvcoIdStr",
    "EvseIdStr",
    "OicpDecimal",
    "OicpModel",
    "OperatorIdStr",
    "PartnerSessionIdStr",
    "ProductIdStr",
    "ProviderIdAsteriskStr",
    "ProviderIdStr",
    "SessionIdStr",
    "UidStr",
    "UtcDateTime",
    "decode_with",
    "format_utc",
]

M = TypeVar("M")


def format_utc(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss.mmmZ`` (milliseconds only when non-zero) of an aware time."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    return text + "Z"


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDateTime = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]
"""A timezone-aware timestamp, normalized to UTC (naive input is refused)."""


def _decimal_out(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


OicpDecimal = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    PlainSerializer(_decimal_out, return_type=int | float, when_used="json"),
]
"""A decimal (money, kWh) written as a JSON number."""


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


EvseIdStr = Annotated[str, Field(pattern=EVSE_ID_PATTERN), AfterValidator(str.upper)]
OperatorIdStr = Annotated[str, Field(pattern=OPERATOR_ID_PATTERN), AfterValidator(str.upper)]
ProviderIdStr = Annotated[str, Field(pattern=PROVIDER_ID_PATTERN), AfterValidator(str.upper)]
ProviderIdAsteriskStr = Annotated[
    str, Field(pattern=PROVIDER_ID_ASTERISK_PATTERN), AfterValidator(str.upper)
]
SessionIdStr = Annotated[str, Field(pattern=SESSION_ID_PATTERN)]
EvcoIdStr = Annotated[str, Field(pattern=EVCO_ID_PATTERN), AfterValidator(str.upper)]
UidStr = Annotated[str, BeforeValidator(_upper), Field(pattern=UID_PATTERN)]
PartnerSessionIdStr = Annotated[str, Field(max_length=250)]
ProductIdStr = Annotated[str, Field(min_length=1, max_length=50)]
CurrencyStr = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class OicpModel(BaseModel):
    """Base of every OICP message part."""

    model_config = ConfigDict(
        populate_by_name=True,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=False,
    )

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this message: aliases, ``None`` omitted, JSON types."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def decode_with(adapter: TypeAdapter[M], data: bytes | str | Any, name: str) -> M:
    """Parse ``data`` (JSON text/bytes or an already decoded object) with ``adapter``.

    Every failure -- bad UTF-8, bad JSON, wrong shape -- raises :class:`OicpDecodeError`.
    """
    try:
        if isinstance(data, bytes | bytearray | memoryview):
            data = json.loads(bytes(data).decode("utf-8"))
        elif isinstance(data, str):
            data = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise OicpDecodeError(f"{name}: body is not JSON: {exc}") from exc
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        errors: list[dict[str, object]] = [dict(e) for e in exc.errors(include_url=False)]
        raise OicpDecodeError(f"{name}: {exc.error_count()} validation error(s)", errors) from exc
    except RecursionError as exc:
        raise OicpDecodeError(f"{name}: body nested too deeply") from exc
