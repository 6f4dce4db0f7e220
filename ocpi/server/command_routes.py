"""Commands RECEIVER: POST {commands}/{command}."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web

from ocpi.errors import NotFound
from ocpi.models import (
    CancelReservation,
    CommandResponse,
    CommandResponseType,
    CommandType,
    OcpiModel,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
    dump_ocpi,
    loads,
)
from ocpi.server.context import VERSIONED, caller, deps, wire
from ocpi.server.core_routes import ok

_M = TypeVar("_M", bound=OcpiModel)


def _parse(request: web.Request, command: CommandType, body: Any, model: type[_M]) -> _M:
    """The command body in the request's version (2.3.0 tokens have open types)."""
    parsed = wire(request).parse_command(command, body)
    assert isinstance(parsed, model)
    return parsed


async def post_command(request: web.Request) -> web.Response:
    name = request.match_info["command"]
    bridge = deps(request).commands
    platform = caller(request).platform
    body = loads(await request.text())
    cid = request.headers.get("X-Correlation-ID")
    if bridge is None:
        answer = CommandResponse(result=CommandResponseType.NOT_SUPPORTED, timeout=0)
    elif name == "START_SESSION":
        answer = await bridge.start(
            platform, _parse(request, CommandType.START_SESSION, body, StartSession),
            correlation_id=cid)
    elif name == "STOP_SESSION":
        answer = await bridge.stop(
            platform, _parse(request, CommandType.STOP_SESSION, body, StopSession),
            correlation_id=cid)
    elif name == "UNLOCK_CONNECTOR":
        answer = await bridge.unlock(
            platform, _parse(request, CommandType.UNLOCK_CONNECTOR, body, UnlockConnector),
            correlation_id=cid)
    elif name == "RESERVE_NOW":
        answer = await bridge.reserve(
            platform, _parse(request, CommandType.RESERVE_NOW, body, ReserveNow),
            correlation_id=cid)
    elif name == "CANCEL_RESERVATION":
        answer = await bridge.cancel(
            platform, _parse(request, CommandType.CANCEL_RESERVATION, body, CancelReservation),
            correlation_id=cid)
    else:
        raise NotFound(f"unknown command {name}")
    return ok(dump_ocpi(answer))


def add_command_routes(app: web.Application) -> None:
    app.router.add_post(f"{VERSIONED}/commands/{{command}}", post_command,
                        name="commands.post")
