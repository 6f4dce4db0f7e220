"""Root/intermediate creation, CA import and CSR signing under a policy, checked by openssl."""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki.authority import (
    CertificateAuthority,
    Profile,
    SigningPolicy,
    create_intermediate_ca,
    create_root_ca,
    import_ca,
    import_trusted_root,
    sign_csr,
    sign_csr_async,
)
from pki.certificates import certificate_to_pem, is_ca, path_length, verify_chain
from pki.csr import SubjectAltNames, SubjectFields, build_csr, csr_to_base64, load_csr, sans_of
from pki.errors import (
    ExpiredCertificate,
    InvalidCsr,
    KeyMismatch,
    NotACertificateAuthority,
    PolicyViolation,
    WeakKey,
)
from pki.keys import (
    KeyAlgorithm,
    generate_private_key,
    private_key_to_base64,
    private_key_to_pem,
    public_keys_equal,
)

from .conftest import NOW, openssl_args, openssl_verify

SANS = SubjectAltNames(dns=("partner.example.com",), ip=(ipaddress.ip_address("127.0.0.1"),))


def _csr(algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256) -> x509.CertificateSigningRequest:
    key = generate_private_key(algorithm)
    return load_csr(csr_to_base64(build_csr(key, SubjectFields("DE*HBS", "Hub"), SANS)))


def _eku(cert: x509.Certificate) -> set[x509.ObjectIdentifier]:
    return set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_root_and_intermediate(
    root: CertificateAuthority, intermediate: CertificateAuthority
) -> None:
    assert is_ca(root.certificate) and root.certificate.issuer == root.certificate.subject
    assert path_length(root.certificate) == 1
    assert is_ca(intermediate.certificate)
    assert intermediate.certificate.issuer == root.certificate.subject
    assert path_length(intermediate.certificate) == 0
    intermediate.certificate.verify_directly_issued_by(root.certificate)
    assert intermediate.certificate.not_valid_after_utc <= root.certificate.not_valid_after_utc


def test_root_path_length_zero_forbids_intermediate() -> None:
    root = create_root_ca(SubjectFields("leaf-only root"), path_length=0)
    with pytest.raises(PolicyViolation, match="path length"):
        create_intermediate_ca(root, SubjectFields("sub"))


def test_intermediate_cannot_outlive_root(root: CertificateAuthority) -> None:
    with pytest.raises(PolicyViolation, match="CA's own end"):
        create_intermediate_ca(root, SubjectFields("sub"), validity_days=5000)


@pytest.mark.parametrize("profile", list(Profile))
def test_sign_by_root_sets_usage_sans_validity(
    root: CertificateAuthority, profile: Profile, tmp_path: Path
) -> None:
    csr = _csr()
    cert = sign_csr(root, csr, SigningPolicy(profile=profile), validity_days=365)
    assert cert.subject == csr.subject
    assert cert.issuer == root.certificate.subject
    assert public_keys_equal(cert.public_key(), csr.public_key())  # type: ignore[arg-type]
    assert sans_of(cert) == SANS
    assert not is_ca(cert)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=365) <= lifetime <= timedelta(days=365, minutes=6)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_cert_sign
    expected = {
        Profile.CLIENT: {ExtendedKeyUsageOID.CLIENT_AUTH},
        Profile.SERVER: {ExtendedKeyUsageOID.SERVER_AUTH},
        Profile.BOTH: {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH},
    }[profile]
    assert _eku(cert) == expected
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = root.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert aki.key_identifier == root_ski.value.digest and ski.digest != aki.key_identifier
    purpose = "sslclient" if profile is not Profile.SERVER else "sslserver"
    result = openssl_verify(tmp_path, cert, [root.certificate], purpose=purpose)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ": OK" in result.stdout
    wrong = "sslserver" if profile is Profile.CLIENT else "sslclient"
    if profile is not Profile.BOTH:  # openssl enforces the EKU we set
        assert openssl_verify(tmp_path, cert, [root.certificate], purpose=wrong).returncode != 0


def test_rsa_csr_gets_key_encipherment(root: CertificateAuthority) -> None:
    cert = sign_csr(root, _csr(KeyAlgorithm.RSA_2048), SigningPolicy(), validity_days=30)
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_encipherment


async def test_sign_by_intermediate_verifies_with_openssl(
    root: CertificateAuthority, intermediate: CertificateAuthority, tmp_path: Path
) -> None:
    cert = await sign_csr_async(intermediate, _csr(), SigningPolicy(), validity_days=365)
    assert cert.issuer == intermediate.certificate.subject
    args = openssl_args(
        tmp_path, cert, [root.certificate], [intermediate.certificate], purpose="sslclient"
    )
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, (out + err).decode()
    # Without the intermediate openssl cannot build the path.
    args = openssl_args(tmp_path, cert, [root.certificate], purpose="sslclient")
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    await proc.communicate()
    assert proc.returncode != 0
    assert verify_chain(cert, [intermediate.certificate], [root.certificate], datetime.now(UTC))


