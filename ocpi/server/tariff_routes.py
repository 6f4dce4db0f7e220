"""Tariffs SENDER: the roaming tariffs assigned to the calling platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from csms.pricing.catalogue import AssignmentLevel
from ocpi.models import Tariff, dump_ocpi
from ocpi.pagination import page_headers, parse_page_params
from ocpi.ports import PlatformRecord
from ocpi.server.context import caller, deps
from ocpi.server.core_routes import ok
from tariffs.roaming import to_ocpi_tariff


class CatalogueTariffs:
    """The tariffs a platform sees: one OCPI Tariff per code assigned to it, from the frame
    valid now (frames of a code never overlap)."""

    def __init__(self, catalogue: Any, now: Any) -> None:
        self._catalogue = catalogue
        self._now = now

    async def tariffs_for(self, platform: PlatformRecord) -> list[Tariff]:
        return await _tariffs(self._catalogue, platform, self._now())


async def platform_tariffs(request: web.Request) -> list[Tariff]:
    return await _tariffs(deps(request).tariffs, caller(request).platform, deps(request).now())


async def _tariffs(catalogue: Any, platform: PlatformRecord, now: datetime) -> list[Tariff]:
    codes = await catalogue.assigned(AssignmentLevel.PLATFORM, platform.code)
    tariffs = []
    for code in codes:
        entries = [e for e in await catalogue.entries(code) if e.tariff.valid_at(now)]
        for entry in entries[:1]:
            engine_tariff = to_ocpi_tariff(entry.tariff, country_code=platform.party.country_code,
                                           party_id=platform.party.party_id,
                                           last_updated=entry.updated_at)
            tariffs.append(Tariff.model_validate(engine_tariff.model_dump()))
    return sorted(tariffs, key=lambda tariff: tariff.id)


async def list_tariffs(request: web.Request) -> web.Response:
    max_limit = deps(request).max_limit
    params = parse_page_params(request.query, max_limit=max_limit)
    matching = [t for t in await platform_tariffs(request) if params.matches(t.last_updated)]
    page = matching[params.offset:params.offset + params.limit]
    return ok([dump_ocpi(t) for t in page],
              headers=page_headers(str(request.url), params, len(matching),
                                   max_limit=max_limit))


def add_tariff_routes(app: web.Application) -> None:
    app.router.add_get("/2.2.1/tariffs", list_tariffs, name="tariffs.list")
