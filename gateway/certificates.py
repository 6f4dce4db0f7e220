"""The certificate service: the CPO's system trust roots and each roaming platform's
certificates (the manual's access certificate, remote access certificate and remote root),
persisted through :class:`~gateway.db.pki_store.PkiStore`, built on the pure ``pki`` package.

Theory of operation
-------------------
- Protocol adapters use the read side, :class:`~gateway.certificate_trust.CertificateTrust`
  (client contexts towards partners, inbound admission, CA lists of TLS listeners, signing
  roots), which this service extends. :attr:`generation` also moves on changes another
  process (``evgw cert``) made in the database, noticed by the background poll.
- The admin API and the CLI use the management side (create/import roots, assign, generate
  CSRs, sign, invalidate, list).  Every refusal is a :class:`~pki.errors.PkiError` or a
  `CertificateNotFound`/`RootConflict` (:mod:`gateway.certificate_trust`) with a message
  fit for an operator.
- Private keys are encrypted by the store and never logged; the generated keys are handed
  over only in the CSR generation results, as the manual prescribes.
- CPU work (key generation, signing, TLS context building) runs in worker threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.clock import Clock
from gateway.certificate_trust import (
    ACCESS,
    REMOTE_ACCESS,
    REMOTE_ROOT,
    CertificateTrust,
    RootConflict,
    UnknownPlatform,
    UnknownRoot,
)
from gateway.db.pki_store import (
    CertificateAssignment,
    NewTrustRoot,
    PlatformCertificateRecord,
    TrustRootRecord,
)
from gateway.secrets import SecretBox
from pki.authority import (
    CertificateAuthority,
    Profile,
    SigningPolicy,
    create_intermediate_ca,
    create_root_ca,
    import_ca,
    import_trusted_root,
    sign_csr_async,
)
from pki.certificates import (
    CertificateInfo,
    certificate_info,
    certificate_public_key,
    certificate_to_pem,
    certificates_to_pem,
    load_certificates,
)
from pki.csr import (
    GeneratedRequest,
    SubjectAltNames,
    SubjectFields,
    csr_to_pem,
    generate_key_and_csr,
    load_csr,
)
from pki.errors import KeyMismatch, PolicyViolation
from pki.expiry import EXPIRY_WARNING_DAYS, ExpiryStatus, expiry_status
from pki.keys import (
    KeyAlgorithm,
    PrivateKey,
    generate_private_key,
    load_private_key,
    private_key_to_pem,
    public_keys_equal,
)
from pki.material import (
    MissingPrivateKey,
    check_ca_certificates,
    check_client_certificate,
    check_validity,
    fingerprint_hex,
    issuance_time,
)

log = structlog.get_logger("evgw.pki")

MAX_ACCESS_VALIDITY_DAYS = 825
DEFAULT_ACCESS_VALIDITY_DAYS = 365
EXPIRY_REPORT_INTERVAL = 86400.0
DATABASE_POLL_INTERVAL = 30.0


def _colons(fingerprint: str) -> str:
    """A stored hex fingerprint as the listing and ``openssl`` show it (AB:CD:…)."""
    return bytes.fromhex(fingerprint).hex(":").upper()


@dataclass(frozen=True, slots=True)
class RootSpec:
    """A CA to create: code, display name, subject, validity, key type."""

    code: str
    name: str
    subject: SubjectFields
    validity_days: int
    key_algorithm: KeyAlgorithm = KeyAlgorithm.EC_P384


@dataclass(frozen=True, slots=True)
class TrustRootView:
    code: str
    name: str
    kind: str
    issuer_code: str | None
    can_sign: bool
    info: CertificateInfo
    expiry: ExpiryStatus
    certificate_pem: str


@dataclass(frozen=True, slots=True)
class CertificateEntry:
    """One line of the certificate listing (a pending CSR alone has no ``info``)."""

    kind: str  # system_root | platform
    code: str | None  # the trust root's code (system roots)
    platform: str | None
    role: str  # root/intermediate/imported/trusted, or access/remote_access/remote_root
    info: CertificateInfo | None
    expiry: ExpiryStatus | None
    has_private_key: bool
    pending_csr: bool
    pending_csr_subject: str | None
    signed_by: str | None  # issuing system root (intermediates, signed access certificates)


@dataclass(frozen=True, slots=True)
class PlatformRoleView:
    """What a platform role holds after a change."""

    platform: str
    role: str
    certificates: list[CertificateInfo]
    expiry: list[ExpiryStatus]
    has_private_key: bool
    pending_csr: bool


class CertificateService(CertificateTrust):
    """The whole service: the read side plus the management operations (module comment)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], secrets: SecretBox,
                 clock: Clock, *, warning_days: int = EXPIRY_WARNING_DAYS) -> None:
        super().__init__(sessions, secrets, clock)
        self.warning_days = warning_days
        self._snapshot: list[CertificateEntry] = []
        self._stamp: tuple[object, ...] | None = None

    # -- system trust roots ----------------------------------------------------------

    def _issue_now(self) -> datetime:
        return issuance_time(self.clock.now(), datetime.now(UTC))

    async def _check_new_roots(self, roots: Sequence[NewTrustRoot]) -> None:
        codes = [r.code for r in roots]
        if len(set(codes)) != len(codes):
            raise RootConflict("the root and its intermediate need different codes")
        taken = await self.store.existing_roots(codes, [r.fingerprint for r in roots])
        for code, fp in taken:
            if code in codes:
                raise RootConflict(f"trust root code {code!r} is already in use")
            raise RootConflict(f"this certificate is already a trust root ({code!r}, "
                               f"fingerprint {fp})")

    async def create_root(self, spec: RootSpec, intermediate: RootSpec | None = None
                          ) -> list[TrustRootView]:
        """Create a self-signed root CA, and optionally an intermediate CA under it."""
        now = self._issue_now()

        def build() -> list[CertificateAuthority]:
            root = create_root_ca(spec.subject, spec.validity_days,
                                  path_length=1 if intermediate else 0,
                                  key=generate_private_key(spec.key_algorithm), now=now)
            if intermediate is None:
                return [root]
            sub = create_intermediate_ca(root, intermediate.subject,
                                         intermediate.validity_days, path_length=0,
                                         key=generate_private_key(intermediate.key_algorithm),
                                         now=now)
            return [root, sub]

        if intermediate is not None:
            if intermediate.code == spec.code:
                raise RootConflict("the root and its intermediate need different codes")
            if intermediate.validity_days >= spec.validity_days:
                raise PolicyViolation(
                    f"the intermediate CA must expire before its root: give it fewer than "
                    f"{spec.validity_days} validity days (asked: {intermediate.validity_days})")
        for code in (spec.code, *((intermediate.code,) if intermediate else ())):
            if await self.store.root(code) is not None:
                raise RootConflict(f"trust root code {code!r} is already in use")
        cas = await asyncio.to_thread(build)
        new = [self._new_root(spec.code, spec.name, "root", cas[0])]
        if intermediate is not None:
            new.append(self._new_root(intermediate.code, intermediate.name, "intermediate",
                                      cas[1], issuer_code=spec.code,
                                      chain_pem=certificate_to_pem(cas[0].certificate)))
        await self._check_new_roots(new)
        await self.store.add_roots(new)
        for root in new:
            log.info("trust_root_created", code=root.code, kind=root.kind,
                     subject=root.subject, fingerprint=_colons(root.fingerprint),
                     not_after=root.not_after.isoformat())
        await self._changed(None)
        return [await self._root_view(r.code) for r in new]

    @staticmethod
    def _new_root(code: str, name: str, kind: str, ca: CertificateAuthority, *,
                  issuer_code: str | None = None, chain_pem: str | None = None
                  ) -> NewTrustRoot:
        info = certificate_info(ca.certificate)
        return NewTrustRoot(
            code=code, name=name, kind=kind, certificate_pem=certificate_to_pem(ca.certificate),
            subject=info.subject, fingerprint=fingerprint_hex(ca.certificate),
            not_before=info.not_before, not_after=info.not_after, chain_pem=chain_pem or None,
            private_key_pem=None if ca.private_key is None else private_key_to_pem(
                ca.private_key),
            issuer_code=issuer_code)

    async def import_root(self, code: str, name: str, certificate: str,
                          private_key: str | None = None, passphrase: str | None = None
                          ) -> TrustRootView:
        """Import a CA certificate with its key (it can sign), or a public trusted root
        without a key (verification only). Issuers after the first certificate of a PEM
        bundle are kept as its chain."""
        certs = load_certificates(certificate)
        first = certificate_to_pem(certs[0])
        if private_key is not None:
            ca = import_ca(first, private_key, passphrase)
            kind = "imported"
        else:
            ca = import_trusted_root(first)
            kind = "trusted"
        check_validity(ca.certificate, self.clock.now(), "CA certificate")
        root = self._new_root(code, name, kind, ca,
                              chain_pem=certificates_to_pem(certs[1:]) or None)
        await self._check_new_roots([root])
        await self.store.add_roots([root])
        log.info("trust_root_imported", code=code, kind=kind, subject=root.subject,
                 fingerprint=_colons(root.fingerprint), not_after=root.not_after.isoformat())
        await self._changed(None)
        return await self._root_view(code)

    async def _root_view(self, code: str) -> TrustRootView:
        root = await self.store.root(code)
        if root is None:
            raise UnknownRoot(f"unknown trust root {code!r}")
        return self._view_of(root)

    def _view_of(self, root: TrustRootRecord) -> TrustRootView:
        info = certificate_info(load_certificates(root.certificate_pem)[0])
        return TrustRootView(
            code=root.code, name=root.name, kind=root.kind, issuer_code=root.issuer_code,
            can_sign=root.has_key, info=info, expiry=self._expiry(info),
            certificate_pem=root.certificate_pem)

    async def roots(self) -> list[TrustRootView]:
        return [self._view_of(root) for root in await self.store.roots()]

    def _expiry(self, info: CertificateInfo) -> ExpiryStatus:
        return expiry_status(info.not_before, info.not_after, self.clock.now(),
                             self.warning_days)

    # -- listing, expiry report, metrics ---------------------------------------------

    async def list_certificates(self) -> list[CertificateEntry]:
        """System roots, then every platform certificate (a remote root bundle yields one
        entry per CA); a pending CSR without a certificate is an entry without ``info``."""
        entries: list[CertificateEntry] = []
        for root in await self.store.roots():
            info = certificate_info(load_certificates(root.certificate_pem)[0])
            entries.append(CertificateEntry(
                kind="system_root", code=root.code, platform=None, role=root.kind, info=info,
                expiry=self._expiry(info), has_private_key=root.has_key, pending_csr=False,
                pending_csr_subject=None, signed_by=root.issuer_code))
        for record in await self.store.platform_certificates():
            entries.extend(self._platform_entries(record))
        self._snapshot = entries
        return entries

    def _platform_entries(self, record: PlatformCertificateRecord) -> list[CertificateEntry]:
        pending_subject = (load_csr(record.csr_pem).subject.rfc4514_string()
                           if record.csr_pem else None)
        certs = load_certificates(record.certificate_pem) if record.certificate_pem else []
        if record.role != REMOTE_ROOT:
            certs = certs[:1]  # the leaf; the issuers after it are only its chain
        infos: list[CertificateInfo | None] = [certificate_info(c) for c in certs] or [None]
        return [CertificateEntry(
            kind="platform", code=None, platform=record.platform_code, role=record.role,
            info=info, expiry=None if info is None else self._expiry(info),
            has_private_key=record.has_key, pending_csr=record.csr_pem is not None,
            pending_csr_subject=pending_subject, signed_by=record.signed_by_code)
            for info in infos]

    def expiry_snapshot(self) -> list[CertificateEntry]:
        """The entries of the last listing (refreshed on every change and by the daily
        report), for the synchronous ``/metrics`` collector."""
        return self._snapshot

    async def report_expiring(self) -> list[CertificateEntry]:
        """Log every certificate expired or expiring within the warning window."""
        expiring = [e for e in await self.list_certificates()
                    if e.info is not None and e.expiry is not None and e.expiry.expiring_soon]
        for entry in expiring:
            assert entry.info is not None and entry.expiry is not None
            log.warning("certificate_expiring", kind=entry.kind,
                        code=entry.code or entry.platform, role=entry.role,
                        platform=entry.platform, fingerprint=entry.info.fingerprint_sha256,
                        not_after=entry.info.not_after.isoformat(),
                        days_left=entry.expiry.days_left, expired=entry.expiry.expired)
        return expiring

    async def refresh_from_database(self) -> bool:
        """Notice changes made by another process (``evgw cert`` on the same database):
        bump :attr:`generation` and drop cached contexts. True when something changed."""
        stamp = await self.store.stamp()
        if self._stamp is None:
            self._stamp = stamp
            return False
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        self.generation += 1
        self._contexts.clear()
        log.info("certificates_changed_elsewhere", generation=self.generation)
        await self.list_certificates()
        return True

    async def run_background(self, poll_interval: float = DATABASE_POLL_INTERVAL,
                             report_interval: float = EXPIRY_REPORT_INTERVAL) -> None:
        """The expiry report at startup and daily; between reports, a poll of the database
        for changes made elsewhere."""
        last_report: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.refresh_from_database()
                if last_report is None or loop.time() - last_report >= report_interval:
                    last_report = loop.time()
                    await self.report_expiring()
            except Exception:
                log.exception("certificate_background_failed")
            await asyncio.sleep(poll_interval)

    # -- platform certificates -------------------------------------------------------

    async def _platform(self, code: str) -> int:
        platform_id = await self.store.platform_id(code)
        if platform_id is None:
            raise UnknownPlatform(f"unknown roaming platform {code!r}")
        return platform_id

    async def _changed(self, platform_code: str | None) -> None:
        self.generation += 1
        if platform_code is None:
            self._contexts.clear()
        else:
            self._contexts.pop(platform_code, None)
        self._stamp = await self.store.stamp()
        await self.list_certificates()

    async def _role_view(self, platform_code: str, role: str) -> PlatformRoleView:
        records = [r for r in await self.store.platform_certificates(platform_code)
                   if r.role == role]
        record = records[0] if records else None
        certs = (load_certificates(record.certificate_pem)
                 if record is not None and record.certificate_pem else [])
        infos = [certificate_info(c) for c in certs]
        return PlatformRoleView(
            platform=platform_code, role=role, certificates=infos,
            expiry=[self._expiry(info) for info in infos],
            has_private_key=record is not None and record.has_key,
            pending_csr=record is not None and record.csr_pem is not None)

    async def generate_csr(self, platform_code: str, role: str, subject: SubjectFields,
                           sans: SubjectAltNames | None = None,
                           algorithm: KeyAlgorithm = KeyAlgorithm.RSA_2048
                           ) -> GeneratedRequest:
        """Generate keys and a CSR for the access or remote access role; the key is kept
        (encrypted) as the role's pending request and handed over in the result."""
        if role not in (ACCESS, REMOTE_ACCESS):
            raise ValueError(f"no CSR for role {role!r}")
        platform_id = await self._platform(platform_code)
        generated = await asyncio.to_thread(generate_key_and_csr, subject, sans, algorithm)
        csr_pem = csr_to_pem(load_csr(generated.csr))
        await self.store.put_pending(platform_id, role, csr_pem,
                                     private_key_to_pem(generated.key))
        log.info("certificate_request_generated", platform=platform_code, role=role,
                 subject=subject.to_name().rfc4514_string(), key=algorithm.name)
        await self._changed(platform_code)
        return generated

    async def sign_access_csr(self, platform_code: str, csr: str, root_code: str,
                              validity_days: int | None = None) -> x509.Certificate:
        """Sign the partner's CSR with a system root (client certificate profile) and assign
        the result as the platform's access certificate."""
        platform_id = await self._platform(platform_code)
        request = load_csr(csr)
        ca = await self.signing_authority(root_code)
        now = self._issue_now()
        if validity_days is None:
            left = (ca.certificate.not_valid_after_utc - now) // timedelta(days=1)
            validity_days = max(1, min(DEFAULT_ACCESS_VALIDITY_DAYS, left))
        policy = SigningPolicy(max_validity_days=MAX_ACCESS_VALIDITY_DAYS,
                               profile=Profile.CLIENT)
        cert = await sign_csr_async(ca, request, policy, validity_days, now)
        pending = await self.store.pending_private_key(platform_id, ACCESS)
        key_pem = None
        if pending is not None and public_keys_equal(load_private_key(pending),
                                                     certificate_public_key(cert)):
            key_pem = pending
        info = certificate_info(cert)
        await self.store.put_certificate(platform_id, ACCESS, CertificateAssignment(
            certificate_pem=certificate_to_pem(cert), subject=info.subject,
            fingerprint=fingerprint_hex(cert), not_after=info.not_after,
            private_key_pem=key_pem, signed_by_code=root_code,
            clear_pending=key_pem is not None))
        log.info("access_certificate_signed", platform=platform_code, root=root_code,
                 subject=info.subject, fingerprint=info.fingerprint_sha256,
                 not_after=info.not_after.isoformat(), validity_days=validity_days)
        await self._changed(platform_code)
        return cert

    async def _assign_client_certificate(self, platform_code: str, role: str,
                                         certificate: str, private_key: str | None
                                         ) -> PlatformRoleView:
        platform_id = await self._platform(platform_code)
        chain = load_certificates(certificate)
        from_pending = False
        key: PrivateKey | None = None
        if private_key is not None:
            key = load_private_key(private_key)
        elif role == REMOTE_ACCESS:
            pending = await self.store.pending_private_key(platform_id, role)
            if pending is None:
                raise MissingPrivateKey("the certificate comes without its private key and "
                                        "there is no pending CSR whose key it could match")
            key = load_private_key(pending)
            from_pending = True
        else:
            raise MissingPrivateKey("the access certificate must come with its private key")
        try:
            check_client_certificate(chain, key, self.clock.now(), role.replace("_", " ") +
                                     " certificate")
        except KeyMismatch:
            if from_pending:
                raise KeyMismatch("the certificate does not match the key of the pending CSR; "
                                  "give its private key") from None
            raise
        pending_key = await self.store.pending_private_key(platform_id, role)
        clear_pending = from_pending or (
            pending_key is not None and public_keys_equal(load_private_key(pending_key), key))
        info = certificate_info(chain[0])
        await self.store.put_certificate(platform_id, role, CertificateAssignment(
            certificate_pem=certificates_to_pem(chain), subject=info.subject,
            fingerprint=fingerprint_hex(chain[0]), not_after=info.not_after,
            private_key_pem=private_key_to_pem(key), clear_pending=clear_pending))
        log.info(f"{role}_certificate_assigned", platform=platform_code, subject=info.subject,
                 fingerprint=info.fingerprint_sha256, not_after=info.not_after.isoformat(),
                 key_from_pending_csr=from_pending)
        await self._changed(platform_code)
        return await self._role_view(platform_code, role)

    async def assign_access_certificate(self, platform_code: str, certificate: str,
                                        private_key: str) -> PlatformRoleView:
        """Assign the partner's client certificate with its key (the manual's "Assign
        Access Certificate")."""
        return await self._assign_client_certificate(platform_code, ACCESS, certificate,
                                                     private_key)

    async def assign_remote_access_certificate(self, platform_code: str, certificate: str,
                                               private_key: str | None = None
                                               ) -> PlatformRoleView:
        """Assign our client certificate towards the partner, with its key or alone when it
        answers the pending CSR."""
        return await self._assign_client_certificate(platform_code, REMOTE_ACCESS,
                                                     certificate, private_key)

    async def assign_remote_roots(self, platform_code: str, certificates: Sequence[str]
                                  ) -> PlatformRoleView:
        """Trust the partner's root/intermediate CA certificate(s), replacing earlier ones."""
        platform_id = await self._platform(platform_code)
        certs: list[x509.Certificate] = []
        for text in certificates:
            certs.extend(load_certificates(text))
        check_ca_certificates(certs, self.clock.now())
        unique = list({fingerprint_hex(c): c for c in certs}.values())
        infos = [certificate_info(c) for c in unique]
        await self.store.put_certificate(platform_id, REMOTE_ROOT, CertificateAssignment(
            certificate_pem=certificates_to_pem(unique), subject=infos[0].subject,
            fingerprint=fingerprint_hex(unique[0]),
            not_after=min(i.not_after for i in infos)))
        log.info("remote_root_assigned", platform=platform_code,
                 subjects=[i.subject for i in infos],
                 fingerprints=[i.fingerprint_sha256 for i in infos])
        await self._changed(platform_code)
        return await self._role_view(platform_code, REMOTE_ROOT)

    async def invalidate(self, platform_code: str) -> list[str]:
        """Revoke the access certificate, the remote access certificate and the remote root
        (with keys and pending CSRs); the roles that held something."""
        platform_id = await self._platform(platform_code)
        roles = await self.store.delete_platform_certificates(platform_id)
        log.warning("platform_certificates_invalidated", platform=platform_code, roles=roles)
        await self._changed(platform_code)
        return roles

