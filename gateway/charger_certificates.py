"""Charger certificates on the gateway side: the system roots as OCPP trust, and the signer
of chargers' CSRs (OCPP security profile 3 and SignCertificate).

Theory of operation. Both adapters sit on ``deps.certificates`` (the certificate service):

- :class:`SystemRootTrust` implements ``csms.ocpp.client_certificates.StationCertificateTrust``:
  a charger's client certificate must chain, now, to one of the *current* system trust roots.
  The parsed roots are cached until the service's ``generation`` changes, so the check costs
  one path validation per connection and a removed root stops admitting at once (the TLS
  listener's context, which only ever adds roots, is not the last word).
- :class:`ChargerCsrSigner` implements ``csms.charging.station_certificates.CsrSigner``: it
  signs with the system root named by ``EVGW_CHARGING_STATION_ROOT`` (profile CLIENT: the
  charger is the TLS client of the CSMS), in a worker thread, only for a CSR whose subject
  CommonName is the station's connection identifier, for ``EVGW_CHARGING_STATION_CERT_DAYS``
  (shortened to the root's own remaining validity). The chain returned is the leaf followed
  by the issuing CA and its issuers up to the root, as OCPP's certificateChain expects.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

import structlog
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from csms.charging.station_certificates import (
    CHARGING_STATION_CERTIFICATE,
    StationCertificates,
)
from pki.authority import CertificateAuthority, Profile, SigningPolicy, sign_csr_async
from pki.certificates import (
    MAX_CHAIN_DEPTH,
    certificates_to_pem,
    fingerprint_sha256,
    load_certificates,
    verify_chain,
)
from pki.csr import load_csr
from pki.errors import ChainError, PkiError, PolicyViolation

log = structlog.get_logger("evgw.ocpp.certificates")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SystemRootSource(Protocol):
    """The part of ``gateway.certificates.CertificateService`` these adapters use."""

    @property
    def generation(self) -> int: ...

    async def system_roots_pem(self) -> str: ...

    async def signing_authority(self, code: str) -> CertificateAuthority: ...


class SystemRoots:
    """The system trust roots, parsed once per certificate generation."""

    def __init__(self, certificates: SystemRootSource) -> None:
        self._certificates = certificates
        self._generation: int | None = None
        self._roots: list[x509.Certificate] = []

    async def current(self) -> list[x509.Certificate]:
        generation = self._certificates.generation
        if generation != self._generation:
            pem = await self._certificates.system_roots_pem()
            self._roots = load_certificates(pem) if pem.strip() else []
            self._generation = generation
        return self._roots


class SystemRootTrust:
    """Profile-3 admission: the client certificate chains to a current system root."""

    def __init__(self, roots: SystemRoots, now: Callable[[], datetime] = _utc_now) -> None:
        self._roots = roots
        self._now = now  # the wall clock, like the TLS handshake that already checked it

    async def chain_problem(self, certificate_der: bytes) -> str | None:
        roots = await self._roots.current()
        if not roots:
            return "no system trust roots"
        try:
            leaf = x509.load_der_x509_certificate(certificate_der)
            verify_chain(leaf, [], roots, self._now())
        except ValueError:
            return "client certificate cannot be parsed"
        except ChainError as exc:
            return str(exc)
        return None


class ChargerCsrSigner:
    """Signs chargers' CSRs with the configured charging-station root."""

    def __init__(self, certificates: SystemRootSource, roots: SystemRoots, root_code: str,
                 validity_days: int, now: Callable[[], datetime] = _utc_now) -> None:
        self._certificates = certificates
        self._roots = roots
        self._root_code = root_code
        self._validity_days = validity_days
        self._now = now

    async def unavailable(self) -> str | None:
        try:
            authority = await self._certificates.signing_authority(self._root_code)
        except (LookupError, PkiError) as exc:
            log.warning("charging_station_root_unusable", root=self._root_code,
                        error=type(exc).__name__, detail=str(exc)[:200])
            return f"charging-station root {self._root_code!r} cannot sign: {exc}"
        if (authority.certificate.not_valid_after_utc - self._now()).days < 1:
            log.warning("charging_station_root_unusable", root=self._root_code,
                        error="expires within a day")
            return f"charging-station root {self._root_code!r} expires too soon"
        return None

    async def sign(self, station: str, csr_pem: str, certificate_type: str) -> str:
        bound = log.bind(identity=station, root=self._root_code,
                         certificate_type=certificate_type)
        if certificate_type != CHARGING_STATION_CERTIFICATE:
            bound.warning("station_csr_refused", reason="unsupported certificate type")
            raise PolicyViolation(f"{certificate_type} certificates are not signed here")
        csr = load_csr(csr_pem)  # parses and checks the self-signature
        names = [str(a.value) for a in csr.subject.get_attributes_for_oid(
            x509.oid.NameOID.COMMON_NAME)]
        if names != [station]:
            bound.warning("station_csr_refused", reason="CN is not the connection identifier",
                          common_names=names)
            raise PolicyViolation("the CSR commonName must be the charging station identity")
        authority = await self._certificates.signing_authority(self._root_code)
        now = self._now()
        remaining = (authority.certificate.not_valid_after_utc - now).days
        days = min(self._validity_days, remaining)
        if days < 1:
            raise PolicyViolation(f"charging-station root {self._root_code!r} expires too soon")
        policy = SigningPolicy(max_validity_days=self._validity_days, profile=Profile.CLIENT)
        certificate = await sign_csr_async(authority, csr, policy, days, now)
        chain = [certificate, *await self._issuers(authority.certificate)]
        bound.info("station_csr_signed", fingerprint_sha256=fingerprint_sha256(certificate),
                   days=days, chain_length=len(chain))
        return certificates_to_pem(chain)

    async def _issuers(self, issuer: x509.Certificate) -> list[x509.Certificate]:
        """The issuing CA and, found among the system roots, its issuers up to the root."""
        roots = await self._roots.current()
        path = [issuer]
        while len(path) < MAX_CHAIN_DEPTH and path[-1].issuer != path[-1].subject:
            parent = next((r for r in roots if r not in path and _issued(path[-1], r)), None)
            if parent is None:
                break
            path.append(parent)
        return path


def _issued(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def charger_certificates(certificates: SystemRootSource, root_code: str | None,
                         validity_days: int) -> tuple[StationCertificates, SystemRootTrust]:
    """The SignCertificate service (signing only when ``root_code`` is configured) and the
    profile-3 trust, sharing one cache of the parsed system roots."""
    roots = SystemRoots(certificates)
    signer = (ChargerCsrSigner(certificates, roots, root_code, validity_days)
              if root_code else None)
    if signer is None:
        log.info("station_csr_signing_disabled", hint="set EVGW_CHARGING_STATION_ROOT")
    return StationCertificates(signer), SystemRootTrust(roots)
