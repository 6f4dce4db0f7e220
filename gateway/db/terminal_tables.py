"""Tables of payment terminals and financial advice confirmations (issue 8), registered on
the shared metadata. Migration 0008 mirrors them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gateway.db.tables import metadata
from gateway.db.types import UtcDateTime

terminals = Table(
    "terminals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("type", String(16), nullable=False),
    Column("address", String(255)),
    Column("city", String(255)),
    Column("postal_code", String(16)),
    Column("state", String(255)),
    Column("country", String(2)),
    Column("latitude", Numeric(10, 7)),
    Column("longitude", Numeric(11, 7)),
    # Deleting a platform, operator, area or connector a terminal names is refused with
    # the terminals listed (see gateway.db.terminal_store.terminal_referrers).
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id"), index=True),
    Column("roaming_id", String(36)),  # OCPI terminal_id
    Column("roaming_reference", String(36)),  # OCPI reference (e.g. serial number)
    Column("operator_id", Integer, ForeignKey("operators.id"), index=True),
    Column("customer_reference", String(36)),
    Column("invoice_base_url", String(255)),
    Column("invoice_creator", String(8)),
    Column("active", Boolean, nullable=False),
    # One target at a time: an area, or a connector.
    Column("area_id", Integer, ForeignKey("areas.id"), index=True),
    Column("connector_id", Integer, ForeignKey("connectors.id"), index=True),
    Column("assigned_at", UtcDateTime()),
    # {location_ids, evse_uids} the PTP holds (last sent or received), with "refused" (why)
    # when the PTP refused the last one sent; null: unknown.
    Column("synced", JSON),
    Column("roaming_last_updated", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "roaming_id"),
)

financial_advice_confirmations = Table(
    "financial_advice_confirmations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("fac_id", String(36), nullable=False),
    # The session is found through it (sessions.authorization_reference), not stored: a
    # confirmation may arrive before the session is known here.
    Column("authorization_reference", String(36), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("total_excl_vat", Numeric(14, 4), nullable=False),
    Column("total_incl_vat", Numeric(14, 4)),
    Column("total_costs", JSON, nullable=False),  # as received (2.3.0 or 2.2.1 Price)
    Column("eft_data", JSON, nullable=False),
    Column("capture_status_code", String(32), nullable=False),
    Column("capture_status_message", String(255)),
    Column("last_updated", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("object", JSON, nullable=False),  # the OCPI object as received
    UniqueConstraint("platform_id", "fac_id"),
)
