"""Certificate loading, summaries, fingerprints, expiry and chain verification."""

from __future__ import annotations

import hashlib
import ipaddress
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from pki.authority import CertificateAuthority, Profile, SigningPolicy, sign_csr
from pki.certificates import (
    certificate_info,
    certificate_to_base64,
    certificate_to_pem,
    certificates_to_pem,
    expires_within,
    fingerprint_sha256,
    load_certificate,
    load_certificates,
    verify_chain,
)
from pki.csr import SubjectAltNames, SubjectFields, build_csr
from pki.errors import ChainError, InvalidCertificate
from pki.keys import KeyAlgorithm, generate_private_key

from .conftest import openssl_args


def _leaf(ca: CertificateAuthority, days: int = 365) -> x509.Certificate:
    key = generate_private_key(KeyAlgorithm.RSA_2048)
    sans = SubjectAltNames(dns=("a.example",), ip=(ipaddress.ip_address("10.0.0.1"),))
    csr = build_csr(key, SubjectFields("leaf", "evgw"), sans)
    return sign_csr(ca, csr, SigningPolicy(profile=Profile.BOTH), validity_days=days)


def test_pem_base64_and_chain_round_trips(
    root: CertificateAuthority, intermediate: CertificateAuthority
) -> None:
    leaf = _leaf(intermediate)
    assert load_certificate(certificate_to_pem(leaf)) == leaf
    assert load_certificate(certificate_to_base64(leaf)) == leaf
    bundle = certificates_to_pem([leaf, intermediate.certificate, root.certificate])
    assert load_certificates(bundle) == [leaf, intermediate.certificate, root.certificate]
    assert load_certificate(bundle) == leaf


def test_info(root: CertificateAuthority, tmp_path: Path) -> None:
    leaf = _leaf(root)
    info = certificate_info(leaf)
    assert info.subject == "CN=leaf,O=evgw"
    assert info.issuer == root.certificate.subject.rfc4514_string()
    assert int(info.serial_hex, 16) == leaf.serial_number
    assert info.not_before.tzinfo is not None and info.not_after.utcoffset() == timedelta(0)
    assert not info.is_ca and (info.key_type, info.key_size) == ("rsa", 2048)
    assert info.sans.dns == ("a.example",)
    root_info = certificate_info(root.certificate)
    assert root_info.is_ca and (root_info.key_type, root_info.key_size) == ("ec", 384)


def test_fingerprint_matches_sha256_of_der_and_openssl(
    root: CertificateAuthority, tmp_path: Path
) -> None:
    leaf = _leaf(root)
    der = load_certificate(certificate_to_base64(leaf)).public_bytes(serialization.Encoding.DER)
    expected = hashlib.sha256(der).hexdigest().upper()
    assert fingerprint_sha256(leaf).replace(":", "") == expected
    path = tmp_path / "leaf.pem"
    path.write_text(certificate_to_pem(leaf))
    openssl = openssl_args(tmp_path, leaf, [root.certificate])[0]
    out = subprocess.run(
        [openssl, "x509", "-in", str(path), "-noout", "-fingerprint", "-sha256"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip().split("=", 1)[1] == fingerprint_sha256(leaf)


def test_expires_within(root: CertificateAuthority) -> None:
    leaf = _leaf(root, days=20)
    now = datetime.now(UTC)
    assert expires_within(leaf, 30, now)
    assert not expires_within(leaf, 10, now)
    long = _leaf(root, days=365)
    assert not expires_within(long, 30, now)
    assert expires_within(long, 30, now + timedelta(days=340))
    assert expires_within(long, 0, now + timedelta(days=400))  # already expired


def test_verify_chain_success(
    root: CertificateAuthority, intermediate: CertificateAuthority
) -> None:
    leaf = _leaf(intermediate)
    now = datetime.now(UTC)
    path = verify_chain(leaf, [intermediate.certificate], [root.certificate], now)
    assert path == [leaf, intermediate.certificate, root.certificate]
    # A leaf directly under the root needs no intermediates.
    direct = _leaf(root)
    assert verify_chain(direct, [], [root.certificate], now)[-1] == root.certificate
    # The intermediate itself may be the trust anchor.
    assert verify_chain(leaf, [], [intermediate.certificate], now)[-1] == intermediate.certificate


def test_verify_chain_failures(
    root: CertificateAuthority,
    intermediate: CertificateAuthority,
    other_root: CertificateAuthority,
) -> None:
    leaf = _leaf(intermediate, days=30)
    now = datetime.now(UTC)
    with pytest.raises(ChainError, match="no trusted issuer"):
        verify_chain(leaf, [], [root.certificate], now)
    with pytest.raises(ChainError, match="no trusted issuer"):
        verify_chain(leaf, [intermediate.certificate], [other_root.certificate], now)
    with pytest.raises(ChainError, match="expired"):
        verify_chain(leaf, [intermediate.certificate], [root.certificate], now + timedelta(40))
    with pytest.raises(ChainError, match="no trusted roots"):
        verify_chain(leaf, [intermediate.certificate], [], now)


def test_verify_chain_rejects_leaf_as_issuer(root: CertificateAuthority) -> None:
    """A non-CA certificate whose name and key happen to issue another one is refused."""
    key = generate_private_key(KeyAlgorithm.EC_P256)
    fake_ca_cert = sign_csr(root, build_csr(key, SubjectFields("fake")), SigningPolicy(), 30)
    # Hand-build a certificate "issued" by the leaf, bypassing our own refusal.
    victim = generate_private_key(KeyAlgorithm.EC_P256)
    now = datetime.now(UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(SubjectFields("victim").to_name())
        .issuer_name(fake_ca_cert.subject)
        .public_key(victim.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(ChainError, match="is not a CA"):
        verify_chain(forged, [fake_ca_cert], [root.certificate], now)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "QUJDRA==",
    ],
)
def test_garbage_certificates(garbage: str) -> None:
    with pytest.raises(InvalidCertificate):
        load_certificates(garbage)
