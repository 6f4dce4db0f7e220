"""Financial advice confirmations of payment terminal providers: stored as received, found
by platform and id (the PTP's GET), listed for CPO staff with the session they confirm.

The session is the one whose ``authorization_reference`` (given by the PTP in
START_SESSION) equals the confirmation's, on the same platform; it is looked up when read,
so a confirmation that arrives before its session is known links up by itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.network.errors import RuleViolation
from gateway.db import tables as t
from gateway.db.terminal_tables import financial_advice_confirmations as fac
from gateway.db.types import utcnow

BIGINT_LIMIT = 2 ** 63  # session ids are 64-bit integers in the database
FAC_FILTERS = {
    "platform": "roaming platform code",
    "authorization_reference": "authorization reference of the payment",
    "session": "session id",
    "capture_status_code": "SUCCESS, PARTIAL_SUCCESS, FAILED",
}


def _platform_id(code: str) -> Any:
    return select(t.roaming_platforms.c.id).where(
        t.roaming_platforms.c.code == code).scalar_subquery()


def _session_of() -> Any:
    """Id of the session a confirmation confirms (correlated scalar subquery)."""
    s, p = t.sessions, t.roaming_platforms
    platform_code = select(p.c.code).where(p.c.id == fac.c.platform_id).scalar_subquery()
    return (select(s.c.id).where(
        s.c.authorization_reference == fac.c.authorization_reference,
        or_(s.c.roaming_platform == platform_code, s.c.roaming_platform.is_(None)))
        .order_by(s.c.id.desc()).limit(1).scalar_subquery())


def _select() -> Any:
    p = t.roaming_platforms
    return select(
        fac.c.fac_id.label("id"),
        select(p.c.code).where(p.c.id == fac.c.platform_id).scalar_subquery().label(
            "platform"),
        fac.c.authorization_reference, _session_of().label("session_id"), fac.c.currency,
        fac.c.total_excl_vat, fac.c.total_incl_vat, fac.c.total_costs, fac.c.eft_data,
        fac.c.capture_status_code, fac.c.capture_status_message, fac.c.last_updated,
        fac.c.received_at)


def _filter(name: str, value: str) -> ColumnElement[bool]:
    if name == "platform":
        by_platform: ColumnElement[bool] = fac.c.platform_id == _platform_id(value)
        return by_platform
    if name == "authorization_reference":
        return fac.c.authorization_reference == value
    if name == "capture_status_code":
        return fac.c.capture_status_code == value.upper()
    if name == "session":
        try:
            session_id = int(value)
        except ValueError as exc:
            raise RuleViolation("session ids are integers", field="session") from exc
        if not -BIGINT_LIMIT <= session_id < BIGINT_LIMIT:  # the driver would refuse it
            raise RuleViolation("session id out of range", field="session")
        s = t.sessions
        reference = select(s.c.authorization_reference).where(s.c.id == session_id) \
            .scalar_subquery()
        return and_(fac.c.authorization_reference == reference, _session_of() == session_id)
    raise RuleViolation(f"unknown filter {name!r}; confirmations filter by "
                        f"{sorted(FAC_FILTERS)}", field=name)


class SqlConfirmationStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def put(self, platform_code: str, record: dict[str, Any]) -> bool:
        """Inserts or (same platform and id) replaces a confirmation; True when new.

        Insert first, replace when the id is taken: a PTP that repeats its POST while the
        first one is still being stored (a retry after a timeout) replaces it too, instead
        of failing on the unique (platform, id)."""
        values = record | {"received_at": utcnow()}
        try:
            async with self._sessions() as session, session.begin():
                platform_id = await session.scalar(select(t.roaming_platforms.c.id).where(
                    t.roaming_platforms.c.code == platform_code))
                if platform_id is None:
                    raise LookupError(f"roaming platform {platform_code!r} does not exist")
                await session.execute(fac.insert().values(platform_id=platform_id, **values))
            return True
        except IntegrityError:
            pass
        async with self._sessions() as session, session.begin():
            key = and_(fac.c.platform_id == platform_id, fac.c.fac_id == record["fac_id"])
            await session.execute(update(fac).where(key).values(**values))
        return False

    async def get(self, platform_code: str, fac_id: str) -> dict[str, Any] | None:
        async with self._sessions() as session:
            value = await session.scalar(select(fac.c.object).where(
                fac.c.platform_id == _platform_id(platform_code), fac.c.fac_id == fac_id))
        return dict(value) if value is not None else None

    async def page(self, filters: dict[str, str], limit: int, offset: int
                   ) -> tuple[list[dict[str, Any]], int]:
        clauses = [_filter(name, value) for name, value in filters.items()]
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(fac).where(*clauses))
            rows = (await session.execute(_select().where(*clauses).order_by(fac.c.id.desc())
                                          .limit(limit).offset(offset))).mappings().all()
        return [dict(row) for row in rows], int(total or 0)
