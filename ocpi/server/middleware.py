"""One middleware renders every OCPI error, authenticates the caller and sets the id and
routing headers. Handlers never build an error envelope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from pydantic import ValidationError

from ocpi.auth import parse_authorization
from ocpi.credentials import ACCESS
from ocpi.envelope import error_envelope
from ocpi.errors import (
    InternalError,
    InvalidParameters,
    MethodNotAllowed,
    NotFound,
    OcpiError,
    Unauthorized,
)
from ocpi.routing import RoutingHeaders, carries_routing_headers, response_id_headers
from ocpi.server.context import CALLER, OCPI_DEPS, caller

log = structlog.get_logger("evgw.ocpi")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Modules a partner may use with its registration token (token A).
_REGISTRATION_MODULES = {"versions", "details", "credentials"}


def module_of(request: web.Request) -> str:
    route = request.match_info.route
    name = route.name if route is not None and route.name else ""
    return name.split(".", 1)[0]


@web.middleware
async def ocpi_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    ids = response_id_headers(request.headers)
    try:
        response = await _authenticated(request, handler)
    except OcpiError as exc:
        response = _error(request, exc)
    except ValidationError as exc:
        response = _error(request, InvalidParameters(
            "invalid body", errors=[{"field": ".".join(str(p) for p in e["loc"]),
                                     "error": e["msg"]} for e in exc.errors()]))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        mapped: OcpiError = (MethodNotAllowed(exc.reason) if exc.status == 405
                             else NotFound(exc.reason))
        response = _error(request, mapped)
    except Exception:
        log.exception("ocpi_request_failed", path=request.path)
        response = _error(request, InternalError("see the gateway log"))
    response.headers.update(ids)
    module = module_of(request)
    if CALLER in request and carries_routing_headers(module) and module not in (
            "versions", "details"):
        platform = caller(request).platform
        partner = next(iter(platform.roles), None)
        response.headers.update(RoutingHeaders(
            from_country_code=platform.party.country_code,
            from_party_id=platform.party.party_id,
            to_country_code=partner.get("country_code") if partner else None,
            to_party_id=partner.get("party_id") if partner else None).as_headers())
    return response


async def _authenticated(request: web.Request, handler: Handler) -> web.StreamResponse:
    header = request.headers.get("Authorization")
    if not header:
        raise Unauthorized("an Authorization: Token header is required")
    token = parse_authorization(header)
    found = await request.app[OCPI_DEPS].credentials.authenticate(token.candidates)
    module = module_of(request)
    if module not in _REGISTRATION_MODULES and (found.kind != ACCESS
                                               or not found.platform.registered):
        raise Unauthorized("this token may only use versions and credentials")
    request[CALLER] = found
    return await handler(request)


def _error(request: web.Request, exc: OcpiError) -> web.Response:
    log.info("ocpi_request_refused", path=request.path, status_code=exc.status_code,
             http_status=exc.http_status, reason=str(exc))
    return web.json_response(error_envelope(exc), status=exc.http_status)
