"""The TLS listener: wss:// for chargers (security profiles 2 and 3) and https:// for the APIs.

Theory of operation.

- The server certificate and key come from ``EVGW_TLS_CERT``/``EVGW_TLS_KEY``.
- Client certificates are *requested* (``CERT_OPTIONAL``) and verified by OpenSSL against the
  system trust roots (``deps.certificates.system_roots_pem()``), so a profile-3 charger can
  present one while a profile-2 charger without a certificate still connects. A certificate
  that does not verify fails the handshake, whatever the station's policy. With no system
  roots at all, nothing is requested (``CERT_NONE``): an empty trust store would fail every
  charger that presents a certificate.
- Roots change at run time. A watcher compares ``deps.certificates.generation`` every
  ``refresh_interval`` seconds (an integer comparison) and, when it moved, loads the roots not
  loaded yet into the live context; new handshakes use them at once. ``load_verify_locations``
  only adds: a root removed from the system stays in the context until restart. That is
  harmless because the OCPP admission of ``wss-client-cert`` stations checks again against the
  current roots (``gateway.charger_certificates.SystemRootTrust``) and requires the subject
  CommonName to be the connection identifier; profile-2 stations never rely on the
  certificate at all.
- ``start`` binds ``host:port`` itself (port 0: any free port, see ``port``), so tests can run
  the same listener on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from pathlib import Path
from typing import Protocol

import structlog
from aiohttp import web

from pki.certificates import certificates_to_pem, fingerprint_sha256, load_certificates

log = structlog.get_logger("evgw.tls")


class RootsSource(Protocol):
    """The part of ``gateway.certificates.CertificateService`` the listener uses."""

    @property
    def generation(self) -> int: ...

    async def system_roots_pem(self) -> str: ...


def server_context_from_files(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A TLS ≥ 1.2 server context with our certificate chain and key, trusting nobody yet."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file, password=_no_passphrase)
    return context


def _no_passphrase() -> str:
    # Without a callback OpenSSL would prompt on the terminal for an encrypted key (and
    # block the server's start); say what is wrong instead.
    raise ValueError("the TLS private key is encrypted; provide it unencrypted (0600)")


class TlsListener:
    """One TLS site on the gateway's runner, trusting the system roots for client
    certificates (see the module comment)."""

    def __init__(self, context: ssl.SSLContext, certificates: RootsSource,
                 refresh_interval: float = 5.0) -> None:
        self.context = context
        self._certificates = certificates
        self._refresh_interval = refresh_interval
        self._generation: int | None = None
        self._loaded: set[str] = set()  # fingerprints already in the context
        self._lock = asyncio.Lock()
        self._site: web.SockSite | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.port = 0
        self.context.verify_mode = ssl.CERT_NONE

    async def refresh(self) -> bool:
        """Loads the system roots into the context when the certificate generation moved.
        True when new roots were added."""
        async with self._lock:
            generation = self._certificates.generation
            if generation == self._generation:
                return False
            pem = await self._certificates.system_roots_pem()
            new = [c for c in (load_certificates(pem) if pem.strip() else [])
                   if fingerprint_sha256(c) not in self._loaded]
            if new:
                self.context.load_verify_locations(cadata=certificates_to_pem(new))
                self._loaded.update(fingerprint_sha256(c) for c in new)
            if self._loaded:
                self.context.verify_mode = ssl.CERT_OPTIONAL
            self._generation = generation
            log.info("tls_client_roots_loaded", generation=generation, added=len(new),
                     trusted=len(self._loaded),
                     client_certificates="optional" if self._loaded else "not requested")
            return bool(new)

    async def start(self, runner: web.BaseRunner, host: str, port: int) -> None:
        """Loads the roots, binds ``host:port`` and serves ``runner``'s app over TLS."""
        await self.refresh()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family)
        self.port = int(sock.getsockname()[1])
        self._site = web.SockSite(runner, sock, ssl_context=self.context)
        await self._site.start()
        self._watcher = asyncio.create_task(self._watch())
        log.info("tls_listener_started", host=host, port=self.port)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_interval)
            try:
                await self.refresh()
            except Exception:  # a database hiccup: keep the roots we have, try again
                log.exception("tls_client_roots_refresh_failed")

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self._site is not None:
            await self._site.stop()
            self._site = None
