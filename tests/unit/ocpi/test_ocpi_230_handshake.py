"""Which version the credentials handshake settles on, and what it keeps of a 2.3.0 partner
(OcpiCredentials with an in-memory store and a scripted partner client)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ocpi.credentials import ACCESS, REGISTRATION, Caller, OcpiCredentials, digest
from ocpi.errors import NoMatchingEndpoints, UnsupportedVersion
from ocpi.mapping.views import Party
from ocpi.models import Credentials, Endpoint, InterfaceRole, Version, VersionDetails, v230
from ocpi.ports import PlatformRecord
from ocpi.serialization import serializer_for

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PTP_URL = "https://ptp.example.com/ocpi/versions"


class Store:
    def __init__(self, record: PlatformRecord) -> None:
        self.record = record
        self.digests: dict[str, str] = {}

    async def platform(self, code: str) -> PlatformRecord | None:
        return self.record if code == self.record.code else None

    async def platforms(self) -> list[PlatformRecord]:
        return [self.record]

    async def platform_by_token(self, token_digest: str) -> tuple[PlatformRecord, str] | None:
        kind = self.digests.get(token_digest)
        return (self.record, kind) if kind else None

    async def save(self, record: PlatformRecord, *, registration_digest: str | None,
                   access_digest: str | None) -> None:
        self.record = record
        self.digests = {d: k for d, k in ((registration_digest, REGISTRATION),
                                          (access_digest, ACCESS)) if d}


class Plain:
    def encrypt(self, plaintext: str) -> str:
        return f"enc:{plaintext}"

    def decrypt(self, ciphertext: str) -> str:
        return ciphertext.removeprefix("enc:")


class Partner:
    """A PTP's API as the handshake sees it: its versions, details, credentials answers."""

    def __init__(self, versions: tuple[str, ...], modules: tuple[str, ...]) -> None:
        self.versions_offered = versions
        self.modules = modules
        self.sent: list[tuple[str, str | None, dict[str, Any] | None]] = []

    async def versions(self, url: str, token: str, base64_token: bool) -> list[Version]:
        return [Version(version=v, url=f"https://ptp.example.com/ocpi/{v}")
                for v in self.versions_offered]

    async def details(self, url: str, token: str, base64_token: bool) -> VersionDetails:
        version = url.rsplit("/", 1)[1]
        return VersionDetails(version=version, endpoints=[
            Endpoint(identifier=m, role=InterfaceRole.RECEIVER if m == "cdrs"
                     else InterfaceRole.SENDER, url=f"https://ptp.example.com/{version}/{m}")
            for m in self.modules])

    async def credentials(self, method: str, url: str, token: str, base64_token: bool,
                          ours: Credentials | None, *, version: str | None = None
                          ) -> Credentials | None:
        wire = serializer_for(version)
        self.sent.append((method, version, wire.credentials(ours) if ours else None))
        return wire.parse_credentials(their_credentials("tok-from-ptp"))


def their_credentials(token: str, **extra: Any) -> dict[str, Any]:
    return {"token": token, "url": PTP_URL, "roles": [{
        "role": "PTP", "party_id": "PTP", "country_code": "AT",
        "business_details": {"name": "Pay Terminals"}}], **extra}


def setup(versions: tuple[str, ...], modules: tuple[str, ...] = (
        "credentials", "cdrs", "sessions", "payments")) -> tuple[OcpiCredentials, Store, Partner]:
    record = PlatformRecord(id=1, code="PTP-AT", name="PTP", url=PTP_URL,
                            party=Party("SI", "TRI"), profile_name="Tridens", type="PTP")
    store, partner = Store(record), Partner(versions, modules)
    service = OcpiCredentials(store, Plain(), partner,  # type: ignore[arg-type]
                              "https://gw.example.com/ocpi", lambda: NOW)
    return service, store, partner


async def test_partner_registering_gets_the_version_of_the_url_it_called() -> None:
    service, store, _ = setup(("2.2.1", "2.3.0"))
    token_a = await service.provide_registration_token("PTP-AT")
    caller = await service.authenticate((token_a,))
    theirs = serializer_for("2.2.1").parse_credentials(their_credentials("tok-b"))
    ours = await service.partner_registers(caller, theirs, "2.2.1")
    assert store.record.version == "2.2.1"  # not the highest common one: the URL's
    assert "payments" in store.record.endpoints  # used when present, even on 2.2.1
    caller = Caller(store.record, ACCESS)
    assert digest(ours.token) in store.digests
    theirs = serializer_for("2.3.0").parse_credentials(their_credentials("tok-b2",
                                                                         hub_party_id="ATHUB"))
    await service.partner_updates(caller, theirs, "2.3.0")  # PUT on 2.3.0: moves the relation
    assert store.record.version == "2.3.0" and store.record.hub_party_id == "ATHUB"
    assert (await service.read("PTP-AT"))["hub_party_id"] == "ATHUB"


async def test_partner_registering_on_a_version_it_does_not_list_is_3002() -> None:
    service, store, _ = setup(("2.2.1",))
    token_a = await service.provide_registration_token("PTP-AT")
    caller = await service.authenticate((token_a,))
    theirs = serializer_for("2.3.0").parse_credentials(their_credentials("tok-b"))
    with pytest.raises(UnsupportedVersion):
        await service.partner_registers(caller, theirs, "2.3.0")
    assert not store.record.registered


async def test_we_register_on_the_highest_common_version_in_its_shape() -> None:
    service, store, partner = setup(("2.1.1", "2.2.1", "2.3.0"))
    await service.use_partner_registration_token("PTP-AT", "token-a-of-ptp")
    view = await service.register("PTP-AT")
    assert view["version"] == "2.3.0" and view["registered"]
    method, version, body = partner.sent[0]
    assert (method, version) == ("POST", "2.3.0")
    assert body is not None and body["roles"][0]["role"] == "CPO"
    assert store.record.roles[0]["role"] == "PTP"


async def test_ptp_on_230_without_payments_is_3003() -> None:
    service, store, _ = setup(("2.3.0",), modules=("credentials", "cdrs"))
    await service.use_partner_registration_token("PTP-AT", "token-a-of-ptp")
    with pytest.raises(NoMatchingEndpoints, match="payments"):
        await service.register("PTP-AT")
    assert not store.record.registered


def test_230_credentials_keep_hub_party_id_for_the_record() -> None:
    parsed = serializer_for("2.3.0").parse_credentials(their_credentials("t", hub_party_id="X"))
    assert isinstance(parsed, v230.Credentials) and parsed.hub_party_id == "X"
