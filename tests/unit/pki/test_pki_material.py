"""Checks of assigned material: client certificates with their keys, CA certificates, and
the issuance time rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from pki.authority import (
    CertificateAuthority,
    Profile,
    SigningPolicy,
    create_root_ca,
    sign_csr,
)
from pki.csr import SubjectFields, build_csr
from pki.errors import (
    ExpiredCertificate,
    InvalidCertificate,
    KeyMismatch,
    NotACertificateAuthority,
    WeakKey,
)
from pki.keys import KeyAlgorithm, PrivateKey, generate_private_key
from pki.material import (
    NotYetValid,
    check_ca_certificates,
    check_client_certificate,
    fingerprint_hex,
    fingerprint_hex_of_der,
    issuance_time,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return create_root_ca(SubjectFields("CA"), validity_days=3650,
                          key=generate_private_key(KeyAlgorithm.EC_P256), now=T0)


def _leaf(ca: CertificateAuthority, key: PrivateKey, profile: Profile = Profile.CLIENT
          ) -> x509.Certificate:
    return sign_csr(ca, build_csr(key, SubjectFields("leaf")), SigningPolicy(profile=profile),
                    30, T0)


def test_a_client_certificate_with_its_key_passes(ca: CertificateAuthority) -> None:
    key = generate_private_key(KeyAlgorithm.EC_P256)
    leaf = _leaf(ca, key)
    check_client_certificate([leaf, ca.certificate], key, T0 + timedelta(days=1))
    check_client_certificate([leaf], None, T0 + timedelta(days=1))
    with pytest.raises(KeyMismatch):
        check_client_certificate([leaf], generate_private_key(KeyAlgorithm.EC_P256),
                                 T0 + timedelta(days=1))


def test_validity_errors_say_which_side(ca: CertificateAuthority) -> None:
    key = generate_private_key(KeyAlgorithm.EC_P256)
    leaf = _leaf(ca, key)
    with pytest.raises(ExpiredCertificate, match="expired at") as expired:
        check_client_certificate([leaf], key, T0 + timedelta(days=31))
    assert not isinstance(expired.value, NotYetValid)
    with pytest.raises(NotYetValid, match="not valid before"):
        check_client_certificate([leaf], key, T0 - timedelta(days=1))


def test_ca_server_only_and_weak_certificates_are_not_client_certificates(
        ca: CertificateAuthority) -> None:
    at = T0 + timedelta(days=1)
    with pytest.raises(InvalidCertificate, match="CA certificate"):
        check_client_certificate([ca.certificate], ca.private_key, at)
    server = _leaf(ca, generate_private_key(KeyAlgorithm.EC_P256), Profile.SERVER)
    with pytest.raises(InvalidCertificate, match="clientAuth"):
        check_client_certificate([server], None, at)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert ca.private_key is not None
    weak_cert = (x509.CertificateBuilder().subject_name(x509.Name([]))
                 .issuer_name(ca.certificate.subject).public_key(weak.public_key())
                 .serial_number(1).not_valid_before(T0).not_valid_after(T0 + timedelta(days=9))
                 .sign(ca.private_key, hashes.SHA256()))
    with pytest.raises(WeakKey, match="1024"):
        check_client_certificate([weak_cert], weak, at)
    with pytest.raises(InvalidCertificate):
        check_client_certificate([], None, at)


def test_trusted_roots_must_be_valid_ca_certificates(ca: CertificateAuthority) -> None:
    at = T0 + timedelta(days=1)
    check_ca_certificates([ca.certificate], at)
    with pytest.raises(NotACertificateAuthority):
        check_ca_certificates([ca.certificate, _leaf(ca, generate_private_key(
            KeyAlgorithm.EC_P256))], at)
    with pytest.raises(ExpiredCertificate):
        check_ca_certificates([ca.certificate], T0 + timedelta(days=3651))
    with pytest.raises(InvalidCertificate):
        check_ca_certificates([], at)


def test_fingerprints_and_issuance_time(ca: CertificateAuthority) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = ca.certificate.public_bytes(Encoding.DER)
    assert fingerprint_hex(ca.certificate) == fingerprint_hex_of_der(der)
    assert len(fingerprint_hex(ca.certificate)) == 64
    assert issuance_time(T0, T0 + timedelta(hours=1)) == T0
    assert issuance_time(T0 + timedelta(hours=1), T0) == T0
