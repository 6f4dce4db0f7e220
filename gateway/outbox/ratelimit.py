"""Token buckets per (partner, kind): Hubject, for instance, accepts 6 pricing pushes a
minute. A message that finds no token stays PENDING and untouched (no attempt counted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WILDCARD = "*"


@dataclass(frozen=True)
class RateLimit:
    calls: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.calls < 1 or self.per_seconds <= 0:
            raise ValueError("a rate limit needs calls ≥ 1 and a positive period")


class TokenBucket:
    def __init__(self, limit: RateLimit, now: datetime) -> None:
        self.limit = limit
        self._tokens = float(limit.calls)
        self._at = now

    def _refill(self, now: datetime) -> None:
        elapsed = max(0.0, (now - self._at).total_seconds())
        rate = self.limit.calls / self.limit.per_seconds
        self._tokens = min(float(self.limit.calls), self._tokens + elapsed * rate)
        self._at = now

    def try_take(self, now: datetime) -> bool:
        self._refill(now)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def next_token_at(self, now: datetime) -> datetime:
        self._refill(now)
        missing = max(0.0, 1.0 - self._tokens)
        return now + timedelta(seconds=missing * self.limit.per_seconds / self.limit.calls)


class RateLimiter:
    """Limits keyed by (partner, kind); partner ``"*"`` applies to each partner separately."""

    def __init__(self) -> None:
        self._limits: dict[tuple[str, str], RateLimit] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def set_limit(self, partner: str, kind: str, limit: RateLimit | None) -> None:
        if limit is None:
            self._limits.pop((partner, kind), None)
        else:
            self._limits[(partner, kind)] = limit
        for key in [k for k in self._buckets if k[1] == kind]:
            del self._buckets[key]

    def _bucket(self, partner: str, kind: str, now: datetime) -> TokenBucket | None:
        limit = self._limits.get((partner, kind)) or self._limits.get((WILDCARD, kind))
        if limit is None:
            return None
        bucket = self._buckets.get((partner, kind))
        if bucket is None:
            bucket = self._buckets[(partner, kind)] = TokenBucket(limit, now)
        return bucket

    def try_take(self, partner: str, kind: str, now: datetime) -> bool:
        bucket = self._bucket(partner, kind, now)
        return bucket is None or bucket.try_take(now)

    def next_token_at(self, partner: str, kind: str, now: datetime) -> datetime:
        bucket = self._bucket(partner, kind, now)
        return now if bucket is None else bucket.next_token_at(now)
