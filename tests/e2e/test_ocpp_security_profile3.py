"""OCPP security profile 3 and SignCertificate, end to end over real TLS websockets.

A system trust root is created through the admin API; the gateway's TLS listener
(``gateway.tls_listener``, the one ``evgw serve`` runs) serves the OCPP endpoint on
127.0.0.1 with a server certificate from a separate test CA. Chargers present client
certificates (or none) with their own ``ssl`` contexts; SignCertificate round trips run a
2.0.1 / 1.6 charger simulator and verify the returned chain with ``openssl verify`` and
``pki.certificates.verify_chain``; the signed certificate then admits the charger under
policy ``wss-client-cert``.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import build_app, build_deps
from gateway.tls_listener import TlsListener
from pki.authority import (
    CertificateAuthority,
    Profile,
    SigningPolicy,
    create_root_ca,
    sign_csr,
)
from pki.certificates import (
    certificate_to_pem,
    certificates_to_pem,
    load_certificate,
    load_certificates,
    verify_chain,
)
from pki.csr import SubjectAltNames, SubjectFields, build_csr, csr_to_pem
from pki.keys import KeyAlgorithm, PrivateKey, generate_private_key, private_key_to_pem
from pki.tls import ClientCertMode, client_context, server_context
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.support.charger_sim import ChargerSim
from tests.support.clock import FakeClock
from tests.support.gateway_fixtures import Gateway

CS_ROOT = "chargers-root"
P201, P16 = "ocpp2.0.1", "ocpp1.6"
OPENSSL = shutil.which("openssl")


# --- fixtures ------------------------------------------------------------------------------


@dataclass
class ServerPki:
    """The listener's own certificate (a CA unrelated to the system roots)."""

    ca_pem: str
    chain_pem: str
    key_pem: str


@pytest.fixture(scope="module")
def server_pki() -> ServerPki:
    ca = create_root_ca(SubjectFields("evgw test server CA"), validity_days=2)
    key = generate_private_key(KeyAlgorithm.EC_P256)
    policy = SigningPolicy(profile=Profile.SERVER,
                           sans=SubjectAltNames(ip=(ipaddress.ip_address("127.0.0.1"),)))
    cert = sign_csr(ca, build_csr(key, SubjectFields("127.0.0.1")), policy, 1)
    return ServerPki(certificate_to_pem(ca.certificate), certificate_to_pem(cert),
                     private_key_to_pem(key))


