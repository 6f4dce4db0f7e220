"""The PKI through the admin API: system trust roots, a platform's access certificate,
remote access certificate and remote root, mTLS with what was installed, expiry reporting,
and the refusals an operator gets for bad material."""

from __future__ import annotations

import base64
import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import structlog
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import select

from gateway.certificates import CertificateService, RootSpec
from gateway.db import pki_tables
from pki.authority import CertificateAuthority, Profile, SigningPolicy, create_root_ca, sign_csr
from pki.certificates import (
    certificate_to_base64,
    certificate_to_pem,
    fingerprint_sha256,
    load_certificate,
)
from pki.csr import SubjectAltNames, SubjectFields, build_csr, generate_key_and_csr, load_csr
from pki.keys import (
    KeyAlgorithm,
    generate_private_key,
    load_private_key,
    private_key_to_base64,
    private_key_to_pem,
    public_keys_equal,
)
from pki.material import issuance_time
from pki.tls import client_context, server_context
from tests.support.gateway_fixtures import Gateway
from tests.support.pki_setup import install_partner_mtls

HUB = "HUBJECT"
PLATFORM = f"/roaming/platforms/{HUB}"


@pytest.fixture
async def pki_gateway(gateway: Gateway) -> Gateway:
    """The seeded gateway with an OICP hub platform to hold certificates."""
    status, body = await gateway.admin("POST", "/roaming/platforms", json={
        "code": HUB, "name": "Hubject", "roaming_profile": "TRI-OICP", "type": "HUB",
        "protocol": "OICP", "url": "https://127.0.0.1:9/api", "country": "DE",
        "roaming_identifier": "DE*HBS"})
    assert status == 201, body
    return gateway


def _now(gateway: Gateway) -> datetime:
    return issuance_time(gateway.clock.now(), datetime.now(UTC))


async def _create_root(gateway: Gateway, code: str, *, days: int = 3650,
                       intermediate: str | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"code": code, "name": f"{code} CA", "validity_days": days,
                            "subject": {"common_name": f"{code} CA", "organization": "evgw",
                                        "country": "SI"}, "key_algorithm": "EC_P256"}
    if intermediate:
        body["intermediate"] = {"code": intermediate, "name": f"{intermediate} CA",
                                "validity_days": min(days - 1, 1825),
                                "subject": {"common_name": f"{intermediate} CA"}}
    status, answer = await gateway.admin("POST", "/pki/roots", json=body)
    assert status == 201, answer
    return list(answer)


async def _listing(gateway: Gateway) -> list[dict[str, Any]]:
    status, entries = await gateway.admin("GET", "/pki/certificates")
    assert status == 200, entries
    return list(entries)


def _partner_ca(gateway: Gateway, name: str = "Partner CA", days: int = 3650
                ) -> CertificateAuthority:
    return create_root_ca(SubjectFields(name), validity_days=days, now=_now(gateway))


def _client_cert(ca: CertificateAuthority, key: Any, now: datetime, days: int = 365,
                 name: str = "client") -> x509.Certificate:
    csr = build_csr(key, SubjectFields(name))
    return sign_csr(ca, csr, SigningPolicy(max_validity_days=825), days, now)


def _openssl_verify(tmp_path: Path, cert_b64: str, root_pem: str,
                    intermediate_pem: str | None) -> subprocess.CompletedProcess[str]:
    openssl = shutil.which("openssl")
    assert openssl, "openssl is required"
    (tmp_path / "root.pem").write_text(root_pem)
    (tmp_path / "cert.pem").write_text(certificate_to_pem(load_certificate(cert_b64)))
    args = [openssl, "verify", "-purpose", "sslclient", "-CAfile", str(tmp_path / "root.pem")]
    if intermediate_pem:
        (tmp_path / "intermediate.pem").write_text(intermediate_pem)
        args += ["-untrusted", str(tmp_path / "intermediate.pem")]
    return subprocess.run([*args, str(tmp_path / "cert.pem")], capture_output=True, text=True,
                          check=False, timeout=30)


