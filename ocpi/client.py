"""HTTP calls we make to an OCPI partner (versions, credentials, real-time authorization).

Every failure to reach or understand the partner is ``UnusableClientApi`` (3001), so the
credentials handshake can answer the partner with the code OCPI prescribes."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import structlog

from ocpi.auth import authorization_header
from ocpi.envelope import parse_envelope
from ocpi.errors import OcpiError, UnusableClientApi
from ocpi.models import (
    AuthorizationInfo,
    Credentials,
    LocationReferences,
    Version,
    VersionDetails,
    dump_ocpi,
    parse_ocpi,
    v230,
)
from ocpi.routing import RoutingHeaders, request_id_headers
from ocpi.serialization import serializer_for

log = structlog.get_logger("evgw.ocpi")


class PartnerClient:
    """Owns its HTTP session, created on first use (inside the running loop)."""

    def __init__(self, session: aiohttp.ClientSession | None = None,
                 timeout: float = 20.0) -> None:
        self._own_session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @property
    def _session(self) -> aiohttp.ClientSession:
        if self._own_session is None or self._own_session.closed:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    async def close(self) -> None:
        if self._own_session is not None and not self._own_session.closed:
            await self._own_session.close()

    async def _call(self, method: str, url: str, token: str, base64_token: bool,
                    body: Any = None, params: dict[str, str] | None = None,
                    routing: RoutingHeaders | None = None) -> Any:
        headers = {"Authorization": authorization_header(token, base64_encode=base64_token),
                   **request_id_headers(), **(routing.as_headers() if routing else {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            async with self._session.request(
                method, url, headers=headers, params=params, timeout=self._timeout,
                data=json.dumps(body) if body is not None else None,
            ) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("ocpi_partner_unreachable", url=url, error=type(exc).__name__)
            raise UnusableClientApi(f"{method} {url} failed: {type(exc).__name__}") from exc
        try:
            parsed = parse_envelope(json.loads(text))
        except (ValueError, OcpiError) as exc:
            raise UnusableClientApi(
                f"{method} {url} answered HTTP {status} without an OCPI envelope") from exc
        if status >= 400 or parsed.status_code != 1000:
            raise UnusableClientApi(
                f"{method} {url} answered HTTP {status}, OCPI {parsed.status_code}: "
                f"{parsed.message or ''}".strip())
        return parsed.data

    async def versions(self, url: str, token: str, base64_token: bool) -> list[Version]:
        data = await self._call("GET", url, token, base64_token)
        if not isinstance(data, list):
            raise UnusableClientApi(f"{url} did not answer a list of versions")
        try:
            return [parse_ocpi(Version, item) for item in data]
        except OcpiError as exc:
            raise UnusableClientApi(f"{url}: invalid version list") from exc

    async def details(self, url: str, token: str, base64_token: bool) -> VersionDetails:
        data = await self._call("GET", url, token, base64_token)
        try:
            return parse_ocpi(VersionDetails, data)
        except OcpiError as exc:
            raise UnusableClientApi(f"{url}: invalid version details") from exc

    async def credentials(self, method: str, url: str, token: str, base64_token: bool,
                          ours: Credentials | None, *, version: str | None = None
                          ) -> Credentials | None:
        """POST / PUT our credentials (or DELETE them) in ``version``'s shape; the answer is
        read as that version's Credentials."""
        wire = serializer_for(version)
        data = await self._call(method, url, token, base64_token,
                                wire.credentials(ours) if ours is not None else None)
        if method == "DELETE":
            return None
        try:
            return wire.parse_credentials(data)
        except OcpiError as exc:
            raise UnusableClientApi(f"{url}: invalid credentials answer") from exc

    async def authorize(self, tokens_url: str, token: str, base64_token: bool, uid: str,
                        token_type: str, where: LocationReferences | None,
                        routing: RoutingHeaders | None = None, *,
                        version: str | None = None) -> AuthorizationInfo:
        url = f"{tokens_url.rstrip('/')}/{uid}/authorize"
        data = await self._call("POST", url, token, base64_token,
                                dump_ocpi(where) if where is not None else None,
                                params={"type": token_type}, routing=routing)
        # 2.3.0: the Token inside has an open type.
        model = v230.AuthorizationInfo if version == "2.3.0" else AuthorizationInfo
        return parse_ocpi(model, data)
