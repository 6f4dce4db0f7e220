"""SQLAlchemy Core store of the PKI: system trust roots and each roaming platform's
certificates (``gateway.db.pki_tables``).

Private keys enter this module in clear and leave it encrypted: every write of a key goes
through :class:`~gateway.secrets.SecretBox` here, so no caller can store one in clear by
mistake.  Reads return records without keys; a key is decrypted only by the explicit
``*_private_key`` methods, for signing or for building a TLS context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from gateway.db import pki_tables as k
from gateway.db import tables as t
from gateway.db.types import utcnow
from gateway.secrets import SecretBox

ROLES = ("access", "remote_access", "remote_root")


@dataclass(frozen=True, slots=True)
class NewTrustRoot:
    """A trust root to insert; ``issuer_code`` names a root inserted earlier or alongside."""

    code: str
    name: str
    kind: str  # root | intermediate | imported | trusted
    certificate_pem: str
    subject: str
    fingerprint: str
    not_before: datetime
    not_after: datetime
    chain_pem: str | None = None
    private_key_pem: str | None = None
    issuer_code: str | None = None

    def __repr__(self) -> str:  # never show the key
        return f"NewTrustRoot(code={self.code!r}, kind={self.kind!r})"


@dataclass(frozen=True, slots=True)
class TrustRootRecord:
    id: int
    code: str
    name: str
    kind: str
    issuer_code: str | None
    certificate_pem: str
    chain_pem: str | None
    has_key: bool
    fingerprint: str
    not_before: datetime
    not_after: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlatformCertificateRecord:
    """One role of one platform: the assigned certificate and/or a pending CSR."""

    platform_id: int
    platform_code: str
    role: str
    certificate_pem: str | None
    has_key: bool
    csr_pem: str | None
    has_pending_key: bool
    signed_by_code: str | None
    fingerprint: str | None
    not_after: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CertificateAssignment:
    """What a role gets when a certificate is assigned."""

    certificate_pem: str
    subject: str
    fingerprint: str
    not_after: datetime
    private_key_pem: str | None = None
    signed_by_code: str | None = None
    clear_pending: bool = False

    def __repr__(self) -> str:  # never show the key
        return f"CertificateAssignment(fingerprint={self.fingerprint!r})"


class PkiStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box

    def _seal(self, private_key_pem: str | None) -> str | None:
        return None if private_key_pem is None else self._box.encrypt(private_key_pem)

    # -- system trust roots -----------------------------------------------------------

    @staticmethod
    def _root_query() -> Any:
        r = k.pki_trust_roots
        issuer = aliased(r)
        return (select(r, issuer.c.code.label("issuer_code"))
                .outerjoin(issuer, issuer.c.id == r.c.issuer_id))

    @staticmethod
    def _root(row: Any) -> TrustRootRecord:
        return TrustRootRecord(
            id=row["id"], code=row["code"], name=row["name"], kind=row["kind"],
            issuer_code=row["issuer_code"], certificate_pem=row["certificate_pem"],
            chain_pem=row["chain_pem"], has_key=row["private_key_enc"] is not None,
            fingerprint=row["fingerprint_sha256"], not_before=row["not_before"],
            not_after=row["not_after"], created_at=row["created_at"])

    async def roots(self) -> list[TrustRootRecord]:
        async with self._sessions() as session:
            rows = (await session.execute(self._root_query().order_by(k.pki_trust_roots.c.id))
                    ).mappings().all()
        return [self._root(row) for row in rows]

    async def root(self, code: str) -> TrustRootRecord | None:
        async with self._sessions() as session:
            row = (await session.execute(self._root_query().where(
                k.pki_trust_roots.c.code == code))).mappings().first()
        return None if row is None else self._root(row)

    async def root_private_key(self, code: str) -> str | None:
        """The decrypted PEM key of a root (None when it has none)."""
        r = k.pki_trust_roots
        async with self._sessions() as session:
            sealed = await session.scalar(select(r.c.private_key_enc).where(r.c.code == code))
        return None if sealed is None else self._box.decrypt(sealed)

    async def existing_roots(self, codes: list[str], fingerprints: list[str]
                             ) -> list[tuple[str, str]]:
        """(code, fingerprint) of roots that already use one of the codes or fingerprints."""
        r = k.pki_trust_roots
        async with self._sessions() as session:
            rows = await session.execute(select(r.c.code, r.c.fingerprint_sha256).where(
                r.c.code.in_(codes) | r.c.fingerprint_sha256.in_(fingerprints)))
        return [(str(code), str(fp)) for code, fp in rows]

    async def add_roots(self, roots: list[NewTrustRoot]) -> None:
        """Insert roots in order, in one transaction (an intermediate after its issuer)."""
        r = k.pki_trust_roots
        now = utcnow()
        async with self._sessions() as session, session.begin():
            ids: dict[str, int] = {}
            for root in roots:
                issuer_id = None
                if root.issuer_code is not None:
                    issuer_id = ids.get(root.issuer_code) or await session.scalar(
                        select(r.c.id).where(r.c.code == root.issuer_code))
                new_id = await session.scalar(insert(r).values(
                    code=root.code, name=root.name, kind=root.kind, issuer_id=issuer_id,
                    certificate_pem=root.certificate_pem, chain_pem=root.chain_pem,
                    private_key_enc=self._seal(root.private_key_pem), subject=root.subject,
                    fingerprint_sha256=root.fingerprint, not_before=root.not_before,
                    not_after=root.not_after, created_at=now).returning(r.c.id))
                assert new_id is not None
                ids[root.code] = int(new_id)

    async def stamp(self) -> tuple[object, ...]:
        """Changes whenever a root is added or a platform certificate row is written or
        removed: how a running gateway notices changes made by ``evgw cert`` elsewhere."""
        r, c = k.pki_trust_roots, k.platform_certificates
        async with self._sessions() as session:
            roots = (await session.execute(select(func.count(), func.max(r.c.id)))).one()
            certs = (await session.execute(select(func.count(), func.max(c.c.updated_at)))
                     ).one()
        return (*roots, *certs)

    # -- platform certificates -------------------------------------------------------

    async def platform_id(self, code: str) -> int | None:
        p = t.roaming_platforms
        async with self._sessions() as session:
            value = await session.scalar(select(p.c.id).where(p.c.code == code))
        return None if value is None else int(value)

    async def platform_certificates(self, platform_code: str | None = None
                                    ) -> list[PlatformCertificateRecord]:
        c, p, r = k.platform_certificates, t.roaming_platforms, k.pki_trust_roots
        query = (select(c.c.platform_id, p.c.code.label("platform_code"), c.c.role,
                        c.c.certificate_pem, c.c.private_key_enc, c.c.csr_pem, c.c.csr_key_enc,
                        r.c.code.label("signed_by_code"), c.c.fingerprint_sha256,
                        c.c.not_after, c.c.updated_at)
                 .join(p, p.c.id == c.c.platform_id)
                 .outerjoin(r, r.c.id == c.c.signed_by_id))
        if platform_code is not None:
            query = query.where(p.c.code == platform_code)
        async with self._sessions() as session:
            rows = (await session.execute(query.order_by(p.c.code, c.c.role))).mappings().all()
        return [PlatformCertificateRecord(
            platform_id=row["platform_id"], platform_code=row["platform_code"],
            role=row["role"], certificate_pem=row["certificate_pem"],
            has_key=row["private_key_enc"] is not None, csr_pem=row["csr_pem"],
            has_pending_key=row["csr_key_enc"] is not None,
            signed_by_code=row["signed_by_code"], fingerprint=row["fingerprint_sha256"],
            not_after=row["not_after"], updated_at=row["updated_at"]) for row in rows]

    async def _sealed(self, platform_id: int, role: str, column: str) -> str | None:
        c = k.platform_certificates
        async with self._sessions() as session:
            sealed = await session.scalar(select(c.c[column]).where(
                c.c.platform_id == platform_id, c.c.role == role))
        return None if sealed is None else self._box.decrypt(sealed)

    async def platform_private_key(self, platform_id: int, role: str) -> str | None:
        """The decrypted PEM key of the assigned certificate of a role (None: no key)."""
        return await self._sealed(platform_id, role, "private_key_enc")

    async def pending_private_key(self, platform_id: int, role: str) -> str | None:
        """The decrypted PEM key of the role's pending CSR (None: no pending CSR)."""
        return await self._sealed(platform_id, role, "csr_key_enc")

    async def _upsert(self, session: AsyncSession, platform_id: int, role: str,
                      values: dict[str, Any]) -> None:
        c = k.platform_certificates
        now = utcnow()
        key = (c.c.platform_id == platform_id, c.c.role == role)
        exists = await session.scalar(select(c.c.id).where(*key))
        if exists is None:
            await session.execute(insert(c).values(platform_id=platform_id, role=role,
                                                   created_at=now, updated_at=now, **values))
        else:
            await session.execute(update(c).where(*key).values(updated_at=now, **values))

    async def put_pending(self, platform_id: int, role: str, csr_pem: str,
                          private_key_pem: str) -> None:
        """Keep a generated CSR and its key (encrypted) until the certificate comes back;
        a certificate already assigned to the role stays in use meanwhile."""
        async with self._sessions() as session, session.begin():
            await self._upsert(session, platform_id, role, {
                "csr_pem": csr_pem, "csr_key_enc": self._seal(private_key_pem)})

    async def put_certificate(self, platform_id: int, role: str,
                              assignment: CertificateAssignment) -> None:
        """Assign a role's certificate (replacing the previous one and its key)."""
        r = k.pki_trust_roots
        async with self._sessions() as session, session.begin():
            signed_by_id = None
            if assignment.signed_by_code is not None:
                signed_by_id = await session.scalar(
                    select(r.c.id).where(r.c.code == assignment.signed_by_code))
            values: dict[str, Any] = {
                "certificate_pem": assignment.certificate_pem,
                "private_key_enc": self._seal(assignment.private_key_pem),
                "signed_by_id": signed_by_id, "subject": assignment.subject[:1024],
                "fingerprint_sha256": assignment.fingerprint,
                "not_after": assignment.not_after,
            }
            if assignment.clear_pending:
                values |= {"csr_pem": None, "csr_key_enc": None}
            await self._upsert(session, platform_id, role, values)

    async def delete_platform_certificates(self, platform_id: int) -> list[str]:
        """Remove every role of a platform (certificates, keys, pending CSRs); the roles
        that held something."""
        c = k.platform_certificates
        async with self._sessions() as session, session.begin():
            roles = (await session.scalars(select(c.c.role).where(
                c.c.platform_id == platform_id).order_by(c.c.role))).all()
            await session.execute(delete(c).where(c.c.platform_id == platform_id))
        return [str(role) for role in roles]
