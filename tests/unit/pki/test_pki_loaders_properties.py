"""Hypothesis invariant: every loader parses its input or raises its own PkiError, nothing else."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pki.authority import import_ca, import_trusted_root
from pki.certificates import load_certificate, load_certificates
from pki.csr import load_csr
from pki.errors import (
    InvalidCertificate,
    InvalidCsr,
    InvalidKey,
    NotACertificateAuthority,
    PkiError,
    WeakKey,
)
from pki.keys import load_private_key, load_public_key

LABELS = [
    "CERTIFICATE",
    "CERTIFICATE REQUEST",
    "NEW CERTIFICATE REQUEST",
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "PUBLIC KEY",
]

# DER-ish prefixes make the parsers go deeper than the first byte.
der_like = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from([b"", b"\x30\x82", b"\x30\x81", b"\x30\x0a\x02\x01", b"\x30\x82\x01\x0a"]),
    st.binary(max_size=300),
)
pem_like = st.builds(
    lambda label, body, end: (
        f"-----BEGIN {label}-----\n"
        + base64.encodebytes(body).decode()
        + (f"-----END {label}-----\n" if end else "")
    ),
    st.sampled_from(LABELS),
    der_like,
    st.booleans(),
)
inputs = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300),
    der_like,
    der_like.map(lambda b: base64.b64encode(b).decode()),
    pem_like,
    pem_like.map(str.encode),
)

LOADERS: dict[str, tuple[Callable[[str | bytes], object], tuple[type[PkiError], ...]]] = {
    "private_key": (load_private_key, (InvalidKey,)),
    "private_key_with_passphrase": (lambda d: load_private_key(d, "pw"), (InvalidKey,)),
    "public_key": (load_public_key, (InvalidKey,)),
    "csr": (load_csr, (InvalidCsr,)),
    "certificate": (load_certificate, (InvalidCertificate,)),
    "certificates": (load_certificates, (InvalidCertificate,)),
    "trusted_root": (
        import_trusted_root,
        (InvalidCertificate, NotACertificateAuthority, WeakKey),
    ),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs)
def test_loader_parses_or_raises_its_own_error(name: str, data: str | bytes) -> None:
    loader, allowed = LOADERS[name]
    with contextlib.suppress(allowed):
        loader(data)


@settings(max_examples=100, deadline=None)
@given(cert=inputs, key=inputs)
def test_import_ca_raises_only_pki_errors(cert: str | bytes, key: str | bytes) -> None:
    with contextlib.suppress(PkiError):
        import_ca(cert, key)
