"""Charging-station certificates from SignCertificate: review the CSR, sign it, deliver it.

Theory of operation (OCPP 2.0.1 A02/A03, 1.6 Security Whitepaper "SignCertificate"):

1. The charger sends its CSR (PEM) in SignCertificate. :meth:`StationCertificates.review`
   answers at once, inside the OCPP reader: Accepted only when a signer is configured and
   the CSR parses, its self-signature verifies (proof of possession), its key is strong
   enough and its subject CommonName is the station's connection identifier (profile 3
   admits a certificate only for its own identity). Otherwise Rejected with a reasonCode.
2. After the answer is on the wire, the handler starts :meth:`StationCertificates.issue` as
   a background task: the :class:`CsrSigner` port (the gateway signs with the configured
   charging-station root, off the event loop) returns the PEM chain, leaf first, and the
   version's handler sends it in CertificateSigned through ``send``.
3. Every step is logged (``station_csr_received``, ``station_csr_rejected``,
   ``station_certificate_signed``, ``certificate_signed_answered``, failures); the CSR and
   certificates are public, keys never pass through here.

Version-neutral: the 1.6 and 2.0.1 handlers only decode and encode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import structlog
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from pki.certificates import certificate_info, load_certificates
from pki.csr import load_csr
from pki.errors import PkiError
from pki.keys import check_key_strength

log = structlog.get_logger("evgw.ocpp.certificates")

CHARGING_STATION_CERTIFICATE = "ChargingStationCertificate"
V2G_CERTIFICATE = "V2GCertificate"

# reasonCodes (CiString 20) of the Rejected answer.
NOT_CONFIGURED = "NotConfigured"
INVALID_CSR = "InvalidCSR"
UNSUPPORTED_TYPE = "UnsupportedCertType"


class CsrSigner(Protocol):
    """Signs a charger's CSR; returns the certificate chain as PEM, leaf first."""

    async def sign(self, station: str, csr_pem: str, certificate_type: str) -> str:
        """``station`` is the connection identifier. Raises when it will not sign."""
        ...

    async def unavailable(self) -> str | None:
        """Why it cannot sign at all right now (its root is missing, has no key or has
        expired), or None. Asked before answering, so a charger is never told Accepted
        for a certificate that cannot come."""
        ...


@dataclass(frozen=True)
class CsrVerdict:
    """The SignCertificate answer: Accepted, or Rejected with a reasonCode and a short
    explanation for the charger's log."""

    accepted: bool
    reason_code: str | None = None
    additional_info: str | None = None

    @property
    def status(self) -> str:
        return "Accepted" if self.accepted else "Rejected"


def _subject_common_names(csr: x509.CertificateSigningRequest) -> list[str]:
    return [str(a.value) for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


class StationCertificates:
    """Reviews and fulfils SignCertificate requests (see the module comment)."""

    def __init__(self, signer: CsrSigner | None) -> None:
        self._signer = signer

    @property
    def enabled(self) -> bool:
        return self._signer is not None

    async def review(self, station_code: str, identity: str, csr_pem: str,
                     certificate_type: str | None) -> CsrVerdict:
        """The immediate answer to SignCertificate (cheap: parse, one signature check and
        one look at the signing root)."""
        bound = log.bind(station_id=station_code, identity=identity,
                         certificate_type=certificate_type)
        bound.info("station_csr_received", csr_chars=len(csr_pem))
        verdict = self._verdict(identity, csr_pem, certificate_type)
        if verdict.accepted and self._signer is not None:
            why_not = await self._signer.unavailable()
            if why_not is not None:
                verdict = CsrVerdict(False, NOT_CONFIGURED, why_not[:200])
        if verdict.accepted:
            bound.info("station_csr_accepted")
        else:
            bound.warning("station_csr_rejected", reason_code=verdict.reason_code,
                          detail=verdict.additional_info)
        return verdict

    def _verdict(self, identity: str, csr_pem: str, certificate_type: str | None
                 ) -> CsrVerdict:
        if self._signer is None:
            return CsrVerdict(False, NOT_CONFIGURED,
                              "this central system does not sign charging station "
                              "certificates")
        if certificate_type == V2G_CERTIFICATE:
            return CsrVerdict(False, UNSUPPORTED_TYPE,
                              "V2G (ISO 15118) certificates are not signed here")
        try:
            csr = load_csr(csr_pem)
            key = csr.public_key()
            if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
                return CsrVerdict(False, INVALID_CSR, "only RSA and EC keys are accepted")
            check_key_strength(key)
        except (PkiError, ValueError, UnsupportedAlgorithm) as exc:
            return CsrVerdict(False, INVALID_CSR, str(exc)[:200])
        names = _subject_common_names(csr)
        if names != [identity]:
            return CsrVerdict(False, INVALID_CSR,
                              "the CSR subject commonName must be the charging station's "
                              "identity")
        return CsrVerdict(True)

    async def issue(self, station_code: str, identity: str, csr_pem: str,
                    certificate_type: str | None,
                    send: Callable[[str], Awaitable[str]]) -> bool:
        """Signs an accepted CSR and sends the chain with ``send`` (CertificateSigned,
        returning the charger's status). True when the charger accepted it. Never raises:
        runs as a background task, so every failure is logged here."""
        bound = log.bind(station_id=station_code, identity=identity,
                         certificate_type=certificate_type)
        if self._signer is None:
            return False
        try:
            chain = await self._signer.sign(identity, csr_pem,
                                            certificate_type or CHARGING_STATION_CERTIFICATE)
            info = certificate_info(load_certificates(chain)[0])
        except Exception as exc:  # a background task: report, never propagate
            bound.error("station_certificate_failed", error=type(exc).__name__,
                        detail=str(exc)[:300] if isinstance(exc, PkiError | LookupError)
                        else None)
            return False
        bound.info("station_certificate_signed", subject=info.subject, issuer=info.issuer,
                   serial=info.serial_hex, fingerprint_sha256=info.fingerprint_sha256,
                   not_after=info.not_after.isoformat())
        try:
            status = await send(chain)
        except Exception as exc:  # timeout, CALLERROR, closed socket
            bound.warning("certificate_signed_failed", error=type(exc).__name__,
                          detail=str(exc)[:300])
            return False
        bound.info("certificate_signed_answered", status=status,
                   fingerprint_sha256=info.fingerprint_sha256)
        return status == "Accepted"