async def test_root_with_intermediate_is_listed_with_fingerprints_and_expiry(
        pki_gateway: Gateway) -> None:
    created = await _create_root(pki_gateway, "CPO-ROOT", days=3650, intermediate="CPO-SUB")
    assert [(r["code"], r["kind"], r["issuer"], r["can_sign"]) for r in created] == [
        ("CPO-ROOT", "root", None, True), ("CPO-SUB", "intermediate", "CPO-ROOT", True)]
    root, sub = (load_certificate(r["certificate_pem"]) for r in created)
    sub.verify_directly_issued_by(root)
    assert "BEGIN CERTIFICATE" in created[0]["certificate_pem"]
    assert "PRIVATE" not in str(created)

    entries = {e["code"]: e for e in await _listing(pki_gateway) if e["kind"] == "system_root"}
    assert entries["CPO-ROOT"]["fingerprint_sha256"] == fingerprint_sha256(root)
    assert entries["CPO-SUB"]["fingerprint_sha256"] == fingerprint_sha256(sub)
    assert entries["CPO-SUB"]["signed_by"] == "CPO-ROOT"
    assert entries["CPO-ROOT"]["subject"] == "CN=CPO-ROOT CA,O=evgw,C=SI"
    assert entries["CPO-ROOT"]["days_left"] in (3649, 3650)
    assert entries["CPO-ROOT"]["expiring_soon"] is False
    assert entries["CPO-ROOT"]["has_private_key"] is True
    assert datetime.fromisoformat(entries["CPO-ROOT"]["not_after"]) == root.not_valid_after_utc

    status, dup = await pki_gateway.admin("POST", "/pki/roots", json={
        "code": "CPO-ROOT", "name": "again", "subject": {"common_name": "x"}})
    assert status == 409, dup
    status, late = await pki_gateway.admin("POST", "/pki/roots", json={
        "code": "SHORT", "name": "short", "validity_days": 10, "subject": {"common_name": "s"},
        "intermediate": {"code": "LONG", "name": "long", "validity_days": 20,
                         "subject": {"common_name": "l"}}})
    assert (status, late["title"]) == (422, "Signing policy violated"), late
    assert all(e["code"] not in ("SHORT", "LONG") for e in await _listing(pki_gateway))


async def test_import_ca_with_key_and_public_root_without_key(pki_gateway: Gateway) -> None:
    ca = _partner_ca(pki_gateway, "Imported Issuing CA")
    assert ca.private_key is not None
    status, imported = await pki_gateway.admin("POST", "/pki/roots/import", json={
        "code": "IMPORTED", "name": "imported", "certificate": certificate_to_pem(ca.certificate),
        "private_key": private_key_to_base64(ca.private_key)})
    assert status == 201, imported
    assert (imported["kind"], imported["can_sign"]) == ("imported", True)
    public = _partner_ca(pki_gateway, "Public Root")
    status, trusted = await pki_gateway.admin("POST", "/pki/roots/import", json={
        "code": "PUBLIC", "name": "public",
        "certificate": certificate_to_base64(public.certificate)})
    assert status == 201, trusted
    assert (trusted["kind"], trusted["can_sign"]) == ("trusted", False)

    request = generate_key_and_csr(SubjectFields("partner"), algorithm=KeyAlgorithm.EC_P256)
    status, signed = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign",
                                             json={"csr": request.csr, "root": "IMPORTED"})
    assert status == 200, signed
    load_certificate(signed["certificate"]).verify_directly_issued_by(ca.certificate)

    status, keyless = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign",
                                              json={"csr": request.csr, "root": "PUBLIC"})
    assert (status, keyless["title"]) == (422, "Root without private key"), keyless
    status, unknown = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign",
                                              json={"csr": request.csr, "root": "NOPE"})
    assert (status, unknown["title"]) == (422, "Unknown root"), unknown
    leaf = load_certificate(signed["certificate"])
    status, not_ca = await pki_gateway.admin("POST", "/pki/roots/import", json={
        "code": "LEAF", "name": "leaf", "certificate": certificate_to_pem(leaf)})
    assert (status, not_ca["title"]) == (422, "Not a CA certificate"), not_ca
    status, again = await pki_gateway.admin("POST", "/pki/roots/import", json={
        "code": "PUBLIC-2", "name": "same", "certificate": certificate_to_pem(public.certificate)})
    assert status == 409, again
    other = generate_private_key(KeyAlgorithm.EC_P256)
    status, wrong = await pki_gateway.admin("POST", "/pki/roots/import", json={
        "code": "WRONG", "name": "wrong", "certificate": certificate_to_pem(public.certificate),
        "private_key": private_key_to_pem(other)})
    assert (status, wrong["title"]) == (422, "Key does not match the certificate"), wrong


