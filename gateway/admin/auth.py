"""Bearer-token authentication for every admin route."""

from __future__ import annotations

import structlog
from aiohttp import web

from gateway.admin.problems import Handler, problem
from gateway.admin_token import AdminTokenVerifier

TOKEN_VERIFIER = web.AppKey("admin_token_verifier", AdminTokenVerifier)
log = structlog.get_logger("evgw.admin")


@web.middleware
async def bearer_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    verifier = request.app[TOKEN_VERIFIER]
    if scheme.lower() != "bearer" or not presented.strip():
        return problem(401, "Unauthorized", "a bearer token is required", instance=request.path)
    if not await verifier.verify(presented.strip()):
        log.warning("admin_token_refused", path=request.path, remote=request.remote)
        return problem(401, "Unauthorized", "the bearer token is not valid",
                       instance=request.path)
    return await handler(request)
