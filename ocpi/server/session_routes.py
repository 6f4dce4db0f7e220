"""Sessions and CDRs SENDER (pull): a partner sees only its own customers' sessions."""

from __future__ import annotations

from aiohttp import web

from ocpi.exposure import cdr_location
from ocpi.pagination import page_headers, parse_page_params
from ocpi.server.context import VERSIONED, caller, deps, wire
from ocpi.server.core_routes import ok
from ocpi.server.location_routes import exposed_locations
from ocpi.session_views import bundle_tariffs, ocpi_cdr, ocpi_session


async def list_sessions(request: web.Request) -> web.Response:
    max_limit = deps(request).max_limit
    # 2.2.1 makes date_from mandatory for sessions; kept for 2.3.0 (one rule per module).
    params = parse_page_params(request.query, max_limit=max_limit, require_date_from=True)
    platform = caller(request).platform
    bundles = [b for b in await deps(request).sessions.bundles(
        platform.code, params.date_from, params.date_to) if b.get("evse_uid")]
    page = bundles[params.offset:params.offset + params.limit]
    serializer = wire(request)
    return ok([serializer.session(ocpi_session(b, platform.party), tariffs=bundle_tariffs(b))
               for b in page],
              headers=page_headers(str(request.url), params, len(bundles),
                                   max_limit=max_limit))


async def list_cdrs(request: web.Request) -> web.Response:
    max_limit = deps(request).max_limit
    params = parse_page_params(request.query, max_limit=max_limit)
    platform = caller(request).platform
    # The exposed Locations are mapped once per network version, not once per CDR.
    locations = await exposed_locations(request)
    serializer = wire(request)
    cdrs = []
    for bundle in await deps(request).sessions.bundles(platform.code, params.date_from,
                                                       params.date_to, ended_only=True):
        if bundle.get("cdr") is None or not bundle.get("evse_uid"):
            continue
        where = cdr_location(locations, bundle["location_id"], bundle["evse_uid"])
        cdr = ocpi_cdr(bundle, platform.party, where,
                       cpo_issues_invoices=platform.cpo_issues_invoices) \
            if where is not None else None
        if cdr is not None:
            cdrs.append((cdr, bundle))
    page = cdrs[params.offset:params.offset + params.limit]
    return ok([serializer.cdr(c, tariffs=bundle_tariffs(b)) for c, b in page],
              headers=page_headers(str(request.url), params, len(cdrs), max_limit=max_limit))


def add_session_routes(app: web.Application) -> None:
    app.router.add_get(f"{VERSIONED}/sessions", list_sessions, name="sessions.list")
    app.router.add_get(f"{VERSIONED}/cdrs", list_cdrs, name="cdrs.list")
