"""Key generation, serialization, loading and the strength check."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from pki.errors import InvalidKey, PkiError, WeakKey
from pki.keys import (
    KeyAlgorithm,
    check_key_strength,
    generate_private_key,
    key_type_and_size,
    load_private_key,
    load_public_key,
    private_key_to_base64,
    private_key_to_pem,
    public_key_to_base64,
    public_key_to_pem,
    public_keys_equal,
)


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_generate_each_algorithm(algorithm: KeyAlgorithm) -> None:
    key = generate_private_key(algorithm)
    assert key_type_and_size(key) == (algorithm.kind, algorithm.size)
    check_key_strength(key)
    check_key_strength(key.public_key())


def test_rsa_1024_is_weak() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(WeakKey, match="1024 bits is too weak"):
        check_key_strength(key)
    with pytest.raises(WeakKey):
        check_key_strength(key.public_key())


def test_ec_p224_is_weak() -> None:
    key = ec.generate_private_key(ec.SECP224R1())
    with pytest.raises(WeakKey, match="EC key of 224 bits"):
        check_key_strength(key)


def test_weak_key_is_a_pki_error() -> None:
    assert issubclass(WeakKey, PkiError)


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256])
def test_private_key_round_trips_pem_and_base64(algorithm: KeyAlgorithm) -> None:
    key = generate_private_key(algorithm)
    pem = private_key_to_pem(key)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_keys_equal(load_private_key(pem), key)
    b64 = private_key_to_base64(key)
    assert "\n" not in b64
    assert public_keys_equal(load_private_key(b64), key)
    # Base64 wrapped over lines (as pasted from an e-mail) and raw DER bytes both load.
    wrapped = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    assert public_keys_equal(load_private_key(wrapped), key)
    assert public_keys_equal(load_private_key(base64.b64decode(b64)), key)


def test_encrypted_private_key_needs_the_passphrase() -> None:
    key = generate_private_key(KeyAlgorithm.EC_P256)
    pem = private_key_to_pem(key, passphrase="s3cret")
    assert "ENCRYPTED PRIVATE KEY" in pem
    assert public_keys_equal(load_private_key(pem, passphrase="s3cret"), key)
    with pytest.raises(InvalidKey):
        load_private_key(pem)
    with pytest.raises(InvalidKey):
        load_private_key(pem, passphrase="wrong")


def test_traditional_rsa_pem_loads() -> None:
    key = generate_private_key(KeyAlgorithm.RSA_2048)
    assert isinstance(key, rsa.RSAPrivateKey)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert public_keys_equal(load_private_key(pem), key)


def test_public_key_round_trips() -> None:
    key = generate_private_key(KeyAlgorithm.EC_P384)
    assert public_keys_equal(load_public_key(public_key_to_pem(key)), key)
    assert public_keys_equal(load_public_key(public_key_to_base64(key)), key)
    other = generate_private_key(KeyAlgorithm.EC_P384)
    assert not public_keys_equal(other, key)


def test_unsupported_key_type_is_invalid() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidKey, match="RSA or EC only"):
        load_private_key(pem)


@pytest.mark.parametrize("garbage", ["", "   ", "not base64 !!", "QUJD", b"\xff\xfe\x00"])
def test_garbage_is_invalid_key(garbage: str | bytes) -> None:
    with pytest.raises(InvalidKey):
        load_private_key(garbage)
    with pytest.raises(InvalidKey):
        load_public_key(garbage)
