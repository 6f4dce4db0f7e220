"""Locations SENDER: paginated list and single Location / EVSE / Connector."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ocpi.errors import NotFound
from ocpi.exposure import exposed_locations as exposed
from ocpi.models import Location
from ocpi.pagination import page_headers, parse_page_params
from ocpi.server.context import VERSIONED, caller, deps, version_of, wire
from ocpi.server.core_routes import ok


async def exposed_locations(request: web.Request) -> list[Location]:
    """Every Location we expose to this partner, in a stable order (id)."""
    return [location for location, _ in await _exposed(request)]


async def _exposed(request: web.Request) -> list[tuple[Location, dict[str, Any]]]:
    """(Location, its JSON form in the request's OCPI version), recomputed only when the
    network's version changed: a full pull of N pages maps and serializes the network once,
    not N times."""
    platform = caller(request).platform
    network = deps(request).network
    version = await network.version()
    key = f"{platform.code}@{version_of(request)}"
    cached = deps(request).location_cache.get(key)
    if cached is not None and cached[0] == version:
        return list(cached[1])
    locations = sorted(await exposed(network, platform), key=lambda loc: loc.id)
    serializer = wire(request)
    entries = [(location, serializer.location(location)) for location in locations]
    deps(request).location_cache[key] = (version, entries)
    return list(entries)


async def list_locations(request: web.Request) -> web.Response:
    max_limit = deps(request).max_limit
    params = parse_page_params(request.query, max_limit=max_limit)
    matching = [data for loc, data in await _exposed(request)
                if params.matches(loc.last_updated)]
    page = matching[params.offset:params.offset + params.limit]
    return ok(page,
              headers=page_headers(str(request.url), params, len(matching),
                                   max_limit=max_limit))


async def _location(request: web.Request) -> Location:
    wanted = request.match_info["location_id"]
    for location in await exposed_locations(request):
        if location.id == wanted:
            return location
    raise NotFound(f"location {wanted} is unknown")


async def get_location(request: web.Request) -> web.Response:
    return ok(wire(request).location(await _location(request)))


async def get_evse(request: web.Request) -> web.Response:
    location = await _location(request)
    uid = request.match_info["evse_uid"]
    evse = next((e for e in location.evses or [] if e.uid == uid), None)
    if evse is None:
        raise NotFound(f"EVSE {uid} is unknown")
    return ok(wire(request).evse(evse))


async def get_connector(request: web.Request) -> web.Response:
    location = await _location(request)
    uid, connector_id = request.match_info["evse_uid"], request.match_info["connector_id"]
    evse = next((e for e in location.evses or [] if e.uid == uid), None)
    connector = next((c for c in (evse.connectors if evse else []) if c.id == connector_id),
                     None)
    if connector is None:
        raise NotFound(f"connector {uid}/{connector_id} is unknown")
    return ok(wire(request).connector(connector))


def add_location_routes(app: web.Application) -> None:
    base = f"{VERSIONED}/locations"
    app.router.add_get(base, list_locations, name="locations.list")
    app.router.add_get(f"{base}/{{location_id}}", get_location, name="locations.get")
    app.router.add_get(f"{base}/{{location_id}}/{{evse_uid}}", get_evse,
                       name="locations.evse")
    app.router.add_get(f"{base}/{{location_id}}/{{evse_uid}}/{{connector_id}}",
                       get_connector, name="locations.connector")
