"""Checks of certificate material an operator assigns: client certificates (with or without
their key) and CA certificates trusted for a partner.

Everything refused raises a :class:`~pki.errors.PkiError` subclass whose message says what is
wrong, so the admin API and the CLI can show it as is.  The order of the checks is the order
an operator would fix things: parseable, right kind (CA or not), in its validity period,
strong enough, usable for client authentication, key belongs to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki.certificates import certificate_public_key, is_ca
from pki.errors import (
    ExpiredCertificate,
    InvalidCertificate,
    InvalidKey,
    KeyMismatch,
    NotACertificateAuthority,
)
from pki.keys import PrivateKey, check_key_strength, public_keys_equal


class NotYetValid(ExpiredCertificate):
    """A certificate whose validity period has not started yet."""


class MissingPrivateKey(InvalidKey):
    """A certificate given without its key when no pending CSR holds the key either."""


def fingerprint_hex(cert: x509.Certificate) -> str:
    """SHA-256 fingerprint as 64 lower-case hex digits (how the database keeps it)."""
    return cert.fingerprint(hashes.SHA256()).hex()


def fingerprint_hex_of_der(der: bytes) -> str:
    """SHA-256 fingerprint of DER bytes (a peer certificate from a TLS handshake)."""
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()


def issuance_time(clock_now: datetime, wall_now: datetime) -> datetime:
    """The time certificates are issued at: the earlier of the gateway clock and the wall clock.

    Peers verify what we issue with their own wall clocks; a gateway clock running ahead
    (a skewed host, a test clock) must never yield certificates that are not yet valid.
    """
    return min(clock_now, wall_now)


def check_validity(cert: x509.Certificate, now: datetime, role: str = "certificate") -> None:
    """Raise :class:`ExpiredCertificate` or :class:`NotYetValid` outside the validity period."""
    subject = cert.subject.rfc4514_string()
    if now > cert.not_valid_after_utc:
        raise ExpiredCertificate(
            f"{role} {subject!r} expired at {cert.not_valid_after_utc.isoformat()}"
        )
    if now < cert.not_valid_before_utc:
        raise NotYetValid(
            f"{role} {subject!r} is not valid before {cert.not_valid_before_utc.isoformat()}"
        )


def allows_client_auth(cert: x509.Certificate) -> bool:
    """True unless an extended key usage is present without clientAuth (or anyEKU)."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return (
        ExtendedKeyUsageOID.CLIENT_AUTH in usages
        or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages
    )


def check_client_certificate(
    chain: Sequence[x509.Certificate],
    key: PrivateKey | None,
    now: datetime,
    role: str = "certificate",
) -> None:
    """Check a client certificate (``chain[0]``, issuers after it) and, when given, its key.

    Refuses a CA certificate, one outside its validity, a weak key, an extended key usage
    without clientAuth, and a key that is not the certificate's own.
    """
    if not chain:
        raise InvalidCertificate(f"no {role} given")
    leaf = chain[0]
    subject = leaf.subject.rfc4514_string()
    if is_ca(leaf):
        raise InvalidCertificate(f"{role} {subject!r} is a CA certificate, not a client "
                                 "certificate")
    check_validity(leaf, now, role)
    public = certificate_public_key(leaf)
    check_key_strength(public)
    if not allows_client_auth(leaf):
        raise InvalidCertificate(
            f"{role} {subject!r} is not usable for TLS client authentication "
            "(extended key usage without clientAuth)"
        )
    if key is not None and not public_keys_equal(key, public):
        raise KeyMismatch(f"the private key does not belong to the {role} {subject!r}")


def check_ca_certificates(certs: Sequence[x509.Certificate], now: datetime) -> None:
    """Check CA certificates a partner gives us to trust: each a CA, valid now, strong enough."""
    if not certs:
        raise InvalidCertificate("no CA certificate given")
    for cert in certs:
        subject = cert.subject.rfc4514_string()
        if not is_ca(cert):
            raise NotACertificateAuthority(
                f"{subject!r} is not a CA certificate (basicConstraints CA:TRUE missing)"
            )
        check_validity(cert, now, "CA certificate")
        check_key_strength(certificate_public_key(cert))
