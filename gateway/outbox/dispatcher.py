"""The outbox dispatcher: delivers stored messages to partners, in order, with retries.

Theory of operation. Every pass (:meth:`OutboxDispatcher.run_once`) leases the due *heads*
of the streams (the oldest PENDING message of each ``(partner, stream)``), skipping
partners paused by a 429 and messages whose (partner, kind) rate limit has no token, and
sends them concurrently (at most ``partner_concurrency`` requests per partner at once).
Each attempt gets a fresh ``X-Request-ID``; ``X-Correlation-ID`` is the message's, stable
across attempts; the auth headers come from the protocol's auth provider at send time.
The protocol's classifier turns the answer into a verdict:

- delivered → DELIVERED; the stream's next message becomes the head;
- retry → stays PENDING with ``next_attempt_at`` pushed by exponential backoff with jitter
  (or by ``Retry-After``), so the stream waits: nothing after it is sent before it;
- failed (business rejection), or a retry beyond ``max_attempts`` / ``max_age`` → FAILED.
  A FAILED message does not block its stream: the partner refused *that* message, and
  holding back every later update for an operator would lose more than it protects. An
  admin retry puts it back at its place (its id), ahead of the stream's later PENDING
  messages.

Delivery is at least once: a process that dies mid-request leaves a lease that expires
after ``lease_seconds`` and the message is sent again (partners dedupe on ids, and the
correlation id stays the same). :meth:`deliver_due` repeats passes until nothing is due
(tests drive time with a fake clock and call it); the background loop waits between passes
on the writer's wake-up event, the next known due time, or ``poll_interval``. Partner
pauses (429) and rate-limit buckets live in the process: with several processes on
PostgreSQL each keeps its own, so a partner's limit is per process.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import uuid4

import aiohttp
import structlog

from csms.clock import Clock
from gateway.outbox.classify import ResultClassifier, backoff_delay, http_classifier
from gateway.outbox.model import DeliveryResponse, OutboxRecord, Status, Verdict
from gateway.outbox.ratelimit import RateLimit, RateLimiter
from gateway.outbox.store import AttemptOutcome, OutboxStore
from gateway.outbox.writer import Wakeup

log = structlog.get_logger("evgw.outbox")

# (partner, credential) → headers to add, e.g. {"Authorization": "Token …"}; resolved per
# attempt so a rotated token applies to messages queued before the rotation.
AuthProvider = Callable[[str, str], Awaitable[Mapping[str, str]]]
# partner → client TLS context (mTLS towards Hubject), or None for the default.
SslProvider = Callable[[str], Awaitable[ssl.SSLContext | None]]
DeliveryHook = Callable[[OutboxRecord, DeliveryResponse], Awaitable[None]]
# (outcome: delivered | retry | failed, partner, kind) for metrics counters.
OutcomeCallback = Callable[[str, str, str], None]


@dataclass
class DispatcherConfig:
    poll_interval: float = 5.0
    batch_size: int = 100
    partner_concurrency: int = 4
    connect_timeout: float = 10.0
    request_timeout: float = 30.0
    lease_seconds: float = 120.0
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    backoff_jitter: float = 0.2
    max_retry_after: float = 3600.0
    max_attempts: int | None = None
    max_age: timedelta | None = timedelta(days=2)
    response_body_limit: int = 4096
    retention: timedelta | None = timedelta(days=14)
    purge_interval: timedelta = timedelta(hours=1)


@dataclass
class ProtocolHooks:
    """What a protocol (``OutboxMessage.protocol``) plugs into delivery."""

    classifier: ResultClassifier = http_classifier
    auth: AuthProvider | None = None
    ssl_context: SslProvider | None = None
    on_delivered: DeliveryHook | None = None
    on_failed: DeliveryHook | None = None


@dataclass
class _PartnerState:
    semaphore: asyncio.Semaphore
    paused_until: datetime | None = None


class OutboxDispatcher:
    def __init__(
        self, store: OutboxStore, clock: Clock, *, wakeup: Wakeup | None = None,
        config: DispatcherConfig | None = None, http: aiohttp.ClientSession | None = None,
        on_outcome: OutcomeCallback | None = None, rand: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wakeup = wakeup or Wakeup()
        self.config = config or DispatcherConfig()
        self.rate_limits = RateLimiter()
        self.on_outcome = on_outcome
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid4().hex[:8]}"
        self._protocols: dict[str, ProtocolHooks] = {"http": ProtocolHooks()}
        self._http = http
        self._own_http = False
        self._rand = rand
        self._partners: dict[str, _PartnerState] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_purge: datetime | None = None
        self._admit_hint: datetime | None = None  # when a rate-limited head gets a token

    # --- configuration ----------------------------------------------------------------

    def register_protocol(self, protocol: str, hooks: ProtocolHooks) -> None:
        self._protocols[protocol] = hooks

    def set_rate_limit(self, partner: str, kind: str, limit: RateLimit | None) -> None:
        """Limit (partner, kind); partner ``"*"`` gives each partner its own bucket."""
        self.rate_limits.set_limit(partner, kind, limit)

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, *, background: bool = True) -> None:
        """Opens the HTTP client session (unless one was given) and, with ``background``,
        starts the delivery loop; without it, passes run only when called (tests)."""
        if self._http is None:
            self._http = aiohttp.ClientSession()
            self._own_http = True
        self._stopping = False
        if background and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="outbox-dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        """Lets the current pass finish (up to ``grace`` seconds), then cancels it; a
        message cut off mid-request is sent again once its lease expires."""
        self._stopping = True
        self.wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except TimeoutError:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._own_http and self._http is not None:
            await self._http.close()
            self._http = None
            self._own_http = False

    async def _loop(self) -> None:
        while not self._stopping:
            self.wakeup.clear()
            try:
                worked = await self.run_once()
                await self._maybe_purge()
            except Exception:
                log.exception("outbox_pass_failed")
                worked = 0
            if worked or self._stopping:
                continue
            await self.wakeup.wait(await self._idle_delay())

    async def _idle_delay(self) -> float:
        delay = self.config.poll_interval
        now = self.clock.now()
        try:
            due = await self.store.next_due_at(now)
        except Exception:
            log.exception("outbox_next_due_failed")
            return delay
        hints = [due, self._admit_hint, *(s.paused_until for s in self._partners.values())]
        self._admit_hint = None
        for at in hints:
            if at is not None and at > now:
                delay = min(delay, (at - now).total_seconds())
        return max(0.05, delay)

    async def _maybe_purge(self) -> None:
        retention = self.config.retention
        now = self.clock.now()
        if retention is None or (self._last_purge is not None
                                 and now - self._last_purge < self.config.purge_interval):
            return
        self._last_purge = now
        purged = await self.store.purge(now - retention)
        if purged:
            log.info("outbox_purged", messages=purged)

    # --- delivery ---------------------------------------------------------------------

    async def deliver_due(self, max_passes: int = 10_000) -> int:
        """Runs passes until nothing is due (or ``max_passes``); returns attempts made."""
        total = 0
        for _ in range(max_passes):
            done = await self.run_once()
            if not done:
                break
            total += done
        return total

    async def run_once(self) -> int:
        """One pass: lease the due stream heads and attempt each once. Returns the count."""
        if self._http is None:
            raise RuntimeError("the outbox dispatcher has no HTTP session: start() it or "
                               "pass http=")
        now = self.clock.now()
        lease_until = now + timedelta(seconds=self.config.lease_seconds)
        records = await self.store.claim_due(now, self.owner, lease_until,
                                             self.config.batch_size, self._admit(now))
        if records:
            await asyncio.gather(*(self._deliver(record) for record in records))
        return len(records)

    def _partner(self, partner: str) -> _PartnerState:
        state = self._partners.get(partner)
        if state is None:
            state = self._partners[partner] = _PartnerState(
                asyncio.Semaphore(self.config.partner_concurrency))
        return state

    def _admit(self, now: datetime) -> Callable[[OutboxRecord], bool]:
        def admit(record: OutboxRecord) -> bool:
            paused = self._partner(record.partner).paused_until
            if paused is not None and paused > now:
                return False
            if self.rate_limits.try_take(record.partner, record.kind, now):
                return True
            at = self.rate_limits.next_token_at(record.partner, record.kind, now)
            self._admit_hint = at if self._admit_hint is None else min(self._admit_hint, at)
            return False

        return admit

    def _hooks(self, protocol: str) -> ProtocolHooks:
        hooks = self._protocols.get(protocol)
        if hooks is None:
            log.warning("outbox_protocol_unknown", protocol=protocol)
            return self._protocols["http"]
        return hooks

    async def _deliver(self, record: OutboxRecord) -> None:
        try:
            async with self._partner(record.partner).semaphore:
                await self._attempt(record)
        except Exception:
            # A bug in the store or a classifier path: the lease is kept, so the message
            # is tried again when it expires instead of in a hot loop.
            log.exception("outbox_attempt_crashed", partner=record.partner,
                          message_id=record.id)

    async def _attempt(self, record: OutboxRecord) -> None:
        hooks = self._hooks(record.protocol)
        request_id = uuid4().hex
        response = await self._send(record, hooks, request_id)
        try:
            verdict = hooks.classifier(response)
        except Exception as exc:
            log.exception("outbox_classifier_failed", partner=record.partner,
                          message_id=record.id)
            verdict = Verdict("retry", f"classifier failed: {type(exc).__name__}")
        now = self.clock.now()
        outcome = self._outcome(record, response, verdict, request_id, now)
        if not await self.store.record_outcome(record.id, self.owner, outcome, now):
            log.info("outbox_outcome_dropped", partner=record.partner, message_id=record.id,
                     reason="lease lost or message cancelled")
            return
        context = {"partner": record.partner, "message_id": record.id, "kind": record.kind,
                   "stream": record.stream, "attempt": outcome.attempts,
                   "status": response.status, "request_id": request_id,
                   "correlation_id": record.correlation_id}
        stored = _updated(record, outcome)
        if outcome.status is Status.DELIVERED:
            log.info("outbox_delivered", **context)
            self._count("delivered", record)
            await self._hook(hooks.on_delivered, stored, response)
        elif outcome.status is Status.FAILED:
            log.warning("outbox_failed", reason=outcome.last_error, **context)
            self._count("failed", record)
            await self._hook(hooks.on_failed, stored, response)
        else:
            log.info("outbox_retry_scheduled", reason=outcome.last_error,
                     next_attempt_at=outcome.next_attempt_at.isoformat(), **context)
            self._count("retry", record)
            if verdict.partner_wide:
                self._partner(record.partner).paused_until = outcome.next_attempt_at

    async def _send(self, record: OutboxRecord, hooks: ProtocolHooks,
                    request_id: str) -> DeliveryResponse:
        headers = dict(record.headers)
        headers["X-Request-ID"] = request_id
        headers["X-Correlation-ID"] = record.correlation_id
        if record.body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        try:
            if record.credential is not None:
                if hooks.auth is None:
                    return DeliveryResponse(None, error="no auth provider for protocol "
                                            f"{record.protocol!r}")
                headers.update(await hooks.auth(record.partner, record.credential))
            context = await hooks.ssl_context(record.partner) if hooks.ssl_context else None
        except Exception as exc:
            # Whatever the provider raised, its text may hold the secret: log the type only.
            return DeliveryResponse(None, error=f"credentials unavailable: {type(exc).__name__}")
        assert self._http is not None
        timeout = aiohttp.ClientTimeout(total=self.config.request_timeout,
                                        sock_connect=self.config.connect_timeout)
        try:
            async with self._http.request(
                record.method, record.url, headers=headers,
                data=record.body.encode() if record.body is not None else None,
                ssl=context if context is not None else True, timeout=timeout,
                allow_redirects=False,
            ) as answer:
                raw = await _read_prefix(answer, self.config.response_body_limit * 4)
                return DeliveryResponse(answer.status, dict(answer.headers),
                                        raw.decode("utf-8", errors="replace"),
                                        received_at=self.clock.now())
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return DeliveryResponse(None, error=f"{type(exc).__name__}: {exc}"[:500])

    def _outcome(self, record: OutboxRecord, response: DeliveryResponse, verdict: Verdict,
                 request_id: str, now: datetime) -> AttemptOutcome:
        attempts = record.attempts + 1
        failed = AttemptOutcome(
            Status.FAILED, attempts=attempts, next_attempt_at=record.next_attempt_at,
            last_error=verdict.reason or response.error or f"HTTP {response.status}",
            last_status=response.status,
            response_body=response.body[: self.config.response_body_limit] or None,
            response_location=response.header("Location") or record.response_location,
            request_id=request_id, delivered_at=None)
        if verdict.action == "delivered":
            return replace(failed, status=Status.DELIVERED, last_error=None, delivered_at=now)
        if verdict.action == "failed":
            return failed
        gave_up = self._gives_up(record, attempts, now)
        if gave_up is not None:
            return replace(failed, last_error=f"{gave_up}; last error: {failed.last_error}")
        if verdict.retry_after is not None:
            delay = min(verdict.retry_after, self.config.max_retry_after)
        else:
            delay = backoff_delay(attempts, base=self.config.backoff_base,
                                  cap=self.config.backoff_cap,
                                  jitter=self.config.backoff_jitter, rand=self._rand)
        return replace(failed, status=Status.PENDING,
                       next_attempt_at=now + timedelta(seconds=delay))

    def _gives_up(self, record: OutboxRecord, attempts: int, now: datetime) -> str | None:
        limit = self.config.max_attempts
        if limit is not None and attempts >= limit:
            return f"gave up after {attempts} attempts"
        if self.config.max_age is not None and now - record.queued_at >= self.config.max_age:
            return f"gave up after {now - record.queued_at} in the queue"
        return None

    async def _hook(self, hook: DeliveryHook | None, record: OutboxRecord,
                    response: DeliveryResponse) -> None:
        if hook is None:
            return
        try:
            await hook(record, response)
        except Exception:
            log.exception("outbox_hook_failed", partner=record.partner, message_id=record.id)

    def _count(self, outcome: str, record: OutboxRecord) -> None:
        if self.on_outcome is not None:
            try:
                self.on_outcome(outcome, record.partner, record.kind)
            except Exception:
                log.exception("outbox_metrics_failed")


def _updated(record: OutboxRecord, outcome: AttemptOutcome) -> OutboxRecord:
    return replace(record, status=outcome.status, attempts=outcome.attempts,
                   next_attempt_at=outcome.next_attempt_at, last_error=outcome.last_error,
                   last_status=outcome.last_status, response_body=outcome.response_body,
                   response_location=outcome.response_location,
                   request_id=outcome.request_id, delivered_at=outcome.delivered_at)


async def _read_prefix(answer: aiohttp.ClientResponse, limit: int) -> bytes:
    """The first ``limit`` bytes of the body: enough to classify and to show, bounded."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await answer.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
