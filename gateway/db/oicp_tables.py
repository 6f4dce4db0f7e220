"""Tables of the OICP interface (issue 7). Registered on the shared metadata.

``oicp_sessions`` is the link Hubject's SessionID ↔ our charging session (and so the OCPP
transaction) ↔ CPOPartnerSessionID. It is written before the charger is asked to start
(remote start) or when Hubject authorizes (AuthorizeStart), so a remote stop and the CDR
always find the session. ``oicp_evse_records`` remembers what was last pushed per EVSE, so
EVSE data goes as insert/update/delete deltas and unchanged statuses are not re-sent."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gateway.db.tables import metadata
from gateway.db.types import UtcDateTime

oicp_sessions = Table(
    "oicp_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("hubject_session_id", String(64), nullable=False),
    Column("cpo_partner_session_id", String(250), nullable=False),
    Column("emp_partner_session_id", String(250)),
    Column("provider_id", String(16)),
    Column("evse_id", String(48), nullable=False),
    Column("identification", JSON),  # the Identification object as Hubject sent it
    Column("origin", String(24), nullable=False),  # authorize | remote_start | reservation
    Column("status", String(16), nullable=False),  # PENDING | ACTIVE | ENDED | FAILED
    Column("charging_session_id", Integer, ForeignKey("sessions.id", ondelete="SET NULL"),
           index=True),
    Column("reservation_id", Integer, ForeignKey("reservations.id", ondelete="SET NULL")),
    Column("partner_product_id", String(100)),
    Column("last_progress_at", UtcDateTime()),  # ChargingNotification Progress, ≥ 5 min apart
    Column("notification", String(16)),  # last ChargingNotification Type sent (Start … End)
    Column("cdr_status", String(16)),  # None | QUEUED | DELIVERED | REJECTED
    Column("cdr_detail", Text),
    Column("status_code", String(3)),  # StatusCode.Code answered to the claiming request
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("platform_id", "hubject_session_id"),
)

oicp_evse_records = Table(
    "oicp_evse_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("evse_id", String(48), nullable=False),
    Column("data_digest", String(64)),  # SHA-256 of the last EvseDataRecord pushed
    Column("data_record", JSON),  # that record (an ActionType delete must repeat it)
    Column("status", String(16)),  # the last EvseStatus pushed
    Column("data_pushed_at", UtcDateTime()),
    Column("status_pushed_at", UtcDateTime()),
    UniqueConstraint("platform_id", "evse_id"),
)

# What the last eRoamingPushPricingProductData/PushEVSEPricing pair queued for a platform
# contained (SHA-256 of both bodies): the periodic job pushes again only when it changes,
# also across restarts (Hubject allows 6 pricing calls a minute).
oicp_pricing_pushes = Table(
    "oicp_pricing_pushes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform_id", Integer, ForeignKey("roaming_platforms.id", ondelete="CASCADE"),
           nullable=False, unique=True),
    Column("digest", String(64), nullable=False),
    Column("queued_at", UtcDateTime(), nullable=False),
)
