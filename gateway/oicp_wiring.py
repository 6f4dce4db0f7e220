"""Composition of the OICP sending side with the outbox, the event bus, the certificate
service and the authorizer chain.

* Delivery (protocol ``oicp`` of the outbox): every request goes over mutual TLS with the
  platform's remote access certificate (``deps.certificates.platform_client_context``).
  Without one the attempt fails with a clear reason and is retried later (the message
  stays PENDING; assigning the certificate lets it through).  The answer is judged by
  :func:`oicp_classifier`: HTTP 2xx with ``Result=true`` delivered; ``Result=false`` a
  business rejection (FAILED, shown in the admin API, never retried by itself) unless its
  StatusCode says Hubject or the EMP had a system problem (retried); HTTP 5xx, 408 and
  transport errors retried with exponential backoff; HTTP 429 retried after
  ``Retry-After`` (backoff when absent) with the whole platform paused; other 4xx
  (Hubject's schema errors are 400) rejected.  Pricing pushes are limited to 6 calls a
  minute per operation (Hubject's AUP).
* A CDR's fate lands on its OICP session (``cdr_status`` DELIVERED / REJECTED / FAILED and
  the detail), for the admin API.
* AuthorizeStart is synchronous (the charger waits): :class:`HubjectClient` POSTs it over
  the same mTLS context with a short timeout; it is not an outbox message.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import aiohttp
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.events import (
    ChargerStatusChanged,
    ConnectorStatusChanged,
    SessionEnded,
    SessionStarted,
    SessionUpdated,
    StationConnected,
    StationDisconnected,
)
from gateway.bus import EventBus
from gateway.db.oicp_push_store import (
    CDR_DELIVERED,
    CDR_FAILED,
    CDR_REJECTED,
    PROTOCOL,
    SqlOicpStore,
)
from gateway.outbox import (
    DeliveryHook,
    DeliveryResponse,
    Outbox,
    OutboxRecord,
    ProtocolHooks,
    RateLimit,
    SslProvider,
    Verdict,
    http_classifier,
)
from gateway.secrets import SecretDecryptionError
from oicp.authorize import HubjectUnavailable
from oicp.authorizer import OicpAuthorizer, OicpTarget
from oicp.errors import OicpDecodeError
from oicp.models import decode_acknowledgement, decode_authorization_start
from oicp.models.authorization import AuthorizationStartResponse, AuthorizeStartRequest
from oicp.outbound import (
    KIND_CDR,
    KIND_EVSE_PRICING,
    KIND_PRICING_PRODUCTS,
    OicpOutbound,
)
from oicp.paths import Operation, operation_url
from pki.errors import PkiError

__all__ = [
    "AUTHORIZE_TIMEOUT",
    "PRICING_RATE_LIMIT",
    "RETRYABLE_STATUS_CODES",
    "ClientContexts",
    "HubjectClient",
    "NoRemoteAccessCertificate",
    "OicpWiring",
    "build_oicp",
    "oicp_classifier",
    "oicp_verdict",
    "reconcile_job",
]

log = structlog.get_logger("evgw.oicp")
AUTHORIZE_TIMEOUT = 8.0  # seconds; the charger waits for the Authorize answer
PRICING_RATE_LIMIT = RateLimit(calls=6, per_seconds=60.0)
# Result=false codes that describe a system problem at Hubject or the EMP, not our message.
RETRYABLE_STATUS_CODES = frozenset({"001", "002", "009", "021", "310", "320"})
_NO_CERTIFICATE = "NoRemoteAccessCertificate"


class ClientContexts(Protocol):
    """The part of ``gateway.certificates.CertificateService`` the sending side uses."""

    async def platform_client_context(self, platform_code: str) -> ssl.SSLContext | None: ...


class NoRemoteAccessCertificate(LookupError):
    """The platform has no remote access certificate: we cannot call it over mTLS."""


def oicp_verdict(response: DeliveryResponse
                 ) -> tuple[Literal["retry", "failed"], str] | None:
    """Judges a 2xx answer: None when it is an eRoamingAcknowledgement with Result=true."""
    try:
        ack = decode_acknowledgement(response.body)
    except OicpDecodeError:
        return "failed", "the answer is not an eRoamingAcknowledgement"
    if ack.result:
        return None
    code = ack.status_code
    reason = "Result=false, StatusCode " + " ".join(
        part for part in (code.code, code.description, code.additional_info) if part)
    if code.code in RETRYABLE_STATUS_CODES:
        return "retry", reason
    return "failed", reason


def oicp_classifier(response: DeliveryResponse) -> Verdict:
    """HTTP first (429 with Retry-After, 5xx, transport), then the acknowledgement."""
    if response.status is None and _NO_CERTIFICATE in (response.error or ""):
        return Verdict("retry", "no remote access certificate is assigned to this platform: "
                       "the mutual-TLS client certificate towards Hubject is missing "
                       "(assign one: PUT /admin/api/v1/roaming/platforms/{code}/"
                       "remote-access-certificate); retried later")
    verdict = http_classifier(response)
    if verdict.action != "delivered":
        if verdict.action == "failed" and response.body:
            return Verdict("failed", f"{verdict.reason}: {response.body[:300]}")
        return verdict
    judged = oicp_verdict(response)
    if judged is None:
        return verdict
    action, reason = judged
    return Verdict(action, reason)


def _ssl_provider(certificates: ClientContexts) -> SslProvider:
    async def provide(platform_code: str) -> ssl.SSLContext | None:
        context = await certificates.platform_client_context(platform_code)
        if context is None:
            raise NoRemoteAccessCertificate(platform_code)
        return context

    return provide


class HubjectClient:
    """Synchronous calls to Hubject (AuthorizeStart), over the platform's mTLS context."""

    def __init__(self, certificates: ClientContexts, timeout: float = AUTHORIZE_TIMEOUT) -> None:
        self._certificates = certificates
        self._timeout = timeout

    async def authorize_start(self, target: OicpTarget, request: AuthorizeStartRequest
                              ) -> AuthorizationStartResponse:
        url = operation_url(target.base_url, Operation.AUTHORIZE_START, target.operator_id)
        try:
            context = await self._certificates.platform_client_context(target.platform_code)
        except (PkiError, SecretDecryptionError) as exc:
            # Stored material ssl refuses, or a key the secret key does not decrypt: this
            # platform cannot be asked; the charger's Authorize still gets an answer.
            log.error("oicp_client_context_unusable", platform=target.platform_code,
                      error=type(exc).__name__)
            raise HubjectUnavailable(f"platform {target.platform_code}: the mutual-TLS "
                                     f"client context cannot be built ({type(exc).__name__})"
                                     ) from exc
        if context is None:
            raise HubjectUnavailable(f"platform {target.platform_code} has no remote access "
                                     "certificate (mutual TLS towards Hubject)")
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http, http.post(
                    url, data=json.dumps(request.to_json()), ssl=context,
                    headers={"Content-Type": "application/json",
                             "Accept": "application/json"}) as answer:
                text = await answer.text(errors="replace")
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise HubjectUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        if status != 200:
            raise HubjectUnavailable(f"HTTP {status}: {text[:200]}")
        try:
            return decode_authorization_start(text)
        except OicpDecodeError as exc:
            raise HubjectUnavailable(f"not an eRoamingAuthorizationStart: {exc}") from exc