def test_policy_sans_override_and_drop(root: CertificateAuthority) -> None:
    override = SubjectAltNames(dns=("override.example.com",))
    cert = sign_csr(root, _csr(), SigningPolicy(sans=override), validity_days=10)
    assert sans_of(cert) == override
    cert = sign_csr(root, _csr(), SigningPolicy(copy_sans=False), validity_days=10)
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_serials_are_random(root: CertificateAuthority) -> None:
    csr = _csr()
    serials = {sign_csr(root, csr, SigningPolicy(), 10).serial_number for _ in range(5)}
    assert len(serials) == 5 and all(s.bit_length() > 64 for s in serials)


def test_validity_beyond_policy(root: CertificateAuthority) -> None:
    with pytest.raises(PolicyViolation, match="exceeds the policy maximum of 90 days"):
        sign_csr(root, _csr(), SigningPolicy(max_validity_days=90), validity_days=91)
    sign_csr(root, _csr(), SigningPolicy(max_validity_days=90), validity_days=90)


def test_validity_beyond_ca(root: CertificateAuthority) -> None:
    short = create_intermediate_ca(root, SubjectFields("short"), validity_days=30)
    with pytest.raises(PolicyViolation, match="after the CA's own end"):
        sign_csr(short, _csr(), SigningPolicy(), validity_days=31)


def test_zero_validity(root: CertificateAuthority) -> None:
    with pytest.raises(PolicyViolation, match="at least one day"):
        sign_csr(root, _csr(), SigningPolicy(), validity_days=0)


def test_key_type_not_allowed(root: CertificateAuthority) -> None:
    policy = SigningPolicy(allowed_keys=frozenset({KeyAlgorithm.RSA_2048}))
    with pytest.raises(PolicyViolation, match="EC 256-bit keys are not allowed"):
        sign_csr(root, _csr(KeyAlgorithm.EC_P256), policy, validity_days=10)


def test_weak_csr_key(root: CertificateAuthority) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    csr = build_csr(weak, SubjectFields("weak"))
    with pytest.raises(WeakKey):
        sign_csr(root, csr, SigningPolicy(), validity_days=10)


def test_expired_ca(root: CertificateAuthority) -> None:
    later = root.certificate.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(ExpiredCertificate, match=r"CA .* expired"):
        sign_csr(root, _csr(), SigningPolicy(), validity_days=1, now=later)
    old = create_root_ca(SubjectFields("old"), validity_days=1, now=NOW - timedelta(days=10))
    with pytest.raises(ExpiredCertificate):
        sign_csr(old, _csr(), SigningPolicy(), validity_days=1)


def test_ca_without_key(root: CertificateAuthority) -> None:
    public_only = import_trusted_root(certificate_to_pem(root.certificate))
    assert not public_only.can_sign
    with pytest.raises(NotACertificateAuthority, match="no private key"):
        sign_csr(public_only, _csr(), SigningPolicy(), validity_days=10)


def test_leaf_is_not_a_ca(root: CertificateAuthority) -> None:
    key = generate_private_key(KeyAlgorithm.EC_P256)
    leaf = sign_csr(root, build_csr(key, SubjectFields("leaf")), SigningPolicy(), 10)
    with pytest.raises(NotACertificateAuthority, match="not a CA"):
        sign_csr(CertificateAuthority(leaf, key), _csr(), SigningPolicy(), 1)
    with pytest.raises(NotACertificateAuthority):
        import_ca(certificate_to_pem(leaf), private_key_to_pem(key))
    with pytest.raises(NotACertificateAuthority):
        import_trusted_root(certificate_to_pem(leaf))


def test_tampered_csr_object_is_refused(root: CertificateAuthority) -> None:
    csr = _csr()
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[der.index(b"Hub")] ^= 0x01
    tampered = x509.load_der_x509_csr(bytes(der))
    with pytest.raises(InvalidCsr):
        sign_csr(root, tampered, SigningPolicy(), validity_days=10)


def test_import_ca_with_key(root: CertificateAuthority, tmp_path: Path) -> None:
    assert root.private_key is not None
    imported = import_ca(
        certificate_to_pem(root.certificate),
        private_key_to_pem(root.private_key, passphrase="pw"),
        passphrase="pw",
    )
    assert imported.can_sign
    cert = sign_csr(imported, _csr(), SigningPolicy(), validity_days=10)
    assert openssl_verify(tmp_path, cert, [root.certificate]).returncode == 0
    # Plain Base64 DER works too.
    imported = import_ca(
        certificate_to_pem(root.certificate), private_key_to_base64(root.private_key)
    )
    assert imported.can_sign


def test_import_ca_key_mismatch(root: CertificateAuthority) -> None:
    other = generate_private_key(KeyAlgorithm.EC_P384)
    with pytest.raises(KeyMismatch):
        import_ca(certificate_to_pem(root.certificate), private_key_to_pem(other))
