"""SQLAlchemy implementation of the OCPI partner bookkeeping ports.

Holds the per-partner state the gateway keeps about each OCPI platform: the
credentials handshake record (``SqlCredentialsStore``), the ClientInfo objects a
hub sent us (``SqlClientInfoStore``), the tokens pushed by eMSPs
(``SqlTokenStore``) and the fingerprints of what we last pushed to each partner
(``SqlPublishedStore``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.network.schemas import party_id_of
from gateway.db import ocpi_tables as o
from gateway.db import tables as t
from gateway.db.types import utcnow
from ocpi.mapping.views import Party
from ocpi.ports import PlatformRecord, StoredToken


class SqlCredentialsStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def _query(self) -> Any:
        p, r, c = t.roaming_platforms, t.roaming_profiles, o.ocpi_credentials
        return (select(p.c.id, p.c.code, p.c.name, p.c.url, p.c.type.label("platform_type"),
                       r.c.country_code,
                       r.c.roaming_identifier, r.c.name.label("profile_name"), c)
                .join(r, r.c.id == p.c.roaming_profile_id)
                .outerjoin(c, c.c.platform_id == p.c.id)
                .where(p.c.protocol == "OCPI"))

    @staticmethod
    def _record(row: Any) -> PlatformRecord:
        return PlatformRecord(
            id=row["id"], code=row["code"], name=row["name"], url=row["url"],
            party=Party(row["country_code"], party_id_of(row["roaming_identifier"])),
            profile_name=row["profile_name"], type=str(row["platform_type"]),
            send_base64=True if row["send_base64"] is None else bool(row["send_base64"]),
            cpo_issues_invoices=bool(row["cpo_issues_invoices"]),
            registration_token_enc=row["registration_token_enc"],
            access_token_enc=row["access_token_enc"],
            partner_registration_token_enc=row["partner_registration_token_enc"],
            remote_access_token_enc=row["remote_access_token_enc"],
            version=row["version"],
            endpoints=dict(row["endpoints"] or {}), roles=list(row["roles"] or []),
            hub_party_id=row["hub_party_id"], registered_at=row["registered_at"],
        )

    async def platform(self, code: str) -> PlatformRecord | None:
        async with self._sessions() as session:
            row = (await session.execute(self._query().where(
                t.roaming_platforms.c.code == code))).mappings().first()
        return None if row is None else self._record(row)

    async def platforms(self) -> list[PlatformRecord]:
        async with self._sessions() as session:
            rows = (await session.execute(self._query().order_by(t.roaming_platforms.c.id))
                    ).mappings().all()
        return [self._record(row) for row in rows]

    async def platform_by_token(self, digest: str) -> tuple[PlatformRecord, str] | None:
        c = o.ocpi_credentials
        async with self._sessions() as session:
            row = (await session.execute(self._query().where(or_(
                c.c.registration_token_sha256 == digest, c.c.access_token_sha256 == digest)))
                   ).mappings().first()
        if row is None:
            return None
        kind = "access" if row["access_token_sha256"] == digest else "registration"
        return self._record(row), kind

    async def save(self, record: PlatformRecord, *, registration_digest: str | None,
                   access_digest: str | None) -> None:
        c = o.ocpi_credentials
        values = {
            "registration_token_enc": record.registration_token_enc,
            "registration_token_sha256": registration_digest,
            "access_token_enc": record.access_token_enc,
            "access_token_sha256": access_digest,
            "partner_registration_token_enc": record.partner_registration_token_enc,
            "remote_access_token_enc": record.remote_access_token_enc,
            "send_base64": record.send_base64,
            "cpo_issues_invoices": record.cpo_issues_invoices,
            "partner_versions_url": record.url, "version": record.version,
            "endpoints": record.endpoints, "roles": record.roles,
            "hub_party_id": record.hub_party_id,
            "registered_at": record.registered_at, "updated_at": utcnow(),
        }
        async with self._sessions() as session, session.begin():
            exists = await session.scalar(select(func.count()).select_from(c).where(
                c.c.platform_id == record.id))
            if exists:
                await session.execute(update(c).where(c.c.platform_id == record.id)
                                      .values(**values))
            else:
                await session.execute(insert(c).values(platform_id=record.id, **values))


class SqlTokenStore:
    """Tokens pushed by eMSPs (tokens receiver)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def put(self, platform_id: int, token: dict[str, Any]) -> None:
        k = o.ocpi_tokens
        key = (k.c.platform_id == platform_id, k.c.country_code == token["country_code"],
               k.c.party_id == token["party_id"], k.c.uid == token["uid"],
               k.c.type == token["type"])
        values = {"contract_id": token["contract_id"], "valid": bool(token["valid"]),
                  "whitelist": token["whitelist"], "token": token,
                  "last_updated": datetime.fromisoformat(
                      str(token["last_updated"]).replace("Z", "+00:00"))}
        async with self._sessions() as session, session.begin():
            exists = await session.scalar(select(func.count()).select_from(k).where(*key))
            if exists:
                await session.execute(update(k).where(*key).values(**values))
            else:
                await session.execute(insert(k).values(
                    platform_id=platform_id, country_code=token["country_code"],
                    party_id=token["party_id"], uid=token["uid"], type=token["type"],
                    **values))

    async def get(self, platform_id: int, country_code: str, party_id: str, uid: str,
                  token_type: str) -> dict[str, Any] | None:
        k = o.ocpi_tokens
        async with self._sessions() as session:
            value = await session.scalar(select(k.c.token).where(
                k.c.platform_id == platform_id, k.c.country_code == country_code,
                k.c.party_id == party_id, k.c.uid == uid, k.c.type == token_type))
        return dict(value) if value is not None else None

    async def find_uid(self, uid: str) -> list[StoredToken]:
        k, p = o.ocpi_tokens, t.roaming_platforms
        async with self._sessions() as session:
            rows = (await session.execute(
                select(p.c.code, k.c.token).join(p, p.c.id == k.c.platform_id)
                .where(k.c.uid == uid).order_by(k.c.last_updated.desc()))).all()
        return [StoredToken(str(code), dict(token)) for code, token in rows]


