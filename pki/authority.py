"""Certificate authorities and CSR signing.

Theory of operation (CSR → certificate)
---------------------------------------
1. The requester (a roaming partner, a charger via OCPP SignCertificate, or our own operator)
   generates a key pair and a CSR (:mod:`pki.csr`) and hands over only the CSR.
2. :func:`sign_csr` loads nothing itself: it receives a parsed CSR and re-checks its
   self-signature (proof of possession), then the key strength (RSA ≥ 2048, EC ≥ P-256) and the
   key type against the :class:`SigningPolicy`.
3. The chosen :class:`CertificateAuthority` must hold its private key, be a CA and be valid at
   ``now``; the requested validity must fit both the policy's maximum and the CA's own
   ``not_after`` (a certificate outliving its issuer would fail verification later).
4. The certificate copies the CSR subject and (unless overridden) its SANs, gets a random
   serial, basicConstraints CA:FALSE, key usage and extended key usage for the policy profile
   (clientAuth for mTLS access certificates, serverAuth for listeners), and SKI/AKI so
   verifiers can build the path.  It is signed with SHA-256 (SHA-384 for P-384 CA keys).
5. The caller stores/returns it (Base64 DER per the manual).  Signing is CPU work:
   :func:`sign_csr_async` runs it in a worker thread so the event loop never blocks.
Every refusal is a :class:`~pki.errors.PkiError` subclass with a message fit for the admin API.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki.certificates import (
    certificate_public_key,
    check_valid_at,
    is_ca,
    load_certificate,
)
from pki.csr import SubjectAltNames, SubjectFields, sans_of
from pki.errors import InvalidCsr, KeyMismatch, NotACertificateAuthority, PolicyViolation
from pki.keys import (
    KeyAlgorithm,
    PrivateKey,
    PublicKey,
    check_key_strength,
    generate_private_key,
    key_type_and_size,
    load_private_key,
    public_keys_equal,
)

CLOCK_SKEW = timedelta(minutes=5)


class Profile(enum.Enum):
    """What an issued certificate may be used for."""

    CLIENT = "client"
    SERVER = "server"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class SigningPolicy:
    """Limits and shape of certificates issued from CSRs.

    ``sans``: when given, replaces the CSR's SANs; otherwise they are copied when
    ``copy_sans`` is true.
    """

    max_validity_days: int = 825
    allowed_keys: frozenset[KeyAlgorithm] = field(default_factory=lambda: frozenset(KeyAlgorithm))
    profile: Profile = Profile.CLIENT
    copy_sans: bool = True
    sans: SubjectAltNames | None = None


@dataclass(frozen=True, slots=True)
class CertificateAuthority:
    """A CA certificate, with its private key when we can sign with it (a trust root without
    key is only used to verify)."""

    certificate: x509.Certificate
    private_key: PrivateKey | None = field(default=None, repr=False)

    @property
    def can_sign(self) -> bool:
        """True when the private key is present."""
        return self.private_key is not None


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _aki_from(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(certificate_public_key(issuer))
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _ca_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: PublicKey,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def create_root_ca(
    subject: SubjectFields,
    validity_days: int = 3650,
    path_length: int | None = 1,
    key: PrivateKey | None = None,
    now: datetime | None = None,
) -> CertificateAuthority:
    """Create a self-signed root CA (a new EC P-384 key unless ``key`` is given)."""
    now = now or datetime.now(UTC)
    key = key or generate_private_key(KeyAlgorithm.EC_P384)
    check_key_strength(key)
    if validity_days <= 0:
        raise PolicyViolation("validity must be at least one day")
    name = subject.to_name()
    builder = _ca_builder(
        name,
        name,
        key.public_key(),
        now - CLOCK_SKEW,
        now + timedelta(days=validity_days),
        path_length,
    )
    cert = builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
    ).sign(key, _hash_for(key))
    return CertificateAuthority(cert, key)


def create_intermediate_ca(
    parent: CertificateAuthority,
    subject: SubjectFields,
    validity_days: int = 1825,
    path_length: int | None = 0,
    key: PrivateKey | None = None,
    now: datetime | None = None,
) -> CertificateAuthority:
    """Create an intermediate CA signed by ``parent`` (validity capped by policy checks)."""
    now = now or datetime.now(UTC)
    signer = _signing_key(parent, now)
    key = key or generate_private_key(KeyAlgorithm.EC_P384)
    check_key_strength(key)
    not_before, not_after = _validity(parent, validity_days, None, now)
    parent_len = parent.certificate.extensions.get_extension_for_class(
        x509.BasicConstraints
    ).value.path_length
    if parent_len is not None and parent_len < 1:
        raise PolicyViolation("the parent CA's path length does not allow an intermediate")
    if parent_len is not None and (path_length is None or path_length >= parent_len):
        raise PolicyViolation(f"intermediate path length must be below the parent's ({parent_len})")
    cert = (
        _ca_builder(
            subject.to_name(),
            parent.certificate.subject,
            key.public_key(),
            not_before,
            not_after,
            path_length,
        )
        .add_extension(_aki_from(parent.certificate), critical=False)
        .sign(signer, _hash_for(signer))
    )
    return CertificateAuthority(cert, key)


def import_ca(
    certificate: str | bytes,
    private_key: str | bytes,
    passphrase: str | bytes | None = None,
) -> CertificateAuthority:
    """Import a CA certificate with its key: the certificate must be a CA, the key its own."""
    cert = load_certificate(certificate)
    key = load_private_key(private_key, passphrase)
    if not is_ca(cert):
        raise NotACertificateAuthority(
            f"{cert.subject.rfc4514_string()!r} is not a CA certificate (basicConstraints)"
        )
    if not public_keys_equal(key, certificate_public_key(cert)):
        raise KeyMismatch("the private key does not belong to the CA certificate")
    check_key_strength(key)
    return CertificateAuthority(cert, key)


def import_trusted_root(certificate: str | bytes) -> CertificateAuthority:
    """Import a public CA certificate without a key (trusted for verification only)."""
    cert = load_certificate(certificate)
    if not is_ca(cert):
        raise NotACertificateAuthority(
            f"{cert.subject.rfc4514_string()!r} is not a CA certificate (basicConstraints)"
        )
    check_key_strength(certificate_public_key(cert))
    return CertificateAuthority(cert, None)


def _signing_key(ca: CertificateAuthority, now: datetime) -> PrivateKey:
    if not is_ca(ca.certificate):
        raise NotACertificateAuthority(
            f"{ca.certificate.subject.rfc4514_string()!r} is not a CA certificate"
        )
    if ca.private_key is None:
        raise NotACertificateAuthority(
            f"CA {ca.certificate.subject.rfc4514_string()!r} has no private key; it cannot sign"
        )
    check_valid_at(ca.certificate, now, role="CA")
    return ca.private_key


def _validity(
    ca: CertificateAuthority, validity_days: int, max_days: int | None, now: datetime
) -> tuple[datetime, datetime]:
    if validity_days <= 0:
        raise PolicyViolation("validity must be at least one day")
    if max_days is not None and validity_days > max_days:
        raise PolicyViolation(
            f"requested validity of {validity_days} days exceeds the policy maximum of "
            f"{max_days} days"
        )
    not_after = now + timedelta(days=validity_days)
    ca_end = ca.certificate.not_valid_after_utc
    if not_after > ca_end:
        raise PolicyViolation(
            f"requested validity ends {not_after.isoformat()}, after the CA's own end "
            f"{ca_end.isoformat()}"
        )
    return max(now - CLOCK_SKEW, ca.certificate.not_valid_before_utc), not_after


def _key_usage(key: PublicKey) -> x509.KeyUsage:
    rsa_key = isinstance(key, rsa.RSAPublicKey)
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=rsa_key,
        data_encipherment=False,
        key_agreement=not rsa_key,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


_EKU = {
    Profile.CLIENT: [ExtendedKeyUsageOID.CLIENT_AUTH],
    Profile.SERVER: [ExtendedKeyUsageOID.SERVER_AUTH],
    Profile.BOTH: [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
}


def _allowed(key: PublicKey, allowed: Collection[KeyAlgorithm]) -> None:
    kind, size = key_type_and_size(key)
    if not any(a.kind == kind and a.size == size for a in allowed):
        names = ", ".join(sorted(a.name for a in allowed)) or "none"
        raise PolicyViolation(f"{kind.upper()} {size}-bit keys are not allowed (allowed: {names})")


def sign_csr(
    ca: CertificateAuthority,
    csr: x509.CertificateSigningRequest,
    policy: SigningPolicy,
    validity_days: int,
    now: datetime | None = None,
) -> x509.Certificate:
    """Issue an end-entity certificate for ``csr`` from ``ca`` under ``policy``.

    Raises :class:`InvalidCsr`, :class:`WeakKey`, :class:`PolicyViolation`,
    :class:`NotACertificateAuthority` or :class:`ExpiredCertificate` (see the module comment).
    """
    now = now or datetime.now(UTC)
    if not csr.is_signature_valid:
        raise InvalidCsr("CSR signature does not verify")
    signer = _signing_key(ca, now)
    public = csr.public_key()
    if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise PolicyViolation(f"unsupported key type {type(public).__name__} (RSA or EC only)")
    check_key_strength(public)
    _allowed(public, policy.allowed_keys)
    not_before, not_after = _validity(ca, validity_days, policy.max_validity_days, now)
    sans = (
        policy.sans
        if policy.sans is not None
        else (sans_of(csr) if policy.copy_sans else SubjectAltNames())
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(public), critical=True)
        .add_extension(x509.ExtendedKeyUsage(_EKU[policy.profile]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(_aki_from(ca.certificate), critical=False)
    )
    if sans:
        builder = builder.add_extension(sans.to_extension(), critical=False)
    return builder.sign(signer, _hash_for(signer))


async def sign_csr_async(
    ca: CertificateAuthority,
    csr: x509.CertificateSigningRequest,
    policy: SigningPolicy,
    validity_days: int,
    now: datetime | None = None,
) -> x509.Certificate:
    """:func:`sign_csr` in a worker thread, so an event loop is never blocked by signing."""
    return await asyncio.to_thread(sign_csr, ca, csr, policy, validity_days, now)
