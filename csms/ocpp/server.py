"""The OCPP websocket endpoint ``/ocpp/{connection_identifier}`` as an aiohttp sub-app.

Theory of operation. Before the upgrade: the identity must be a known station (404),
its policy not ``disabled`` (403), ``wss``/``wss-basic-auth``/``wss-client-cert`` only over
TLS (403), ``wss-basic-auth`` needs HTTP Basic with the identity as user name and the
station's password (401), ``wss-client-cert`` (security profile 3) needs a client
certificate (401) for the identity, chaining to a current system root (403; see
``client_certificates``), and the charger must offer the station's configured subprotocol
(400). Refusal reasons are logged, never told to the charger.
After the upgrade the ``ocpp`` package drives the connection through ``WebSocketAdapter``;
every frame in and out goes to the communication log. A reconnect under the same identity
replaces the previous socket.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from aiohttp import WSMsgType, web

from csms.charging.records import StationInfo
from csms.ocpp.chargepoint import CsmsChargePoint, OcppContext
from csms.ocpp.client_certificates import (
    StationCertificateTrust,
    certificate_refusal,
    peer_certificate,
)
from csms.ocpp.frames import OCPP16, OCPP201, SUBPROTOCOLS
from csms.ocpp.passwords import verify_password
from csms.ocpp.registry import ConnectionRegistry
from csms.ocpp.traffic import TrafficLog
from csms.ocpp.v16 import ChargePoint16
from csms.ocpp.v201 import ChargePoint201

log = structlog.get_logger("evgw.ocpp")
CLASSES: dict[str, type[CsmsChargePoint]] = {OCPP16: ChargePoint16, OCPP201: ChargePoint201}
REPLACED = 4000  # close code for a socket replaced by a newer connection
TLS_POLICIES = ("wss", "wss-basic-auth", "wss-client-cert")


class ConnectionClosed(Exception):
    pass


class WebSocketAdapter:
    """Gives aiohttp's websocket the ``recv()``/``send()`` the ``ocpp`` package expects.
    Frames are logged by the charge point, which knows what each one is."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self._ws = ws

    async def recv(self) -> str:
        message = await self._ws.receive()
        if message.type is WSMsgType.TEXT:
            return str(message.data)
        if message.type is WSMsgType.BINARY:
            return "\x00binary frame"  # not JSON: answered as a malformed frame
        raise ConnectionClosed(str(message.type))

    async def send(self, text: str) -> None:
        await self._ws.send_str(text)


@dataclass
class OcppServerDeps:
    ctx: OcppContext
    registry: ConnectionRegistry
    traffic: TrafficLog
    max_message_size: int = 1024 * 1024
    ping_interval: float = 60.0
    on_connect: Callable[[StationInfo], None] | None = None  # must return at once
    # Security profile 3: without it, wss-client-cert stations are refused.
    certificate_trust: StationCertificateTrust | None = None


OCPP_DEPS = web.AppKey("ocpp_deps", OcppServerDeps)


def _basic_auth_ok(request: web.Request, station: StationInfo) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not station.password_hash:
        return False
    try:
        user, _, password = base64.b64decode(encoded.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return user == station.connection_identifier and verify_password(
        password, station.password_hash)


def _offered(request: web.Request) -> list[str]:
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


async def ocpp_endpoint(request: web.Request) -> web.StreamResponse:
    deps = request.app[OCPP_DEPS]
    identity = request.match_info["identity"]
    station = await deps.ctx.stations.by_identity(identity)
    bound = log.bind(identity=identity, remote=request.remote)
    if station is None:
        bound.warning("ocpp_unknown_identity")
        raise web.HTTPNotFound(text="unknown charging station")
    bound = bound.bind(station_id=station.code)
    if station.connection_policy == "disabled":
        bound.warning("ocpp_connection_refused", reason="policy disabled")
        raise web.HTTPForbidden(text="connections are disabled for this station")
    if station.connection_policy in TLS_POLICIES and not request.secure:
        bound.warning("ocpp_connection_refused", reason="policy requires wss")
        raise web.HTTPForbidden(text="this station must connect over wss://")
    if station.connection_policy == "wss-basic-auth" and not _basic_auth_ok(request, station):
        bound.warning("ocpp_connection_refused", reason="basic auth failed")
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="OCPP"'})
    if station.connection_policy == "wss-client-cert":
        der = peer_certificate(request.transport)
        refusal = await certificate_refusal(der, station.connection_identifier,
                                            deps.certificate_trust)
        if refusal is not None:
            bound.warning("ocpp_connection_refused", reason=refusal,
                          policy="wss-client-cert")
            if der is None:
                raise web.HTTPUnauthorized(text="a client certificate is required")
            raise web.HTTPForbidden(text="client certificate not accepted")
        bound.info("ocpp_client_certificate_accepted")
    subprotocol = SUBPROTOCOLS[station.ocpp_protocol]
    if subprotocol not in _offered(request):
        bound.warning("ocpp_connection_refused", reason="subprotocol",
                      offered=_offered(request), expected=subprotocol)
        raise web.HTTPBadRequest(text=f"this station speaks {subprotocol}")
    ws = web.WebSocketResponse(protocols=(subprotocol,), heartbeat=deps.ping_interval,
                               max_msg_size=deps.max_message_size)
    if not ws.can_prepare(request).ok:
        raise web.HTTPBadRequest(text="expected a websocket upgrade")
    await ws.prepare(request)
    deps.registry.handler_started()
    adapter = WebSocketAdapter(ws)
    cp = CLASSES[station.ocpp_protocol](station, adapter, deps.ctx)
    previous = deps.registry.register(station.code, cp)
    if previous is not None:
        bound.info("ocpp_connection_replaced")
        await previous._connection._ws.close(code=REPLACED, message=b"replaced")
    await deps.ctx.stations.connected(station)
    if deps.on_connect is not None:  # boot configuration and templates: starts a task
        deps.on_connect(station)
    try:
        await cp.start()
    except (ConnectionClosed, asyncio.CancelledError):
        # aiohttp cancels the handler when the peer goes away: that is a normal end.
        pass
    except Exception:
        bound.exception("ocpp_connection_failed")
    with contextlib.suppress(asyncio.CancelledError):  # the shielded teardown completes
        await asyncio.shield(_teardown(deps, station, cp, ws))
    return ws


async def _teardown(deps: OcppServerDeps, station: StationInfo, cp: CsmsChargePoint,
                    ws: web.WebSocketResponse) -> None:
    try:
        await cp.close_tasks()
        if deps.registry.unregister(station.code, cp):
            await deps.ctx.stations.disconnected(station)
        if not ws.closed:
            await ws.close()
    finally:
        deps.registry.handler_finished()


def build_ocpp_app(deps: OcppServerDeps) -> web.Application:
    app = web.Application()
    app[OCPP_DEPS] = deps
    app.router.add_get("/{identity}", ocpp_endpoint)
    return app


__all__ = ["OCPP201", "OcppServerDeps", "build_ocpp_app"]
