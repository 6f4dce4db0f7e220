"""The OICP roaming authorizer, appended to the CSMS's chain after the local and OCPI ones.

A token nobody before us knows goes to Hubject as eRoamingAuthorizeStart, synchronously
(the charger waits for its answer).  ``Authorized`` accepts the driver for that platform:
the decision carries Hubject's SessionID as ``authorization_reference`` and the platform
code as ``roaming_party``, so the charging session started next carries both and the
gateway links it to the stored OICP session (origin ``authorize``).  ``NotAuthorized`` is
INVALID.  When Hubject cannot be reached or answers nonsense the decision is UNKNOWN (the
chain then says INVALID): a driver is never accepted without a SessionID.

The charger asks more than once for one charge (OCPP 1.6 Authorize, then StartTransaction;
OCPP 2.0.1 TransactionEvents with the token): within :data:`REUSE_WINDOW` of an
authorization at the same station, or while its session runs, the same SessionID is given
again without asking Hubject, so one charge is one OICP session (and one CDR).

AuthorizeStop is not sent.  It is OPTIONAL for a CPO (OpenAPI ``eRoamingAuthorizeStop``:
"Implementation: OPTIONAL") and serves to let a *different* medium stop a session; our
OCPP chargers stop a transaction only with the same token (we send no parentIdTag), so a
different card can never stop a roaming session and there is nothing to ask Hubject.
The request body and answer interpretation exist in :mod:`oicp.authorize`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import uuid4

import structlog

from csms.authorization import (
    AuthorizationDecision,
    AuthorizationRequest,
    AuthorizationSource,
    AuthorizationStatus,
)
from oicp.authorize import (
    AuthorizationOutcome,
    HubjectUnavailable,
    authorize_start_request,
    identification_for_token,
    interpret_authorization,
    token_of,
)
from oicp.models.authorization import AuthorizationStartResponse, AuthorizeStartRequest
from oicp.models.common import Identification

__all__ = [
    "REUSE_WINDOW",
    "AuthorizationLinks",
    "AuthorizeClient",
    "OicpAuthorizer",
    "OicpTarget",
]

log = structlog.get_logger("evgw.oicp")
REUSE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class OicpTarget:
    """An OICP platform that publishes the charger the driver stands at.

    ``evse_id`` is sent to Hubject only when the connector is known; ``evse_hint`` (the
    charger's first EVSE when the connector is not) is what the link row keeps until the
    charging session names the connector.
    """

    platform_code: str
    platform_id: int
    operator_id: str
    base_url: str
    evse_id: str | None
    evse_hint: str


class AuthorizeClient(Protocol):
    async def authorize_start(self, target: OicpTarget, request: AuthorizeStartRequest
                              ) -> AuthorizationStartResponse:
        """POSTs eRoamingAuthorizeStart; raises :class:`HubjectUnavailable` on any failure."""
        ...


class AuthorizationLinks(Protocol):
    async def targets(self, station: str, charger: str | None, connector: str | None
                      ) -> list[OicpTarget]:
        """OICP platforms publishing this charger, in a stable order."""
        ...

    async def reusable(self, target: OicpTarget, station: str, token: str,
                       since: datetime) -> str | None:
        """SessionID of an authorization of ``token`` at ``station`` on the platform that
        is still unlinked and newer than ``since``, or whose session is still running."""
        ...

    async def record(self, target: OicpTarget, outcome: AuthorizationOutcome,
                     identification: Identification, cpo_partner_session_id: str) -> None:
        """Stores the OICP session (origin ``authorize``, status PENDING)."""
        ...


class OicpAuthorizer:
    def __init__(self, links: AuthorizationLinks, client: AuthorizeClient,
                 now: Callable[[], datetime], reuse_window: timedelta = REUSE_WINDOW) -> None:
        self._links = links
        self._client = client
        self._now = now
        self._reuse_window = reuse_window

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        identification = identification_for_token(request.id_token, request.token_type)
        if identification is None:
            return AuthorizationDecision(AuthorizationStatus.UNKNOWN)
        targets = await self._links.targets(request.station, request.charger,
                                            request.connector)
        refused = False
        for target in targets:
            token = token_of(identification) or request.id_token
            reused = await self._links.reusable(target, request.station, token,
                                                self._now() - self._reuse_window)
            if reused is not None:
                log.info("oicp_authorization_reused", platform=target.platform_code,
                         session_id=reused, station_id=request.station)
                return self._accepted(target, reused)
            outcome = await self._ask(target, identification)
            if outcome is None:
                continue
            if outcome.authorized:
                assert outcome.session_id is not None
                return self._accepted(target, outcome.session_id)
            refused = True
        if refused:
            return AuthorizationDecision(AuthorizationStatus.INVALID, AuthorizationSource.ROAMING)
        return AuthorizationDecision(AuthorizationStatus.UNKNOWN)

    async def _ask(self, target: OicpTarget, identification: Identification
                   ) -> AuthorizationOutcome | None:
        cpo_partner_session_id = str(uuid4())
        body = authorize_start_request(target.operator_id, identification,
                                       evse_id=target.evse_id,
                                       cpo_partner_session_id=cpo_partner_session_id)
        try:
            outcome = interpret_authorization(await self._client.authorize_start(target, body))
        except HubjectUnavailable as exc:
            log.warning("oicp_authorize_start_failed", platform=target.platform_code,
                        evse_id=target.evse_id, error=str(exc))
            return None
        if not outcome.authorized:
            log.info("oicp_authorize_start_refused", platform=target.platform_code,
                     evse_id=target.evse_id, status_code=outcome.status_code,
                     reason=outcome.reason)
            return outcome
        await self._links.record(target, outcome, identification, cpo_partner_session_id)
        log.info("oicp_authorize_start_accepted", platform=target.platform_code,
                 evse_id=target.evse_id, session_id=outcome.session_id,
                 provider_id=outcome.provider_id)
        return outcome

    @staticmethod
    def _accepted(target: OicpTarget, session_id: str) -> AuthorizationDecision:
        return AuthorizationDecision(AuthorizationStatus.ACCEPTED, AuthorizationSource.ROAMING,
                                     authorization_reference=session_id,
                                     roaming_party=target.platform_code)
