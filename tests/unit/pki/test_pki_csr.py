"""CSR building, encoding round trips and signature checking."""

from __future__ import annotations

import base64
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from pki.csr import (
    SubjectAltNames,
    SubjectFields,
    build_csr,
    csr_to_base64,
    csr_to_pem,
    generate_key_and_csr,
    load_csr,
    sans_of,
)
from pki.errors import InvalidCsr
from pki.keys import (
    KeyAlgorithm,
    generate_private_key,
    load_private_key,
    load_public_key,
    public_keys_equal,
)

SUBJECT = SubjectFields(
    common_name="SI*TRI",
    organization="Tridens",
    organizational_unit="Roaming",
    country="SI",
    locality="Ljubljana",
    state="Osrednjeslovenska",
    email="ops@example.com",
)
SANS = SubjectAltNames(
    dns=("cpo.example.com",),
    ip=(ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")),
    uri=("urn:evgw:cpo",),
)


def test_csr_round_trip_pem_and_base64() -> None:
    key = generate_private_key(KeyAlgorithm.EC_P256)
    csr = build_csr(key, SUBJECT, SANS)
    for encoded in (csr_to_pem(csr), csr_to_base64(csr), base64.b64decode(csr_to_base64(csr))):
        loaded = load_csr(encoded)
        assert loaded.subject == csr.subject
        assert sans_of(loaded) == SANS
        assert public_keys_equal(loaded.public_key(), key)  # type: ignore[arg-type]
    name = csr.subject
    assert name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SI*TRI"
    assert name.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "SI"
    assert name.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value == "ops@example.com"
    assert name.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "Roaming"


def test_csr_without_sans_has_none() -> None:
    csr = build_csr(generate_private_key(KeyAlgorithm.EC_P256), SubjectFields("x"))
    assert not sans_of(load_csr(csr_to_pem(csr)))


def test_tampered_csr_is_invalid() -> None:
    key = generate_private_key(KeyAlgorithm.RSA_2048)
    der = bytearray(base64.b64decode(csr_to_base64(build_csr(key, SUBJECT))))
    index = der.index(b"Tridens")
    der[index] ^= 0x01  # "Tridens" -> "Sridens": the signature no longer matches
    with pytest.raises(InvalidCsr, match="signature does not verify"):
        load_csr(base64.b64encode(bytes(der)).decode())


def test_csr_with_foreign_public_key_is_invalid() -> None:
    """A CSR whose signature was made with a key other than the one it carries."""
    key = generate_private_key(KeyAlgorithm.EC_P256)
    other = generate_private_key(KeyAlgorithm.EC_P256)
    good = build_csr(key, SUBJECT)
    forged = build_csr(other, SUBJECT)
    # Splice the first CSR's public key into the second one's request info.
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    good_spki = good.public_key().public_bytes(*spki)
    forged_spki = forged.public_key().public_bytes(*spki)
    der = forged.public_bytes(serialization.Encoding.DER).replace(forged_spki, good_spki)
    assert good_spki in der
    with pytest.raises(InvalidCsr, match="signature does not verify"):
        load_csr(der)


def test_bad_country_is_invalid_csr() -> None:
    with pytest.raises(InvalidCsr, match="invalid subject"):
        build_csr(generate_private_key(KeyAlgorithm.EC_P256), SubjectFields("x", country="SVN"))


def test_missing_common_name_is_invalid_csr() -> None:
    with pytest.raises(InvalidCsr, match="common name"):
        SubjectFields("").to_name()


def test_generate_key_and_csr_hands_over_base64() -> None:
    generated = generate_key_and_csr(SUBJECT, SANS, KeyAlgorithm.EC_P256)
    csr = load_csr(generated.csr)
    assert isinstance(csr, x509.CertificateSigningRequest)
    key = load_private_key(generated.private_key)
    assert public_keys_equal(key, load_public_key(generated.public_key))
    assert public_keys_equal(key, csr.public_key())  # type: ignore[arg-type]
    assert generated.private_key not in repr(generated)


@pytest.mark.parametrize("garbage", ["", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END"])
def test_garbage_csr(garbage: str) -> None:
    with pytest.raises(InvalidCsr):
        load_csr(garbage)