async def test_access_csr_signed_by_our_intermediate_verifies_with_openssl(
        pki_gateway: Gateway, tmp_path: Path) -> None:
    root, sub = await _create_root(pki_gateway, "CPO-ROOT", intermediate="CPO-SUB")
    status, keys = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/csr", json={
        "subject": {"common_name": "hub.example.com", "organization": "Hub"},
        "alt_names": {"dns": ["hub.example.com"], "ip": ["192.0.2.7"]}})
    assert status == 200, keys
    assert set(keys) == {"csr", "private_key", "public_key"}
    csr = load_csr(keys["csr"])  # plain Base64 DER, signature verified
    key = load_private_key(keys["private_key"])
    assert public_keys_equal(key, csr.public_key())  # type: ignore[arg-type]
    pending = [e for e in await _listing(pki_gateway) if e["platform"] == HUB]
    assert [(e["role"], e["pending_csr"], e["subject"]) for e in pending] == [
        ("access", True, None)]
    assert pending[0]["pending_csr_subject"] == "CN=hub.example.com,O=Hub"

    status, signed = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign",
                                             json={"csr": keys["csr"], "root": "CPO-SUB",
                                                   "validity_days": 90})
    assert status == 200, signed
    base64.b64decode(signed["certificate"], validate=True)
    cert = load_certificate(signed["certificate"])
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= timedelta(days=90, minutes=5)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["hub.example.com"]
    assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.0.2.7")]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False

    verified = _openssl_verify(tmp_path, signed["certificate"], root["certificate_pem"],
                               sub["certificate_pem"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip().endswith("OK")
    unrelated = _openssl_verify(tmp_path, signed["certificate"],
                                certificate_to_pem(_partner_ca(pki_gateway).certificate),
                                sub["certificate_pem"])
    assert unrelated.returncode != 0

    access = [e for e in await _listing(pki_gateway) if e["platform"] == HUB]
    assert [(e["role"], e["pending_csr"], e["has_private_key"], e["signed_by"])
            for e in access] == [("access", False, True, "CPO-SUB")]
    assert access[0]["fingerprint_sha256"] == fingerprint_sha256(cert)
    assert await pki_gateway.deps.certificates.admits(HUB, cert.public_bytes(
        Encoding.DER))
    status, too_long = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign",
                                               json={"csr": keys["csr"], "root": "CPO-SUB",
                                                     "validity_days": 3000})
    assert status == 422, too_long


async def _https_server(context: ssl.SSLContext) -> AsyncIterator[str]:
    async def hello(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        return web.json_response({"client": subject.get("commonName")})

    app = web.Application()
    app.router.add_get("/hello", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"https://127.0.0.1:{port}/hello"
    finally:
        await runner.cleanup()


@pytest.fixture
async def partner_server(pki_gateway: Gateway) -> AsyncIterator[tuple[Any, str]]:
    partner = await install_partner_mtls(pki_gateway, HUB)
    async for url in _https_server(partner.server_ssl_context()):
        yield partner, url


async def test_remote_access_certificate_makes_a_real_mtls_call(
        pki_gateway: Gateway, partner_server: tuple[Any, str]) -> None:
    partner, url = partner_server
    service = pki_gateway.deps.certificates
    context = await service.platform_client_context(HUB)
    assert context is not None
    assert await service.platform_client_context(HUB) is context  # cached
    async with aiohttp.ClientSession() as session:
        async with session.get(url, ssl=context) as response:
            assert response.status == 200
            assert (await response.json())["client"] == f"evgw CPO {HUB}"
        # Without our client certificate the partner refuses the handshake.
        bare = ssl.create_default_context(cadata=partner.partner_ca_pem)
        with pytest.raises(aiohttp.ClientError):
            async with session.get(url, ssl=bare) as response:
                await response.read()

    roles = {(e["role"], e["pending_csr"], e["has_private_key"])
             for e in await _listing(pki_gateway) if e["platform"] == HUB}
    assert roles == {("remote_access", False, True), ("remote_root", False, False),
                     ("access", False, False)}

    access_der = load_certificate(partner.access_certificate_pem).public_bytes(
        Encoding.DER)
    assert await service.admits(HUB, access_der)
    assert partner.partner_ca_pem in await service.inbound_trust_pem()
    assert partner.system_root_pem in await service.system_roots_pem()
    # Another certificate from the same system root is not the assigned access certificate.
    ca = await service.signing_authority(partner.system_root_code)
    stranger = _client_cert(ca, generate_private_key(KeyAlgorithm.EC_P256), _now(pki_gateway))
    assert not await service.admits(HUB, stranger.public_bytes(
        Encoding.DER))

    generation = service.generation
    with structlog.testing.capture_logs() as logs:
        status, done = await pki_gateway.admin("POST", f"{PLATFORM}/certificates/invalidate")
    assert status == 200, done
    assert sorted(done["revoked"]) == ["access", "remote_access", "remote_root"]
    assert any(e["event"] == "platform_certificates_invalidated" for e in logs)
    assert service.generation > generation
    assert await service.platform_client_context(HUB) is None
    assert not await service.admits(HUB, access_der)
    assert [e for e in await _listing(pki_gateway) if e["platform"] == HUB] == []
    assert partner.partner_ca_pem not in await service.inbound_trust_pem()


async def test_partner_calls_us_with_its_access_certificate(
        pki_gateway: Gateway, partner_server: tuple[Any, str]) -> None:
    """A listener trusting ``inbound_trust_pem`` lets the TLS handshake through; ``admits``
    then accepts the assigned access certificate and nothing else."""
    partner, _url = partner_server
    service = pki_gateway.deps.certificates
    listener_ca = _partner_ca(pki_gateway, "Our Listener CA")
    server_key = generate_private_key(KeyAlgorithm.EC_P256)
    server_cert = sign_csr(listener_ca, build_csr(server_key, SubjectFields("127.0.0.1"),
                                                  SubjectAltNames(ip=(ipaddress.ip_address(
                                                      "127.0.0.1"),))),
                           SigningPolicy(profile=Profile.SERVER), 30, _now(pki_gateway))
    context = server_context(certificate_to_pem(server_cert), private_key_to_pem(server_key),
                             client_ca_pem=await service.inbound_trust_pem())

    async def who(request: web.Request) -> web.Response:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else b""
        return web.json_response({"admitted": await service.admits(HUB, der)})

    app = web.Application()
    app.router.add_get("/who", who)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    url = f"https://127.0.0.1:{runner.addresses[0][1]}/who"
    listener_ca_pem = certificate_to_pem(listener_ca.certificate)
    stranger_key = generate_private_key(KeyAlgorithm.EC_P256)
    stranger = _client_cert(partner.partner_ca, stranger_key, _now(pki_gateway))
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url, ssl=partner.client_ssl_context(listener_ca_pem)) as r:
                assert (r.status, await r.json()) == (200, {"admitted": True})
            # Signed by the partner's CA (a remote root), so TLS accepts it, but the platform
            # has an access certificate assigned: only that one is admitted.
            other = client_context(listener_ca_pem, certificate_to_pem(stranger),
                                   private_key_to_pem(stranger_key))
            async with session.get(url, ssl=other) as r:
                assert (r.status, await r.json()) == (200, {"admitted": False})
    finally:
        await runner.cleanup()


async def test_remote_root_must_be_ca_and_admits_chains_without_access_certificate(
        pki_gateway: Gateway) -> None:
    partner_ca, second_ca = _partner_ca(pki_gateway, "P1"), _partner_ca(pki_gateway, "P2")
    leaf = _client_cert(partner_ca, generate_private_key(KeyAlgorithm.EC_P256),
                        _now(pki_gateway))
    status, refused = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-root-certificate",
                                              json={"certificate": certificate_to_pem(leaf)})
    assert (status, refused["title"]) == (422, "Not a CA certificate"), refused
    assert not await pki_gateway.deps.certificates.admits(HUB, leaf.public_bytes(Encoding.DER))
    bundle = certificate_to_pem(partner_ca.certificate) + certificate_to_pem(
        second_ca.certificate)
    status, roots = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-root-certificate",
                                            json={"certificate": bundle})
    assert status == 200, roots
    assert [c["subject"] for c in roots["certificates"]] == ["CN=P1", "CN=P2"]
    listed = [e["subject"] for e in await _listing(pki_gateway) if e["role"] == "remote_root"]
    assert listed == ["CN=P1", "CN=P2"]
    assert await pki_gateway.deps.certificates.admits(HUB, leaf.public_bytes(Encoding.DER))
    stranger = _client_cert(_partner_ca(pki_gateway, "P3"),
                            generate_private_key(KeyAlgorithm.EC_P256), _now(pki_gateway))
    assert not await pki_gateway.deps.certificates.admits(HUB, stranger.public_bytes(
        Encoding.DER))
    status, as_list = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-root-certificate",
                                              json={"certificate": [certificate_to_base64(
                                                  second_ca.certificate)]})
    assert status == 200 and len(as_list["certificates"]) == 1, as_list
    assert not await pki_gateway.deps.certificates.admits(HUB, leaf.public_bytes(Encoding.DER))


