"""Base model, scalar types and the encode/decode helpers shared by every OCPI object.

Reading is tolerant and writing is strict:

* Unknown fields in inbound objects are accepted (OCPI receivers ignore what they do not
  know) and kept in ``model_extra``; :func:`unknown_fields` lists them as JSON paths and
  :func:`parse_ocpi_strict` rejects them.  :func:`dump_ocpi` never writes them back.
* Optional fields default to ``None`` meaning "absent"; :func:`dump_ocpi` omits every
  ``None`` because the spec's JSON omits absent optional fields.  A field whose spec
  default is not "absent" (``Location.charging_when_closed`` defaults to true) is still
  ``None`` here: the receiver applies the spec default.
* DateTime is RFC 3339 in UTC.  Inputs may carry ``Z``, no designator (read as UTC) or an
  offset (converted to UTC), with or without fractional seconds; output is always
  ``2015-06-29T20:39:09Z`` (microseconds only when non-zero).
* Numbers are :class:`~decimal.Decimal`; :func:`dump_ocpi` writes them as JSON numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    create_model,
)

from ocpi.errors import InvalidParameters

__all__ = [
    "URL",
    "CiString36",
    "CountryCode",
    "DateTime",
    "Number",
    "OcpiModel",
    "OpenValue",
    "PartyId",
    "ci",
    "dump_ocpi",
    "format_datetime",
    "json_value",
    "loads",
    "parse_datetime",
    "parse_ocpi",
    "parse_ocpi_strict",
    "parse_patch",
    "text",
    "unknown_fields",
]

# --------------------------------------------------------------------------------------------
# Scalars

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?$"
)


def parse_datetime(value: str | datetime) -> datetime:
    """Read an OCPI DateTime (RFC 3339 text or a datetime) as an aware UTC datetime.

    A missing offset means UTC.  Raises ``ValueError`` for anything else (numbers,
    date-only strings, out-of-range fields).
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        if not _RFC3339.match(value):
            raise ValueError(f"not an RFC 3339 date-time: {value!r}")
        text = value.upper()
        # Python 3.11 fromisoformat takes at most 6 fractional digits in strict forms.
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
        parsed = datetime.fromisoformat(text)
    else:
        raise ValueError(f"date-time must be a string, got {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Format a datetime as OCPI DateTime: UTC with a ``Z`` suffix (naive means UTC)."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.isoformat().replace("+00:00", "Z")


DateTime = Annotated[
    datetime,
    BeforeValidator(parse_datetime),
    PlainSerializer(format_datetime, return_type=str),
]
"""OCPI DateTime: aware UTC datetime, serialized as ``YYYY-MM-DDTHH:MM:SSZ``."""


def _finite_number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError("number must be finite")
    return number


Number = Annotated[Decimal, BeforeValidator(_finite_number)]
"""OCPI ``number``: a finite JSON number read as Decimal (strings and booleans rejected)."""

_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"


def ci(max_length: int, min_length: int = 0) -> StringConstraints:
    """Constraint of OCPI ``CiString(n)``: printable ASCII, at most ``n`` characters.

    Use as ``Annotated[str, ci(36)]``.  Comparison is case-insensitive; values are kept as
    sent.
    """
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=_PRINTABLE_ASCII)


def text(max_length: int, min_length: int = 0) -> StringConstraints:
    """Constraint of OCPI ``string(n)``: UTF-8 text of at most ``n`` characters."""
    return StringConstraints(min_length=min_length, max_length=max_length)


CiString36 = Annotated[str, ci(36)]
"""The common identifier type: CiString(36)."""


def _upper(value: str) -> str:
    return value.upper()


CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2}$"),
    AfterValidator(_upper),
]
"""ISO 3166-1 alpha-2 country code of a party (CiString(2), normalized to upper case)."""

PartyId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9]{3}$"),
    AfterValidator(_upper),
]
"""Party id (CiString(3), ISO 15118 / eMI3; normalized to upper case)."""

URL = Annotated[str, StringConstraints(min_length=1, max_length=255)]
"""OCPI URL: string(255)."""

OpenValue = Annotated[str, StringConstraints(min_length=1, max_length=255,
                                             pattern=_PRINTABLE_ASCII)]
"""A value of an OCPI 2.3.0 ``OpenEnum`` that is not one of the enum's known members.

2.3.0 turned many enums into OpenEnums: a receiver must accept values it does not know
(newer versions, bilateral extensions).  Models use ``Annotated[E | OpenValue,
Field(union_mode="left_to_right")]``: a known value becomes the member of ``E``, anything
else stays the string it was (printable ASCII, 1..255 characters)."""


# --------------------------------------------------------------------------------------------
# Base model


