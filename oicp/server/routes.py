"""The four operations Hubject calls, at the paths of the CPO OpenAPI (under /api/oicp).

Each decodes its body with the core's decoder (explicit nulls accepted for optional
fields), checks the ProviderID of the path (``*`` raw or percent-encoded) against the body,
and hands the message to :class:`oicp.remote.RemoteBridge`. A body that does not decode is
answered Result=false with 022 "Data error" (the problems, never the values, in
AdditionalInfo) and a log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from aiohttp import web

from oicp.errors import InvalidIdError, OicpDecodeError
from oicp.ids import PROVIDER_ID_PATTERN, SESSION_ID_PATTERN, decode_path_id
from oicp.models import (
    Acknowledgement,
    decode_remote_reservation_start,
    decode_remote_reservation_stop,
    decode_remote_start,
    decode_remote_stop,
)
from oicp.remote_ports import OicpPlatform
from oicp.server.context import caller, deps
from oicp.server.middleware import acknowledge
from oicp.status_codes import StatusCodeValue, failure

log = structlog.get_logger("evgw.oicp")
M = TypeVar("M")

REMOTE_START = "/charging/v21/providers/{providerID}/authorize-remote/start"
REMOTE_STOP = "/charging/v21/providers/{providerID}/authorize-remote/stop"
RESERVATION_START = "/reservation/v11/providers/{providerID}/reservation-start-request"
RESERVATION_STOP = "/reservation/v11/providers/{providerID}/reservation-stop-request"

_PROVIDER = re.compile(PROVIDER_ID_PATTERN)
_SESSION = re.compile(SESSION_ID_PATTERN)


def _provider_key(provider_id: str) -> str:
    """``DE*ICE``, ``DE-ICE`` and ``DEICE`` are one ProviderID."""
    return re.sub(r"[*\-]", "", provider_id.upper())


def _problems(exc: OicpDecodeError) -> str:
    """Where and what, without the offending values (they may be personal data)."""
    if not exc.errors:
        return str(exc)
    parts = []
    for error in exc.errors[:10]:
        loc = error.get("loc", ())
        location = ".".join(str(p) for p in (loc if isinstance(loc, tuple | list) else ())
                            if not isinstance(p, int))
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


def _session_id_of(body: bytes) -> str | None:
    """Hubject's SessionID of an undecodable body, when it has a valid one (for the ack)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    value = data.get("SessionID") if isinstance(data, dict) else None
    return value if isinstance(value, str) and _SESSION.fullmatch(value) else None


async def _operation(request: web.Request, name: str, decoder: Callable[[bytes], M],
                     provider_of: Callable[[M], str],
                     call: Callable[[OicpPlatform, M], Awaitable[Acknowledgement]]
                     ) -> web.Response:
    platform = caller(request)
    body = await request.read()
    try:
        path_provider = decode_path_id(request.match_info["providerID"])
        if not _PROVIDER.fullmatch(path_provider):
            raise InvalidIdError(f"invalid ProviderID in the path: {path_provider!r}")
        message = decoder(body)
    except (OicpDecodeError, InvalidIdError) as exc:
        detail = _problems(exc) if isinstance(exc, OicpDecodeError) else str(exc)
        log.info("oicp_request_invalid", operation=name, platform=platform.code,
                 problems=detail)
        return acknowledge(failure(StatusCodeValue.DATA_ERROR, detail,
                                   session_id=_session_id_of(body)))
    if _provider_key(provider_of(message)) != _provider_key(path_provider):
        log.info("oicp_request_invalid", operation=name, platform=platform.code,
                 problems="ProviderID of the path and the body differ")
        session_id: Any = getattr(message, "session_id", None)
        return acknowledge(failure(StatusCodeValue.DATA_ERROR,
                                   "the ProviderID of the path and of the body differ",
                                   session_id=session_id))
    return acknowledge(await call(platform, message))


async def remote_start(request: web.Request) -> web.Response:
    return await _operation(request, "eRoamingAuthorizeRemoteStart", decode_remote_start,
                            lambda m: m.provider_id, deps(request).bridge.remote_start)


async def remote_stop(request: web.Request) -> web.Response:
    return await _operation(request, "eRoamingAuthorizeRemoteStop", decode_remote_stop,
                            lambda m: m.provider_id, deps(request).bridge.remote_stop)


async def reservation_start(request: web.Request) -> web.Response:
    return await _operation(request, "eRoamingAuthorizeRemoteReservationStart",
                            decode_remote_reservation_start, lambda m: m.provider_id,
                            deps(request).bridge.reservation_start)


async def reservation_stop(request: web.Request) -> web.Response:
    return await _operation(request, "eRoamingAuthorizeRemoteReservationStop",
                            decode_remote_reservation_stop, lambda m: m.provider_id,
                            deps(request).bridge.reservation_stop)


def add_remote_routes(app: web.Application) -> None:
    app.router.add_post(REMOTE_START, remote_start, name="oicp.remote_start")
    app.router.add_post(REMOTE_STOP, remote_stop, name="oicp.remote_stop")
    app.router.add_post(RESERVATION_START, reservation_start, name="oicp.reservation_start")
    app.router.add_post(RESERVATION_STOP, reservation_stop, name="oicp.reservation_stop")
