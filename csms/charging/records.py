"""Plain records the CSMS services work on (persistence maps them to rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from csms.network.schemas import IdleSessionSettings, SessionRatingSettings


@dataclass(frozen=True)
class ConnectorInfo:
    id: int
    code: str
    charger_id: int
    ocpp_connector_id: int
    wattage_limit_w: int
    status: str | None


@dataclass(frozen=True)
class ChargerInfo:
    id: int
    code: str
    evse_id: int
    session_rating: SessionRatingSettings | None
    connectors: tuple[ConnectorInfo, ...]


@dataclass(frozen=True)
class StationInfo:
    """A station with what the OCPP edge needs to serve it."""

    id: int
    code: str
    connection_identifier: str
    ocpp_protocol: str
    connection_policy: str
    password_hash: str | None
    ocpp_leniency: bool
    chargers: tuple[ChargerInfo, ...] = ()
    currency: str = "EUR"
    time_zone: str = "UTC"
    site_rating: SessionRatingSettings = field(default_factory=SessionRatingSettings)
    site_idle: IdleSessionSettings = field(default_factory=IdleSessionSettings)
    operator_rating: SessionRatingSettings | None = None
    operator_idle: IdleSessionSettings | None = None

    def charger_by_evse(self, evse_id: int) -> ChargerInfo | None:
        return next((c for c in self.chargers if c.evse_id == evse_id), None)

    def only_charger(self) -> ChargerInfo | None:
        """OCPP 1.6 stations have exactly one charger (the manual's rule)."""
        return self.chargers[0] if len(self.chargers) == 1 else None

    def connector_16(self, connector_id: int) -> tuple[ChargerInfo, ConnectorInfo] | None:
        for charger in self.chargers:
            for connector in charger.connectors:
                if connector.ocpp_connector_id == connector_id:
                    return charger, connector
        return None

    def connector_201(
        self, evse_id: int, connector_id: int | None
    ) -> tuple[ChargerInfo, ConnectorInfo | None] | None:
        charger = self.charger_by_evse(evse_id)
        if charger is None:
            return None
        if connector_id is None:
            only = charger.connectors[0] if len(charger.connectors) == 1 else None
            return charger, only
        connector = next(
            (c for c in charger.connectors if c.ocpp_connector_id == connector_id), None
        )
        return charger, connector

    def locate(self, charger_id: int | None, connector_id: int | None
               ) -> tuple[ChargerInfo | None, ConnectorInfo | None]:
        charger = next((c for c in self.chargers if c.id == charger_id), None)
        connector = None
        if charger is not None:
            connector = next((c for c in charger.connectors if c.id == connector_id), None)
        return charger, connector


@dataclass
class SessionRecord:
    id: int | None
    status: str
    station_id: int
    charger_id: int | None
    connector_id: int | None
    authorization_mode: str
    created_at: datetime
    updated_at: datetime
    last_event_at: datetime
    transaction_id: str | None = None
    id_token: str | None = None
    id_token_type: str | None = None
    customer_id: int | None = None
    authorization_reference: str | None = None
    remote_start_id: int | None = None
    reservation_id: int | None = None
    offline: bool = False
    started_at: datetime | None = None
    charging_ended_at: datetime | None = None
    ended_at: datetime | None = None
    stop_requested_at: datetime | None = None
    stop_reason: str | None = None
    limit_reason: str | None = None
    meter_start_wh: Decimal | None = None
    energy_wh: Decimal = Decimal(0)
    reading_type: str = "UNKNOWN"
    last_valid_reading_at: datetime | None = None
    charge_time_s: int = 0
    park_time_s: int = 0
    fault_time_s: int = 0
    reservation_time_s: int = 0
    roaming_platform: str | None = None
    duration_scope: str | None = None
    scope_since: datetime | None = None
    amount: Decimal | None = None
    currency: str | None = None
    # Own monetary limit of this session (a payment terminal's pre-authorized amount),
    # stopping it like the rating's monetary limit; the lower of both applies.
    monetary_limit: Decimal | None = None


@dataclass(frozen=True)
class MeterValueRow:
    station_id: int
    session_id: int | None
    connector_ref: int | None
    at: datetime
    measurand: str
    phase: str | None
    unit: str | None
    context: str | None
    location: str | None
    value: Decimal


@dataclass(frozen=True)
class StatusRecord:
    station_id: int
    charger_id: int | None
    connector_id: int | None
    status: str
    error_code: str | None
    vendor_error_code: str | None
    info: str | None
    at: datetime
    received_at: datetime


JsonObject = dict[str, Any]
