"""The read side of the certificate service: what protocol adapters ask of the CPO's
certificates (see :mod:`gateway.certificates` for the whole service).

- :meth:`CertificateTrust.platform_client_context`: our mTLS client towards a partner,
  cached per platform until its certificates change;
- :meth:`~CertificateTrust.admits`: which inbound client certificate may act for a platform
  (rule in :mod:`pki.admission`), read from the database on every call, so never stale;
- :meth:`~CertificateTrust.inbound_trust_pem` and :meth:`~CertificateTrust.system_roots_pem`:
  the CA lists of TLS listeners;
- :meth:`~CertificateTrust.signing_authority`: a system root with its key (e.g. to answer
  an OCPP SignCertificate).

:attr:`~CertificateTrust.generation` increments on every change; listeners compare it to
know when to rebuild their contexts.
"""

from __future__ import annotations

import asyncio
import ssl

import structlog
from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.clock import Clock
from gateway.db.pki_store import (
    PkiStore,
)
from gateway.secrets import SecretBox
from pki.admission import PlatformTrust, admission
from pki.authority import (
    CertificateAuthority,
)
from pki.certificates import (
    certificate_to_pem,
    load_certificates,
)
from pki.errors import NotACertificateAuthority
from pki.keys import (
    load_private_key,
)
from pki.material import (
    fingerprint_hex,
)
from pki.tls import client_context

log = structlog.get_logger("evgw.pki")

ACCESS, REMOTE_ACCESS, REMOTE_ROOT = "access", "remote_access", "remote_root"


class CertificateNotFound(LookupError):
    """An unknown system trust root or roaming platform."""


class UnknownRoot(CertificateNotFound):
    pass


class UnknownPlatform(CertificateNotFound):
    pass


class RootWithoutKey(NotACertificateAuthority):
    """A trusted root imported without its key: it verifies, it cannot sign."""


class RootConflict(Exception):
    """A trust root code or certificate that is already in the store."""


class CertificateTrust:
    """The read side (see the module comment)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], secrets: SecretBox,
                 clock: Clock) -> None:
        self.store = PkiStore(sessions, secrets)
        self.clock = clock
        self.generation = 0
        self._contexts: dict[str, tuple[tuple[object, ...], ssl.SSLContext]] = {}

    # -- the interface the protocol adapters use --------------------------------------

    async def signing_authority(self, code: str) -> CertificateAuthority:
        """A system trust root with its private key, for signing."""
        root = await self.store.root(code)
        if root is None:
            raise UnknownRoot(f"unknown trust root {code!r}")
        key_pem = await self.store.root_private_key(code)
        if key_pem is None:
            raise RootWithoutKey(f"trust root {code!r} was imported without its private key; "
                                 "it can verify but not sign")
        cert = load_certificates(root.certificate_pem)[0]
        return CertificateAuthority(cert, load_private_key(key_pem))

    async def authority_chain_pem(self, code: str) -> str:
        """The issuers above a system root (an intermediate's root), PEM; "" for a root."""
        root = await self.store.root(code)
        if root is None:
            raise UnknownRoot(f"unknown trust root {code!r}")
        return root.chain_pem or ""

    async def system_roots_pem(self) -> str:
        """PEM bundle of every system trust root ("" when none)."""
        return "".join(root.certificate_pem for root in await self.store.roots())

    async def platform_client_context(self, platform_code: str) -> ssl.SSLContext | None:
        """Our mTLS client context towards a platform (None without a remote access
        certificate, or for an unknown platform); rebuilt only when its certificates change."""
        records = {r.role: r for r in await self.store.platform_certificates(platform_code)}
        ours = records.get(REMOTE_ACCESS)
        if ours is None or ours.certificate_pem is None or not ours.has_key:
            self._contexts.pop(platform_code, None)
            return None
        stamp = tuple((r.role, r.fingerprint, r.updated_at) for r in records.values())
        cached = self._contexts.get(platform_code)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        key_pem = await self.store.platform_private_key(ours.platform_id, REMOTE_ACCESS)
        if key_pem is None:
            return None
        remote_root = records.get(REMOTE_ROOT)
        trust = remote_root.certificate_pem if remote_root is not None else None
        context = await asyncio.to_thread(client_context, trust, ours.certificate_pem, key_pem)
        self._contexts[platform_code] = (stamp, context)
        return context

    async def admits(self, platform_code: str, peer_certificate_der: bytes) -> bool:
        """Whether the client certificate presented may act for the platform
        (:mod:`pki.admission`); refusals are logged with the reason."""
        records = {r.role: r for r in await self.store.platform_certificates(platform_code)}
        access = records.get(ACCESS)
        remote_root = records.get(REMOTE_ROOT)
        anchors: list[x509.Certificate] = []
        if remote_root is not None and remote_root.certificate_pem:
            anchors = load_certificates(remote_root.certificate_pem)
        trust = PlatformTrust(
            access_fingerprint=access.fingerprint
            if access is not None and access.certificate_pem else None,
            anchors=anchors)
        decision = admission(peer_certificate_der, trust, self.clock.now())
        if not decision.admitted:
            log.info("platform_certificate_refused", platform=platform_code,
                     reason=decision.reason)
        return decision.admitted

    async def inbound_trust_pem(self) -> str:
        """Every CA an inbound client certificate may chain to, plus the assigned access
        certificates themselves (deduplicated PEM bundle)."""
        seen: set[str] = set()
        pems: list[str] = []

        def add(pem_bundle: str) -> None:
            for cert in load_certificates(pem_bundle):
                fp = fingerprint_hex(cert)
                if fp not in seen:
                    seen.add(fp)
                    pems.append(certificate_to_pem(cert))

        for root in await self.store.roots():
            add(root.certificate_pem)
        for record in await self.store.platform_certificates():
            if record.role in (ACCESS, REMOTE_ROOT) and record.certificate_pem:
                add(record.certificate_pem if record.role == REMOTE_ROOT
                    else certificate_to_pem(load_certificates(record.certificate_pem)[0]))
        return "".join(pems)
