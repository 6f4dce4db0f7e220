"""What the outbox stores and what a delivery attempt produces. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

# Headers that carry secrets: a message that tries to store one is refused, the secret
# must come from the auth provider at send time (so token rotation reaches queued messages).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
# Headers the dispatcher sets itself on every attempt.
RESERVED_HEADERS = frozenset({"x-request-id", "x-correlation-id", "content-length", "host"})


class Status(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # gave up: business rejection, max attempts or max age
    CANCELLED = "CANCELLED"


class SecretHeaderError(ValueError):
    """A message tried to store a secret header in clear."""


@dataclass(frozen=True)
class OutboxMessage:
    """A prepared HTTP request to a partner, as the protocol layers build it.

    ``stream`` is the ordering key inside the partner (``"locations:LOC1"``, ``"cdrs"``):
    messages of one ``(partner, stream)`` are delivered strictly in the order they were
    enqueued; different streams proceed independently. Use one stream per partner for a
    total order. ``credential`` names the secret the auth provider turns into headers at
    send time (e.g. the platform code); ``protocol`` selects the result classifier.
    """

    partner: str
    stream: str
    method: str
    url: str
    kind: str = "push"
    protocol: str = "http"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    credential: str | None = None
    correlation_id: str | None = None

    def __post_init__(self) -> None:
        for name in self.headers:
            lowered = name.lower()
            if lowered in SECRET_HEADERS:
                raise SecretHeaderError(
                    f"header {name!r} must not be stored; use credential= and an auth provider")
            if lowered in RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by the dispatcher")
        if not self.partner or not self.stream:
            raise ValueError("partner and stream are required")


@dataclass(frozen=True)
class OutboxRecord:
    """A stored message as the dispatcher, hooks and admin API see it."""

    id: int
    partner: str
    stream: str
    kind: str
    protocol: str
    method: str
    url: str
    headers: dict[str, str]
    credential: str | None
    body: str | None
    status: Status
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    last_status: int | None
    response_body: str | None
    response_location: str | None
    correlation_id: str
    request_id: str | None
    created_at: datetime
    queued_at: datetime
    updated_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> OutboxRecord:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__} | {
            "status": Status(row["status"]), "headers": dict(row["headers"] or {})})


@dataclass(frozen=True)
class DeliveryResponse:
    """The outcome of one attempt: an HTTP answer, or a transport ``error`` (status None)."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    error: str | None = None
    received_at: datetime | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


Action = Literal["delivered", "retry", "failed"]


@dataclass(frozen=True)
class Verdict:
    """What to do with a message after an attempt. ``retry_after`` (seconds) overrides the
    exponential backoff; ``partner_wide`` pauses every stream of the partner (HTTP 429)."""

    action: Action
    reason: str | None = None
    retry_after: float | None = None
    partner_wide: bool = False
