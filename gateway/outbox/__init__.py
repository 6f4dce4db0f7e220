"""The persistent outbox (DESIGN principle 7): every push to a partner is stored in the
transaction of the change that caused it and delivered in order, with retries.

Protocol-agnostic: it delivers prepared HTTP requests (:class:`OutboxMessage`); the OCPI
and OICP layers build them, and plug in a result classifier, an auth provider, a TLS
context provider and delivery hooks per protocol (:class:`ProtocolHooks`).
"""

from __future__ import annotations

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.clock import Clock
from gateway.outbox.classify import (
    BodyCheck,
    ResultClassifier,
    backoff_delay,
    body_classifier,
    http_classifier,
    parse_retry_after,
)
from gateway.outbox.dispatcher import (
    AuthProvider,
    DeliveryHook,
    DispatcherConfig,
    OutboxDispatcher,
    OutcomeCallback,
    ProtocolHooks,
    SslProvider,
)
from gateway.outbox.model import (
    DeliveryResponse,
    OutboxMessage,
    OutboxRecord,
    SecretHeaderError,
    Status,
    Verdict,
)
from gateway.outbox.ratelimit import RateLimit
from gateway.outbox.store import Executor, MessageNotFound, OutboxStore, TransitionRefused
from gateway.outbox.writer import OutboxWriter, Wakeup


class Outbox:
    """Writer, store and dispatcher wired together: what the app keeps in its deps."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 config: DispatcherConfig | None = None,
                 on_outcome: OutcomeCallback | None = None,
                 http: aiohttp.ClientSession | None = None) -> None:
        self.wakeup = Wakeup()
        self.store = OutboxStore(sessions)
        self.writer = OutboxWriter(clock, self.wakeup)
        self.dispatcher = OutboxDispatcher(self.store, clock, wakeup=self.wakeup,
                                           config=config, on_outcome=on_outcome,
                                           http=http)

    async def enqueue(self, executor: Executor, message: OutboxMessage) -> int:
        return await self.writer.enqueue(executor, message)

    def register_protocol(self, protocol: str, hooks: ProtocolHooks) -> None:
        self.dispatcher.register_protocol(protocol, hooks)

    def wake(self) -> None:
        self.wakeup.set()

    async def start(self, *, background: bool = True) -> None:
        await self.dispatcher.start(background=background)

    async def stop(self) -> None:
        await self.dispatcher.stop()


__all__ = [
    "AuthProvider", "BodyCheck", "DeliveryHook", "DeliveryResponse", "DispatcherConfig",
    "Executor", "MessageNotFound", "Outbox", "OutboxDispatcher", "OutboxMessage",
    "OutboxRecord", "OutboxStore", "OutboxWriter", "OutcomeCallback", "ProtocolHooks",
    "RateLimit", "ResultClassifier", "SecretHeaderError", "SslProvider", "Status",
    "TransitionRefused", "Verdict", "Wakeup", "backoff_delay", "body_classifier",
    "http_classifier", "parse_retry_after",
]
