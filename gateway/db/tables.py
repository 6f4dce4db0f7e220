"""Tables of the charging-network model. Alembic migrations mirror this file exactly
(a test compares them), so change both together."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gateway.db.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _code(unique: bool = True) -> Column[str]:
    return Column("code", String(64), nullable=False, unique=unique)


def _timestamps() -> list[Column[object]]:
    return [
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    ]


def _fk(name: str, target: str, nullable: bool) -> Column[int]:
    return Column(
        f"{name}_id", Integer, ForeignKey(f"{target}.id"), nullable=nullable, index=True
    )


system_settings = Table(
    "system_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

sites = Table(
    "sites",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    Column("country", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("session_rating", JSON, nullable=False),
    Column("idle_session", JSON, nullable=False),
    *_timestamps(),
)

operators = Table(
    "operators",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    Column("organisation", String(255)),
    Column("address", String(255)),
    Column("country", String(2)),
    Column("state", String(255)),
    Column("city", String(255)),
    Column("zip", String(16)),
    Column("phone", String(32)),
    Column("time_zone", String(64)),
    Column("session_rating", JSON),
    Column("idle_session", JSON),
    *_timestamps(),
)

areas = Table(
    "areas",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    _fk("site", "sites", nullable=False),
    _fk("operator", "operators", nullable=True),
    _fk("parent", "areas", nullable=True),
    Column("address", String(255)),
    Column("city", String(255)),
    Column("postal_code", String(16)),
    Column("state", String(255)),
    Column("country", String(2)),
    Column("latitude", Numeric(10, 7)),
    Column("longitude", Numeric(11, 7)),
    Column("support_contact", JSON, nullable=False),
    Column("roaming_id", String(36), unique=True),
    Column("custom_attributes", JSON, nullable=False),
    *_timestamps(),
)

stations = Table(
    "stations",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    Column("visible", Boolean, nullable=False),
    _fk("area", "areas", nullable=False),
    Column("physical_address", String(17)),
    Column("connection_identifier", String(48), nullable=False, unique=True),
    Column("ocpp_protocol", String(8), nullable=False),
    Column("connection_policy", String(16), nullable=False),
    Column("ocpp_leniency", Boolean, nullable=False, server_default=false()),
    Column("password_hash", String(255)),
    Column("boot_configuration", JSON, nullable=False),
    Column("serial_number", String(64)),
    Column("model", String(64)),
    Column("vendor", String(64)),
    Column("firmware_version", String(64)),
    Column("modem_iccid", String(32)),
    Column("modem_imsi", String(32)),
    Column("connection_state", String(16), nullable=False),
    Column("operational_status", String(16), nullable=False),
    Column("last_seen_at", UtcDateTime()),
    *_timestamps(),
)

chargers = Table(
    "chargers",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    _fk("station", "stations", nullable=False),
    Column("evse_id", Integer, nullable=False),
    Column("physical_address", String(17)),
    Column("reservable", Boolean, nullable=False),
    Column("roaming_enabled", Boolean, nullable=False),
    Column("roaming_id", String(36), unique=True),
    Column("electric_current_type", String(16), nullable=False),
    Column("session_rating", JSON),
    Column("custom_fields", JSON, nullable=False),
    Column("status", String(32)),
    Column("operational_status", String(16), nullable=False),
    *_timestamps(),
    UniqueConstraint("station_id", "evse_id"),
)

connectors = Table(
    "connectors",
    metadata,
    _id(),
    _code(unique=False),
    Column("name", String(255), nullable=False),
    _fk("charger", "chargers", nullable=False),
    Column("ocpp_connector_id", Integer, nullable=False),
    Column("standard", String(16), nullable=False),
    Column("format", String(8), nullable=False),
    Column("electric_current_type", String(16)),
    Column("wattage_limit_w", Integer, nullable=False),
    Column("amperage_limit_a", Numeric(8, 2)),
    Column("voltage_limit_v", Integer),
    Column("power_factor", Numeric(4, 3)),
    Column("roaming_id", String(36), unique=True),
    Column("custom_fields", JSON, nullable=False),
    Column("status", String(32)),
    Column("error_code", String(64)),
    *_timestamps(),
    UniqueConstraint("charger_id", "code"),
    UniqueConstraint("charger_id", "ocpp_connector_id"),
)

assets = Table(
    "assets",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    Column("description", Text),
    Column("type", String(16), nullable=False),
    Column("electric_current_type", String(16)),
    Column("power_factor", Numeric(4, 3)),
    _fk("area", "areas", nullable=False),
    *_timestamps(),
)

roaming_profiles = Table(
    "roaming_profiles",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    Column("type", String(8), nullable=False),
    Column("protocol", String(8), nullable=False),
    Column("country_code", String(2), nullable=False),
    Column("roaming_identifier", String(16), nullable=False),
    _fk("operator", "operators", nullable=True),
    *_timestamps(),
    UniqueConstraint("protocol", "country_code", "roaming_identifier"),
)

roaming_platforms = Table(
    "roaming_platforms",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    _fk("roaming_profile", "roaming_profiles", nullable=False),
    Column("type", String(8), nullable=False),
    Column("protocol", String(8), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("country", String(2), nullable=False),
    Column("roaming_identifier", String(16), nullable=False),
    *_timestamps(),
    UniqueConstraint("roaming_profile_id", "country", "roaming_identifier"),
)

customers = Table(
    "customers",
    metadata,
    _id(),
    _code(),
    Column("name", String(255), nullable=False),
    Column("blocked", Boolean, nullable=False),
    *_timestamps(),
)

id_tokens = Table(
    "id_tokens",
    metadata,
    _id(),
    _code(),
    Column("type", String(16), nullable=False),
    Column("identifier", String(255), nullable=False),
    Column("name", String(255)),
    _fk("customer", "customers", nullable=True),
    Column("status", String(16), nullable=False),
    *_timestamps(),
    UniqueConstraint("type", "identifier"),
)


# --- CSMS: status history, sessions, meter values, OCPP traffic -------------------------------

connector_status_events = Table(
    "connector_status_events",
    metadata,
    _id(),
    _fk("station", "stations", nullable=False),
    _fk("charger", "chargers", nullable=True),
    _fk("connector", "connectors", nullable=True),
    Column("status", String(32), nullable=False),
    Column("error_code", String(64)),
    Column("vendor_error_code", String(255)),
    Column("info", String(255)),
    Column("at", UtcDateTime(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    _id(),
    Column("status", String(16), nullable=False, index=True),
    _fk("station", "stations", nullable=False),
    _fk("charger", "chargers", nullable=True),
    _fk("connector", "connectors", nullable=True),
    Column("transaction_id", String(64)),
    Column("id_token", String(255)),
    Column("id_token_type", String(32)),
    _fk("customer", "customers", nullable=True),
    Column("authorization_mode", String(24), nullable=False),
    Column("authorization_reference", String(64)),
    Column("remote_start_id", Integer),
    Column("reservation_id", Integer),
    Column("offline", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    Column("started_at", UtcDateTime()),
    Column("charging_ended_at", UtcDateTime()),
    Column("ended_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("last_event_at", UtcDateTime(), nullable=False),
    Column("stop_requested_at", UtcDateTime()),
    Column("stop_reason", String(64)),
    Column("limit_reason", String(16)),
    Column("meter_start_wh", Numeric(16, 3)),
    Column("energy_wh", Numeric(16, 3), nullable=False),
    Column("reading_type", String(16), nullable=False),
    Column("last_valid_reading_at", UtcDateTime()),
    Column("charge_time_s", Integer, nullable=False),
    Column("park_time_s", Integer, nullable=False),
    Column("fault_time_s", Integer, nullable=False),
    Column("reservation_time_s", Integer, nullable=False),
    Column("roaming_platform", String(64)),  # platform whose customer this session serves
    Column("duration_scope", String(16)),
    Column("scope_since", UtcDateTime()),
    Column("amount", Numeric(14, 4)),
    Column("currency", String(3)),
    # The session's own monetary limit (a payment terminal's pre-authorized amount).
    Column("monetary_limit", Numeric(14, 4)),
    UniqueConstraint("station_id", "transaction_id"),
)

session_meter_values = Table(
    "session_meter_values",
    metadata,
    _id(),
    _fk("station", "stations", nullable=False),
    _fk("session", "sessions", nullable=True),
    Column("connector_ref", Integer),  # OCPP connectorId (1.6) or evseId (2.0.1)
    Column("at", UtcDateTime(), nullable=False),
    Column("measurand", String(64), nullable=False),
    Column("phase", String(8)),
    Column("unit", String(16)),
    Column("context", String(32)),
    Column("location", String(16)),
    Column("value", Numeric(20, 6), nullable=False),
)

transaction_events = Table(
    "transaction_events",
    metadata,
    _id(),
    _fk("station", "stations", nullable=False),
    Column("transaction_id", String(64), nullable=False),
    Column("seq_no", Integer, nullable=False),
    Column("event_type", String(16), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("offline", Boolean, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    UniqueConstraint("station_id", "transaction_id", "seq_no"),
)

ocpp_messages = Table(
    "ocpp_messages",
    metadata,
    _id(),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("direction", String(3), nullable=False),  # IN (from charger) / OUT
    Column("message_type", Integer, nullable=False),
    Column("unique_id", String(64)),
    Column("action", String(64)),
    Column("payload", Text, nullable=False),
    Index("ix_ocpp_messages_station_at", "station_id", "at"),
)

station_events = Table(
    "station_events",
    metadata,
    _id(),
    _fk("station", "stations", nullable=False),
    Column("type", String(48), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("payload", JSON, nullable=False),
)


# --- Roaming tariffs (issue 5) -------------------------------------------------------------

roaming_tariffs = Table(
    "roaming_tariffs",
    metadata,
    _id(),
    _code(unique=False),  # one code may have several validity frames; they never overlap
    Column("name", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("valid_from", UtcDateTime()),
    Column("valid_to", UtcDateTime()),
    Column("currency", String(3), nullable=False),
    Column("max_payment_authorization_amount", Numeric(14, 4)),
    Column("details", JSON, nullable=False),
    *_timestamps(),
    Index("ix_roaming_tariffs_code", "code"),
)

# Which tariff codes apply where: session settings of a site, operator or charger, and
# roaming platforms. A tariff reaches a session only through both (the manual's rule).
tariff_assignments = Table(
    "tariff_assignments",
    metadata,
    _id(),
    Column("level", String(16), nullable=False),  # SITE, OPERATOR, CHARGER, PLATFORM
    Column("target_id", Integer, nullable=False),
    Column("tariff_code", String(64), nullable=False),
    UniqueConstraint("level", "target_id", "tariff_code"),
)

session_cdrs = Table(
    "session_cdrs",
    metadata,
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("tariff_ids", JSON, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cdr", JSON, nullable=False),  # OCPI 2.2.1 CDR fields computed by the engine
    Column("explanation", JSON, nullable=False),
    Column("total_excl_vat", Numeric(14, 4), nullable=False),
    Column("total_incl_vat", Numeric(14, 4), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


# --- Operations (issue 4) -------------------------------------------------------------------

# Firmware downloads and diagnostics/log uploads; the id is the 2.0.1 requestId.
operation_transfers = Table(
    "operation_transfers",
    metadata,
    _id(),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # FIRMWARE, DIAGNOSTICS
    Column("location", String(512), nullable=False),  # password redacted
    Column("status", String(32), nullable=False),
    Column("file_name", String(255)),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# 2.0.1 GetBaseReport requests and the NotifyReport parts collected for them.
device_model_reports = Table(
    "device_model_reports",
    metadata,
    _id(),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("report_base", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("entries", JSON, nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# The local authorization list each station accepted last, with its version counter.
local_auth_lists = Table(
    "local_auth_lists",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"),
           primary_key=True),
    Column("version", Integer, nullable=False),
    Column("entries", JSON, nullable=False),  # identifier -> {type, status}
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Whether a charger's connectors can be used at the same time (else a reservation of one
# connector reserves the whole charger).
charger_reservation_rules = Table(
    "charger_reservation_rules",
    metadata,
    Column("charger_id", Integer, ForeignKey("chargers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("simultaneous_connectors", Boolean, nullable=False, server_default=false()),
)

reservations = Table(
    "reservations",
    metadata,
    _id(),  # the OCPP reservation id
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("charger_id", Integer, ForeignKey("chargers.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("connector_id", Integer, ForeignKey("connectors.id", ondelete="CASCADE")),
    Column("whole_charger", Boolean, nullable=False, server_default=false()),
    Column("id_token", String(36), nullable=False),
    Column("id_token_type", String(16)),
    Column("status", String(16), nullable=False, index=True),
    Column("charger_status", String(32)),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("session_id", Integer, ForeignKey("sessions.id", ondelete="SET NULL")),
    *_timestamps(),
)

charging_profiles = Table(
    "charging_profiles",
    metadata,
    _id(),  # the OCPP chargingProfileId
    _code(),
    Column("spec", JSON, nullable=False),
    *_timestamps(),
)

charger_charging_profiles = Table(
    "charger_charging_profiles",
    metadata,
    _id(),
    Column("charger_id", Integer, ForeignKey("chargers.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("profile_id", Integer, ForeignKey("charging_profiles.id"), nullable=False,
           index=True),
    Column("status", String(16), nullable=False),  # the charger's answer, upper case
    Column("assigned_at", UtcDateTime(), nullable=False),
    UniqueConstraint("charger_id", "profile_id"),
)

# Dynamic load balancing per area (the load-balancing engine is a later issue; the flag
# already excludes charging profiles, as the manual requires).
area_load_balancing = Table(
    "area_load_balancing",
    metadata,
    Column("area_id", Integer, ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
    Column("enabled", Boolean, nullable=False, server_default=false()),
)

configuration_templates = Table(
    "configuration_templates",
    metadata,
    _id(),
    _code(),
    Column("spec", JSON, nullable=False),
    *_timestamps(),
)

configuration_template_targets = Table(
    "configuration_template_targets",
    metadata,
    _id(),
    Column("template_id", Integer,
           ForeignKey("configuration_templates.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("area_id", Integer, ForeignKey("areas.id", ondelete="CASCADE"), index=True),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"), index=True),
)

configuration_setting_results = Table(
    "configuration_setting_results",
    metadata,
    _id(),
    Column("station_id", Integer, ForeignKey("stations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("template_code", String(64), nullable=False),
    Column("batch", Integer, nullable=False),
    Column("parameter", String(110), nullable=False),
    Column("charger", String(64)),
    Column("connector", String(64)),
    Column("status", String(32), nullable=False),
    Column("applied_at", UtcDateTime(), nullable=False),
)
