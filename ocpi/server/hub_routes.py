"""hubclientinfo RECEIVER: a hub tells us which parties are connected behind it.
A configuration module: no routing headers (see the middleware)."""

from __future__ import annotations

from aiohttp import web

from ocpi.errors import InvalidParameters, NotFound
from ocpi.models import dump_ocpi, loads
from ocpi.server.context import VERSIONED, caller, deps, wire
from ocpi.server.core_routes import ok


async def put_client_info(request: web.Request) -> web.Response:
    info = wire(request).parse_client_info(loads(await request.text()))
    country, party = request.match_info["country_code"].upper(), \
        request.match_info["party_id"].upper()
    if (info.country_code, info.party_id) != (country, party):
        raise InvalidParameters("the URL and the body name different parties")
    await deps(request).client_info.put(caller(request).platform.id, dump_ocpi(info))
    return ok()


async def get_client_info(request: web.Request) -> web.Response:
    found = await deps(request).client_info.get(
        caller(request).platform.id, request.match_info["country_code"].upper(),
        request.match_info["party_id"].upper())
    if found is None:
        raise NotFound("unknown party")
    return ok(found)


def add_hub_routes(app: web.Application) -> None:
    path = f"{VERSIONED}/hubclientinfo/{{country_code}}/{{party_id}}"
    app.router.add_put(path, put_client_info, name="hubclientinfo.put")
    app.router.add_get(path, get_client_info, name="hubclientinfo.get")
