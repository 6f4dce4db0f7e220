"""Composition of the OCPI interface with the gateway's outbox and event bus.

``ocpi`` may not import the gateway, so the outbox is adapted here to OCPI's ``PushSink``
port, and OCPI's delivery rules are plugged into the outbox: the partner's token is
resolved at send time (a rotation reaches queued messages too), and a 200 answer is
judged by its OCPI ``status_code`` (1000 delivered; 2xxx a business rejection, shown in
the admin API and not retried; 3xxx the partner's problem, retried)."""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.events import ConnectorStatusChanged, SessionEnded, SessionStarted, SessionUpdated
from gateway.bus import EventBus
from gateway.outbox import (
    AuthProvider,
    DeliveryResponse,
    Outbox,
    OutboxMessage,
    ProtocolHooks,
    body_classifier,
)
from ocpi.auth import authorization_header
from ocpi.credentials import OcpiCredentials
from ocpi.push import OcpiPush

PROTOCOL = "ocpi"


class OutboxPushSink:
    def __init__(self, outbox: Outbox, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._outbox = outbox
        self._sessions = sessions

    async def push(self, *, partner: str, stream: str, method: str, url: str,
                   body: dict[str, Any] | None, kind: str, headers: dict[str, str],
                   correlation_id: str | None = None) -> None:
        message = OutboxMessage(
            partner=partner, stream=stream, method=method, url=url, kind=kind,
            protocol=PROTOCOL, headers={"Content-Type": "application/json", **headers},
            body=json.dumps(body, default=str) if body is not None else None,
            credential=partner, correlation_id=correlation_id)
        async with self._sessions() as session, session.begin():
            await self._outbox.enqueue(session, message)


def ocpi_verdict(response: DeliveryResponse) -> tuple[Literal["retry", "failed"], str] | None:
    try:
        code = int(json.loads(response.body).get("status_code"))
    except (ValueError, TypeError, AttributeError):
        return "failed", "the answer is not an OCPI envelope"
    if code == 1000:
        return None
    if 3000 <= code < 4000:
        return "retry", f"OCPI {code}"
    return "failed", f"OCPI {code}"


def ocpi_auth(credentials: OcpiCredentials) -> AuthProvider:
    """The partner's current token, resolved when a message is sent."""

    async def auth(partner: str, _credential: str | None) -> dict[str, str]:
        platform = await credentials.store.platform(partner)
        token = credentials.secret(platform.remote_access_token_enc) if platform else None
        if platform is None or token is None:
            raise LookupError(f"no access token for platform {partner}")
        return {"Authorization": authorization_header(token,
                                                      base64_encode=platform.send_base64)}

    return auth


def register_ocpi_delivery(outbox: Outbox, credentials: OcpiCredentials) -> None:
    outbox.register_protocol(PROTOCOL, ProtocolHooks(classifier=body_classifier(ocpi_verdict),
                                                     auth=ocpi_auth(credentials)))


def subscribe_pushes(bus: EventBus, push: OcpiPush) -> None:
    for event_type in (SessionStarted, SessionUpdated, SessionEnded):
        bus.subscribe(event_type, push.session_changed)
    bus.subscribe(ConnectorStatusChanged, push.status_changed)