async def test_expired_not_yet_valid_and_weak_inputs_get_clear_errors(
        pki_gateway: Gateway) -> None:
    await _create_root(pki_gateway, "CPO-ROOT")
    now = _now(pki_gateway)
    ca = create_root_ca(SubjectFields("Old CA"), validity_days=3650,
                        now=now - timedelta(days=400))
    key = generate_private_key(KeyAlgorithm.EC_P256)
    expired = _client_cert(ca, key, now - timedelta(days=400), days=30)
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-access-certificate", json={
        "certificate": certificate_to_pem(expired), "private_key": private_key_to_pem(key)})
    assert (status, body["title"]) == (422, "Certificate expired"), body
    assert "expired at" in body["detail"]
    future_ca = create_root_ca(SubjectFields("Future CA"), validity_days=3650,
                               now=pki_gateway.clock.now() + timedelta(days=10))
    early = _client_cert(future_ca, key, pki_gateway.clock.now() + timedelta(days=10))
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/access-certificate", json={
        "certificate": certificate_to_pem(early), "private_key": private_key_to_pem(key)})
    assert (status, body["title"]) == (422, "Certificate not yet valid"), body
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-root-certificate",
                                           json={"certificate": certificate_to_pem(
                                               future_ca.certificate)})
    assert (status, body["title"]) == (422, "Certificate not yet valid"), body

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak_csr = build_csr(weak, SubjectFields("weak partner"))
    status, body = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign", json={
        "csr": base64.b64encode(weak_csr.public_bytes(
            Encoding.DER)).decode(), "root": "CPO-ROOT"})
    assert (status, body["title"]) == (422, "Weak key"), body
    assert "1024" in body["detail"]
    weak_cert = sign_csr_unchecked(ca_with_key=_partner_ca(pki_gateway), csr=weak_csr,
                                   now=now)
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/access-certificate", json={
        "certificate": certificate_to_pem(weak_cert), "private_key": private_key_to_pem(weak)})
    assert (status, body["title"]) == (422, "Weak key"), body
    assert [e for e in await _listing(pki_gateway) if e["platform"] == HUB] == []


