"""Inputs that used to crash instead of being refused: an encrypted TLS key at start-up
(OpenSSL prompted on the terminal) and ids beyond 64 bits or with non-ASCII digits in admin
paths (500 from the database driver or ``int``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.tls_listener import server_context_from_files
from pki.authority import create_root_ca
from pki.certificates import certificate_to_pem
from pki.csr import SubjectFields
from pki.keys import private_key_to_pem


def test_an_encrypted_tls_key_is_refused_with_a_reason(tmp_path: Path) -> None:
    ca = create_root_ca(SubjectFields("evgw tls test"), validity_days=2)
    assert ca.private_key is not None
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text(certificate_to_pem(ca.certificate))
    key.write_text(private_key_to_pem(ca.private_key, passphrase="secret"))
    with pytest.raises(ValueError, match="encrypted"):
        server_context_from_files(cert, key)
    key.write_text(private_key_to_pem(ca.private_key))
    assert server_context_from_files(cert, key).minimum_version is not None


@pytest.mark.parametrize("raw", ["99999999999999999999", "²", "-1", "1e3"])
async def test_session_ids_out_of_range_are_not_found(client: Any, raw: str) -> None:
    for path in (f"/admin/api/v1/sessions/{raw}", f"/admin/api/v1/sessions/{raw}/cdr",
                 f"/admin/api/v1/sessions/{raw}/financial-advice-confirmations",
                 f"/admin/api/v1/roaming/tariffs/{raw}", f"/admin/api/v1/outbox/{raw}"):
        response = await client.get(path)
        assert response.status == 404, (path, await response.text())
