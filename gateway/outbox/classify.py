"""Turning an attempt's outcome into a verdict, and the retry schedule. Pure functions.

The default classifier reads HTTP only: 2xx delivered; 408, 425, 429, 5xx and transport
errors retried; any other status is a business rejection (FAILED, never retried by
itself). Protocols whose rejections hide inside a 200 (OCPI ``status_code``, OICP
``Result``) wrap it with :func:`body_classifier` and a check of their own, so the protocol
layers need not import the outbox.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

from gateway.outbox.model import DeliveryResponse, Verdict

ResultClassifier = Callable[[DeliveryResponse], Verdict]
# A protocol's check of a 2xx body: None when accepted, else ("retry" | "failed", reason).
BodyCheck = Callable[[DeliveryResponse], "tuple[Literal['retry', 'failed'], str] | None"]

RETRYABLE_STATUSES = frozenset({408, 425, 429})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # int() refuses "²", isdigit() does not
        return float(text)
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (at - now).total_seconds())


def http_classifier(response: DeliveryResponse, now: datetime | None = None) -> Verdict:
    if response.status is None:
        return Verdict("retry", response.error or "transport error")
    status = response.status
    if 200 <= status < 300:
        return Verdict("delivered")
    at = now or response.received_at or datetime.now(UTC)
    retry_after = parse_retry_after(response.header("Retry-After"), at)
    if status in RETRYABLE_STATUSES or status >= 500:
        # A rate limit, or an announced outage, concerns the partner, not one message.
        partner_wide = status == 429 or (status == 503 and retry_after is not None)
        return Verdict("retry", f"HTTP {status}", retry_after=retry_after,
                       partner_wide=partner_wide)
    return Verdict("failed", f"HTTP {status} (rejected)")


def body_classifier(check: BodyCheck) -> ResultClassifier:
    """HTTP classification first; a 2xx answer is then judged by the protocol's check."""

    def classify(response: DeliveryResponse) -> Verdict:
        verdict = http_classifier(response)
        if verdict.action != "delivered":
            return verdict
        judged = check(response)
        if judged is None:
            return verdict
        action, reason = judged
        return Verdict(action, reason)

    return classify


def backoff_delay(attempts: int, *, base: float, cap: float, jitter: float,
                  rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff after ``attempts`` failed attempts, capped, with jitter that
    only shortens the delay (by up to ``jitter`` times the delay) so retries of many messages
    spread out instead of arriving together."""
    delay = min(cap, base * 2.0 ** max(0, attempts - 1))
    return float(delay * (1.0 - jitter * rand()))
