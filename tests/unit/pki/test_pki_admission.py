"""The inbound admission rule: exact access certificate when one is assigned, otherwise a
chain to the platform's remote roots; always within validity; never a CA certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pki.admission import PlatformTrust, admission
from pki.authority import (
    CertificateAuthority,
    Profile,
    SigningPolicy,
    create_intermediate_ca,
    create_root_ca,
    sign_csr,
)
from pki.csr import SubjectFields, build_csr
from pki.keys import KeyAlgorithm, generate_private_key
from pki.material import fingerprint_hex

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _ca(name: str) -> CertificateAuthority:
    return create_root_ca(SubjectFields(name), validity_days=3650,
                          key=generate_private_key(KeyAlgorithm.EC_P256), now=T0)


def _leaf(ca: CertificateAuthority, days: int = 365, profile: Profile = Profile.CLIENT,
          name: str = "partner") -> x509.Certificate:
    csr = build_csr(generate_private_key(KeyAlgorithm.EC_P256), SubjectFields(name))
    return sign_csr(ca, csr, SigningPolicy(profile=profile), days, T0)


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def partner_ca() -> CertificateAuthority:
    return _ca("Partner CA")


def test_assigned_access_certificate_admits_only_itself(partner_ca: CertificateAuthority
                                                        ) -> None:
    access, sibling = _leaf(partner_ca), _leaf(partner_ca, name="sibling")
    trust = PlatformTrust(access_fingerprint=fingerprint_hex(access),
                          anchors=[partner_ca.certificate])
    assert admission(_der(access), trust, T0 + timedelta(days=1)).admitted
    refused = admission(_der(sibling), trust, T0 + timedelta(days=1))
    assert not refused.admitted
    assert "not the access certificate" in refused.reason
    upper = PlatformTrust(access_fingerprint=fingerprint_hex(access).upper())
    assert admission(_der(access), upper, T0 + timedelta(days=1)).admitted


def test_without_access_certificate_a_chain_to_a_remote_root_admits(
        partner_ca: CertificateAuthority) -> None:
    sub = create_intermediate_ca(partner_ca, SubjectFields("Partner Issuing"), 1000,
                                 key=generate_private_key(KeyAlgorithm.EC_P256), now=T0)
    direct, via_sub = _leaf(partner_ca), _leaf(sub)
    at = T0 + timedelta(days=1)
    roots = PlatformTrust(anchors=[partner_ca.certificate])
    assert admission(_der(direct), roots, at).admitted
    assert not admission(_der(via_sub), roots, at).admitted  # the intermediate is unknown
    with_sub = PlatformTrust(anchors=[partner_ca.certificate], intermediates=[sub.certificate])
    assert admission(_der(via_sub), with_sub, at).admitted
    assert admission(_der(via_sub), PlatformTrust(anchors=[sub.certificate]), at).admitted
    stranger = _leaf(_ca("Stranger CA"))
    refused = admission(_der(stranger), roots, at)
    assert not refused.admitted and "no trusted issuer" in refused.reason


def test_nothing_configured_admits_nobody(partner_ca: CertificateAuthority) -> None:
    decision = admission(_der(_leaf(partner_ca)), PlatformTrust(), T0 + timedelta(days=1))
    assert not decision.admitted
    assert "no access certificate and no trusted root" in decision.reason


@pytest.mark.parametrize(("offset", "reason"), [
    (timedelta(days=31), "expired"), (timedelta(days=-1), "not valid before")])
def test_outside_validity_is_refused_even_when_assigned(
        partner_ca: CertificateAuthority, offset: timedelta, reason: str) -> None:
    access = _leaf(partner_ca, days=30)
    trust = PlatformTrust(access_fingerprint=fingerprint_hex(access),
                          anchors=[partner_ca.certificate])
    decision = admission(_der(access), trust, T0 + offset)
    assert not decision.admitted and reason in decision.reason


def test_ca_certificates_server_certificates_and_garbage_are_refused(
        partner_ca: CertificateAuthority) -> None:
    at = T0 + timedelta(days=1)
    trust = PlatformTrust(anchors=[partner_ca.certificate],
                          access_fingerprint=fingerprint_hex(partner_ca.certificate))
    assert not admission(_der(partner_ca.certificate), trust, at).admitted
    server = _leaf(partner_ca, profile=Profile.SERVER)
    decision = admission(_der(server), PlatformTrust(anchors=[partner_ca.certificate]), at)
    assert not decision.admitted and "client authentication" in decision.reason
    garbage = admission(b"\x30\x03\x02\x01\x00", trust, at)
    assert not garbage.admitted and "unreadable" in garbage.reason
