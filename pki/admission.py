"""Inbound admission of a roaming partner by the client certificate it presents.

The rule (one place, unit-tested):

1. The certificate must parse, be an end-entity certificate usable for client authentication
   and be within its validity period at ``now``.
2. When the platform has an access certificate assigned, only that exact certificate is
   admitted (compared by SHA-256 fingerprint): assigning it is the operator's statement of
   who the partner is, so another certificate from the same CA is refused.
3. Otherwise the certificate must chain (through the given intermediates) to one of the
   platform's trust anchors: the partner's remote root/intermediate certificates.
4. Anything else is refused; the reason is returned for the log.

TLS itself already verified the handshake against the listener's CA list; this decides which
platform a verified certificate may act for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from pki.certificates import is_ca, load_certificate, verify_chain
from pki.errors import ChainError, PkiError
from pki.material import allows_client_auth, check_validity, fingerprint_hex


@dataclass(frozen=True, slots=True)
class PlatformTrust:
    """What a platform's configuration says about inbound client certificates."""

    access_fingerprint: str | None = None  # hex SHA-256 of the assigned access certificate
    anchors: Sequence[x509.Certificate] = field(default_factory=tuple)
    intermediates: Sequence[x509.Certificate] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Admission:
    """The decision and why."""

    admitted: bool
    reason: str


def admission(peer_certificate_der: bytes, trust: PlatformTrust, now: datetime) -> Admission:
    """Decide whether the presented certificate admits the caller (see the module rule)."""
    try:
        peer = load_certificate(peer_certificate_der)
    except PkiError as exc:
        return Admission(False, f"unreadable client certificate: {exc}")
    if is_ca(peer):
        return Admission(False, "a CA certificate is not a client certificate")
    if not allows_client_auth(peer):
        return Admission(False, "the certificate is not usable for client authentication")
    try:
        check_validity(peer, now, "client certificate")
    except PkiError as exc:
        return Admission(False, str(exc))
    if trust.access_fingerprint is not None:
        if fingerprint_hex(peer) == trust.access_fingerprint.lower():
            return Admission(True, "the assigned access certificate")
        return Admission(False, "not the access certificate assigned to the platform")
    if not trust.anchors:
        return Admission(False, "no access certificate and no trusted root for the platform")
    try:
        path = verify_chain(peer, list(trust.intermediates), list(trust.anchors), now)
    except ChainError as exc:
        return Admission(False, str(exc))
    return Admission(True, f"chains to {path[-1].subject.rfc4514_string()!r}")
