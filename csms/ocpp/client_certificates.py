"""OCPP security profile 3: admitting a charger by its TLS client certificate.

Theory of operation. The TLS listener asks every client for a certificate (optional, so
profile-2 chargers without one still connect) and OpenSSL verifies a presented certificate
against the system trust roots loaded into the listener's context. That context only ever
grows (``load_verify_locations`` is additive), so a root deleted from the system would still
pass the handshake until a restart. Admission therefore checks again, at the application
level, for a station whose policy is ``wss-client-cert``:

1. a certificate was presented on a TLS connection;
2. its subject CommonName is exactly the station's connection identifier (a certificate
   issued to another charger cannot be replayed under this identity);
3. it chains, now, to one of the *current* system trust roots (the ``StationCertificateTrust``
   port, implemented by the gateway), so a removed root no longer admits anyone.

Each refusal reason is returned for the log; the charger only learns 401/403.
"""

from __future__ import annotations

import ssl
from typing import Any, Protocol

from cryptography import x509
from cryptography.x509.oid import NameOID


class StationCertificateTrust(Protocol):
    """Decides whether a charger's client certificate chains to a current system root."""

    async def chain_problem(self, certificate_der: bytes) -> str | None:
        """None when the certificate chains to a current system trust root and is within
        its validity; otherwise why not (for the log only)."""
        ...


def peer_certificate(transport: Any) -> bytes | None:
    """The DER of the client certificate OpenSSL verified on this connection, if any."""
    if transport is None:
        return None
    ssl_object = transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return der or None


def common_names(certificate: x509.Certificate) -> list[str]:
    """The subject's CommonName values (normally exactly one)."""
    return [str(attribute.value)
            for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


async def certificate_refusal(certificate_der: bytes | None, identity: str,
                              trust: StationCertificateTrust | None) -> str | None:
    """Why a profile-3 charger presenting ``certificate_der`` may not connect as
    ``identity`` (None: admitted). The reason goes to the log, never to the charger."""
    if certificate_der is None:
        return "no client certificate presented"
    if trust is None:
        return "no station certificate trust configured"
    try:
        certificate = x509.load_der_x509_certificate(certificate_der)
    except ValueError:
        return "client certificate cannot be parsed"
    names = common_names(certificate)
    if names != [identity]:
        return f"client certificate CN {names!r} is not the connection identifier"
    problem = await trust.chain_problem(certificate_der)
    if problem is not None:
        return f"client certificate not trusted: {problem}"
    return None
