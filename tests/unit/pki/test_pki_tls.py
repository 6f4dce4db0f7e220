"""mTLS between contexts built by ``pki.tls`` from certificates issued by our own CAs, over a
real loopback socket."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import ssl
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pki.authority import CertificateAuthority, Profile, SigningPolicy, sign_csr_async
from pki.certificates import certificate_to_pem, certificates_to_pem, load_certificate
from pki.csr import SubjectAltNames, SubjectFields, build_csr
from pki.errors import TlsConfigError
from pki.keys import KeyAlgorithm, generate_private_key, private_key_to_pem
from pki.tls import ClientCertMode, client_context, server_context


@dataclass
class Issued:
    cert_pem: str
    key_pem: str


async def _issue(
    ca: CertificateAuthority, cn: str, profile: Profile, sans: SubjectAltNames | None = None
) -> Issued:
    key = generate_private_key(KeyAlgorithm.EC_P256)
    cert = await sign_csr_async(
        ca, build_csr(key, SubjectFields(cn), sans), SigningPolicy(profile=profile), 30
    )
    return Issued(certificate_to_pem(cert), private_key_to_pem(key))


@dataclass
class Server:
    port: int
    peers: list[str]


@pytest.fixture
async def mtls_server(
    root: CertificateAuthority, intermediate: CertificateAuthority
) -> AsyncIterator[Server]:
    issued = await _issue(
        root, "gateway", Profile.SERVER, SubjectAltNames(ip=(ipaddress.ip_address("127.0.0.1"),))
    )
    context = server_context(
        issued.cert_pem,
        issued.key_pem,
        client_ca_pem=certificate_to_pem(root.certificate),
        client_cert=ClientCertMode.REQUIRED,
    )
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    peers: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            peer = writer.get_extra_info("peercert")
            cn = dict(x[0] for x in peer["subject"])["commonName"]
            peers.append(cn)
            line = await reader.readline()
            writer.write(b"hello " + cn.encode() + b" " + line)
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield Server(port, peers)


async def _talk(port: int, context: ssl.SSLContext) -> bytes:
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"
    )
    try:
        writer.write(b"ping\n")
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), timeout=5)
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


async def test_mtls_handshake_with_our_certificates(
    mtls_server: Server, root: CertificateAuthority, intermediate: CertificateAuthority
) -> None:
    client = await _issue(intermediate, "SI*TRI", Profile.CLIENT)
    context = client_context(
        certificate_to_pem(root.certificate),
        certificates_to_pem(
            [load_certificate(client.cert_pem), intermediate.certificate]  # leaf + intermediate
        ),
        client.key_pem,
    )
    assert await _talk(mtls_server.port, context) == b"hello SI*TRI ping\n"
    assert mtls_server.peers == ["SI*TRI"]


async def test_client_from_another_ca_is_refused(
    mtls_server: Server, root: CertificateAuthority, other_root: CertificateAuthority
) -> None:
    stranger = await _issue(other_root, "stranger", Profile.CLIENT)
    context = client_context(
        certificate_to_pem(root.certificate), stranger.cert_pem, stranger.key_pem
    )
    with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError)):
        answer = await _talk(mtls_server.port, context)
        if not answer:  # TLS 1.3: the server's alert can arrive as a bare close
            raise ConnectionError("closed without an answer")
    assert mtls_server.peers == []


async def test_client_without_certificate_is_refused(
    mtls_server: Server, root: CertificateAuthority
) -> None:
    context = client_context(certificate_to_pem(root.certificate))
    with pytest.raises((ssl.SSLError, ConnectionError, asyncio.IncompleteReadError)):
        answer = await _talk(mtls_server.port, context)
        if not answer:
            raise ConnectionError("closed without an answer")
    assert mtls_server.peers == []


async def test_client_refuses_server_from_untrusted_root(
    mtls_server: Server, other_root: CertificateAuthority, root: CertificateAuthority
) -> None:
    client = await _issue(root, "SI*TRI", Profile.CLIENT)
    context = client_context(
        certificate_to_pem(other_root.certificate), client.cert_pem, client.key_pem
    )
    with pytest.raises(ssl.SSLCertVerificationError):
        await _talk(mtls_server.port, context)


async def test_key_files_are_private_and_removed(
    root: CertificateAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = await _issue(root, "gateway", Profile.SERVER)
    seen: list[tuple[Path, int]] = []
    real = ssl.SSLContext.load_cert_chain

    def spy(self: ssl.SSLContext, certfile: Path, keyfile: Path, password: object = None) -> None:
        seen.append((Path(keyfile), os.stat(keyfile).st_mode & 0o777))
        real(self, certfile, keyfile, password)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    server_context(issued.cert_pem, issued.key_pem, client_cert=ClientCertMode.NONE)
    assert len(seen) == 1
    key_path, mode = seen[0]
    assert mode == 0o600
    assert not key_path.exists()
    assert str(key_path).startswith(tempfile.gettempdir())


async def test_bad_material_is_tls_config_error(root: CertificateAuthority) -> None:
    issued = await _issue(root, "gateway", Profile.SERVER)
    other_key = private_key_to_pem(generate_private_key(KeyAlgorithm.EC_P256))
    with pytest.raises(TlsConfigError):
        server_context(issued.cert_pem, other_key, client_cert=ClientCertMode.NONE)
    with pytest.raises(TlsConfigError, match="client CA bundle"):
        server_context(issued.cert_pem, issued.key_pem)
    with pytest.raises(TlsConfigError):
        client_context("not a pem")
    with pytest.raises(TlsConfigError, match="both"):
        client_context(certificate_to_pem(root.certificate), issued.cert_pem)


async def test_encrypted_key_needs_its_passphrase(root: CertificateAuthority) -> None:
    # Without a passphrase OpenSSL would prompt on the terminal (or fail with a bare
    # OSError); the operator gets a TlsConfigError that says what is missing instead.
    key = generate_private_key(KeyAlgorithm.EC_P256)
    cert = await sign_csr_async(root, build_csr(key, SubjectFields("gateway")),
                                SigningPolicy(profile=Profile.SERVER), 30)
    cert_pem, encrypted = certificate_to_pem(cert), private_key_to_pem(key, "s3cret")
    with pytest.raises(TlsConfigError, match="no passphrase"):
        server_context(cert_pem, encrypted, client_cert=ClientCertMode.NONE)
    with pytest.raises(TlsConfigError, match="no passphrase"):
        client_context(certificate_to_pem(root.certificate), cert_pem, encrypted)
    with pytest.raises(TlsConfigError):
        server_context(cert_pem, encrypted, client_cert=ClientCertMode.NONE,
                       key_passphrase="wrong")
    context = server_context(cert_pem, encrypted, client_cert=ClientCertMode.NONE,
                             key_passphrase="s3cret")
    assert context.verify_mode == ssl.CERT_NONE
