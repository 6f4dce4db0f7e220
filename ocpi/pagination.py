"""Pagination of OCPI list GETs: query parameters in, ``Link`` / ``X-*`` headers out.

* ``date_from`` (inclusive) and ``date_to`` (exclusive) filter on ``last_updated``; both
  are OCPI DateTimes.  ``date_from > date_to`` is 2001; equal bounds give an empty window.
* ``offset`` defaults to 0; ``limit`` defaults to the server maximum and is *clamped* to it
  (the spec lets the server return fewer objects than asked and advertise its maximum in
  ``X-Limit``); negative or non-integer values are 2001.
* Sessions (2.2.1) require ``date_from``: pass ``require_date_from=True``.
* The ``Link: <url>; rel="next"`` header repeats the request URL with every original query
  parameter (filters and ``limit``) and the next ``offset``; it is omitted on the last page.
  ``X-Total-Count`` counts all objects matching the filters (ignoring offset / limit);
  ``X-Limit`` is the server's maximum page size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ocpi.errors import InvalidParameters
from ocpi.models.base import format_datetime, parse_datetime

__all__ = [
    "DEFAULT_MAX_LIMIT",
    "PageParams",
    "format_date_param",
    "next_page_url",
    "page_headers",
    "parse_page_params",
]

DEFAULT_MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageParams:
    """Validated pagination parameters of a list request."""

    date_from: datetime | None
    date_to: datetime | None
    offset: int
    limit: int

    def matches(self, last_updated: datetime) -> bool:
        """True when ``last_updated`` lies in ``[date_from, date_to)``."""
        if self.date_from is not None and last_updated < self.date_from:
            return False
        return self.date_to is None or last_updated < self.date_to


def _int_param(name: str, raw: str) -> int:
    text = raw.strip()
    # ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise InvalidParameters(
            f"{name} must be a non-negative integer",
            errors=[{"field": name, "error": "must be a non-negative integer"}],
        )
    return int(text)


def _date_param(name: str, raw: str) -> datetime:
    # An unencoded "+01:00" offset arrives as " 01:00" after query decoding.
    try:
        return parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:
        raise InvalidParameters(
            f"{name} must be an RFC 3339 date-time",
            errors=[{"field": name, "error": "must be an RFC 3339 date-time"}],
        ) from None


def parse_page_params(
    query: Mapping[str, str],
    *,
    max_limit: int = DEFAULT_MAX_LIMIT,
    require_date_from: bool = False,
) -> PageParams:
    """Validate ``date_from``, ``date_to``, ``offset`` and ``limit`` of a list GET (2001)."""
    if max_limit < 1:
        raise ValueError("max_limit must be >= 1")
    raw_from = query.get("date_from")
    raw_to = query.get("date_to")
    if require_date_from and not raw_from:
        raise InvalidParameters(
            "date_from is required",
            errors=[{"field": "date_from", "error": "required"}],
        )
    date_from = _date_param("date_from", raw_from) if raw_from else None
    date_to = _date_param("date_to", raw_to) if raw_to else None
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidParameters(
            "date_from is after date_to",
            errors=[{"field": "date_to", "error": "must not be before date_from"}],
        )
    raw_offset = query.get("offset")
    offset = _int_param("offset", raw_offset) if raw_offset not in (None, "") else 0
    raw_limit = query.get("limit")
    limit = _int_param("limit", raw_limit) if raw_limit not in (None, "") else max_limit
    return PageParams(date_from, date_to, offset, min(limit, max_limit))


def next_page_url(request_url: str, params: PageParams, total: int) -> str | None:
    """URL of the next page, or ``None`` when this page is the last one."""
    next_offset = params.offset + params.limit
    if params.limit == 0 or next_offset >= total:
        return None
    parts = urlsplit(request_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "offset"]
    if not any(k == "limit" for k, _ in query):
        query.append(("limit", str(params.limit)))
    query.append(("offset", str(next_offset)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def page_headers(
    request_url: str,
    params: PageParams,
    total: int,
    *,
    max_limit: int = DEFAULT_MAX_LIMIT,
) -> dict[str, str]:
    """``X-Total-Count``, ``X-Limit`` and (unless last page) ``Link`` for a page response."""
    headers = {"X-Total-Count": str(total), "X-Limit": str(max_limit)}
    url = next_page_url(request_url, params, total)
    if url is not None:
        headers["Link"] = f'<{url}>; rel="next"'
    return headers


def format_date_param(value: datetime) -> str:
    """A datetime as a ``date_from`` / ``date_to`` query value (OCPI DateTime)."""
    return format_datetime(value)
