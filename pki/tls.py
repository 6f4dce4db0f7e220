"""``ssl.SSLContext`` construction from in-memory PEM material (TLS 1.2 minimum).

Trust anchors are loaded from memory (``cadata``).  ``ssl`` can only read our own certificate
chain and key from files, so they are written to a private temporary directory (files mode
0600), loaded and deleted before the function returns; the key never stays on disk.
"""

from __future__ import annotations

import enum
import os
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pki.errors import TlsConfigError


class ClientCertMode(enum.Enum):
    """Whether a server asks for and requires a client certificate."""

    NONE = ssl.CERT_NONE
    OPTIONAL = ssl.CERT_OPTIONAL
    REQUIRED = ssl.CERT_REQUIRED


def _write_private(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    return path


@contextmanager
def _pem_files(cert_chain_pem: str, key_pem: str) -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="evgw-tls-") as tmp:
        directory = Path(tmp)
        yield (
            _write_private(directory, "cert.pem", cert_chain_pem),
            _write_private(directory, "key.pem", key_pem),
        )


def _no_passphrase() -> str:
    # Without a password callback OpenSSL asks for an encrypted key's passphrase on the
    # controlling terminal (blocking the thread) or fails with a bare OSError.
    raise TlsConfigError("the private key is encrypted and no passphrase was given")


def _load_own_certificate(
    context: ssl.SSLContext, cert_chain_pem: str, key_pem: str, passphrase: str | None
) -> None:
    try:
        with _pem_files(cert_chain_pem, key_pem) as (cert_path, key_path):
            context.load_cert_chain(cert_path, key_path,
                                    password=_no_passphrase if passphrase is None else passphrase)
    except (ssl.SSLError, ValueError, UnicodeEncodeError) as exc:
        raise TlsConfigError(f"certificate/key rejected by ssl: {exc}") from None


def _load_trust(context: ssl.SSLContext, ca_pem: str) -> None:
    try:
        context.load_verify_locations(cadata=ca_pem)
    except (ssl.SSLError, ValueError) as exc:
        raise TlsConfigError(f"trusted CA bundle rejected by ssl: {exc}") from None


def server_context(
    cert_chain_pem: str,
    key_pem: str,
    client_ca_pem: str | None = None,
    client_cert: ClientCertMode = ClientCertMode.REQUIRED,
    key_passphrase: str | None = None,
) -> ssl.SSLContext:
    """A TLS server context presenting ``cert_chain_pem`` (leaf first) with ``key_pem``.

    With ``client_ca_pem``, client certificates are requested and verified against it
    (``client_cert`` REQUIRED by default: a client without a valid certificate is refused).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_own_certificate(context, cert_chain_pem, key_pem, key_passphrase)
    if client_ca_pem is not None and client_cert is not ClientCertMode.NONE:
        _load_trust(context, client_ca_pem)
        context.verify_mode = client_cert.value
    elif client_cert is ClientCertMode.REQUIRED and client_ca_pem is None:
        raise TlsConfigError("requiring client certificates needs a client CA bundle")
    return context


def client_context(
    trusted_roots_pem: str | None,
    cert_chain_pem: str | None = None,
    key_pem: str | None = None,
    check_hostname: bool = True,
    key_passphrase: str | None = None,
) -> ssl.SSLContext:
    """A TLS client context trusting only ``trusted_roots_pem`` (the system's default CAs
    when None), presenting our client certificate for mTLS when ``cert_chain_pem`` and
    ``key_pem`` are given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = check_hostname
    context.verify_mode = ssl.CERT_REQUIRED
    if trusted_roots_pem is None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    else:
        _load_trust(context, trusted_roots_pem)
    if (cert_chain_pem is None) != (key_pem is None):
        raise TlsConfigError("a client certificate needs both the certificate and its key")
    if cert_chain_pem is not None and key_pem is not None:
        _load_own_certificate(context, cert_chain_pem, key_pem, key_passphrase)
    return context
