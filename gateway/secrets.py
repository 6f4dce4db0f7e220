"""The gateway's secret key and the encryption of stored secrets.

The key comes from ``EVGW_SECRET_KEY`` or, when absent, from ``<data_dir>/secret.key``,
generated on first use with owner-only permissions. Stored secrets (partner tokens,
private keys) are Fernet tokens under a key derived from it; high-entropy bearer tokens
that we only need to recognise are stored as SHA-256 digests instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name


class SecretDecryptionError(Exception):
    """A stored secret does not decrypt with the current secret key."""


def load_or_create_secret_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, or the one kept in the data directory (created once)."""
    if configured:
        return configured.encode()
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


class SecretBox:
    """Encrypts and decrypts stored secrets with a key derived from the secret key."""

    def __init__(self, secret_key: bytes) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"evgw stored secrets v1"
        ).derive(secret_key)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise SecretDecryptionError("stored secret does not decrypt with this key") from exc


def token_digest(token: str) -> str:
    """SHA-256 hex digest of a high-entropy bearer token (what we store)."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(presented: str, stored_digest: str) -> bool:
    """Constant-time comparison of a presented token with a stored digest."""
    return hmac.compare_digest(token_digest(presented), stored_digest)


def new_token() -> str:
    return secrets.token_urlsafe(32)
