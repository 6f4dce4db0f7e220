"""Certificate signing requests: subject and SAN description, building, encoding, loading.

A CSR is only trusted after :func:`load_csr` has checked its self-signature, which proves the
requester holds the private key of the public key it asks to be certified.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from pki._encoding import decode_material, to_base64
from pki.errors import InvalidCsr
from pki.keys import (
    KeyAlgorithm,
    PrivateKey,
    generate_private_key,
    private_key_to_base64,
    public_key_to_base64,
)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class SubjectFields:
    """Distinguished-name fields of a subject; empty fields are left out of the name."""

    common_name: str
    organization: str | None = None
    organizational_unit: str | None = None
    country: str | None = None
    locality: str | None = None
    state: str | None = None
    email: str | None = None

    def to_name(self) -> x509.Name:
        """The X.509 name (C, ST, L, O, OU, CN, emailAddress order). Raises :class:`InvalidCsr`."""
        pairs = [
            (NameOID.COUNTRY_NAME, self.country),
            (NameOID.STATE_OR_PROVINCE_NAME, self.state),
            (NameOID.LOCALITY_NAME, self.locality),
            (NameOID.ORGANIZATION_NAME, self.organization),
            (NameOID.ORGANIZATIONAL_UNIT_NAME, self.organizational_unit),
            (NameOID.COMMON_NAME, self.common_name),
            (NameOID.EMAIL_ADDRESS, self.email),
        ]
        if not self.common_name:
            raise InvalidCsr("subject common name is required")
        try:
            return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs if value])
        except ValueError as exc:
            raise InvalidCsr(f"invalid subject: {exc}") from None


@dataclass(frozen=True, slots=True)
class SubjectAltNames:
    """Subject alternative names: DNS names, IP addresses and URIs."""

    dns: tuple[str, ...] = ()
    ip: tuple[IpAddress, ...] = ()
    uri: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.dns or self.ip or self.uri)

    def to_extension(self) -> x509.SubjectAlternativeName:
        """The SAN extension value."""
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in self.dns]
        names += [x509.IPAddress(a) for a in self.ip]
        names += [x509.UniformResourceIdentifier(u) for u in self.uri]
        return x509.SubjectAlternativeName(names)

    @classmethod
    def from_extension(cls, ext: x509.SubjectAlternativeName) -> SubjectAltNames:
        """The DNS/IP/URI entries of a SAN extension (other name types are ignored)."""
        ips = tuple(
            a
            for a in ext.get_values_for_type(x509.IPAddress)
            if isinstance(a, ipaddress.IPv4Address | ipaddress.IPv6Address)
        )
        return cls(
            dns=tuple(ext.get_values_for_type(x509.DNSName)),
            ip=ips,
            uri=tuple(ext.get_values_for_type(x509.UniformResourceIdentifier)),
        )


def sans_of(obj: x509.Certificate | x509.CertificateSigningRequest) -> SubjectAltNames:
    """The SANs of a certificate or CSR (empty when it has none)."""
    try:
        ext = obj.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return SubjectAltNames()
    return SubjectAltNames.from_extension(ext.value)


def build_csr(
    key: PrivateKey, subject: SubjectFields, sans: SubjectAltNames | None = None
) -> x509.CertificateSigningRequest:
    """Build a CSR for ``key`` (SHA-256 signature) with the subject and optional SANs."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject.to_name())
    if sans:
        builder = builder.add_extension(sans.to_extension(), critical=False)
    try:
        return builder.sign(key, hashes.SHA256())
    except ValueError as exc:
        raise InvalidCsr(f"cannot build CSR: {exc}") from None


def csr_to_pem(csr: x509.CertificateSigningRequest) -> str:
    """PEM text of the CSR."""
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def csr_to_base64(csr: x509.CertificateSigningRequest) -> str:
    """Plain Base64 of the CSR's DER."""
    return to_base64(csr.public_bytes(serialization.Encoding.DER))


def load_csr(data: str | bytes) -> x509.CertificateSigningRequest:
    """Load a CSR from PEM or plain Base64 / raw DER and verify its self-signature.

    Raises :class:`InvalidCsr` when it cannot be parsed or the signature does not verify.
    """
    material = decode_material(data, InvalidCsr, "CSR")
    try:
        if material.pem is not None:
            csr = x509.load_pem_x509_csr(material.pem)
        else:
            assert material.der is not None
            csr = x509.load_der_x509_csr(material.der)
        valid = csr.is_signature_valid
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidCsr(f"cannot load CSR: {str(exc)[:200]}") from None
    if not valid:
        raise InvalidCsr("CSR signature does not verify")
    return csr


@dataclass(frozen=True, slots=True)
class GeneratedRequest:
    """The manual's "Generate Keys and CSR" result, all plain Base64 of DER."""

    csr: str
    private_key: str
    public_key: str
    key: PrivateKey = field(repr=False)

    def __repr__(self) -> str:  # never show the private key
        return f"GeneratedRequest(csr={self.csr[:16]}…)"


def generate_key_and_csr(
    subject: SubjectFields,
    sans: SubjectAltNames | None = None,
    algorithm: KeyAlgorithm = KeyAlgorithm.RSA_2048,
) -> GeneratedRequest:
    """Generate a key pair and a CSR for it (CPU-bound: run in a thread from async code)."""
    key = generate_private_key(algorithm)
    csr = build_csr(key, subject, sans)
    return GeneratedRequest(
        csr=csr_to_base64(csr),
        private_key=private_key_to_base64(key),
        public_key=public_key_to_base64(key),
        key=key,
    )
