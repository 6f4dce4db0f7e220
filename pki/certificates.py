"""Certificates: loading (PEM, Base64 DER, PEM chains), summaries, expiry, chain verification.

``verify_chain`` is a deliberately small path validator for the gateway's own trust decisions
(admin API checks, "does this partner certificate chain to the root we were given?"): it follows
issuer names, checks each signature, validity at ``now``, the CA flag and path length of every
issuer, and requires the path to end at one of the given roots.  TLS handshakes use OpenSSL's
full validation through the contexts in :mod:`pki.tls`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pki._encoding import decode_material, to_base64
from pki.csr import SubjectAltNames, sans_of
from pki.errors import ChainError, ExpiredCertificate, InvalidCertificate, InvalidKey
from pki.keys import PublicKey, key_type_and_size

MAX_CHAIN_DEPTH = 8
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def load_certificate(data: str | bytes) -> x509.Certificate:
    """Load one certificate from PEM or plain Base64 / raw DER (the first one of a PEM chain)."""
    return load_certificates(data)[0]


def load_certificates(data: str | bytes) -> list[x509.Certificate]:
    """Load every certificate of a PEM bundle, or the single certificate of Base64 / raw DER.

    Raises :class:`InvalidCertificate` for anything else (including a PEM text without a
    certificate block).
    """
    material = decode_material(data, InvalidCertificate, "certificate")
    try:
        if material.pem is not None:
            blocks = _PEM_CERT.findall(material.pem)
            if not blocks:
                raise InvalidCertificate("no PEM CERTIFICATE block found")
            return [x509.load_pem_x509_certificate(block) for block in blocks]
        assert material.der is not None
        return [x509.load_der_x509_certificate(material.der)]
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidCertificate(f"cannot load certificate: {str(exc)[:200]}") from None


def certificate_to_pem(cert: x509.Certificate) -> str:
    """PEM text of the certificate."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificates_to_pem(certs: Iterable[x509.Certificate]) -> str:
    """A PEM bundle of several certificates (leaf first, as TLS expects)."""
    return "".join(certificate_to_pem(c) for c in certs)


def certificate_to_base64(cert: x509.Certificate) -> str:
    """Plain Base64 of the certificate's DER (the manual's output form)."""
    return to_base64(cert.public_bytes(serialization.Encoding.DER))


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint, upper-case hex pairs separated by colons (as ``openssl`` prints)."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def is_ca(cert: x509.Certificate) -> bool:
    """True when the certificate has basicConstraints CA:TRUE."""
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def path_length(cert: x509.Certificate) -> int | None:
    """The basicConstraints pathLenConstraint (None: unlimited or not a CA)."""
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length
    except x509.ExtensionNotFound:
        return None


def certificate_public_key(cert: x509.Certificate) -> PublicKey:
    """The certificate's public key; :class:`InvalidCertificate` unless RSA or EC."""
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidCertificate(f"unusable public key: {exc}") from None
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key
    raise InvalidCertificate(f"unsupported key type {type(key).__name__} (RSA or EC only)")


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What the admin API lists about a certificate."""

    subject: str
    issuer: str
    serial_hex: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    is_ca: bool
    key_type: str
    key_size: int
    sans: SubjectAltNames


def certificate_info(cert: x509.Certificate) -> CertificateInfo:
    """Summarise a certificate (times are timezone-aware UTC)."""
    try:
        key_type, key_size = key_type_and_size(certificate_public_key(cert))
    except (InvalidCertificate, InvalidKey):
        key_type, key_size = "unknown", 0
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_hex=format(cert.serial_number, "x"),
        fingerprint_sha256=fingerprint_sha256(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        is_ca=is_ca(cert),
        key_type=key_type,
        key_size=key_size,
        sans=sans_of(cert),
    )


def expires_within(cert: x509.Certificate, days: float, now: datetime) -> bool:
    """True when the certificate is expired at ``now`` or expires within ``days`` days."""
    return cert.not_valid_after_utc <= now + timedelta(days=days)


def check_valid_at(cert: x509.Certificate, now: datetime, role: str = "certificate") -> None:
    """Raise :class:`ExpiredCertificate` unless ``not_before <= now <= not_after``."""
    subject = cert.subject.rfc4514_string()
    if now > cert.not_valid_after_utc:
        raise ExpiredCertificate(
            f"{role} {subject!r} expired at {cert.not_valid_after_utc.isoformat()}"
        )
    if now < cert.not_valid_before_utc:
        raise ExpiredCertificate(
            f"{role} {subject!r} is not valid before {cert.not_valid_before_utc.isoformat()}"
        )


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def verify_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    roots: Sequence[x509.Certificate],
    now: datetime,
) -> list[x509.Certificate]:
    """Verify that ``leaf`` chains through ``intermediates`` to one of ``roots`` at ``now``.

    Returns the path, leaf first and root last.  Raises :class:`ChainError` (with the reason)
    when no path exists, a certificate on it is outside its validity, an issuer is not a CA or
    its path length is exceeded.
    """
    if not roots:
        raise ChainError("no trusted roots given")
    root_prints = {fingerprint_sha256(r) for r in roots}
    path = [leaf]
    current = leaf
    for _ in range(MAX_CHAIN_DEPTH):
        try:
            check_valid_at(current, now)
        except ExpiredCertificate as exc:
            raise ChainError(str(exc)) from None
        if fingerprint_sha256(current) in root_prints:
            return path
        issuer = next((r for r in roots if _issued_by(current, r)), None)
        if issuer is None:
            issuer = next(
                (i for i in intermediates if i not in path and _issued_by(current, i)), None
            )
        if issuer is None:
            raise ChainError(
                f"no trusted issuer found for {current.subject.rfc4514_string()!r} "
                f"(issuer {current.issuer.rfc4514_string()!r})"
            )
        if not is_ca(issuer):
            raise ChainError(f"issuer {issuer.subject.rfc4514_string()!r} is not a CA")
        limit = path_length(issuer)
        cas_below = sum(1 for c in path[1:] if is_ca(c))
        if limit is not None and cas_below > limit:
            raise ChainError(
                f"path length of {issuer.subject.rfc4514_string()!r} ({limit}) exceeded"
            )
        path.append(issuer)
        current = issuer
    raise ChainError(f"chain longer than {MAX_CHAIN_DEPTH} certificates")