class SqlClientInfoStore:
    """ClientInfo objects a hub sent us (shown in the admin API)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def put(self, platform_id: int, info: dict[str, Any]) -> None:
        c = o.ocpi_client_info
        key = (c.c.platform_id == platform_id, c.c.country_code == info["country_code"],
               c.c.party_id == info["party_id"])
        values = {"role": info["role"], "status": info["status"],
                  "last_updated": datetime.fromisoformat(
                      str(info["last_updated"]).replace("Z", "+00:00"))}
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(func.count()).select_from(c).where(*key)):
                await session.execute(update(c).where(*key).values(**values))
            else:
                await session.execute(insert(c).values(
                    platform_id=platform_id, country_code=info["country_code"],
                    party_id=info["party_id"], **values))

    async def get(self, platform_id: int, country: str, party: str) -> dict[str, Any] | None:
        rows = await self.list(platform_id)
        return next((r for r in rows if (r["country_code"], r["party_id"]) == (country, party)),
                    None)

    async def list(self, platform_id: int | None = None) -> list[dict[str, Any]]:
        c = o.ocpi_client_info
        query = select(c.c.country_code, c.c.party_id, c.c.role, c.c.status, c.c.last_updated)
        if platform_id is not None:
            query = query.where(c.c.platform_id == platform_id)
        async with self._sessions() as session:
            rows = (await session.execute(query.order_by(c.c.id))).mappings().all()
        return [{**dict(r), "last_updated": r["last_updated"].isoformat().replace(
            "+00:00", "Z")} for r in rows]


class SqlPublishedStore:
    """Fingerprints of what we last pushed to each partner."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def published(self, platform_id: int, object_type: str
                        ) -> dict[str, tuple[str, bool]]:
        pub = o.ocpi_published
        async with self._sessions() as session:
            rows = await session.execute(select(pub.c.object_id, pub.c.fingerprint,
                                                pub.c.removed).where(
                pub.c.platform_id == platform_id, pub.c.object_type == object_type))
        return {str(r[0]): (str(r[1]), bool(r[2])) for r in rows}

    async def mark(self, platform_id: int, object_type: str, object_id: str,
                   fingerprint: str, removed: bool) -> None:
        pub = o.ocpi_published
        key = (pub.c.platform_id == platform_id, pub.c.object_type == object_type,
               pub.c.object_id == object_id)
        values = {"fingerprint": fingerprint, "removed": removed, "updated_at": utcnow()}
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(func.count()).select_from(pub).where(*key)):
                await session.execute(update(pub).where(*key).values(**values))
            else:
                await session.execute(insert(pub).values(
                    platform_id=platform_id, object_type=object_type, object_id=object_id,
                    **values))
