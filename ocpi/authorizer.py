"""The OCPI roaming authorizer, appended to the CSMS's authorizer chain.

A token the CSMS does not know is looked up among the tokens eMSPs pushed to us.
Whitelist ALWAYS: accepted from the stored token. ALLOWED / ALLOWED_OFFLINE: the eMSP is
asked in real time (POST {tokens}/{uid}/authorize with LocationReferences); when it
cannot be reached the stored token decides. NEVER: real time only. An invalid token is
blocked. The decision carries the platform (sessions go to that eMSP only) and the
eMSP's authorization_reference (which lands on the session and its CDR).
"""

from __future__ import annotations

import structlog

from csms.authorization import (
    AuthorizationDecision,
    AuthorizationRequest,
    AuthorizationSource,
    AuthorizationStatus,
)
from ocpi.credentials import OcpiCredentials
from ocpi.errors import OcpiError
from ocpi.models import LocationReferences
from ocpi.ports import PlaceLookup, StoredToken, TokenStore
from ocpi.routing import RoutingHeaders

log = structlog.get_logger("evgw.ocpi")
_ALLOWED = {"ALLOWED": AuthorizationStatus.ACCEPTED, "BLOCKED": AuthorizationStatus.BLOCKED,
            "EXPIRED": AuthorizationStatus.EXPIRED, "NO_CREDIT": AuthorizationStatus.NO_CREDIT,
            "NOT_ALLOWED": AuthorizationStatus.INVALID}


class OcpiTokenAuthorizer:
    def __init__(self, tokens: TokenStore, credentials: OcpiCredentials,
                 places: PlaceLookup) -> None:
        self._tokens = tokens
        self._credentials = credentials
        self._places = places

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        stored = await self._tokens.find_uid(request.id_token)
        if not stored:
            return AuthorizationDecision(AuthorizationStatus.UNKNOWN)
        found = stored[0]
        token = found.token
        if not token.get("valid", False):
            return self._decision(AuthorizationStatus.BLOCKED, found, None)
        whitelist = token.get("whitelist", "NEVER")
        if whitelist == "ALWAYS":
            return self._decision(AuthorizationStatus.ACCEPTED, found, None)
        realtime = await self._real_time(found, request)
        if realtime is not None:
            return realtime
        if whitelist in ("ALLOWED", "ALLOWED_OFFLINE"):
            return self._decision(AuthorizationStatus.ACCEPTED, found, None)
        return self._decision(AuthorizationStatus.INVALID, found, None)

    def _decision(self, status: AuthorizationStatus, found: StoredToken,
                  reference: str | None) -> AuthorizationDecision:
        return AuthorizationDecision(status, AuthorizationSource.ROAMING,
                                     authorization_reference=reference,
                                     roaming_party=found.platform_code)

    async def _real_time(self, found: StoredToken, request: AuthorizationRequest
                         ) -> AuthorizationDecision | None:
        platform = await self._credentials_platform(found.platform_code)
        if platform is None or "tokens" not in platform.endpoints:
            return None
        remote = self._credentials.secret(platform.remote_access_token_enc)
        if remote is None:
            return None
        place = await self._places.references(request.charger, request.connector)
        where = LocationReferences(location_id=place[0], evse_uids=place[1]) if place else None
        try:
            info = await self._credentials.client.authorize(
                platform.endpoints["tokens"], remote, platform.send_base64,
                found.token["uid"], found.token.get("type", "RFID"), where,
                RoutingHeaders(platform.party.country_code, platform.party.party_id,
                               found.token["country_code"], found.token["party_id"]),
                version=platform.version)
        except OcpiError as exc:
            log.warning("ocpi_realtime_authorization_failed", platform=platform.code,
                        error=str(exc))
            return None
        status = _ALLOWED.get(str(info.allowed), AuthorizationStatus.INVALID)
        log.info("ocpi_realtime_authorization", platform=platform.code, allowed=info.allowed)
        return self._decision(status, found, info.authorization_reference)

    async def _credentials_platform(self, code: str):  # type: ignore[no-untyped-def]
        return await self._credentials.store.platform(code)