async def test_crafted_names_and_ca_requests_get_4xx_not_500(pki_gateway: Gateway) -> None:
    subject = {"common_name": "evgw"}
    csr = f"{PLATFORM}/access-certificate/csr"
    for alt_names in ({"dns": ["é.example"]}, {"dns": ["a b.example"]},
                      {"uri": ["https://é.example/"]}):  # X.509 wants A-labels / ASCII
        status, body = await pki_gateway.admin("POST", csr, json={
            "subject": subject, "alt_names": alt_names, "key_algorithm": "EC_P256"})
        assert (status, body["title"]) == (422, "Validation failed"), (alt_names, body)
    status, body = await pki_gateway.admin("POST", csr, json={
        "subject": subject, "key_algorithm": "EC_P256",
        "alt_names": {"dns": ["*.xn--bcher-kva.example"], "uri": ["urn:evgw:hub"]}})
    assert status == 200, body
    assert "*.xn--bcher-kva.example" in str(load_csr(body["csr"]).extensions)

    def ca(code: str, **extra: Any) -> dict[str, Any]:
        return {"code": code, "name": code, "subject": {"common_name": f"{code} CA"},
                "key_algorithm": "EC_P256", **extra}

    status, body = await pki_gateway.admin("POST", "/pki/roots", json={
        **ca("R1", validity_days=3650), "intermediate": ca("I1", validity_days=3650)})
    assert (status, body["title"]) == (422, "Signing policy violated"), body
    assert "fewer than 3650 validity days" in body["detail"]
    status, body = await pki_gateway.admin("POST", "/pki/roots", json={
        **ca("R1"), "intermediate": ca("R1")})
    assert (status, body["title"]) == (409, "Conflict"), body
    status, body = await pki_gateway.admin("POST", "/pki/roots", json={
        **ca("R1"), "intermediate": ca("I1")})  # the defaults: 3650 and 1825 days
    assert status == 201, body
    assert [(r["code"], r["issuer"]) for r in body] == [("R1", None), ("I1", "R1")]
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-root-certificate",
                                           json={"certificate": ["x"] * 21})
    assert (status, body["title"]) == (422, "Validation failed"), body


