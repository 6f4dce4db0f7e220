"""SQL of the outbox: insert in the caller's transaction, claim due heads, record outcomes,
and the admin queries.

Claiming: a message is claimable when it is PENDING, due (``next_attempt_at`` ≤ now), not
leased (or its lease expired), and no older PENDING message of the same
``(partner, stream)`` exists (head-of-line). Claiming sets a lease (``lease_owner``,
``lease_until``) in a short transaction; the HTTP request runs outside any transaction; the
outcome is written only if the lease is still ours and the message still PENDING (an admin
cancel during the request wins). On PostgreSQL the claim reads with ``FOR UPDATE SKIP
LOCKED``, so several processes can share the table. SQLite has no row locks: one
dispatching process per SQLite database is assumed (the embedded default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Select, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from gateway.db.outbox_tables import outbox_messages as m
from gateway.outbox.model import OutboxMessage, OutboxRecord, Status

Executor = AsyncSession | AsyncConnection


class MessageNotFound(LookupError):
    pass


class TransitionRefused(ValueError):
    """The message's status does not allow the operation (e.g. cancelling a delivery)."""


def _head_condition() -> Any:
    earlier = m.alias("earlier")
    blocked = (
        select(earlier.c.id)
        .where(earlier.c.partner == m.c.partner, earlier.c.stream == m.c.stream,
               earlier.c.status == Status.PENDING.value, earlier.c.id < m.c.id)
        .exists()
    )
    return and_(m.c.status == Status.PENDING.value, ~blocked)


async def insert_message(executor: Executor, message: OutboxMessage, now: datetime) -> int:
    """Writes ``message`` in the executor's current transaction; returns its id."""
    result = await executor.execute(insert(m).values(
        partner=message.partner, stream=message.stream, kind=message.kind,
        protocol=message.protocol, method=message.method.upper(), url=message.url,
        headers=dict(message.headers), credential=message.credential, body=message.body,
        status=Status.PENDING.value, attempts=0, next_attempt_at=now,
        correlation_id=message.correlation_id or uuid4().hex,
        created_at=now, queued_at=now, updated_at=now,
    ))
    key = result.inserted_primary_key  # type: ignore[attr-defined]
    assert key is not None
    return int(key[0])


@dataclass(frozen=True)
class AttemptOutcome:
    """What the dispatcher writes after an attempt."""

    status: Status
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    last_status: int | None
    response_body: str | None
    response_location: str | None
    request_id: str
    delivered_at: datetime | None


@dataclass(frozen=True)
class PartnerSummary:
    partner: str
    counts: dict[str, int]
    retrying: int
    oldest_pending_at: datetime | None


class OutboxStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- dispatcher -------------------------------------------------------------------

    async def claim_due(
        self, now: datetime, owner: str, lease_until: datetime, limit: int,
        admit: Callable[[OutboxRecord], bool] = lambda _r: True,
    ) -> list[OutboxRecord]:
        """Leases up to ``limit`` due stream heads that ``admit`` accepts, oldest first."""
        async with self._sessions.begin() as session:
            stmt: Select[Any] = (
                select(m).where(_head_condition(), m.c.next_attempt_at <= now,
                                or_(m.c.lease_until.is_(None), m.c.lease_until <= now))
                .order_by(m.c.id).limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True, of=m)
            rows = (await session.execute(stmt)).mappings().all()
            records = [r for r in (OutboxRecord.from_row(row) for row in rows) if admit(r)]
            if records:
                await session.execute(
                    update(m).where(m.c.id.in_([r.id for r in records]))
                    .values(lease_owner=owner, lease_until=lease_until))
            return records

    async def next_due_at(self, now: datetime) -> datetime | None:
        """When the earliest stream head becomes claimable, if later than ``now``."""
        async with self._sessions() as session:
            value = (await session.execute(
                select(func.min(m.c.next_attempt_at)).where(
                    _head_condition(), m.c.next_attempt_at > now)
            )).scalar()
            leased = (await session.execute(
                select(func.min(m.c.lease_until)).where(
                    _head_condition(), m.c.lease_until > now)
            )).scalar()
        candidates = [v for v in (value, leased) if v is not None]
        return min(candidates) if candidates else None

    async def record_outcome(self, message_id: int, owner: str, outcome: AttemptOutcome,
                             now: datetime) -> bool:
        """Writes the outcome if the lease is still ours; False when it was lost."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(m).where(m.c.id == message_id, m.c.lease_owner == owner,
                                m.c.status == Status.PENDING.value)
                .values(status=outcome.status.value, attempts=outcome.attempts,
                        next_attempt_at=outcome.next_attempt_at, last_error=outcome.last_error,
                        last_status=outcome.last_status, response_body=outcome.response_body,
                        response_location=outcome.response_location,
                        request_id=outcome.request_id, delivered_at=outcome.delivered_at,
                        lease_owner=None, lease_until=None, updated_at=now))
            return bool(getattr(result, "rowcount", 0))

    async def purge(self, before: datetime) -> int:
        """Deletes DELIVERED and CANCELLED messages last changed before ``before``."""
        async with self._sessions.begin() as session:
            result = await session.execute(delete(m).where(
                m.c.status.in_([Status.DELIVERED.value, Status.CANCELLED.value]),
                m.c.updated_at < before))
            return int(getattr(result, "rowcount", 0) or 0)

    # --- admin ------------------------------------------------------------------------

    async def page(self, *, partner: str | None = None, status: Status | None = None,
                   stream: str | None = None, kind: str | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[list[OutboxRecord], int]:
        """Newest first."""
        conditions = []
        if partner is not None:
            conditions.append(m.c.partner == partner)
        if status is not None:
            conditions.append(m.c.status == status.value)
        if stream is not None:
            conditions.append(m.c.stream == stream)
        if kind is not None:
            conditions.append(m.c.kind == kind)
        async with self._sessions() as session:
            total = (await session.execute(
                select(func.count()).select_from(m).where(*conditions))).scalar_one()
            rows = (await session.execute(
                select(m).where(*conditions).order_by(m.c.id.desc()).limit(limit)
                .offset(offset))).mappings().all()
        return [OutboxRecord.from_row(row) for row in rows], int(total)

    async def get(self, message_id: int) -> OutboxRecord:
        async with self._sessions() as session:
            row = (await session.execute(select(m).where(m.c.id == message_id))
                   ).mappings().first()
        if row is None:
            raise MessageNotFound(f"outbox message {message_id} does not exist")
        return OutboxRecord.from_row(row)

    async def retry(self, message_id: int, now: datetime) -> OutboxRecord:
        """FAILED or CANCELLED → PENDING, due now, attempts and age restarted; a PENDING
        message is made due now. It keeps its place (id) in its stream."""
        return await self._transition(
            message_id, {Status.FAILED, Status.CANCELLED, Status.PENDING},
            {"status": Status.PENDING.value, "next_attempt_at": now, "attempts": 0,
             "queued_at": now, "updated_at": now}, "retried")

    async def cancel(self, message_id: int, now: datetime) -> OutboxRecord:
        """PENDING or FAILED → CANCELLED (never sent again unless retried)."""
        return await self._transition(
            message_id, {Status.PENDING, Status.FAILED},
            {"status": Status.CANCELLED.value, "lease_owner": None, "lease_until": None,
             "updated_at": now}, "cancelled")

    async def _transition(self, message_id: int, allowed: set[Status],
                          values: Mapping[str, Any], verb: str) -> OutboxRecord:
        async with self._sessions.begin() as session:
            row = (await session.execute(select(m.c.status).where(m.c.id == message_id))
                   ).first()
            if row is None:
                raise MessageNotFound(f"outbox message {message_id} does not exist")
            if Status(row[0]) not in allowed:
                raise TransitionRefused(f"a {row[0]} message cannot be {verb}")
            result = await session.execute(
                update(m).where(m.c.id == message_id, m.c.status == row[0]).values(**values))
            if not getattr(result, "rowcount", 0):
                raise TransitionRefused(f"message {message_id} changed meanwhile; try again")
        return await self.get(message_id)

    async def summary(self) -> list[PartnerSummary]:
        async with self._sessions() as session:
            counts = (await session.execute(
                select(m.c.partner, m.c.status, func.count()).group_by(m.c.partner, m.c.status)
            )).all()
            pending = (await session.execute(
                select(m.c.partner, func.min(m.c.created_at),
                       func.sum(case((m.c.attempts > 0, 1), else_=0)))
                .where(m.c.status == Status.PENDING.value).group_by(m.c.partner)
            )).all()
        partners: dict[str, PartnerSummary] = {}
        for partner, status, count in counts:
            entry = partners.setdefault(partner, PartnerSummary(
                partner, {s.value: 0 for s in Status}, 0, None))
            entry.counts[status] = int(count)
        for partner, oldest, retrying in pending:
            # min() keeps the column type, so ``oldest`` is an aware UTC datetime.
            partners[partner] = PartnerSummary(partner, partners[partner].counts,
                                               int(retrying or 0), oldest)
        return [partners[p] for p in sorted(partners)]
