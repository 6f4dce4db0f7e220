"""Tables of the PKI (issue 7): the CPO's system trust roots and each roaming platform's
certificates. Registered on the shared metadata.

Private keys are never stored in clear: each is Fernet-encrypted with the secret key
(``gateway.secrets.SecretBox``). Certificates and CSRs are public and kept as PEM."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from gateway.db.tables import metadata
from gateway.db.types import UtcDateTime

# A system trust root: a CA we created (root or intermediate, with its key), a CA imported
# with its key, or a public root imported without a key (trusted, cannot sign).
pki_trust_roots = Table(
    "pki_trust_roots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("kind", String(16), nullable=False),  # root | intermediate | imported | trusted
    Column("issuer_id", Integer, ForeignKey("pki_trust_roots.id", ondelete="RESTRICT")),
    Column("certificate_pem", Text, nullable=False),
    Column("chain_pem", Text),  # issuers above an intermediate, up to its root
    Column("private_key_enc", Text),
    Column("subject", String(1024), nullable=False),
    Column("fingerprint_sha256", String(64), nullable=False, unique=True),
    Column("not_before", UtcDateTime(), nullable=False),
    Column("not_after", UtcDateTime(), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# One row per platform and role: "access" (the partner's client certificate that admits it
# to our API), "remote_access" (our client certificate towards the partner), "remote_root"
# (the partner's CA certificate(s), a PEM bundle). A row with a CSR and a key but no
# certificate yet is a pending request.
platform_certificates = Table(
    "platform_certificates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("certificate_pem", Text),
    Column("private_key_enc", Text),
    Column("csr_pem", Text),
    # The key of the pending CSR, apart from private_key_enc: renewing must not destroy the
    # key of the certificate still in use until the signed one is assigned.
    Column("csr_key_enc", Text),
    Column("signed_by_id", Integer, ForeignKey("pki_trust_roots.id", ondelete="SET NULL")),
    Column("subject", String(1024)),
    Column("fingerprint_sha256", String(64)),
    Column("not_after", UtcDateTime(), index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "role"),
)