def sign_csr_unchecked(ca_with_key: CertificateAuthority, csr: x509.CertificateSigningRequest,
                       now: datetime) -> x509.Certificate:
    """A certificate for a weak key (our signer refuses to make one), built by hand."""
    assert ca_with_key.private_key is not None
    return (x509.CertificateBuilder().subject_name(csr.subject)
            .issuer_name(ca_with_key.certificate.subject).public_key(csr.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + timedelta(days=30))
            .sign(ca_with_key.private_key, hashes.SHA256()))


async def test_key_mismatch_invalid_csr_and_unknown_platform_are_refused(
        pki_gateway: Gateway) -> None:
    await _create_root(pki_gateway, "CPO-ROOT")
    ca = _partner_ca(pki_gateway)
    key, other = (generate_private_key(KeyAlgorithm.EC_P256) for _ in range(2))
    cert = _client_cert(ca, key, _now(pki_gateway))
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/access-certificate", json={
        "certificate": certificate_to_pem(cert), "private_key": private_key_to_pem(other)})
    assert (status, body["title"]) == (422, "Key does not match the certificate"), body
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-access-certificate",
                                           json={"certificate": certificate_to_pem(cert)})
    assert (status, body["title"]) == (422, "Private key required"), body
    status, _keys = await pki_gateway.admin("POST", f"{PLATFORM}/remote-access-certificate/csr",
                                            json={"subject": {"common_name": "evgw"},
                                                  "key_algorithm": "EC_P256"})
    assert status == 200
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/remote-access-certificate",
                                           json={"certificate": certificate_to_pem(cert)})
    assert (status, body["title"]) == (422, "Key does not match the certificate"), body
    status, body = await pki_gateway.admin("PUT", f"{PLATFORM}/access-certificate", json={
        "certificate": "not a certificate", "private_key": private_key_to_pem(key)})
    assert (status, body["title"]) == (422, "Invalid certificate"), body

    request = generate_key_and_csr(SubjectFields("partner"), algorithm=KeyAlgorithm.EC_P256)
    der = bytearray(base64.b64decode(request.csr))
    der[-5] ^= 0xFF  # inside the signature
    status, body = await pki_gateway.admin("POST", f"{PLATFORM}/access-certificate/sign",
                                           json={"csr": base64.b64encode(bytes(der)).decode(),
                                                 "root": "CPO-ROOT"})
    assert (status, body["title"]) == (422, "Invalid CSR"), body
    status, body = await pki_gateway.admin("POST", "/roaming/platforms/NOPE/access-certificate/"
                                           "sign", json={"csr": request.csr, "root": "CPO-ROOT"})
    assert (status, body["title"]) == (404, "Unknown platform"), body
    status, body = await pki_gateway.admin("POST", "/roaming/platforms/NOPE/certificates/"
                                           "invalidate")
    assert status == 404, body
    # The pending CSR is still there; nothing was assigned.
    hub = [e for e in await _listing(pki_gateway) if e["platform"] == HUB]
    assert [(e["role"], e["pending_csr"], e["subject"]) for e in hub] == [
        ("remote_access", True, None)]


