"""Tariffs SENDER: the roaming tariffs assigned to the calling platform."""

from __future__ import annotations

from aiohttp import web

from ocpi.pagination import page_headers, parse_page_params
from ocpi.ports import PublishedTariff
from ocpi.server.context import VERSIONED, caller, deps, wire
from ocpi.server.core_routes import ok
from ocpi.tariff_source import CatalogueTariffs, platform_tariffs

__all__ = ["CatalogueTariffs", "add_tariff_routes", "caller_tariffs"]


async def caller_tariffs(request: web.Request) -> list[PublishedTariff]:
    return await platform_tariffs(deps(request).tariffs, caller(request).platform,
                                  deps(request).now())


async def list_tariffs(request: web.Request) -> web.Response:
    max_limit = deps(request).max_limit
    params = parse_page_params(request.query, max_limit=max_limit)
    matching = [t for t in await caller_tariffs(request)
                if params.matches(t.tariff.last_updated)]
    page = matching[params.offset:params.offset + params.limit]
    serializer = wire(request)
    return ok([serializer.tariff(t.tariff, preauthorize_amount=t.preauthorize_amount)
               for t in page],
              headers=page_headers(str(request.url), params, len(matching),
                                   max_limit=max_limit))


def add_tariff_routes(app: web.Application) -> None:
    app.router.add_get(f"{VERSIONED}/tariffs", list_tariffs, name="tariffs.list")
