"""What the OCPI edge needs from the rest of the system (implemented by the gateway)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ocpi.mapping.views import AreaView, ChargerView, ConnectorView, Party
from ocpi.models.tariffs import Tariff


@dataclass
class PlatformRecord:
    """A roaming platform with its OCPI credential state. Secrets stay encrypted here."""

    id: int
    code: str
    name: str
    url: str  # the partner's versions URL (platform base URL)
    party: Party  # ours: the platform's roaming profile
    profile_name: str
    type: str = "EMSP"  # the platform type: EMSP, HUB, PTP, ... (PTPs have other needs)
    send_base64: bool = True
    # The CPO issues the invoices of this partner's sessions: CDRs carry an
    # invoice_reference_id (OCPI 2.3.0 Payments: set = CPO invoices, absent = the PTP does).
    cpo_issues_invoices: bool = False
    registration_token_enc: str | None = None
    access_token_enc: str | None = None
    partner_registration_token_enc: str | None = None
    remote_access_token_enc: str | None = None
    version: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)  # module id -> URL
    roles: list[dict[str, Any]] = field(default_factory=list)
    hub_party_id: str | None = None  # 2.3.0: a hub's own party ("DEHUB")
    registered_at: datetime | None = None

    @property
    def registered(self) -> bool:
        return self.registered_at is not None


class SecretCipher(Protocol):
    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


class CredentialsStore(Protocol):
    async def platform(self, code: str) -> PlatformRecord | None: ...

    async def platforms(self) -> list[PlatformRecord]: ...

    async def platform_by_token(self, digest: str) -> tuple[PlatformRecord, str] | None:
        """The platform whose registration or access token has this SHA-256 digest, and
        which of the two it is ("registration" / "access")."""
        ...

    async def save(self, record: PlatformRecord, *, registration_digest: str | None,
                   access_digest: str | None) -> None:
        """Stores the record; the digests replace the stored ones (None clears)."""
        ...


@dataclass(frozen=True)
class LocationTree:
    area: AreaView
    chargers: tuple[tuple[ChargerView, tuple[ConnectorView, ...]], ...]
    related: tuple[AreaView, ...] = ()


class NetworkQueries(Protocol):
    async def version(self) -> tuple[Any, ...]:
        """Changes whenever anything a Location shows may have changed (cheap to read)."""
        ...

    async def location_trees(self, platform_code: str) -> Sequence[LocationTree]:
        """Every area that has a roaming id, with its chargers and connectors (the edge
        decides what is exposed), tariff ids resolved for the platform."""
        ...


@dataclass(frozen=True)
class StoredToken:
    platform_code: str
    token: dict[str, Any]  # the OCPI Token as stored (JSON form)


class TokenStore(Protocol):
    async def put(self, platform_id: int, token: dict[str, Any]) -> None: ...

    async def get(self, platform_id: int, country_code: str, party_id: str, uid: str,
                  token_type: str) -> dict[str, Any] | None: ...

    async def find_uid(self, uid: str) -> list[StoredToken]:
        """Every stored token with this uid (any platform, any type)."""
        ...


class PlaceLookup(Protocol):
    async def references(self, charger: str | None, connector: str | None
                         ) -> tuple[str, list[str]] | None:
        """(location id, [evse uid]) of a connector in roaming, for LocationReferences."""
        ...


@dataclass(frozen=True)
class PublishedTariff:
    """A tariff as a partner sees it: the (version-neutral) OCPI Tariff, and the maximum
    payment authorization amount of the roaming tariff behind it (2.3.0
    ``preauthorize_amount``: what a payment terminal pre-authorizes on the card)."""

    tariff: Tariff
    preauthorize_amount: Decimal | None = None


@dataclass(frozen=True)
class Preauthorization:
    """What a payment terminal's session at a charger is priced with: whether a roaming
    tariff of the PTP applies there, and the amount to pre-authorize (the session's
    monetary limit; None: the tariff sets none)."""

    priced: bool
    amount: Decimal | None = None


class PreauthorizationSource(Protocol):
    async def preauthorization(self, platform_code: str, charger_code: str
                               ) -> Preauthorization: ...