async def _gateway(engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any,
                   **settings: Any) -> Gateway:
    from gateway.demo import seed_demo

    clock = FakeClock()
    deps = build_deps(make_settings(tmp_path, ocpp_call_timeout=5.0, **settings), engine,
                      b"test-secret-key", clock=clock)
    await seed_demo(deps.network)
    app = build_app(deps, dispose_engine=False, run_jobs=False)
    client: TestClient[Any, Any] = await aiohttp_client(
        app, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    return Gateway(client, deps, clock)


@pytest.fixture
async def gateway(sqlite_engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any
                  ) -> Gateway:
    """The gateway configured to sign chargers' CSRs with ``CS_ROOT``."""
    return await _gateway(sqlite_engine, tmp_path, aiohttp_client,
                          charging_station_root=CS_ROOT)


@dataclass
class Listener:
    tls: TlsListener
    server: ServerPki

    def url(self, identity: str) -> str:
        return f"wss://127.0.0.1:{self.tls.port}/ocpp/{identity}"

    def client_ssl(self, chain_pem: str | None = None, key_pem: str | None = None
                   ) -> ssl.SSLContext:
        return client_context(self.server.ca_pem, chain_pem, key_pem)


async def start_listener(gateway: Gateway, server: ServerPki) -> Listener:
    context = server_context(server.chain_pem, server.key_pem, None, ClientCertMode.NONE)
    tls = TlsListener(context, gateway.deps.certificates, refresh_interval=3600)
    runner = gateway.client.server.runner
    assert runner is not None
    await tls.start(runner, "127.0.0.1", 0)
    return Listener(tls, server)


@pytest.fixture
async def listener(gateway: Gateway, server_pki: ServerPki) -> AsyncIterator[Listener]:
    """The TLS listener started after the charging-station root exists."""
    await create_root(gateway, CS_ROOT)
    started = await start_listener(gateway, server_pki)
    yield started
    await started.tls.stop()


# --- helpers ------------------------------------------------------------------------------


async def create_root(gateway: Gateway, code: str) -> None:
    """A system trust root, created through the admin API."""
    status, body = await gateway.admin("POST", "/pki/roots", json={
        "code": code, "name": f"{code} (test)",
        "subject": {"common_name": f"{code} CA", "organization": "evgw tests"},
        "validity_days": 30})
    assert status == 201, body


def new_csr(common_name: str, key: PrivateKey | None = None) -> tuple[str, PrivateKey]:
    key = key or generate_private_key(KeyAlgorithm.EC_P256)
    return csr_to_pem(build_csr(key, SubjectFields(common_name, organization="evgw CPO"))), key


def charger_certificate(authority: CertificateAuthority, identity: str
                        ) -> tuple[str, str]:
    """(certificate chain PEM, key PEM) for ``identity`` signed by ``authority``."""
    key = generate_private_key(KeyAlgorithm.EC_P256)
    cert = sign_csr(authority, build_csr(key, SubjectFields(identity)),
                    SigningPolicy(profile=Profile.CLIENT), 7)
    return certificates_to_pem([cert, authority.certificate]), private_key_to_pem(key)


async def set_policy(gateway: Gateway, station: str, policy: str) -> None:
    status, body = await gateway.admin("PATCH", f"/stations/{station}",
                                       json={"connection_policy": policy})
    assert status == 200, body
    assert body["connection_policy"] == policy


async def handshake(url: str, context: ssl.SSLContext, protocol: str = P16) -> int | str:
    """101 when the websocket opened, the HTTP status when refused before the upgrade,
    ``"tls"`` when the TLS handshake itself failed."""
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(url, protocols=(protocol,), ssl=context)
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        except (aiohttp.ClientConnectionError, ssl.SSLError, ConnectionError):
            return "tls"
        await ws.close()
        return 101


async def boot16(sim: ChargerSim) -> dict[str, Any]:
    return await sim.call("BootNotification", {"chargePointVendor": "Test",
                                               "chargePointModel": "P3"})


async def boot201(sim: ChargerSim) -> dict[str, Any]:
    return await sim.call("BootNotification", {"reason": "PowerUp", "chargingStation": {
        "model": "P3", "vendorName": "Test"}})


class CertificateInbox:
    """The simulator's CertificateSigned handler: accepts and hands the payload over."""

    def __init__(self) -> None:
        self.payloads: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def __call__(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.payloads.put_nowait(payload)
        return {"status": "Accepted"}

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.payloads.get(), 15)


def openssl_verify(tmp_path: Path, chain_pem: str, root_pem: str
                   ) -> subprocess.CompletedProcess[str]:
    assert OPENSSL, "openssl is required"
    certs = load_certificates(chain_pem)
    (tmp_path / "leaf.pem").write_text(certificate_to_pem(certs[0]))
    (tmp_path / "untrusted.pem").write_text(certificates_to_pem(certs[1:]) or root_pem)
    (tmp_path / "root.pem").write_text(root_pem)
    return subprocess.run(
        [OPENSSL, "verify", "-purpose", "sslclient", "-CAfile", str(tmp_path / "root.pem"),
         "-untrusted", str(tmp_path / "untrusted.pem"), str(tmp_path / "leaf.pem")],
        capture_output=True, text=True, check=False)


async def sign_round_trip(gateway: Gateway, listener: Listener, identity: str,
                          protocol: str, csr: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """SignCertificate from a profile-2 charger; returns (answer, CertificateSigned)."""
    inbox = CertificateInbox()
    sim = ChargerSim(listener.url(identity), protocol, ssl=listener.client_ssl(),
                     handlers={"CertificateSigned": inbox})
    async with sim:
        if protocol == P16:
            await boot16(sim)
            answer = await sim.call("SignCertificate", {"csr": csr})
        else:
            await boot201(sim)
            answer = await sim.call("SignCertificate", {
                "csr": csr, "certificateType": "ChargingStationCertificate"})
        assert answer["status"] == "Accepted", answer
        signed = await inbox.next()
    return answer, signed


# --- security profile 3: admission ---------------------------------------------------------


async def test_profile3_admits_only_a_certificate_for_the_identity_from_a_system_root(
    gateway: Gateway, listener: Listener
) -> None:
    authority = await gateway.deps.certificates.signing_authority(CS_ROOT)
    await set_policy(gateway, "station-01", "wss-client-cert")
    url = listener.url("station-01")

    chain, key = charger_certificate(authority, "station-01")
    sim = ChargerSim(url, P16, ssl=listener.client_ssl(chain, key))
    async with sim:
        assert (await boot16(sim))["status"] == "Accepted"
    await gateway.wait_disconnected()

    assert await handshake(url, listener.client_ssl()) == 401  # no certificate at all
    other_ca = create_root_ca(SubjectFields("not a system root"), validity_days=10)
    foreign = charger_certificate(other_ca, "station-01")
    assert await handshake(url, listener.client_ssl(*foreign)) == "tls"  # OpenSSL refuses
    wrong_cn = charger_certificate(authority, "station-02")
    assert await handshake(url, listener.client_ssl(*wrong_cn)) == 403
    assert await _plain_status(gateway, "station-01") == 403  # never without TLS
    assert gateway.deps.registry.get("station-01") is None


async def _plain_status(gateway: Gateway, identity: str) -> int:
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(gateway.ws_url(identity), protocols=(P16,))
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status
        await ws.close()
        return 101


async def test_profile2_chargers_without_certificates_share_the_listener(
    gateway: Gateway, listener: Listener
) -> None:
    await set_policy(gateway, "station-02", "wss")
    sim = ChargerSim(listener.url("station-02"), P201, ssl=listener.client_ssl())
    async with sim:
        assert (await boot201(sim))["status"] == "Accepted"
    await set_policy(gateway, "station-01", "wss-basic-auth")
    status, _ = await gateway.admin("PUT", "/stations/station-01/password",
                                    json={"password": "correct-horse-battery"})
    assert status == 204
    token = base64.b64encode(b"station-01:correct-horse-battery").decode()
    sim16 = ChargerSim(listener.url("station-01"), P16, ssl=listener.client_ssl(),
                       headers={"Authorization": f"Basic {token}"})
    async with sim16:
        assert (await boot16(sim16))["status"] == "Accepted"
    # A profile-2 charger that also presents a valid certificate is fine too.
    authority = await gateway.deps.certificates.signing_authority(CS_ROOT)
    with_cert = listener.client_ssl(*charger_certificate(authority, "station-02"))
    assert await handshake(listener.url("station-02"), with_cert, P201) == 101


def _client_cert_mode(listener: Listener) -> ssl.VerifyMode:
    return listener.tls.context.verify_mode


async def test_roots_created_after_start_are_loaded_on_refresh(
    gateway: Gateway, server_pki: ServerPki
) -> None:
    started = await start_listener(gateway, server_pki)
    try:
        await set_policy(gateway, "station-01", "wss-client-cert")
        assert _client_cert_mode(started) == ssl.CERT_NONE  # no roots: not requested
        # So a profile-3 charger cannot present its certificate yet: refused (401), while
        # the TLS handshake itself still works for everyone.
        stray = create_root_ca(SubjectFields("Not a system root"), validity_days=30)
        stray_chain, stray_key = charger_certificate(stray, "station-01")
        url = started.url("station-01")
        assert await handshake(url, started.client_ssl(stray_chain, stray_key)) == 401
        await create_root(gateway, CS_ROOT)
        authority = await gateway.deps.certificates.signing_authority(CS_ROOT)
        chain, key = charger_certificate(authority, "station-01")
        assert await started.tls.refresh() is True
        assert _client_cert_mode(started) == ssl.CERT_OPTIONAL
        assert await handshake(url, started.client_ssl(chain, key)) == 101
        assert await started.tls.refresh() is False  # same generation: nothing to do
    finally:
        await started.tls.stop()


class _ListenerRoots:
    """What the listener trusts: the system roots plus a root the system no longer has
    (the context keeps every root it ever loaded)."""

    def __init__(self, gateway: Gateway, stale_root_pem: str) -> None:
        self._certificates = gateway.deps.certificates
        self._stale = stale_root_pem

    @property
    def generation(self) -> int:
        return self._certificates.generation

    async def system_roots_pem(self) -> str:
        return await self._certificates.system_roots_pem() + self._stale


async def test_a_root_left_in_the_tls_context_no_longer_admits(
    gateway: Gateway, server_pki: ServerPki
) -> None:
    await create_root(gateway, CS_ROOT)
    removed = create_root_ca(SubjectFields("removed root"), validity_days=10)
    context = server_context(server_pki.chain_pem, server_pki.key_pem, None,
                             ClientCertMode.NONE)
    tls = TlsListener(context, _ListenerRoots(gateway, certificate_to_pem(removed.certificate)),
                      refresh_interval=3600)
    runner = gateway.client.server.runner
    assert runner is not None
    await tls.start(runner, "127.0.0.1", 0)
    started = Listener(tls, server_pki)
    try:
        await set_policy(gateway, "station-01", "wss-client-cert")
        stale = started.client_ssl(*charger_certificate(removed, "station-01"))
        assert await handshake(started.url("station-01"), stale) == 403  # TLS passed
        authority = await gateway.deps.certificates.signing_authority(CS_ROOT)
        current = started.client_ssl(*charger_certificate(authority, "station-01"))
        assert await handshake(started.url("station-01"), current) == 101
    finally:
        await tls.stop()


# --- SignCertificate ------------------------------------------------------------------------


async def test_sign_certificate_201_round_trip_then_profile3(
    gateway: Gateway, listener: Listener, tmp_path: Path
) -> None:
    await set_policy(gateway, "station-02", "wss")
    csr, key = new_csr("station-02")
    answer, signed = await sign_round_trip(gateway, listener, "station-02", P201, csr)
    assert answer == {"status": "Accepted"}
    assert signed["certificateType"] == "ChargingStationCertificate"
    chain = load_certificates(signed["certificateChain"])
    leaf = chain[0]
    assert leaf.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == (
        "station-02")
    root_pem = certificate_to_pem(
        (await gateway.deps.certificates.signing_authority(CS_ROOT)).certificate)
    assert load_certificate(root_pem) in chain[1:]  # leaf + issuer chain
    result = openssl_verify(tmp_path, signed["certificateChain"], root_pem)
    assert result.returncode == 0, result.stdout + result.stderr
    path = verify_chain(leaf, chain[1:], [load_certificate(root_pem)], datetime.now(UTC))
    assert path[-1] == load_certificate(root_pem)
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]

    # The charger installs it and switches to security profile 3.
    await set_policy(gateway, "station-02", "wss-client-cert")
    context = listener.client_ssl(signed["certificateChain"], private_key_to_pem(key))
    sim = ChargerSim(listener.url("station-02"), P201, ssl=context)
    async with sim:
        assert (await boot201(sim))["status"] == "Accepted"


async def test_sign_certificate_16_security_extension(
    gateway: Gateway, listener: Listener, tmp_path: Path
) -> None:
    await set_policy(gateway, "station-01", "wss")
    csr, key = new_csr("station-01", generate_private_key(KeyAlgorithm.RSA_2048))
    answer, signed = await sign_round_trip(gateway, listener, "station-01", P16, csr)
    assert answer == {"status": "Accepted"}
    assert set(signed) == {"certificateChain"}  # 1.6 has no certificateType
    root = (await gateway.deps.certificates.signing_authority(CS_ROOT)).certificate
    result = openssl_verify(tmp_path, signed["certificateChain"], certificate_to_pem(root))
    assert result.returncode == 0, result.stdout + result.stderr
    await set_policy(gateway, "station-01", "wss-client-cert")
    context = listener.client_ssl(signed["certificateChain"], private_key_to_pem(key))
    assert await handshake(listener.url("station-01"), context) == 101


def _tampered(csr_pem: str) -> str:
    """The same CSR with one bit of its signature flipped."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01
    body = base64.encodebytes(bytes(der)).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"


async def _rejected(sim: ChargerSim, payload: dict[str, Any]) -> dict[str, Any]:
    answer = await sim.call("SignCertificate", payload)
    assert answer["status"] == "Rejected", answer
    return answer


async def test_sign_certificate_rejections(gateway: Gateway, listener: Listener) -> None:
    await set_policy(gateway, "station-02", "wss")
    inbox = CertificateInbox()
    sim = ChargerSim(listener.url("station-02"), P201, ssl=listener.client_ssl(),
                     handlers={"CertificateSigned": inbox})
    good, _ = new_csr("station-02")
    async with sim:
        await boot201(sim)
        bad_signature = await _rejected(sim, {"csr": _tampered(good)})
        assert bad_signature["statusInfo"]["reasonCode"] == "InvalidCSR"
        wrong_cn = await _rejected(sim, {"csr": new_csr("station-01")[0]})
        assert wrong_cn["statusInfo"]["reasonCode"] == "InvalidCSR"
        garbage = await _rejected(sim, {"csr": "not a CSR"})
        assert garbage["statusInfo"]["reasonCode"] == "InvalidCSR"
        v2g = await _rejected(sim, {"csr": good, "certificateType": "V2GCertificate"})
        assert v2g["statusInfo"]["reasonCode"] == "UnsupportedCertType"
        await sim.call("Heartbeat", {})
    assert inbox.payloads.empty()  # nothing was signed for a rejected request
    assert [action for action, _ in sim.received] == []


async def test_sign_certificate_rejected_without_a_configured_root(
    sqlite_engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any
) -> None:
    unconfigured = await _gateway(sqlite_engine, tmp_path, aiohttp_client)
    async with unconfigured.charger("station-02", P201) as sim:
        await boot201(sim)
        answer = await _rejected(sim, {"csr": new_csr("station-02")[0]})
        assert answer["statusInfo"]["reasonCode"] == "NotConfigured"
    async with unconfigured.charger("station-01", P16) as sim16:
        await boot16(sim16)
        assert await sim16.call("SignCertificate", {"csr": new_csr("station-01")[0]}) == {
            "status": "Rejected"}


async def test_sign_certificate_rejected_while_the_configured_root_is_missing(
    gateway: Gateway
) -> None:
    # EVGW_CHARGING_STATION_ROOT names a root that was never created: no Accepted for a
    # certificate that cannot come
    async with gateway.charger("station-02", P201) as sim:
        await boot201(sim)
        answer = await _rejected(sim, {"csr": new_csr("station-02")[0]})
        assert answer["statusInfo"]["reasonCode"] == "NotConfigured"
        await create_root(gateway, CS_ROOT)
        accepted = await sim.call("SignCertificate", {"csr": new_csr("station-02")[0]})
        assert accepted["status"] == "Accepted"


# --- the strict ocpp-rpc peer ----------------------------------------------------------------


@pytest.mark.parametrize("protocol", [P201, P16])
async def test_sign_certificate_with_strict_ocpp_rpc_peer(
    gateway: Gateway, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.e2e import test_ocpp_rpc_peer as rpc

    if rpc.NODE is None or not (rpc.PEER_DIR / "node_modules" / "ocpp-rpc").is_dir():
        pytest.skip("the ocpp-rpc peer is not installed")
    await create_root(gateway, CS_ROOT)
    identity = rpc.STATIONS[protocol]
    monkeypatch.setenv("PEER_CSR", new_csr(identity)[0])
    lines = await rpc.run_peer(gateway, protocol, "signcert")
    signed = next(line for line in lines if line.get("step") == "server:CertificateSigned")
    leaf = load_certificates(signed["request"]["certificateChain"])[0]
    assert leaf.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0].value == (
        identity)
