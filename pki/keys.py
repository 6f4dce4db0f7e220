"""Key pairs: generation, PEM/Base64 serialization, loading and the strength check.

Only RSA and NIST-style EC keys are supported; they are what TLS client certificates for OICP
and OCPP security profile 3 use.  Minimum strength: RSA 2048 bits, EC 256-bit curves.
"""

from __future__ import annotations

import enum

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pki._encoding import decode_material, to_base64
from pki.errors import InvalidKey, WeakKey

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
RSA_PUBLIC_EXPONENT = 65537


class KeyAlgorithm(enum.Enum):
    """The key types the gateway generates and accepts by default."""

    RSA_2048 = ("rsa", 2048)
    RSA_3072 = ("rsa", 3072)
    RSA_4096 = ("rsa", 4096)
    EC_P256 = ("ec", 256)
    EC_P384 = ("ec", 384)

    @property
    def kind(self) -> str:
        """``"rsa"`` or ``"ec"``."""
        return self.value[0]

    @property
    def size(self) -> int:
        """Modulus size (RSA) or curve size (EC) in bits."""
        return self.value[1]


_CURVES: dict[int, ec.EllipticCurve] = {256: ec.SECP256R1(), 384: ec.SECP384R1()}


def generate_private_key(algorithm: KeyAlgorithm = KeyAlgorithm.RSA_2048) -> PrivateKey:
    """Generate a new private key of the given algorithm (CPU-bound for RSA: seconds at 4096)."""
    if algorithm.kind == "rsa":
        return rsa.generate_private_key(
            public_exponent=RSA_PUBLIC_EXPONENT, key_size=algorithm.size
        )
    return ec.generate_private_key(_CURVES[algorithm.size])


def key_type_and_size(key: PrivateKey | PublicKey) -> tuple[str, int]:
    """``("rsa", bits)`` or ``("ec", curve bits)`` of a private or public key."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return ("rsa", key.key_size)
    return ("ec", key.curve.key_size)


def check_key_strength(key: PrivateKey | PublicKey) -> None:
    """Raise :class:`WeakKey` when the key is below RSA 2048 / EC P-256."""
    kind, size = key_type_and_size(key)
    minimum = MIN_RSA_BITS if kind == "rsa" else MIN_EC_BITS
    if size < minimum:
        raise WeakKey(f"{kind.upper()} key of {size} bits is too weak (minimum {minimum} bits)")


def private_key_to_pem(key: PrivateKey, passphrase: str | bytes | None = None) -> str:
    """PKCS#8 PEM of the private key, encrypted with ``passphrase`` when one is given."""
    encryption: serialization.KeySerializationEncryption
    if passphrase:
        secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
        encryption = serialization.BestAvailableEncryption(secret)
    else:
        encryption = serialization.NoEncryption()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode("ascii")


def private_key_to_base64(key: PrivateKey) -> str:
    """Plain Base64 of the unencrypted PKCS#8 DER (the manual's hand-over form)."""
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return to_base64(der)


def _public_half(key: PrivateKey | PublicKey) -> PublicKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key.public_key()
    return key


def public_key_to_pem(key: PrivateKey | PublicKey) -> str:
    """SubjectPublicKeyInfo PEM of the (public half of the) key."""
    public = _public_half(key)
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_to_base64(key: PrivateKey | PublicKey) -> str:
    """Plain Base64 of the SubjectPublicKeyInfo DER."""
    public = _public_half(key)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return to_base64(der)


def _supported_private(key: object) -> PrivateKey:
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        return key
    raise InvalidKey(f"unsupported private key type {type(key).__name__} (RSA or EC only)")


def _supported_public(key: object) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key
    raise InvalidKey(f"unsupported public key type {type(key).__name__} (RSA or EC only)")


def load_private_key(data: str | bytes, passphrase: str | bytes | None = None) -> PrivateKey:
    """Load a private key from PEM (PKCS#8, PKCS#1, SEC1) or plain Base64 / raw DER.

    Raises :class:`InvalidKey` for anything unparsable, a wrong or missing passphrase, or a key
    type other than RSA/EC.  Strength is checked separately (:func:`check_key_strength`).
    """
    material = decode_material(data, InvalidKey, "private key")
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    try:
        if material.pem is not None:
            key = serialization.load_pem_private_key(material.pem, password=secret)
        else:
            assert material.der is not None
            key = serialization.load_der_private_key(material.der, password=secret)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(f"cannot load private key: {_reason(exc)}") from None
    return _supported_private(key)


def load_public_key(data: str | bytes) -> PublicKey:
    """Load a SubjectPublicKeyInfo public key from PEM or plain Base64 / raw DER."""
    material = decode_material(data, InvalidKey, "public key")
    try:
        if material.pem is not None:
            key = serialization.load_pem_public_key(material.pem)
        else:
            assert material.der is not None
            key = serialization.load_der_public_key(material.der)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidKey(f"cannot load public key: {_reason(exc)}") from None
    return _supported_public(key)


def public_keys_equal(a: PrivateKey | PublicKey, b: PrivateKey | PublicKey) -> bool:
    """True when both keys (private or public) have the same public half."""
    return public_key_to_base64(a) == public_key_to_base64(b)


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
