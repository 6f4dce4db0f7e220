"""Shared building blocks of the OICP models.

* :class:`OicpModel` -- base class: PascalCase aliases, population by name, unknown fields
  ignored, explicit ``null`` accepted for optional fields; :meth:`OicpModel.to_json`
  serializes by alias and omits ``None``.
* :data:`OicpDateTime` -- timezone-aware timestamps written with their own offset
  (``YYYY-MM-DDThh:mm:ss[.mmm]±hh:mm``, ``Z`` for UTC); aware values compare and subtract
  the same whatever their offset, so inbound ones are kept as sent.
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
    "OicpDateTime",
    "OicpDecimal",
    "OicpModel",
    "OperatorIdStr",
    "PartnerSessionIdStr",
    "ProductIdStr",
    "ProviderIdAsteriskStr",
    "ProviderIdStr",
    "SessionIdStr",
    "UidStr",
    "decode_with",
    "format_timestamp",
    "format_utc",
]

M = TypeVar("M")


def format_utc(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss.mmmZ`` (milliseconds only when non-zero) of an aware time."""
    return format_timestamp(value.astimezone(UTC))


def format_timestamp(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss[.mmm]±hh:mm`` with the time's own offset (``Z`` for UTC).

    OICP wants a CPO's timestamps in the offset of the charge point's location (notes/oicp.md,
    "Time format"); the builders convert to that zone, this keeps what they chose."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond // 1000:03d}"
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("OICP timestamps must be timezone-aware")
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


OicpDateTime = Annotated[
    AwareDatetime,
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
]
"""A timezone-aware timestamp (naive input is refused), written with its own offset."""


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