class OcpiModel(BaseModel):
    """Base of every OCPI object: immutable, unknown fields kept in ``model_extra``."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------------------------
# Encoding


def json_value(value: Any, *, exact: bool = False) -> Any:
    """Turn models and Python values into JSON-ready values (OCPI conventions).

    Models become dicts of their declared fields minus ``None`` (unknown fields dropped),
    datetimes OCPI DateTime strings, enums their value.  Decimals become ``int`` (no
    fractional digits) or ``float`` (exact for the <= 15 significant digits OCPI uses); with
    ``exact=True`` they stay :class:`Decimal` for an encoder that writes their digits.
    """
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, BaseModel):
        out: dict[str, Any] = {}
        for name in type(value).model_fields:
            item = getattr(value, name)
            if item is not None:
                out[name] = json_value(item, exact=exact)
        return out
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Decimal):
        if exact:
            return value
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return float(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_value(v, exact=exact) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [json_value(v, exact=exact) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__} as OCPI JSON")


def dump_ocpi(model: BaseModel, *, exact: bool = False) -> dict[str, Any]:
    """JSON-ready dict of an OCPI object: numbers as numbers, no ``None``, no unknown fields."""
    result = json_value(model, exact=exact)
    assert isinstance(result, dict)
    return result


# --------------------------------------------------------------------------------------------
# Decoding

_M = TypeVar("_M", bound=BaseModel)


def loads(text: str | bytes) -> Any:
    """Parse JSON text with non-integer numbers as Decimal; 2001 on malformed JSON."""

    def reject(name: str) -> Any:
        raise ValueError(f"JSON constant {name} is not allowed")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=reject)
    except (ValueError, TypeError, RecursionError) as exc:
        raise InvalidParameters(f"body is not valid JSON: {exc}") from None


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(part) for part in err.get("loc", ())) or "$"
        errors.append({"field": loc, "error": str(err.get("msg", "invalid"))})
    return errors


def _invalid(what: str, errors: list[dict[str, str]]) -> InvalidParameters:
    shown = "; ".join(f"{e['field']}: {e['error']}" for e in errors[:5])
    more = len(errors) - 5
    if more > 0:
        shown += f"; ... and {more} more"
    return InvalidParameters(f"invalid {what}: {shown}", errors=errors)


def parse_ocpi(model_cls: type[_M], data: Any) -> _M:
    """Validate a decoded JSON object (or JSON text) as ``model_cls``.

    Unknown fields are tolerated.  Any failure raises
    :class:`~ocpi.errors.InvalidParameters` (2001) whose ``errors`` list the fields.
    """
    if isinstance(data, str | bytes):
        data = loads(data)
    what = model_cls.__name__
    if not isinstance(data, Mapping):
        raise _invalid(what, [{"field": "$", "error": "must be a JSON object"}])
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        raise _invalid(what, _field_errors(exc)) from None
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise _invalid(what, [{"field": "$", "error": str(exc)}]) from None


def _walk_extras(value: Any, path: str, found: list[str]) -> None:
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            found.append(f"{path}.{key}")
        for name in type(value).model_fields:
            _walk_extras(getattr(value, name), f"{path}.{name}", found)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk_extras(item, f"{path}.{i}", found)


def unknown_fields(model: BaseModel) -> list[str]:
    """JSON paths (``$.evses.0.foo``) of the fields a parsed object carried but we ignore."""
    found: list[str] = []
    _walk_extras(model, "$", found)
    return found


def parse_ocpi_strict(model_cls: type[_M], data: Any) -> _M:
    """Like :func:`parse_ocpi`, but unknown fields are a 2001 error listing them."""
    model = parse_ocpi(model_cls, data)
    extra = unknown_fields(model)
    if extra:
        raise _invalid(
            model_cls.__name__, [{"field": p[2:], "error": "unknown field"} for p in extra]
        )
    return model


@cache
def _patch_model(model_cls: type[BaseModel]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, info in model_cls.model_fields.items():
        annotation = info.rebuild_annotation()
        fields[name] = (annotation | None, None)
    return create_model(
        f"{model_cls.__name__}Patch",
        __config__=ConfigDict(extra="allow", frozen=True),
        **fields,
    )


def parse_patch(model_cls: type[BaseModel], data: Any) -> dict[str, Any]:
    """Validate a PATCH body against ``model_cls``: only the fields present are checked.

    Returns the validated present fields (Python values, unknown fields dropped).  A PATCH
    must carry ``last_updated`` when the object has one; an explicit ``null`` for a
    required field is rejected (PATCH cannot remove data).  Failures raise 2001.
    """
    if isinstance(data, str | bytes):
        data = loads(data)
    what = f"{model_cls.__name__} patch"
    if not isinstance(data, Mapping):
        raise _invalid(what, [{"field": "$", "error": "must be a JSON object"}])
    errors: list[dict[str, str]] = []
    if "last_updated" in model_cls.model_fields and data.get("last_updated") is None:
        errors.append({"field": "last_updated", "error": "a PATCH must contain last_updated"})
    for name, info in model_cls.model_fields.items():
        if name in data and data[name] is None and info.is_required():
            errors.append({"field": name, "error": "required field cannot be null"})
    if errors:
        raise _invalid(what, errors)
    patch_cls = _patch_model(model_cls)
    try:
        patch = patch_cls.model_validate(data)
    except ValidationError as exc:
        raise _invalid(what, _field_errors(exc)) from None
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise _invalid(what, [{"field": "$", "error": str(exc)}]) from None
    return {name: getattr(patch, name) for name in model_cls.model_fields if name in data}
