"""The OCPI credentials handshake (2.2.1 and 2.3.0), both ways, and every credentials
operation of the manual (provide / use a registration token, register, update, invalidate,
read). eMSPs, hubs and payment terminal providers (PTP) register the same way; what each
must offer is decided by :func:`ocpi.versions.required_endpoints` from the platform type.

Theory of operation. Tokens: A = a registration token (ours, given to a partner that will
register with us; or the partner's, that we use to register with them); after the
handshake each side holds the other's access token. Partner registers with us: with our
token A they may only read versions and POST credentials; on POST we fetch their versions
and details with their token B (3001 if unusable, 3002 without a common version, 3003
when required endpoints are missing), issue token C, and A dies. We register with them:
with their token A we read their versions/details and POST our credentials carrying a new
token of ours; their answer carries our access token to them, and their A dies. Update
(PUT) swaps tokens both ways; invalidate (DELETE) revokes every token. POST when already
registered and PUT/DELETE when not registered are HTTP 405. Tokens are stored encrypted
(to show and send) and as SHA-256 digests (to recognise inbound calls).

Version. When we register or update, we take the highest version both sides support.
When the partner registers or updates with us, the version is the one whose credentials
URL it called (OCPI: "the version of the credentials URL used"); 3002 when its own
versions list lacks it. The chosen version is stored per platform, and every object we
send that partner is serialized for it (:mod:`ocpi.serialization`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import structlog

from ocpi.client import PartnerClient
from ocpi.errors import MethodNotAllowed, NotFound, Unauthorized, UnsupportedVersion
from ocpi.models import BusinessDetails, Credentials, CredentialsRole, Role, VersionDetails
from ocpi.ports import CredentialsStore, PlatformRecord, SecretCipher
from ocpi.versions import (
    SUPPORTED_VERSIONS,
    pick_common_version,
    required_endpoints,
    same_version,
    versions_url,
)

log = structlog.get_logger("evgw.ocpi")

REGISTRATION = "registration"
ACCESS = "access"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    # OCPI tokens are CiString(64); 43 URL-safe characters carry 256 bits.
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Caller:
    platform: PlatformRecord
    kind: str  # REGISTRATION or ACCESS


class OcpiCredentials:
    def __init__(self, store: CredentialsStore, cipher: SecretCipher, client: PartnerClient,
                 base_url: str, now: Any) -> None:
        self._store = store
        self._cipher = cipher
        self._client = client
        self.store = store
        self.client = client
        # Called with the platform code after every successful registration or update
        # (the composition root publishes our Locations and Tariffs then).
        self.on_registered: Any = None
        self._base_url = base_url.rstrip("/")
        self._now = now

    # --- our side ----------------------------------------------------------------------

    def our_credentials(self, platform: PlatformRecord, token: str) -> Credentials:
        """Our credentials for a partner: the roaming profile's party in the CPO role."""
        return Credentials(
            token=token, url=versions_url(self._base_url),
            roles=[CredentialsRole(
                role=Role.CPO, country_code=platform.party.country_code,
                party_id=platform.party.party_id,
                business_details=BusinessDetails(name=platform.profile_name[:100]))],
        )

    def secret(self, enc: str | None) -> str | None:
        return None if enc is None else self._cipher.decrypt(enc)

    async def _platform(self, code: str) -> PlatformRecord:
        record = await self._store.platform(code)
        if record is None:
            raise NotFound(f"roaming platform {code!r} does not exist or is not OCPI")
        return record

    async def _save(self, record: PlatformRecord) -> None:
        registration = self.secret(record.registration_token_enc)
        access = self.secret(record.access_token_enc)
        await self._store.save(record,
                               registration_digest=digest(registration) if registration else None,
                               access_digest=digest(access) if access else None)

    # --- admin operations (the manual's) --------------------------------------------------

    async def provide_registration_token(self, code: str, token: str | None = None) -> str:
        """Generate and assign (or assign a custom) registration token for the partner."""
        record = await self._platform(code)
        if token is not None and not 1 <= len(token) <= 64:
            from ocpi.errors import InvalidParameters

            raise InvalidParameters("a token has 1 to 64 characters")
        token = token or new_token()
        record.registration_token_enc = self._cipher.encrypt(token)
        await self._save(record)
        log.info("ocpi_registration_token_provided", platform=code)
        return token

    async def set_send_base64(self, code: str, send_base64: bool) -> None:
        record = await self._platform(code)
        record.send_base64 = send_base64
        await self._save(record)

    async def set_cpo_issues_invoices(self, code: str, cpo_issues_invoices: bool) -> None:
        """Whether we (the CPO) invoice this partner's sessions: then its CDRs carry an
        ``invoice_reference_id`` (see :func:`ocpi.session_views.invoice_reference`)."""
        record = await self._platform(code)
        record.cpo_issues_invoices = cpo_issues_invoices
        await self._save(record)

    async def use_partner_registration_token(self, code: str, token: str) -> None:
        record = await self._platform(code)
        record.partner_registration_token_enc = self._cipher.encrypt(token)
        await self._save(record)
        log.info("ocpi_partner_registration_token_assigned", platform=code)

    async def _negotiate(self, record: PlatformRecord, versions_endpoint: str,
                         token: str, version: str | None = None) -> VersionDetails:
        """Reads the partner's versions and the details of ``version`` (default: the
        highest common one); 3002 when the partner does not offer it, 3003 when endpoints
        the partner's type needs are missing."""
        versions = await self._client.versions(versions_endpoint, token, record.send_base64)
        if version is not None and version not in SUPPORTED_VERSIONS:
            raise UnsupportedVersion(f"OCPI {version} is not supported")
        # 3002 when none is common / the partner does not list the version it called.
        version = pick_common_version((version,) if version else SUPPORTED_VERSIONS, versions)
        url = next(v.url for v in versions if same_version(v.version, version))
        details = await self._client.details(str(url), token, record.send_base64)
        record.version = version
        record.endpoints = required_endpoints(details, partner_type=record.type,
                                              version=version)
        return details

    async def register(self, code: str) -> dict[str, Any]:
        """We POST our credentials to the partner with their registration token."""
        record = await self._platform(code)
        if record.registered:
            raise MethodNotAllowed(f"platform {code!r} is already registered; update instead")
        partner_token = self.secret(record.partner_registration_token_enc)
        if partner_token is None:
            from ocpi.errors import InvalidParameters

            raise InvalidParameters("assign the partner's registration token first")
        await self._negotiate(record, record.url, partner_token)
        ours = new_token()
        theirs = await self._call_with_token(record, ours, "POST", partner_token)
        self._registered(record, our_access=ours, theirs=theirs)
        record.partner_registration_token_enc = None
        await self._save(record)
        log.info("ocpi_registered_with_partner", platform=code, version=record.version)
        self._registered_hook(code)
        return await self.read(code)

    async def update(self, code: str) -> dict[str, Any]:
        """We PUT new credentials: a new token for them, theirs comes back."""
        record = await self._platform(code)
        if not record.registered:
            raise MethodNotAllowed(f"platform {code!r} is not registered")
        remote = self.secret(record.remote_access_token_enc)
        assert remote is not None
        await self._negotiate(record, record.url, remote)
        ours = new_token()
        theirs = await self._call_with_token(record, ours, "PUT", remote)
        self._registered(record, our_access=ours, theirs=theirs)
        await self._save(record)
        log.info("ocpi_credentials_updated", platform=code)
        return await self.read(code)

    async def _call_with_token(self, record: PlatformRecord, ours: str, method: str,
                               their_token: str) -> Credentials:
        """POST/PUT our credentials. The partner may call us back with our new token while
        it handles the request, so the token is live first; a failure restores the old."""
        previous = record.access_token_enc
        record.access_token_enc = self._cipher.encrypt(ours)
        await self._save(record)
        try:
            theirs = await self._client.credentials(
                method, record.endpoints["credentials"], their_token, record.send_base64,
                self.our_credentials(record, ours), version=record.version)
        except BaseException:
            record.access_token_enc = previous
            await self._save(record)
            raise
        assert theirs is not None
        return theirs

    def _registered_hook(self, code: str) -> None:
        if self.on_registered is not None:
            self.on_registered(code)

    async def invalidate(self, code: str) -> None:
        """We DELETE our credentials at the partner and revoke every token."""
        record = await self._platform(code)
        remote = self.secret(record.remote_access_token_enc)
        if record.registered and remote and "credentials" in record.endpoints:
            try:
                await self._client.credentials("DELETE", record.endpoints["credentials"],
                                               remote, record.send_base64, None,
                                               version=record.version)
            except Exception as exc:  # revoking locally must not depend on the partner
                log.warning("ocpi_partner_delete_failed", platform=code, error=str(exc))
        self._revoke(record)
        await self._save(record)
        log.info("ocpi_credentials_invalidated", platform=code)

    async def read(self, code: str) -> dict[str, Any]:
        record = await self._platform(code)
        return {
            "registration_token": self.secret(record.registration_token_enc),
            "access_token": self.secret(record.access_token_enc),
            "remote_access_token": self.secret(record.remote_access_token_enc),
            "partner_registration_token_set": record.partner_registration_token_enc
            is not None,
            "send_base64": record.send_base64,
            "cpo_issues_invoices": record.cpo_issues_invoices,
            "registered": record.registered,
            "version": record.version,
            "endpoints": record.endpoints,
            "roles": record.roles,
            "hub_party_id": record.hub_party_id,
        }

    # --- partner side (inbound /credentials) ----------------------------------------------

    async def authenticate(self, candidates: tuple[str, ...]) -> Caller:
        for token in candidates:
            found = await self._store.platform_by_token(digest(token))
            if found is not None:
                return Caller(found[0], found[1])
        raise Unauthorized("unknown token")

    def _registered(self, record: PlatformRecord, *, our_access: str,
                    theirs: Credentials) -> None:
        record.access_token_enc = self._cipher.encrypt(our_access)
        record.remote_access_token_enc = self._cipher.encrypt(theirs.token)
        record.roles = [r.model_dump(mode="json", exclude_none=True) for r in theirs.roles]
        # 2.3.0: a hub names its own party; absent in 2.2.1 Credentials.
        record.hub_party_id = getattr(theirs, "hub_party_id", None)
        record.registered_at = self._now()

    @staticmethod
    def _revoke(record: PlatformRecord) -> None:
        record.registration_token_enc = None
        record.access_token_enc = None
        record.remote_access_token_enc = None
        record.partner_registration_token_enc = None
        record.registered_at = None
        record.endpoints = {}
        record.roles = []
        record.hub_party_id = None
        record.version = None

    async def partner_registers(self, caller: Caller, theirs: Credentials,
                                version: str = "2.2.1") -> Credentials:
        """POST {version}/credentials: allowed with the registration token only, once."""
        record = caller.platform
        if record.registered:
            raise MethodNotAllowed("already registered: use PUT to update")
        await self._negotiate(record, str(theirs.url), theirs.token, version)
        ours = new_token()
        self._registered(record, our_access=ours, theirs=theirs)
        record.registration_token_enc = None  # token A dies
        record.url = str(theirs.url)
        await self._save(record)
        log.info("ocpi_partner_registered", platform=record.code, version=record.version)
        self._registered_hook(record.code)
        return self.our_credentials(record, ours)

    async def partner_updates(self, caller: Caller, theirs: Credentials,
                              version: str = "2.2.1") -> Credentials:
        """PUT {version}/credentials: new tokens both ways, and the relation moves to
        ``version`` (how a partner switches version)."""
        record = caller.platform
        if not record.registered or caller.kind != ACCESS:
            raise MethodNotAllowed("not registered: use POST to register")
        await self._negotiate(record, str(theirs.url), theirs.token, version)
        ours = new_token()
        self._registered(record, our_access=ours, theirs=theirs)
        record.url = str(theirs.url)
        await self._save(record)
        log.info("ocpi_partner_updated_credentials", platform=record.code)
        return self.our_credentials(record, ours)

    async def partner_deletes(self, caller: Caller) -> None:
        record = caller.platform
        if not record.registered or caller.kind != ACCESS:
            raise MethodNotAllowed("not registered")
        self._revoke(record)
        await self._save(record)
        log.info("ocpi_partner_unregistered", platform=record.code)

    def current(self, caller: Caller) -> Credentials:
        """GET /credentials: what the partner should use to reach us now."""
        token = self.secret(caller.platform.access_token_enc if caller.kind == ACCESS
                            else caller.platform.registration_token_enc)
        assert token is not None
        return self.our_credentials(caller.platform, token)

