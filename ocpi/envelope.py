"""The OCPI response envelope: ``{data, status_code, status_message, timestamp}``.

Building is strict (our responses always carry ``status_code`` and ``timestamp``; ``data``
and ``status_message`` are omitted when ``None``); parsing a partner's envelope is tolerant:
missing or odd fields never raise anything but :class:`~ocpi.errors.InvalidParameters`
(2001) for a body that is not an envelope at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic import BaseModel

from ocpi.errors import InvalidParameters, OcpiError, error_for_status
from ocpi.models.base import format_datetime, json_value

__all__ = ["PartnerResponse", "envelope", "error_envelope", "parse_envelope"]

SUCCESS = 1000


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def envelope(
    data: Any = None,
    status_code: int = SUCCESS,
    message: str | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A JSON-ready OCPI response body.

    ``data`` may be a model, a list of models, a plain JSON value or ``None`` (omitted, as
    2.2.1-d2 advises when the spec does not say what ``data`` holds).
    """
    body: dict[str, Any] = {}
    if data is not None:
        body["data"] = json_value(data) if isinstance(data, BaseModel | list | tuple) else data
    body["status_code"] = status_code
    if message is not None:
        body["status_message"] = message
    body["timestamp"] = format_datetime(_now(now))
    return body


def error_envelope(exc: OcpiError, now: datetime | None = None) -> dict[str, Any]:
    """The envelope of an OCPI error (send it with ``exc.http_status``).

    Field-level detail (``exc.errors``) goes into ``data`` as ``{"errors": [...]}`` unless
    the error carries its own ``data`` (e.g. a CommandResponse REJECTED with 2003).
    """
    data: Any = exc.data
    if data is None and exc.errors:
        data = {"errors": exc.errors}
    return envelope(data, exc.status_code, exc.message, now=now)


class PartnerResponse(NamedTuple):
    """A partner's envelope as read by :func:`parse_envelope`: unpacks as a 3-tuple."""

    status_code: int
    data: Any
    message: str | None

    @property
    def ok(self) -> bool:
        """True for a 1xxx status code."""
        return 1000 <= self.status_code < 2000

    def raise_for_status(self, http_status: int = 200) -> None:
        """Raise the matching :class:`~ocpi.errors.OcpiError` unless the status is 1xxx."""
        if not self.ok:
            raise error_for_status(
                self.status_code, self.message, data=self.data, http_status=http_status
            )


def parse_envelope(body: Any) -> PartnerResponse:
    """Read a partner's response envelope (a decoded JSON object), tolerantly.

    ``status_code`` may be an int or a numeric string; ``timestamp`` is not checked; a
    non-string message is stringified.  Raises
    :class:`~ocpi.errors.InvalidParameters` only when the body is not an object or has no
    usable ``status_code``.
    """
    if not isinstance(body, Mapping):
        raise InvalidParameters("response is not an OCPI envelope (not a JSON object)")
    raw = body.get("status_code")
    code: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        code = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        code = int(raw.strip())
    if code is None:
        raise InvalidParameters("response is not an OCPI envelope (no status_code)")
    message = body.get("status_message")
    return PartnerResponse(
        status_code=code,
        data=body.get("data"),
        message=None if message is None else str(message),
    )
