"""The OICP listener: Hubject's calls on a TLS port of their own, with client certificates.

Theory of operation.

- Only the OICP app (``oicp.server``, at ``/api/oicp``) is served here, and the OICP app is
  mounted nowhere else: the plain HTTP port and the OCPP/API TLS port do not reach it.
- TLS: our server certificate is ``EVGW_OICP_TLS_CERT``/``_KEY`` (falling back to
  ``EVGW_TLS_CERT``/``_KEY``). A client certificate is *required* (``CERT_REQUIRED``) and
  verified by OpenSSL against ``deps.certificates.inbound_trust_pem()``: the system trust
  roots, every platform's remote roots and the assigned access certificates themselves
  (``VERIFY_X509_PARTIAL_CHAIN`` lets such a leaf be its own anchor). A caller whose
  certificate does not verify never reaches HTTP; the handshake failure is logged.
- Which platform calls is decided after TLS, per request, by ``deps.certificates.admits``
  (``oicp.server.middleware``): a platform with an access certificate is admitted only with
  that exact certificate; a verified certificate no platform admits gets 403.
- Certificates change at run time. Every new connection compares
  ``deps.certificates.generation`` (an integer) with the generation loaded, and reloads
  before its handshake when it moved: the listener accepts plain TCP and upgrades each
  connection itself (``loop.start_tls``), so the check can await the database first.
  ``load_verify_locations`` only *adds* to a context, so reloading builds a fresh context
  from the current bundle: a removed root or access certificate is no longer trusted by
  the next handshake (connections already open keep theirs until they close).
- ``start`` binds ``host:port`` (port 0: any free port, see ``port``), so tests run the same
  listener on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import structlog
from aiohttp import web

from gateway.db.oicp_session_store import (
    SqlEvseDirectory,
    SqlOicpPlatforms,
    SqlOicpSessionLinks,
)
from oicp.remote import RemoteBridge
from oicp.server.app import OICP_PREFIX, build_oicp_app
from oicp.server.context import OicpServerDeps
from pki.tls import ClientCertMode, server_context

if TYPE_CHECKING:
    from gateway.app import Deps

__all__ = ["HANDSHAKE_TIMEOUT", "OicpListener", "build_listener_app", "build_oicp_server",
           "start_oicp_listener"]

log = structlog.get_logger("evgw.oicp")
HANDSHAKE_TIMEOUT = 10.0  # seconds a caller has to finish the TLS handshake


class InboundTrust(Protocol):
    """The part of ``gateway.certificates.CertificateService`` the listener uses."""

    generation: int

    async def inbound_trust_pem(self) -> str: ...


# --- composition ------------------------------------------------------------------------


def build_oicp_server(deps: Deps) -> OicpServerDeps:
    """The OICP server's dependencies, from the gateway's (called by ``build_deps``)."""

    async def reservation_ended(link_id: int) -> None:
        outbound: Any = getattr(deps, "oicp_outbound", None)
        if outbound is None:
            raise RuntimeError("deps.oicp_outbound is not wired: the CDR that must follow "
                               f"the end of OICP reservation link {link_id} cannot be sent")
        await outbound.reservation_ended(link_id)

    bridge = RemoteBridge(
        deps.remote, deps.operations.reservations if deps.operations else None,
        SqlEvseDirectory(deps.sessions, deps.clock.now),
        SqlOicpSessionLinks(deps.sessions, deps.clock.now), deps.clock.now,
        reservation_ended=reservation_ended)
    return OicpServerDeps(bridge=bridge, platforms=SqlOicpPlatforms(deps.sessions),
                          admission=deps.certificates)


def build_listener_app(server: OicpServerDeps) -> web.Application:
    """The listener's root app: the OICP sub-app at ``/api/oicp`` and nothing else."""
    root = web.Application()
    root.add_subapp(OICP_PREFIX, build_oicp_app(server))
    return root


# --- per-connection TLS -----------------------------------------------------------------


class _Relay(asyncio.Protocol):
    """Stands between the TLS layer and aiohttp's request handler until the handshake is
    done and the handler has its transport (it must not see data before that)."""

    def __init__(self, handler: asyncio.Protocol) -> None:
        self._handler = handler
        self._ready = False
        self._early: list[tuple[str, tuple[Any, ...]]] = []

    def attach(self, transport: asyncio.BaseTransport) -> None:
        self._handler.connection_made(transport)
        self._ready = True
        for name, args in self._early:
            getattr(self._handler, name)(*args)
        self._early.clear()

    def _forward(self, name: str, *args: Any) -> Any:
        if self._ready:
            return getattr(self._handler, name)(*args)
        self._early.append((name, args))
        return None

    def data_received(self, data: bytes) -> None:
        self._forward("data_received", data)

    def eof_received(self) -> bool | None:
        result: bool | None = self._forward("eof_received")
        return result

    def pause_writing(self) -> None:
        self._forward("pause_writing")

    def resume_writing(self) -> None:
        self._forward("resume_writing")

    def connection_lost(self, exc: Exception | None) -> None:
        if self._ready:
            self._handler.connection_lost(exc)