def _session_id(record: OutboxRecord) -> str | None:
    try:
        value = json.loads(record.body or "{}").get("SessionID")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _delivery_hooks(store: SqlOicpStore) -> tuple[DeliveryHook, DeliveryHook]:
    async def delivered(record: OutboxRecord, _response: DeliveryResponse) -> None:
        session_id = _session_id(record)
        if record.kind == KIND_CDR and session_id:
            await store.cdr_outcome(record.partner, session_id, CDR_DELIVERED, None)

    async def failed(record: OutboxRecord, response: DeliveryResponse) -> None:
        session_id = _session_id(record)
        if record.kind != KIND_CDR or not session_id:
            return
        gave_up = (record.last_error or "").startswith("gave up")
        status = CDR_FAILED if gave_up else CDR_REJECTED
        await store.cdr_outcome(record.partner, session_id, status, record.last_error)
        log.warning("oicp_cdr_not_accepted", platform=record.partner, session_id=session_id,
                    status=status, reason=record.last_error, http_status=response.status)

    return delivered, failed


@dataclass
class OicpWiring:
    """What ``build_deps`` keeps of the OICP sending side."""

    outbound: OicpOutbound
    authorizer: OicpAuthorizer


def build_oicp(sessions: async_sessionmaker[AsyncSession], outbox: Outbox,
               certificates: ClientContexts, bus: EventBus,
               now: Callable[[], datetime]) -> OicpWiring:
    """Registers protocol ``oicp`` on the outbox, the pricing rate limits and the event
    subscriptions; returns the outbound service and the authorizer to append."""
    store = SqlOicpStore(sessions, outbox, now)
    delivered, failed = _delivery_hooks(store)
    outbox.register_protocol(PROTOCOL, ProtocolHooks(
        classifier=oicp_classifier, ssl_context=_ssl_provider(certificates),
        on_delivered=delivered, on_failed=failed))
    for kind in (KIND_PRICING_PRODUCTS, KIND_EVSE_PRICING):
        outbox.dispatcher.set_rate_limit("*", kind, PRICING_RATE_LIMIT)
    outbound = OicpOutbound(store, now, wake=outbox.wake)
    for station_event in (ConnectorStatusChanged, ChargerStatusChanged, StationConnected,
                          StationDisconnected):
        bus.subscribe(station_event, outbound.on_station_event)
    bus.subscribe(SessionStarted, outbound.session_started)
    bus.subscribe(SessionUpdated, outbound.session_updated)
    bus.subscribe(SessionEnded, outbound.session_ended)
    return OicpWiring(outbound, OicpAuthorizer(store, HubjectClient(certificates), now))


async def reconcile_job(outbound: OicpOutbound, interval: float = 60.0) -> None:
    """Periodic reconciliation (EVSE data deltas, weekly/daily full loads, pricing
    changes, lost CDRs)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await outbound.reconcile()
        except Exception:
            log.exception("oicp_reconcile_job_failed")