async def test_private_keys_are_encrypted_at_rest_and_never_logged(
        pki_gateway: Gateway) -> None:
    with structlog.testing.capture_logs() as logs:
        await _create_root(pki_gateway, "CPO-ROOT")
        status, keys = await pki_gateway.admin(
            "POST", f"{PLATFORM}/remote-access-certificate/csr",
            json={"subject": {"common_name": "evgw"}, "key_algorithm": "EC_P256"})
        assert status == 200
        ca = _partner_ca(pki_gateway)
        signed = sign_csr(ca, load_csr(keys["csr"]), SigningPolicy(profile=Profile.CLIENT),
                          365, _now(pki_gateway))
        status, body = await pki_gateway.admin(
            "PUT", f"{PLATFORM}/remote-access-certificate",
            json={"certificate": certificate_to_base64(signed)})
        assert status == 200, body
        assert body["has_private_key"] is True and body["pending_csr"] is False
    async with pki_gateway.deps.engine.connect() as conn:
        roots = (await conn.execute(select(pki_tables.pki_trust_roots.c.private_key_enc))).all()
        platform = (await conn.execute(select(
            pki_tables.platform_certificates.c.private_key_enc,
            pki_tables.platform_certificates.c.csr_key_enc))).all()
    sealed = [value for row in [*roots, *platform] for value in row if value is not None]
    assert len(sealed) == 2
    for value in sealed:
        assert "PRIVATE KEY" not in value
        assert keys["private_key"] not in value
        assert "PRIVATE KEY" in pki_gateway.deps.secrets.decrypt(value)
    decrypted = pki_gateway.deps.secrets.decrypt(platform[0][0])
    assert public_keys_equal(load_private_key(decrypted), load_private_key(keys["private_key"]))
    text = repr(logs)
    assert "PRIVATE KEY" not in text and keys["private_key"] not in text
    assert {"trust_root_created", "certificate_request_generated",
            "remote_access_certificate_assigned"} <= {e["event"] for e in logs}


async def test_expiring_root_is_flagged_in_listing_logs_and_metrics(
        pki_gateway: Gateway) -> None:
    await _create_root(pki_gateway, "LONG", days=3650)
    await _create_root(pki_gateway, "SHORT", days=10)
    entries = {e["code"]: e for e in await _listing(pki_gateway) if e["kind"] == "system_root"}
    assert entries["SHORT"]["expiring_soon"] is True
    assert entries["SHORT"]["days_left"] in (9, 10)
    assert entries["LONG"]["expiring_soon"] is False
    with structlog.testing.capture_logs() as logs:
        reported = await pki_gateway.deps.certificates.report_expiring()
    assert [e.code for e in reported] == ["SHORT"]
    expiring = [e for e in logs if e["event"] == "certificate_expiring"]
    assert [(e["code"], e["role"], e["kind"]) for e in expiring] == [
        ("SHORT", "root", "system_root")]
    assert expiring[0]["fingerprint"] == entries["SHORT"]["fingerprint_sha256"]
    assert expiring[0]["not_after"] == entries["SHORT"]["not_after"].replace("Z", "+00:00")

    response = await pki_gateway.client.get("/metrics")
    metrics = await response.text()
    assert "evgw_certificates_expiring 1.0" in metrics
    short = [line for line in metrics.splitlines()
             if line.startswith("evgw_certificate_expiry_seconds{") and 'code="SHORT"' in line]
    assert len(short) == 1 and 'kind="system_root"' in short[0] and 'role="root"' in short[0]
    seconds = float(short[0].rsplit(" ", 1)[1])
    assert 9 * 86400 < seconds <= 10 * 86400
    pki_gateway.clock.advance(11 * 86400)
    later = await (await pki_gateway.client.get("/metrics")).text()
    assert "evgw_certificates_expiring 1.0" in later
    assert any(line.startswith("evgw_certificate_expiry_seconds{") and 'code="SHORT"' in line
               and float(line.rsplit(" ", 1)[1]) < 0 for line in later.splitlines())


async def test_changes_made_by_another_process_are_noticed(pki_gateway: Gateway) -> None:
    """``evgw cert`` writes the database directly; the running gateway's poll bumps the
    generation (listeners reload) and drops cached client contexts."""
    service = pki_gateway.deps.certificates
    assert not await service.refresh_from_database()  # remembers where it starts
    cli = CertificateService(pki_gateway.deps.sessions, pki_gateway.deps.secrets,
                             pki_gateway.clock)
    await cli.create_root(RootSpec("ELSEWHERE", "elsewhere", SubjectFields("Elsewhere CA"),
                                   30, KeyAlgorithm.EC_P256))
    before = service.generation
    assert await service.refresh_from_database()
    assert service.generation == before + 1
    assert not await service.refresh_from_database()
    assert [e.code for e in service.expiry_snapshot()] == ["ELSEWHERE"]
    assert "BEGIN CERTIFICATE" in await service.system_roots_pem()
    await cli.generate_csr(HUB, "remote_access", SubjectFields("evgw"),
                           algorithm=KeyAlgorithm.EC_P256)
    assert await service.refresh_from_database()
    await service.create_root(RootSpec("HERE", "here", SubjectFields("Here CA"), 30,
                                       KeyAlgorithm.EC_P256))
    assert not await service.refresh_from_database()  # its own change is already known
