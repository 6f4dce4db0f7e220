"""Tables of the OCPI interface (issue 6). Registered on the shared metadata.

Tokens are never stored in clear: each is kept encrypted (to show CPO staff and to send)
and, where we must recognise it on inbound requests, as a SHA-256 digest for lookup."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gateway.db.tables import metadata
from gateway.db.types import UtcDateTime


def _platform() -> Column[int]:
    return Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
                  nullable=False, index=True)


ocpi_credentials = Table(
    "ocpi_credentials",
    metadata,
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
           primary_key=True),
    # token A we issue for the partner's registration (dies after the handshake)
    Column("registration_token_enc", Text),
    Column("registration_token_sha256", String(64), unique=True),
    # token we issue for the partner to call us after the handshake ("C" or our "B")
    Column("access_token_enc", Text),
    Column("access_token_sha256", String(64), unique=True),
    # the partner's registration token we use to register with them
    Column("partner_registration_token_enc", Text),
    # the partner's token we use to call them ("remote access token")
    Column("remote_access_token_enc", Text),
    Column("send_base64", Boolean, nullable=False, server_default=false()),
    # we (the CPO) invoice this partner's sessions: CDRs carry invoice_reference_id
    Column("cpo_issues_invoices", Boolean, nullable=False, server_default=false()),
    Column("partner_versions_url", String(2048)),
    Column("version", String(8)),
    Column("endpoints", JSON),  # [{identifier, role, url}]
    Column("roles", JSON),  # the partner's CredentialsRole list
    Column("hub_party_id", String(5)),  # OCPI 2.3.0: a hub's own party ("DEHUB")
    Column("registered_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)

ocpi_tokens = Table(
    "ocpi_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _platform(),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("uid", String(36), nullable=False),
    Column("type", String(16), nullable=False),
    Column("contract_id", String(36), nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("whitelist", String(16), nullable=False),
    Column("token", JSON, nullable=False),  # the OCPI Token as received
    Column("last_updated", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "country_code", "party_id", "uid", "type"),
)

ocpi_commands = Table(
    "ocpi_commands",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _platform(),
    Column("command", String(24), nullable=False),
    Column("request", JSON, nullable=False),
    Column("response_url", String(2048), nullable=False),
    Column("status", String(24), nullable=False),  # ACCEPTED, REJECTED … then the result
    Column("result", String(32)),
    Column("session_id", Integer),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

ocpi_reservations = Table(
    "ocpi_reservations",
    metadata,
    # An eMSP's reservation_id is never sent raw to a charger: we map it to our own id.
    Column("id", Integer, primary_key=True, autoincrement=True),
    _platform(),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("reservation_id", String(36), nullable=False),
    Column("station_reservation_id", Integer),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "country_code", "party_id", "reservation_id"),
)

ocpi_client_info = Table(
    "ocpi_client_info",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _platform(),
    Column("country_code", String(2), nullable=False),
    Column("party_id", String(3), nullable=False),
    Column("role", String(255), nullable=False),  # 2.3.0 roles are open values
    Column("status", String(16), nullable=False),
    Column("last_updated", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "country_code", "party_id"),
)

# What we published to each partner, so an object leaving roaming is pushed once as
# REMOVED (never deleted) and unchanged objects are not pushed again.
ocpi_published = Table(
    "ocpi_published",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _platform(),
    Column("object_type", String(16), nullable=False),  # location, evse, tariff, session
    Column("object_id", String(72), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("removed", Boolean, nullable=False, server_default=false()),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "object_type", "object_id"),
)
