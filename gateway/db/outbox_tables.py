"""Tables of the persistent outbox (issue 6). Registered on the shared metadata.

One row per outbound HTTP request to a roaming partner. ``id`` is the global order; the
dispatcher delivers the messages of one ``(partner, stream)`` strictly in ``id`` order.
Secrets are never stored: ``headers`` holds only non-secret headers and ``credential`` is a
reference the dispatcher's auth provider resolves at send time.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from gateway.db.tables import metadata
from gateway.db.types import UtcDateTime

outbox_messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner", String(64), nullable=False),
    Column("stream", String(255), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("protocol", String(16), nullable=False),
    Column("method", String(10), nullable=False),
    Column("url", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("credential", String(128), nullable=True),
    Column("body", Text, nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("response_location", Text, nullable=True),
    Column("correlation_id", String(64), nullable=False),
    Column("request_id", String(64), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("queued_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    # The dispatcher's scan: pending heads that are due, and the head-of-line lookup.
    Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_outbox_messages_partner_stream_status", "partner", "stream", "status", "id"),
    Index("ix_outbox_messages_partner_status", "partner", "status"),
)
