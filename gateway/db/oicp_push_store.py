"""SQL of the OICP sending side: what Hubject was last sent
(``oicp_evse_records``), the OICP session links (``oicp_sessions``) and the outbox writes
that go with them.

Every ``queue_*`` method writes its outbox messages and its bookkeeping in one
transaction, so a message exists exactly when the state that says it was sent does
(``oicp.outbound`` relies on it; e.g. ``cdr_status`` is claimed with a conditional UPDATE in
the transaction that inserts the CDR, so a SessionID never gets two CDRs).

Sized for tens of thousands of EVSEs per platform: the pushed records are written with
bulk upserts keyed on (platform, EvseID) in batches (``BATCH``) that let the event loop
run in between, what was pushed is read for given EvseIDs through the unique index, and
:meth:`SqlOicpStore.network_version` answers "did anything change?" with one aggregate
query instead of reading the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.types import TypeDecorator

from gateway.db import oicp_tables as o
from gateway.db import tables as t
from gateway.db.oicp_network_store import BATCH, SqlOicpNetwork
from gateway.outbox import Outbox, OutboxMessage
from oicp.authorize import AuthorizationOutcome, token_of
from oicp.authorizer import OicpTarget
from oicp.errors import InvalidIdError, OicpMappingError
from oicp.evse_sync import PreparedRecord, PushedEvse, PushedSummary
from oicp.ids import evse_id_for_connector
from oicp.mapping import evse_id_of
from oicp.models.common import Identification
from oicp.outbound_ports import OicpPlatform, OicpRequest, SessionLink
from oicp.remote_ports import ACTIVE, ENDED, FAILED, ORIGIN_AUTHORIZE, ORIGIN_RESERVATION, PENDING
from oicp.session_messages import OicpSessionView

__all__ = ["BATCH", "SqlOicpStore", "outbox_message"]

PROTOCOL = "oicp"
CDR_QUEUED, CDR_DELIVERED, CDR_REJECTED, CDR_FAILED = "QUEUED", "DELIVERED", "REJECTED", "FAILED"
CDR_SKIPPED = "SKIPPED"
ENERGY_REGISTER = "Energy.Active.Import.Register"
_WH_FACTOR = {"wh": Decimal(1), "kwh": Decimal(1000)}
_EVENT_GRACE = timedelta(minutes=1)
T = TypeVar("T")


def outbox_message(request: OicpRequest) -> OutboxMessage:
    """An OICP request as the outbox stores it (mTLS supplies the credentials)."""
    return OutboxMessage(
        partner=request.platform, stream=request.stream, method="POST", url=request.url,
        kind=request.kind, protocol=PROTOCOL,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        body=request.body if isinstance(request.body, str)
        else json.dumps(request.body, separators=(",", ":")))


class _JsonText(TypeDecorator[str]):
    """A JSON column's value given as the JSON text it already is: a record is serialized
    once (``PreparedRecord.text``), not decoded only to be encoded again. It is read back
    by the column's own JSON type, as before."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None  # the text goes to the driver as is (PostgreSQL: ``$n::JSON``)


def _batches(items: Sequence[T]) -> list[list[T]]:
    return [list(items[i:i + BATCH]) for i in range(0, len(items), BATCH)]