class _Accept(asyncio.Protocol):
    """A fresh TCP connection: stop reading, then let the listener upgrade it to TLS."""

    def __init__(self, listener: OicpListener) -> None:
        self._listener = listener

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()  # the ClientHello waits in the socket for start_tls
        self._listener._spawn(self._listener._upgrade(transport))

    def connection_lost(self, exc: Exception | None) -> None:
        return None


@dataclass
class OicpListener:
    """The OICP TLS site (see the module comment)."""

    server: OicpServerDeps
    certificates: InboundTrust
    cert_chain_pem: str = field(repr=False)
    key_pem: str = field(repr=False)
    handshake_timeout: float = HANDSHAKE_TIMEOUT
    port: int = 0
    context: ssl.SSLContext | None = field(default=None, repr=False)
    _generation: int | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    _runner: web.AppRunner | None = field(default=None, repr=False)
    _tcp: asyncio.AbstractServer | None = field(default=None, repr=False)
    _pending: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    @classmethod
    def from_files(cls, server: OicpServerDeps, certificates: InboundTrust, cert_file: Path,
                   key_file: Path) -> OicpListener:
        return cls(server, certificates, cert_file.read_text(encoding="ascii"),
                   key_file.read_text(encoding="ascii"))

    async def refresh(self) -> bool:
        """Rebuilds the TLS context when the certificate generation moved; True if so."""
        async with self._lock:
            generation = self.certificates.generation
            if self.context is not None and generation == self._generation:
                return False
            trust = await self.certificates.inbound_trust_pem()
            self.context = await asyncio.to_thread(self._build_context, trust)
            self._generation = generation
            log.info("oicp_listener_trust_loaded", generation=generation,
                     anchors=trust.count("BEGIN CERTIFICATE"))
            return True

    def _build_context(self, trust_pem: str) -> ssl.SSLContext:
        context = server_context(self.cert_chain_pem, self.key_pem,
                                 client_cert=ClientCertMode.NONE)
        context.verify_mode = ssl.CERT_REQUIRED  # nobody gets in without a certificate
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        if trust_pem.strip():
            context.load_verify_locations(cadata=trust_pem)
        return context

    @property
    def runner(self) -> web.AppRunner | None:
        """The runner of the listener's app (None until started)."""
        return self._runner

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _upgrade(self, transport: asyncio.Transport) -> None:
        peer = transport.get_extra_info("peername")
        try:
            if self.certificates.generation != self._generation:
                await self.refresh()
            assert self.context is not None and self._runner is not None
            handler_factory = self._runner.server
            assert handler_factory is not None
            relay = _Relay(handler_factory())
            loop = asyncio.get_running_loop()
            secure = await loop.start_tls(transport, relay, self.context, server_side=True,
                                          ssl_handshake_timeout=self.handshake_timeout)
        except (ssl.SSLError, OSError, TimeoutError, ConnectionError) as exc:
            log.warning("oicp_tls_refused", peer=peer[0] if peer else None,
                        reason=getattr(exc, "reason", None) or type(exc).__name__)
            transport.abort()
            return
        except Exception:
            log.exception("oicp_tls_upgrade_failed", peer=peer[0] if peer else None)
            transport.abort()
            return
        if secure is None:  # the connection went away during the handshake
            transport.abort()
            return
        relay.attach(secure)

    async def start(self, host: str, port: int) -> int:
        """Loads the trust, binds ``host:port`` and serves; returns the bound port."""
        await self.refresh()
        self._runner = web.AppRunner(build_listener_app(self.server), access_log=None)
        await self._runner.setup()
        loop = asyncio.get_running_loop()
        self._tcp = await loop.create_server(lambda: _Accept(self), host, port)
        self.port = int(self._tcp.sockets[0].getsockname()[1])
        log.info("oicp_listener_started", host=host, port=self.port, path=OICP_PREFIX)
        return self.port

    async def stop(self) -> None:
        """Stops accepting, ends open connections and waits for late charger answers."""
        if self._tcp is not None:
            self._tcp.close()
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tcp is not None:
            with contextlib.suppress(Exception):
                await self._tcp.wait_closed()
            self._tcp = None
        await self.server.bridge.wait()
        log.info("oicp_listener_stopped")


async def start_oicp_listener(deps: Deps, host: str | None = None,
                              port: int | None = None) -> OicpListener | None:
    """Starts the OICP listener of ``evgw serve`` on ``EVGW_OICP_PORT``; None (and a log
    line) when no TLS certificate is configured."""
    settings = deps.settings
    cert = settings.oicp_tls_cert or settings.tls_cert
    key = settings.oicp_tls_key or settings.tls_key
    if cert is None or key is None or deps.oicp_server is None:
        log.warning("oicp_listener_not_started",
                    reason="no TLS certificate: set EVGW_OICP_TLS_CERT/EVGW_OICP_TLS_KEY "
                    "(or EVGW_TLS_CERT/EVGW_TLS_KEY)")
        return None
    listener = OicpListener.from_files(deps.oicp_server, deps.certificates, cert, key)
    await listener.start(host if host is not None else settings.http_host,
                         port if port is not None else settings.oicp_port)
    return listener
