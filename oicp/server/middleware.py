"""Who is calling, and an eRoamingAcknowledgement whatever happens.

Admission. The TLS listener already required a client certificate that chains to what we
trust inbound; here the caller is identified: the first OICP roaming platform (oldest
first) whose certificate check (``admits``: only its access certificate when one is
assigned, else a certificate under its trusted roots) accepts the peer certificate. A
caller no platform admits gets HTTP 403 with StatusCode 017 "Unauthorized Access" (what
Hubject itself answers to a certificate it does not accept) and a log line.

Errors. Business errors are acknowledgements with HTTP 200 (Hubject's convention); an
unknown path or method keeps its HTTP status with a 022 acknowledgement; anything
unexpected is logged and answered 021 "System error" -- never a bare 500.
"""

from __future__ import annotations

import hashlib

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from csms.ocpp.client_certificates import peer_certificate
from oicp.models import Acknowledgement
from oicp.remote_ports import OicpPlatform
from oicp.server.context import CALLER, deps
from oicp.status_codes import StatusCodeValue, failure

log = structlog.get_logger("evgw.oicp")


def acknowledge(ack: Acknowledgement, status: int = 200) -> web.Response:
    return web.json_response(ack.to_json(), status=status)


async def _admitted(request: web.Request, der: bytes) -> OicpPlatform | None:
    server = deps(request)
    for platform in await server.platforms.oicp_platforms():
        if await server.admission.admits(platform.code, der):
            return platform
    return None


@web.middleware
async def oicp_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        der = peer_certificate(request.transport)  # the one reader, shared with OCPP
        platform = await _admitted(request, der) if der is not None else None
        if platform is None:
            log.warning("oicp_caller_refused", path=request.path, peer=request.remote,
                        certificate_sha256=hashlib.sha256(der).hexdigest() if der else None,
                        reason="no OICP platform admits the client certificate"
                        if der else "no client certificate")
            return acknowledge(failure(StatusCodeValue.UNAUTHORIZED_ACCESS,
                                       "the client certificate is not admitted"), 403)
        request[CALLER] = platform
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        log.info("oicp_request_unroutable", path=request.path, method=request.method,
                 status=exc.status)
        return acknowledge(failure(StatusCodeValue.DATA_ERROR,
                                   f"no OICP operation {request.method} {request.path}"),
                           exc.status)
    except Exception:
        log.exception("oicp_request_crashed", path=request.path)
        return acknowledge(failure(StatusCodeValue.SYSTEM_ERROR))
