"""Authorization of identification tokens through a chain of authorizers.

Theory of operation: each authorizer answers for the tokens it owns and says UNKNOWN for
the rest; the chain asks them in order (local tokens first; the OCPI and OICP issues
append roaming authorizers in the composition root) and the first definite answer wins.
A token nobody knows is INVALID.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from csms.network.types import IdTokenStatus

# OCPP 2.0.1 IdToken type of a charger that started without asking anyone.
NO_AUTHORIZATION = "NoAuthorization"


class AuthorizationStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    INVALID = "INVALID"
    CONCURRENT_TX = "CONCURRENT_TX"
    NO_CREDIT = "NO_CREDIT"
    UNKNOWN = "UNKNOWN"  # not this authorizer's token: ask the next one


class AuthorizationSource(StrEnum):
    LOCAL = "LOCAL"
    ROAMING = "ROAMING"
    NONE = "NONE"


@dataclass(frozen=True)
class AuthorizationRequest:
    station: str
    charger: str | None
    connector: str | None
    id_token: str
    token_type: str | None  # our IdTokenType name when known


@dataclass(frozen=True)
class AuthorizationDecision:
    status: AuthorizationStatus
    source: AuthorizationSource = AuthorizationSource.NONE
    customer_id: int | None = None
    customer_code: str | None = None
    authorization_reference: str | None = None
    roaming_party: str | None = None  # platform code when a roaming authorizer decided
    mode: str | None = None  # explicit authorization mode (e.g. PAYMENT_TRANSACTION)
    # The session's own monetary limit (a payment terminal's pre-authorized amount).
    monetary_limit: Decimal | None = None

    @property
    def accepted(self) -> bool:
        return self.status is AuthorizationStatus.ACCEPTED

    @property
    def customer_known(self) -> bool:
        return self.customer_id is not None


class Authorizer(Protocol):
    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision: ...


@dataclass(frozen=True)
class KnownToken:
    identifier: str
    type: str
    status: IdTokenStatus
    customer_id: int | None
    customer_code: str | None
    customer_blocked: bool


class TokenDirectory(Protocol):
    async def find_token(self, identifier: str, token_type: str | None) -> KnownToken | None: ...


class LocalTokenAuthorizer:
    """The CSMS's own identification devices and customers."""

    def __init__(self, tokens: TokenDirectory) -> None:
        self._tokens = tokens

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        token = await self._tokens.find_token(request.id_token, request.token_type)
        if token is None:
            return AuthorizationDecision(AuthorizationStatus.UNKNOWN)
        blocked = token.status is IdTokenStatus.BLOCKED or token.customer_blocked
        return AuthorizationDecision(
            AuthorizationStatus.BLOCKED if blocked else AuthorizationStatus.ACCEPTED,
            AuthorizationSource.LOCAL,
            customer_id=token.customer_id,
            customer_code=token.customer_code,
        )


class AuthorizerChain:
    def __init__(self, authorizers: list[Authorizer]) -> None:
        self._authorizers = list(authorizers)

    def append(self, authorizer: Authorizer) -> None:
        self._authorizers.append(authorizer)

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        for authorizer in self._authorizers:
            decision = await authorizer.authorize(request)
            if decision.status is not AuthorizationStatus.UNKNOWN:
                return decision
        return AuthorizationDecision(AuthorizationStatus.INVALID)