def _utc(value: Any) -> datetime | None:
    """An aggregate (``min``) of a UTC column: SQLite answers a naive datetime or its
    text, which the column type would have made aware."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class SqlOicpStore(SqlOicpNetwork):
    """Implements ``oicp.outbound_ports.OutboundStore`` and
    ``oicp.authorizer.AuthorizationLinks``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox,
                 now: Callable[[], datetime]) -> None:
        super().__init__(sessions)
        self._outbox = outbox
        self._now = now

    # --- what Hubject was sent --------------------------------------------------------------

    async def pushed(self, platform_id: int, evse_ids: Collection[str] | None = None, *,
                     records: bool = True) -> dict[str, PushedEvse]:
        r = o.oicp_evse_records
        columns = [r.c.evse_id, r.c.data_digest, r.c.status, r.c.data_pushed_at,
                   r.c.status_pushed_at, *([r.c.data_record] if records else [])]
        query = select(*columns).where(r.c.platform_id == platform_id)
        found: dict[str, PushedEvse] = {}

        def keep(rows: Sequence[Any]) -> None:
            for row in rows:
                found[row["evse_id"]] = PushedEvse(
                    row["evse_id"], row["data_digest"], row["data_record"] if records else None,
                    row["status"], row["data_pushed_at"], row["status_pushed_at"])

        async with self._sessions() as session:
            if evse_ids is None:  # the whole platform: in batches, the loop running between
                result = await session.stream(query)
                async for rows in result.mappings().partitions(BATCH):
                    keep(rows)
                    await asyncio.sleep(0)
            else:  # (platform_id, evse_id) is unique: its index finds them
                for batch in _batches(sorted(set(evse_ids))):
                    keep((await session.execute(query.where(r.c.evse_id.in_(batch))))
                         .mappings().all())
        return found

    async def pushed_summary(self, platform_id: int) -> PushedSummary:
        r = o.oicp_evse_records
        with_data = and_(r.c.data_digest.is_not(None), r.c.data_digest != "")
        with_status = and_(r.c.status.is_not(None), r.c.status != "")
        async with self._sessions() as session:
            row = (await session.execute(select(
                func.count(),
                func.count(case((with_data, 1))),
                func.min(case((with_data, r.c.data_pushed_at))),
                func.count(case((with_status, 1))),
                func.min(case((with_status, r.c.status_pushed_at))),
            ).where(r.c.platform_id == platform_id))).one()
        return PushedSummary(int(row[0]), int(row[1]), _utc(row[2]), int(row[3]), _utc(row[4]))

    async def _enqueue(self, session: AsyncSession, requests: Sequence[OicpRequest]) -> None:
        for request in requests:
            await self._outbox.enqueue(session, outbox_message(request))

    @staticmethod
    async def _upsert(session: AsyncSession, batches: Iterable[list[dict[str, Any]]],
                      columns: Sequence[str], **values: Any) -> None:
        """INSERT ... ON CONFLICT (platform_id, evse_id) DO UPDATE of ``columns``, one
        statement per batch of rows (SQLite and PostgreSQL share the syntax; SQLAlchemy
        needs the dialect's construct)."""
        r = o.oicp_evse_records
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(r).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[r.c.platform_id, r.c.evse_id],
            set_={name: statement.excluded[name] for name in columns})
        for batch in batches:
            if batch:
                await session.execute(statement, batch)
            await asyncio.sleep(0)

    async def queue_evse_data(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                              records: Mapping[str, PreparedRecord], removed: Sequence[str],
                              *, full_load: bool) -> None:
        r = o.oicp_evse_records
        now = self._now()
        # The records' JSON texts are written as they are (no objects decoded from them).
        rows = ([{"platform_id": platform.id, "evse_id": evse_id, "data_digest": record.digest,
                  "record_json": record.text, "data_pushed_at": now}
                 for evse_id, record in batch]
                for batch in _batches(list(records.items())))
        async with self._sessions() as session, session.begin():
            await self._enqueue(session, requests)
            gone = set(removed)
            if full_load:
                known = (await session.execute(select(r.c.evse_id).where(
                    r.c.platform_id == platform.id))).scalars()
                gone |= set(known) - set(records)
            await self._upsert(session, rows, ("data_digest", "data_record", "data_pushed_at"),
                               data_record=bindparam("record_json", type_=_JsonText()))
            for batch in _batches(sorted(gone)):
                await session.execute(delete(r).where(r.c.platform_id == platform.id,
                                                      r.c.evse_id.in_(batch)))

    async def queue_evse_status(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                                statuses: dict[str, str]) -> None:
        now = self._now()
        rows = [{"platform_id": platform.id, "evse_id": evse_id, "status": status,
                 "status_pushed_at": now} for evse_id, status in statuses.items()]
        async with self._sessions() as session, session.begin():
            await self._enqueue(session, requests)
            await self._upsert(session, _batches(rows), ("status", "status_pushed_at"))

    async def pricing_digest(self, platform_id: int) -> str | None:
        pp = o.oicp_pricing_pushes
        async with self._sessions() as session:
            value = await session.scalar(select(pp.c.digest).where(
                pp.c.platform_id == platform_id))
        return None if value is None else str(value)

    async def queue_pricing(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                            digest: str) -> None:
        pp = o.oicp_pricing_pushes
        now = self._now()
        async with self._sessions() as session, session.begin():
            await self._enqueue(session, requests)
            # an upsert: an admin push racing the reconcile on a platform's first push must
            # not fail on the unique platform_id
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = dialect.insert(pp).values(platform_id=platform.id, digest=digest,
                                                  queued_at=now)
            await session.execute(statement.on_conflict_do_update(
                index_elements=[pp.c.platform_id],
                set_={"digest": statement.excluded.digest,
                      "queued_at": statement.excluded.queued_at}))

    # --- session links ----------------------------------------------------------------------

    async def _platform_map(self) -> dict[int, OicpPlatform]:
        return {p.id: p for p in await self.platforms()}

    async def _view_of(self, session: AsyncSession, row: Any, platform: OicpPlatform
                       ) -> tuple[OicpSessionView, bool, bool]:
        s, mv, cd = t.sessions, t.session_meter_values, t.session_cdrs
        charging = None
        readings: tuple[Decimal, ...] = ()
        product = row["partner_product_id"]
        if row["charging_session_id"] is not None:
            charging = (await session.execute(select(s).where(
                s.c.id == row["charging_session_id"]))).mappings().first()
            samples = (await session.execute(
                select(mv.c.value, mv.c.unit).where(
                    mv.c.session_id == row["charging_session_id"],
                    mv.c.measurand == ENERGY_REGISTER,
                    or_(mv.c.phase.is_(None), mv.c.phase == ""))
                .order_by(mv.c.at, mv.c.id))).all()
            readings = tuple(Decimal(value) * _WH_FACTOR[(unit or "Wh").lower()]
                             for value, unit in samples
                             if (unit or "Wh").lower() in _WH_FACTOR)
            if product is None:
                tariff_ids = await session.scalar(select(cd.c.tariff_ids).where(
                    cd.c.session_id == row["charging_session_id"]))
                if tariff_ids and len(str(tariff_ids[0])) <= 50:
                    product = str(tariff_ids[0])
        identification = None
        if row["identification"]:
            try:
                identification = Identification.model_validate(row["identification"])
            except ValidationError:
                identification = None
        session_start = row["created_at"]
        if charging is not None:
            session_start = min(session_start, charging["created_at"])
        ended_at = charging["ended_at"] if charging is not None else (
            row["updated_at"] if row["status"] in (ENDED, FAILED) else None)
        view = OicpSessionView(
            session_id=row["hubject_session_id"], operator_id=platform.operator_id,
            evse_id=row["evse_id"], identification=identification,
            session_start=session_start,
            charging_start=charging["started_at"] if charging is not None else None,
            charging_end=charging["charging_ended_at"] if charging is not None else None,
            session_end=ended_at,
            meter_start_wh=charging["meter_start_wh"] if charging is not None else None,
            energy_wh=charging["energy_wh"] if charging is not None else Decimal(0),
            meter_readings_wh=readings,
            cpo_partner_session_id=row["cpo_partner_session_id"],
            emp_partner_session_id=row["emp_partner_session_id"],
            partner_product_id=product,
            time_zone=await self._site_time_zone(
                session, charging["station_id"] if charging is not None else None,
                row["reservation_id"]))
        charging_ended = charging is not None and charging["charging_ended_at"] is not None
        return view, charging_ended, charging is not None and charging["ended_at"] is not None

    @staticmethod
    async def _site_time_zone(session: AsyncSession, station_id: int | None,
                              reservation_id: int | None) -> str:
        """The zone of the site the session (or reservation) is at: OICP times carry the
        charge point's local offset. UTC when neither is known any more."""
        st, a, si = t.stations, t.areas, t.sites
        if station_id is None and reservation_id is not None:
            station_id = await session.scalar(select(t.reservations.c.station_id).where(
                t.reservations.c.id == reservation_id))
        if station_id is None:
            return "UTC"
        zone = await session.scalar(
            select(si.c.time_zone).select_from(st).join(a, a.c.id == st.c.area_id)
            .join(si, si.c.id == a.c.site_id).where(st.c.id == station_id))
        return str(zone) if zone else "UTC"

    async def _link_of(self, session: AsyncSession, row: Any,
                       platforms: dict[int, OicpPlatform]) -> SessionLink | None:
        platform = platforms.get(row["platform_id"])
        if platform is None:
            return None
        view, charging_ended, ended = await self._view_of(session, row, platform)
        return SessionLink(
            id=row["id"], platform=platform, origin=row["origin"], status=row["status"],
            charging_session_id=row["charging_session_id"], notification=row["notification"],
            last_progress_at=row["last_progress_at"], cdr_status=row["cdr_status"], view=view,
            charging_ended=charging_ended, ended=ended)

    async def link_session(self, charging_session_id: int) -> SessionLink | None:
        ls, s, co = o.oicp_sessions, t.sessions, t.connectors
        platforms = await self._platform_map()
        by_code = {p.code: p for p in platforms.values()}
        async with self._sessions() as session, session.begin():
            charging = (await session.execute(
                select(s.c.authorization_reference, s.c.roaming_platform,
                       co.c.roaming_id.label("connector_roaming_id"))
                .outerjoin(co, co.c.id == s.c.connector_id)
                .where(s.c.id == charging_session_id))).mappings().first()
            if charging is None:
                return None
            row = (await session.execute(select(ls).where(
                ls.c.charging_session_id == charging_session_id))).mappings().first()
            platform = by_code.get(charging["roaming_platform"] or "")
            if row is None and platform is not None and charging["authorization_reference"]:
                row = (await session.execute(select(ls).where(
                    ls.c.platform_id == platform.id,
                    ls.c.hubject_session_id == charging["authorization_reference"]))
                ).mappings().first()
                if row is not None and row["charging_session_id"] not in (
                        None, charging_session_id):
                    return None  # that SessionID belongs to another charging session
            if row is None:
                return None
            platform = platforms.get(row["platform_id"])
            if platform is None:
                return None
            values: dict[str, Any] = {"charging_session_id": charging_session_id,
                                      "updated_at": self._now()}
            if row["status"] == PENDING:
                values["status"] = ACTIVE
            if charging["connector_roaming_id"]:
                with contextlib.suppress(InvalidIdError):
                    values["evse_id"] = evse_id_for_connector(platform.operator_id,
                                                              charging["connector_roaming_id"])
            await session.execute(update(ls).where(ls.c.id == row["id"]).values(**values))
            row = (await session.execute(select(ls).where(ls.c.id == row["id"]))
                   ).mappings().one()
            return await self._link_of(session, row, platforms)

    async def session_link(self, *, charging_session_id: int | None = None,
                           link_id: int | None = None) -> SessionLink | None:
        ls = o.oicp_sessions
        condition = (ls.c.id == link_id) if link_id is not None else (
            ls.c.charging_session_id == charging_session_id)
        async with self._sessions() as session:
            row = (await session.execute(select(ls).where(condition).order_by(ls.c.id.desc())
                                         .limit(1))).mappings().first()
            if row is None:
                return None
            return await self._link_of(session, row, await self._platform_map())

    async def active_links(self, station: str, charger: str, connector: str | None
                           ) -> list[SessionLink]:
        ls, s, st, ch, co = o.oicp_sessions, t.sessions, t.stations, t.chargers, t.connectors
        query = (select(ls).join(s, s.c.id == ls.c.charging_session_id)
                 .join(st, st.c.id == s.c.station_id).join(ch, ch.c.id == s.c.charger_id)
                 .outerjoin(co, co.c.id == s.c.connector_id)
                 .where(ls.c.status == ACTIVE, s.c.ended_at.is_(None), s.c.started_at.is_not(None),
                        st.c.code == station, ch.c.code == charger))
        if connector is not None:
            query = query.where(co.c.code == connector)
        platforms = await self._platform_map()
        async with self._sessions() as session:
            rows = (await session.execute(query)).mappings().all()
            links = [await self._link_of(session, row, platforms) for row in rows]
        return [link for link in links if link is not None]

    async def queue_notification(self, link: SessionLink, request: OicpRequest, *,
                                 notification: str | None, progress_at: datetime | None
                                 ) -> None:
        ls = o.oicp_sessions
        async with self._sessions() as session, session.begin():
            await self._enqueue(session, [request])
            await session.execute(update(ls).where(ls.c.id == link.id).values(
                notification=notification, last_progress_at=progress_at,
                updated_at=self._now()))

    async def queue_cdr(self, link: SessionLink, request: OicpRequest) -> bool:
        ls = o.oicp_sessions
        async with self._sessions() as session, session.begin():
            claimed = await session.execute(
                # FAILED is re-checked here, not taken from the snapshot: the remote side
                # may have refused the start since the link was read.
                update(ls).where(ls.c.id == link.id, ls.c.cdr_status.is_(None),
                                 ls.c.status != FAILED)
                .values(cdr_status=CDR_QUEUED, cdr_detail=None, status=ENDED,
                        updated_at=self._now()))
            if not getattr(claimed, "rowcount", 0):
                return False
            await self._enqueue(session, [request])
            return True

    async def cdr_impossible(self, link: SessionLink, reason: str) -> None:
        ls = o.oicp_sessions
        async with self._sessions() as session, session.begin():
            await session.execute(update(ls).where(ls.c.id == link.id, ls.c.cdr_status.is_(None))
                                  .values(cdr_status=CDR_FAILED,
                                          cdr_detail=f"not sent: {reason}"[:2000],
                                          updated_at=self._now()))

    async def cdr_skipped(self, link: SessionLink, reason: str) -> None:
        ls = o.oicp_sessions
        async with self._sessions() as session, session.begin():
            await session.execute(update(ls).where(ls.c.id == link.id, ls.c.cdr_status.is_(None))
                                  .values(cdr_status=CDR_SKIPPED, cdr_detail=reason[:2000],
                                          status=case((ls.c.status == FAILED, FAILED),
                                                      else_=ENDED),
                                          updated_at=self._now()))

    async def cdr_outcome(self, platform_code: str, hubject_session_id: str, status: str,
                          detail: str | None) -> None:
        """What became of a queued CDR (the outbox's delivery hooks call this)."""
        ls, p = o.oicp_sessions, t.roaming_platforms
        async with self._sessions() as session, session.begin():
            platform_id = await session.scalar(select(p.c.id).where(p.c.code == platform_code))
            if platform_id is None:
                return
            await session.execute(update(ls).where(
                ls.c.platform_id == platform_id, ls.c.hubject_session_id == hubject_session_id)
                .values(cdr_status=status, cdr_detail=detail[:2000] if detail else None,
                        updated_at=self._now()))

    async def ended_without_cdr(self, platform: OicpPlatform, since: datetime) -> list[int]:
        ls, s = o.oicp_sessions, t.sessions
        async with self._sessions() as session:
            charged = (await session.execute(
                select(ls.c.id).join(s, s.c.id == ls.c.charging_session_id)
                .where(ls.c.platform_id == platform.id, ls.c.cdr_status.is_(None),
                       s.c.ended_at.is_not(None), s.c.ended_at >= since))).scalars().all()
            reserved = (await session.execute(
                select(ls.c.id).where(ls.c.platform_id == platform.id,
                                     ls.c.origin == ORIGIN_RESERVATION,
                                     ls.c.charging_session_id.is_(None), ls.c.status == ENDED,
                                     ls.c.cdr_status.is_(None), ls.c.updated_at >= since))
            ).scalars().all()
        return sorted({*charged, *reserved})

    async def unlinked_sessions(self, platform: OicpPlatform, since: datetime) -> list[int]:
        ls, s = o.oicp_sessions, t.sessions
        async with self._sessions() as session:
            found = (await session.execute(
                select(s.c.id).join(ls, and_(ls.c.platform_id == platform.id,
                                             ls.c.hubject_session_id == s.c.authorization_reference,
                                             ls.c.charging_session_id.is_(None)))
                .where(s.c.roaming_platform == platform.code, s.c.created_at >= since,
                       # a session this young may still have its event in the bus queue
                       s.c.created_at <= self._now() - _EVENT_GRACE)
                .order_by(s.c.id))).scalars().all()
        return [int(charging_id) for charging_id in found]

    async def links(self, platform_code: str, limit: int = 100, offset: int = 0
                    ) -> tuple[list[dict[str, Any]], int]:
        """The platform's OICP sessions (whole rows), newest first (admin API)."""
        ls, p = o.oicp_sessions, t.roaming_platforms
        condition = ls.c.platform_id == select(p.c.id).where(
            p.c.code == platform_code).scalar_subquery()
        async with self._sessions() as session:
            total = await session.scalar(select(func.count()).select_from(ls).where(condition))
            rows = (await session.execute(select(ls).where(condition).order_by(ls.c.id.desc())
                                          .limit(limit).offset(offset))).mappings().all()
        return [dict(row) for row in rows], int(total or 0)

    # --- authorization (oicp.authorizer.AuthorizationLinks) ---------------------------------

    async def targets(self, station: str, charger: str | None, connector: str | None
                      ) -> list[OicpTarget]:
        found = []
        for platform in await self.platforms():
            evses = [e for e in await self.exported(platform, station)
                     if charger is None or e.charger.code == charger]
            ids = []
            for evse in evses:
                try:
                    ids.append((evse, evse_id_of(platform.view, evse.connector)))
                except OicpMappingError:  # not publishable: no target
                    continue
            if not ids:
                continue
            exact = next((evse_id for evse, evse_id in ids
                          if connector is not None and evse.connector.code == connector), None)
            if connector is not None and exact is None:
                continue
            found.append(OicpTarget(platform.code, platform.id, platform.operator_id,
                                    platform.base_url, exact, exact or ids[0][1]))
        return found

    async def reusable(self, target: OicpTarget, station: str, token: str,
                       since: datetime) -> str | None:
        ls, s, st = o.oicp_sessions, t.sessions, t.stations
        platform = next((p for p in await self.platforms(target.platform_code)), None)
        station_evses: set[str] = set()
        if platform is not None:
            for evse in await self.exported(platform, station):
                try:
                    station_evses.add(evse_id_of(platform.view, evse.connector))
                except OicpMappingError:  # not publishable: cannot match
                    continue
        query = (select(ls.c.hubject_session_id, ls.c.identification, ls.c.evse_id,
                        ls.c.created_at, ls.c.charging_session_id,
                        s.c.ended_at, st.c.code.label("station_code"))
                 .outerjoin(s, s.c.id == ls.c.charging_session_id)
                 .outerjoin(st, st.c.id == s.c.station_id)
                 .where(ls.c.platform_id == target.platform_id, ls.c.status.in_([PENDING, ACTIVE]),
                        ls.c.cdr_status.is_(None))
                 .order_by(ls.c.id.desc()))
        async with self._sessions() as session:
            rows = (await session.execute(query)).mappings().all()
        wanted = token.upper()
        for row in rows:
            try:
                identification = Identification.model_validate(row["identification"] or {})
            except ValidationError:
                continue
            if token_of(identification) != wanted:
                continue
            if row["charging_session_id"] is None:
                if row["created_at"] >= since and row["evse_id"] in station_evses:
                    return str(row["hubject_session_id"])
            elif row["ended_at"] is None and row["station_code"] == station:
                return str(row["hubject_session_id"])
        return None

    async def record(self, target: OicpTarget, outcome: AuthorizationOutcome,
                     identification: Identification, cpo_partner_session_id: str) -> None:
        ls = o.oicp_sessions
        now = self._now()
        assert outcome.session_id is not None
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(insert(ls).values(
                    platform_id=target.platform_id, hubject_session_id=outcome.session_id,
                    cpo_partner_session_id=cpo_partner_session_id,
                    emp_partner_session_id=outcome.emp_partner_session_id,
                    provider_id=outcome.provider_id, evse_id=target.evse_id or target.evse_hint,
                    identification=identification.to_json(), origin=ORIGIN_AUTHORIZE,
                    status=PENDING, created_at=now, updated_at=now))
        except IntegrityError:
            pass  # Hubject answered a SessionID we already hold: the first row stands

