"""Fixtures of the PKI tests: a root CA, an intermediate under it, and a helper that asks the
real ``openssl verify`` about our certificates."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from pki.authority import CertificateAuthority, create_intermediate_ca, create_root_ca
from pki.certificates import certificate_to_pem, certificates_to_pem
from pki.csr import SubjectFields

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def root() -> CertificateAuthority:
    return create_root_ca(
        SubjectFields("evgw Test Root", organization="evgw", country="SI"),
        validity_days=3650,
        path_length=1,
    )


@pytest.fixture
def intermediate(root: CertificateAuthority) -> CertificateAuthority:
    return create_intermediate_ca(
        root, SubjectFields("evgw Test Issuing CA", organization="evgw"), validity_days=1825
    )


@pytest.fixture
def other_root() -> CertificateAuthority:
    return create_root_ca(SubjectFields("Some Other Root"), validity_days=365)


def openssl_args(
    tmp_path: Path,
    leaf: x509.Certificate,
    roots: Sequence[x509.Certificate],
    untrusted: Sequence[x509.Certificate] = (),
    purpose: str | None = None,
) -> list[str]:
    """Write the PEM files and return the ``openssl verify`` command line."""
    openssl = shutil.which("openssl")
    assert openssl, "openssl is required for these tests"
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(certificates_to_pem(roots))
    leaf_file = tmp_path / "leaf.pem"
    leaf_file.write_text(certificate_to_pem(leaf))
    args = [openssl, "verify", "-CAfile", str(ca_file)]
    if untrusted:
        chain_file = tmp_path / "untrusted.pem"
        chain_file.write_text(certificates_to_pem(untrusted))
        args += ["-untrusted", str(chain_file)]
    if purpose:
        args += ["-purpose", purpose]
    return [*args, str(leaf_file)]


def openssl_verify(
    tmp_path: Path,
    leaf: x509.Certificate,
    roots: Sequence[x509.Certificate],
    untrusted: Sequence[x509.Certificate] = (),
    purpose: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``openssl verify`` (synchronously) and return its result."""
    return subprocess.run(
        openssl_args(tmp_path, leaf, roots, untrusted, purpose),
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
