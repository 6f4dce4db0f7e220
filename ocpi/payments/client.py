"""The PTP's Payments Sender interface, as we call it: where its terminals live, and the
paginated pull of every terminal (``GET {terminals}?offset&limit``, following ``Link``).

Where: the spec has one module id (``payments``) for two sub-resources and does not say
how their URLs are advertised. We read, in order: an endpoint named ``terminals``; the
``payments`` endpoint when it already ends in ``/terminals`` (or names the confirmations,
whose sibling it then is); else ``{payments}/terminals`` — the same scheme as ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import structlog

from ocpi.auth import authorization_header
from ocpi.envelope import parse_envelope
from ocpi.errors import OcpiError, UnusableClientApi
from ocpi.models.base import loads, parse_ocpi
from ocpi.payments.models import Terminal
from ocpi.routing import RoutingHeaders, request_id_headers

log = structlog.get_logger("evgw.ocpi")

__all__ = ["PullResult", "confirmations_url", "pull_terminals", "terminals_url"]

_LINK_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel\s*=\s*"?next"?', re.IGNORECASE)
_FAC = "financial-advice-confirmations"
MAX_PAGES = 1000  # a partner whose Link never ends must not keep us busy forever


def _sub_resource(endpoints: Mapping[str, str], name: str) -> str | None:
    if name in endpoints:
        return endpoints[name]
    base = endpoints.get("payments")
    if base is None:
        return None
    base = base.rstrip("/")
    for known in ("terminals", _FAC):
        if base.endswith("/" + known):
            base = base[: -len(known) - 1]
    return f"{base}/{name}"


def terminals_url(endpoints: Mapping[str, str]) -> str | None:
    """The PTP's terminals URL from its endpoints (module id -> URL), None without one."""
    return _sub_resource(endpoints, "terminals")


def confirmations_url(endpoints: Mapping[str, str]) -> str | None:
    """The PTP's financial-advice-confirmations URL, None without a payments endpoint."""
    return _sub_resource(endpoints, _FAC)


@dataclass
class PullResult:
    terminals: list[Terminal] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)  # {"index", "error"}
    pages: int = 0


async def _page(http: aiohttp.ClientSession, url: str, headers: dict[str, str],
                timeout: aiohttp.ClientTimeout) -> tuple[Any, str | None]:
    try:
        async with http.get(url, headers={**headers, **request_id_headers()},
                            timeout=timeout) as response:
            text = await response.text()
            status = response.status
            link = response.headers.get("Link")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UnusableClientApi(f"GET {url} failed: {type(exc).__name__}") from exc
    try:
        parsed = parse_envelope(loads(text))
    except (ValueError, OcpiError) as exc:
        raise UnusableClientApi(f"GET {url} answered HTTP {status} without an OCPI envelope"
                                ) from exc
    if status >= 400 or parsed.status_code != 1000:
        raise UnusableClientApi(f"GET {url} answered HTTP {status}, OCPI "
                                f"{parsed.status_code}: {parsed.message or ''}".strip())
    match = _LINK_NEXT.search(link or "")
    if match is None:
        return parsed.data, None
    # The next page carries our token: only where this page came from.
    following = urljoin(url, match.group(1))
    here, there = urlsplit(url), urlsplit(following)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        raise UnusableClientApi(f"GET {url}: the next page is on another host "
                                f"({there.scheme}://{there.netloc}); not followed")
    return parsed.data, following


async def pull_terminals(http: aiohttp.ClientSession, url: str, token: str, *,
                         base64_token: bool, routing: RoutingHeaders | None = None,
                         limit: int = 100, timeout: float = 20.0) -> PullResult:
    """Every terminal the PTP has, page by page. An object that is not a valid Terminal is
    reported in ``invalid`` (and logged), never fatal for the others; a page that is not a
    valid OCPI answer, or a ``Link`` to another host (our token would go there), raises
    :class:`UnusableClientApi`."""
    headers = {"Authorization": authorization_header(token, base64_encode=base64_token),
               **(routing.as_headers() if routing else {})}
    result = PullResult()
    next_url: str | None = f"{url}{'&' if '?' in url else '?'}offset=0&limit={limit}"
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    while next_url is not None and result.pages < MAX_PAGES:
        data, next_url = await _page(http, next_url, headers, client_timeout)
        result.pages += 1
        if not isinstance(data, list):
            raise UnusableClientApi(f"GET {url} did not answer a list of terminals")
        for item in data:
            try:
                result.terminals.append(parse_ocpi(Terminal, item))
            except OcpiError as exc:
                index = len(result.terminals) + len(result.invalid)
                result.invalid.append({"index": index, "error": str(exc)})
                log.warning("ocpi_terminal_invalid", url=url, index=index, error=str(exc),
                            object=json.dumps(item, default=str)[:500])
    return result
