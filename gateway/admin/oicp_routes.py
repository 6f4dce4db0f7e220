"""Admin routes of the OICP sending side: full loads and the pricing push on demand, and
the platform's OICP sessions with what became of their CDR.

The pushes are queued in the outbox (delivered in order, with retries); the answers say how
much was queued.  ``cdr_status``: QUEUED (in the outbox), DELIVERED (Hubject said
Result=true), REJECTED (Hubject refused it: Result=false or HTTP 4xx, never retried by
itself; ``cdr_detail`` says why, and the outbox message can be retried from
``/outbox``), FAILED (the outbox gave up, or no CDR could be built), SKIPPED (no CDR is
due: the remote start was refused, or the charging session never started a transaction).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from csms.network.errors import NotFound
from gateway.admin.csms_routes import ADMIN_DEPS
from gateway.admin.listing import list_response, paging
from gateway.admin.routes_table import AdminRoute, QueryParam
from gateway.db.oicp_push_store import SqlOicpStore
from oicp.outbound import OicpOutbound

if TYPE_CHECKING:
    from gateway.app import Deps


class FullLoadResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    records: int


class PricingPushResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    products: int
    evses: int
    queued: int


class OicpSessionRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    hubject_session_id: str
    cpo_partner_session_id: str
    emp_partner_session_id: str | None
    provider_id: str | None
    evse_id: str
    origin: str
    status: str
    charging_session_id: int | None
    partner_product_id: str | None
    notification: str | None
    cdr_status: str | None
    cdr_detail: str | None
    created_at: datetime
    updated_at: datetime


def _deps(request: web.Request) -> Deps:
    deps: Deps = request.app[ADMIN_DEPS]
    return deps


def _outbound(request: web.Request) -> OicpOutbound:
    outbound = _deps(request).oicp_outbound
    if outbound is None:
        raise NotFound("the OICP interface is not configured")
    return outbound


async def _known(request: web.Request) -> str:
    code = request.match_info["code"]
    deps = _deps(request)
    if not await SqlOicpStore(deps.sessions, deps.outbox, deps.clock.now).platforms(code):
        raise NotFound(f"roaming platform {code!r} does not exist or is not OICP")
    return code


async def evse_data_full_load(request: web.Request) -> web.Response:
    records = await _outbound(request).full_load_evse_data(await _known(request))
    return web.json_response(FullLoadResult(records=records).model_dump())


async def evse_status_full_load(request: web.Request) -> web.Response:
    records = await _outbound(request).full_load_evse_status(await _known(request))
    return web.json_response(FullLoadResult(records=records).model_dump())


async def pricing_push(request: web.Request) -> web.Response:
    counts = await _outbound(request).push_pricing(await _known(request))
    return web.json_response(PricingPushResult.model_validate(counts).model_dump())


async def sessions(request: web.Request) -> web.Response:
    code = await _known(request)
    limit, offset = paging(request)
    deps = _deps(request)
    rows, total = await SqlOicpStore(deps.sessions, deps.outbox, deps.clock.now).links(
        code, limit, offset)
    items = [OicpSessionRead.model_validate({name: row[name] for name in
                                             OicpSessionRead.model_fields}) for row in rows]
    return list_response(request, OicpSessionRead, items, total)


_BASE = "/oicp/platforms/{code}"
_ERR = {404: "Unknown platform, or not an OICP platform"}
_PAGE = (QueryParam("limit", "page size", "integer"), QueryParam("offset", "skip", "integer"))

OICP_ROUTES: list[AdminRoute] = [
    AdminRoute("POST", f"{_BASE}/evse-data/full-load", evse_data_full_load,
               "Queue an eRoamingPushEvseData fullLoad of every published EVSE", "oicp",
               response=FullLoadResult, errors=_ERR),
    AdminRoute("POST", f"{_BASE}/evse-status/full-load", evse_status_full_load,
               "Queue an eRoamingPushEvseStatus fullLoad of every published EVSE", "oicp",
               response=FullLoadResult, errors=_ERR),
    AdminRoute("POST", f"{_BASE}/pricing/push", pricing_push,
               "Queue eRoamingPushPricingProductData and eRoamingPushEVSEPricing (fullLoad) "
               "from the roaming tariffs assigned to the platform", "oicp",
               response=PricingPushResult, errors=_ERR),
    AdminRoute("GET", f"{_BASE}/sessions", sessions,
               "OICP sessions (Hubject SessionID links) with their CDR status and the "
               "rejection detail, newest first", "oicp", response=OicpSessionRead,
               response_is_list=True, csv=True, query=_PAGE, errors=_ERR),
]
