"""The PTP terminals pull (``ocpi.payments.client.pull_terminals``) against a real HTTP
server on 127.0.0.1: it follows ``Link`` page by page, keeps what parses, and never sends
our token to a host other than the PTP's."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ocpi.errors import UnusableClientApi
from ocpi.payments.client import pull_terminals

T0 = "2026-11-21T08:00:00Z"


def _page(data: list[Any], link: str | None) -> web.Response:
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    return web.json_response({"data": data, "status_code": 1000, "timestamp": T0},
                             headers=headers)


async def test_pull_follows_links_on_the_same_host(aiohttp_server: Any) -> None:
    seen: list[str | None] = []

    async def terminals(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        if request.query["offset"] == "0":
            return _page([{"terminal_id": "T-1", "last_updated": T0}, {"bad": 1}],
                         "/ptp/terminals?offset=2&limit=2")  # relative: the same host
        return _page([{"terminal_id": "T-2"}], None)

    app = web.Application()
    app.router.add_get("/ptp/terminals", terminals)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as http:
        result = await pull_terminals(http, str(server.make_url("/ptp/terminals")), "tok",
                                      base64_token=False, limit=2)
    assert [t.terminal_id for t in result.terminals] == ["T-1", "T-2"]
    assert result.pages == 2 and [i["index"] for i in result.invalid] == [1]
    assert seen == ["Token tok", "Token tok"]


async def test_pull_refuses_a_link_to_another_host(aiohttp_server: Any) -> None:
    elsewhere: list[str | None] = []

    async def thief(request: web.Request) -> web.Response:
        elsewhere.append(request.headers.get("Authorization"))
        return _page([], None)

    other_app = web.Application()
    other_app.router.add_get("/steal", thief)
    other = await aiohttp_server(other_app)

    async def terminals(request: web.Request) -> web.Response:
        return _page([{"terminal_id": "T-1"}], str(other.make_url("/steal")))

    app = web.Application()
    app.router.add_get("/ptp/terminals", terminals)
    server = await aiohttp_server(app)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(UnusableClientApi, match="another host"):
            await pull_terminals(http, str(server.make_url("/ptp/terminals")), "secret",
                                 base64_token=True)
    assert elsewhere == []
