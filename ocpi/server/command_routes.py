"""Commands RECEIVER: POST {commands}/{command}."""

from __future__ import annotations

from aiohttp import web

from ocpi.errors import NotFound
from ocpi.models import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
    dump_ocpi,
    loads,
    parse_ocpi,
)
from ocpi.server.context import caller, deps
from ocpi.server.core_routes import ok


async def post_command(request: web.Request) -> web.Response:
    name = request.match_info["command"]
    bridge = deps(request).commands
    platform = caller(request).platform
    body = loads(await request.text())
    cid = request.headers.get("X-Correlation-ID")
    if bridge is None:
        answer = CommandResponse(result=CommandResponseType.NOT_SUPPORTED, timeout=0)
    elif name == "START_SESSION":
        answer = await bridge.start(platform, parse_ocpi(StartSession, body),
                                 correlation_id=cid)
    elif name == "STOP_SESSION":
        answer = await bridge.stop(platform, parse_ocpi(StopSession, body),
                                 correlation_id=cid)
    elif name == "UNLOCK_CONNECTOR":
        answer = await bridge.unlock(platform, parse_ocpi(UnlockConnector, body),
                                 correlation_id=cid)
    elif name == "RESERVE_NOW":
        answer = await bridge.reserve(platform, parse_ocpi(ReserveNow, body),
                                 correlation_id=cid)
    elif name == "CANCEL_RESERVATION":
        answer = await bridge.cancel(platform, parse_ocpi(CancelReservation, body),
                                 correlation_id=cid)
    else:
        raise NotFound(f"unknown command {name}")
    return ok(dump_ocpi(answer))


def add_command_routes(app: web.Application) -> None:
    app.router.add_post("/2.2.1/commands/{command}", post_command, name="commands.post")
