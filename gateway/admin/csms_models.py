"""Admin API bodies of the CSMS routes (sessions, logs, station access, operations)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from csms.network.types import Code, IdTokenType


class SessionRead(BaseModel):
    id: int
    status: str
    station: str
    charger: str | None
    connector: str | None
    id_token: str | None
    id_token_type: str | None
    customer: str | None
    authorization_mode: str
    authorization_reference: str | None
    network: str = Field(description="HOME (customers, payment terminals, free) or ROAMING "
                         "(a roaming platform's customer)")
    roaming_platform: str | None = Field(
        default=None, description="Platform whose customer or terminal the session serves")
    transaction_id: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    energy_wh: Decimal
    charge_time_s: int
    park_time_s: int
    fault_time_s: int
    reservation_time_s: int
    amount: Decimal | None
    currency: str | None
    monetary_limit: Decimal | None = Field(
        default=None, description="The session's own monetary limit (a payment terminal's "
        "pre-authorized amount)")
    stop_reason: str | None
    limit_reason: str | None
    offline: bool


class MeterValueRead(BaseModel):
    at: datetime
    measurand: str
    phase: str | None
    unit: str | None
    context: str | None
    value: Decimal


class StatusEventRead(BaseModel):
    at: datetime
    status: str
    error_code: str | None


class ChargingPeriodRead(BaseModel):
    start: datetime
    end: datetime | None
    connector_status: str


class SessionDetail(SessionRead):
    meter_values: list[MeterValueRead]
    status_history: list[StatusEventRead]
    charging_periods: list[ChargingPeriodRead]


class OcppFrameRead(BaseModel):
    at: datetime
    direction: str
    message_type: int
    unique_id: str | None
    action: str | None
    payload: str


class StationConnection(BaseModel):
    station: str
    connected: bool = Field(description="An open websocket on this gateway process")
    connection_state: str
    operational_status: str
    last_seen_at: datetime | None
    ocpp_protocol: str
    connection_policy: str
    password_set: bool


class StationPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Annotated[str, Field(min_length=16, max_length=40,
                                   description="OCPP 2.0.1 BasicAuthPassword: 16-40 chars")]


class RemoteStartBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    charger: Code | None = None
    connector: Code | None = None
    id_token: Annotated[str, Field(min_length=1, max_length=20,
                                   description="idTag (1.6 allows at most 20 characters)")]
    token_type: IdTokenType | None = None


class RemoteStopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    session_id: int


class OperationResult(BaseModel):
    status: str
    response: dict[str, Any]


class IdleRunResult(BaseModel):
    EXPIRE_READY: int
    EXPIRE_ONGOING: int
    FORCE_CLOSE: int
