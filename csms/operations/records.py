"""Plain records of the operations' persistent state (persistence maps them to rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class TransferRecord:
    """A firmware download or a diagnostics/log upload, tracked by its notifications."""

    id: int | None
    station_id: int
    kind: str  # FIRMWARE or DIAGNOSTICS
    location: str  # password redacted
    status: str
    requested_at: datetime
    updated_at: datetime
    file_name: str | None = None


@dataclass
class ReportRecord:
    """A 2.0.1 GetBaseReport and the NotifyReport parts collected for it."""

    id: int | None
    station_id: int
    report_base: str
    status: str  # REQUESTED, REJECTED, COLLECTING, COMPLETE
    requested_at: datetime
    updated_at: datetime
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TokenSnapshot:
    """What the local list says about one token (its OCPP authorization status)."""

    id_token: str
    token_type: str
    status: str


@dataclass
class LocalListRecord:
    station_id: int
    version: int
    entries: dict[str, TokenSnapshot]
    updated_at: datetime


@dataclass
class ReservationRecord:
    id: int | None
    station_id: int
    charger_id: int
    connector_id: int | None
    whole_charger: bool
    id_token: str
    id_token_type: str | None
    status: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    charger_status: str | None = None
    session_id: int | None = None


@dataclass
class ProfileRecord:
    id: int
    code: str
    spec: dict[str, Any]  # ChargingProfileSpec as JSON
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProfileAssignment:
    charger_id: int
    charger_code: str
    profile_id: int
    profile_code: str
    status: str
    assigned_at: datetime


@dataclass
class TemplateRecord:
    id: int
    code: str
    spec: dict[str, Any]  # ConfigurationTemplateSpec as JSON (without assignments)
    areas: list[str]
    stations: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SettingResult:
    station_id: int
    template_code: str
    batch: int
    parameter: str
    charger: str | None
    connector: str | None
    status: str
    applied_at: datetime


@dataclass(frozen=True)
class StationPlace:
    """Where a station sits: its area and the area's operator (for templates, DLB)."""

    station_id: int
    area_id: int
    area_ids: tuple[int, ...]  # the area and its parents, nearest first
    operator_code: str | None
    ocpp_protocol: str
    boot_configuration: dict[str, bool]
