"""Pagination parameters and headers."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from ocpi.errors import InvalidParameters
from ocpi.pagination import PageParams, page_headers, parse_page_params

T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 2, 1, tzinfo=UTC)


def test_defaults() -> None:
    assert parse_page_params({}) == PageParams(None, None, 0, 100)
    assert parse_page_params({"limit": "", "offset": ""}, max_limit=50) == PageParams(
        None, None, 0, 50
    )


def test_values_and_clamping() -> None:
    params = parse_page_params(
        {
            "date_from": "2024-01-01T00:00:00Z",
            "date_to": "2024-02-01T01:00:00 01:00",  # '+' decoded to a space
            "offset": "20",
            "limit": "1000",
        },
        max_limit=100,
    )
    assert params == PageParams(T0, T1, 20, 100)


def test_date_window_inclusive_from_exclusive_to() -> None:
    params = PageParams(T0, T1, 0, 10)
    assert params.matches(T0)
    assert not params.matches(T1)
    assert params.matches(datetime(2024, 1, 31, 23, 59, 59, tzinfo=UTC))
    assert not params.matches(datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert PageParams(None, None, 0, 1).matches(T0)


@pytest.mark.parametrize(
    "query",
    [
        {"offset": "-1"},
        {"offset": "abc"},
        {"limit": "-5"},
        {"limit": "1.5"},
        {"limit": "9" * 20},
        {"date_from": "yesterday"},
        {"date_to": "2024-13-01T00:00:00Z"},
        {"date_from": "2024-02-01T00:00:00Z", "date_to": "2024-01-01T00:00:00Z"},
    ],
)
def test_bad_values_are_2001(query: dict[str, str]) -> None:
    with pytest.raises(InvalidParameters) as info:
        parse_page_params(query)
    assert info.value.status_code == 2001
    assert info.value.errors


def test_sessions_require_date_from() -> None:
    with pytest.raises(InvalidParameters, match="date_from"):
        parse_page_params({}, require_date_from=True)
    assert parse_page_params({"date_from": "2024-01-01T00:00:00Z"}, require_date_from=True)


def test_equal_bounds_give_an_empty_window() -> None:
    params = parse_page_params(
        {"date_from": "2024-01-01T00:00:00Z", "date_to": "2024-01-01T00:00:00Z"}
    )
    assert not params.matches(T0)


def test_headers_middle_page_keeps_filters() -> None:
    url = "https://gw.example.com/ocpi/2.2.1/locations?date_from=2024-01-01T00%3A00%3A00Z&limit=10"
    params = parse_page_params(parse_q(url), max_limit=100)
    headers = page_headers(url, params, total=25, max_limit=100)
    assert headers["X-Total-Count"] == "25"
    assert headers["X-Limit"] == "100"
    link = headers["Link"]
    assert link.endswith('>; rel="next"')
    next_url = link[1 : link.index(">")]
    query = parse_qs(urlsplit(next_url).query)
    assert query == {"date_from": ["2024-01-01T00:00:00Z"], "limit": ["10"], "offset": ["10"]}
    assert next_url.startswith("https://gw.example.com/ocpi/2.2.1/locations?")


def test_headers_last_page_has_no_link() -> None:
    url = "https://gw.example.com/ocpi/2.2.1/cdrs?offset=20&limit=10"
    params = parse_page_params(parse_q(url))
    assert "Link" not in page_headers(url, params, total=25)
    assert "Link" not in page_headers(url, params, total=30)
    assert "Link" not in page_headers("https://x/cdrs", parse_page_params({}), total=0)


def test_next_link_adds_limit_when_defaulted() -> None:
    params = parse_page_params({}, max_limit=2)
    link = page_headers("https://x/ocpi/tariffs", params, total=3, max_limit=2)["Link"]
    assert link == '<https://x/ocpi/tariffs?limit=2&offset=2>; rel="next"'


def parse_q(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
