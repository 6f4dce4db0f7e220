"""What an OCPP version must say for each operation: payload builders and reply readers.

Both versions implement ``Dialect``; services pick one by the station's protocol and never
branch on the version themselves. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from csms.charging.records import ChargerInfo, ConnectorInfo
from csms.operations.parameters import ResolvedParameter
from csms.operations.profiles import ChargingProfileSpec
from csms.operations.requests import DataTransferBody, GetDiagnosticsBody, UpdateFirmwareBody


@dataclass(frozen=True)
class OcppCall:
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ParameterValue:
    """One configuration value read from a charger, under its requested name."""

    name: str
    value: str | None
    readonly: bool | None
    status: str  # Accepted, or why not (UnknownKey, UnknownVariable, Rejected …)


@dataclass(frozen=True)
class ListEntry:
    """One local authorization list entry; ``status`` None deletes it (differential)."""

    id_token: str
    token_type: str
    status: str | None


@dataclass(frozen=True)
class Target:
    charger: ChargerInfo | None
    connector: ConnectorInfo | None


def parse_iso(value: str) -> datetime:
    """An OCPP date-time; without an offset it is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Dialect(Protocol):
    version: str
    firmware_kind: str
    diagnostics_action: str

    def reset(self, hard: bool, target: Target) -> OcppCall: ...
    def change_availability(self, operative: bool, target: Target) -> OcppCall: ...
    def unlock_connector(self, target: Target) -> OcppCall: ...
    def get_configuration(self, params: list[ResolvedParameter], target: Target
                          ) -> OcppCall: ...
    def read_configuration(self, params: list[ResolvedParameter], reply: dict[str, Any]
                           ) -> list[ParameterValue]: ...
    def change_configuration(self, param: ResolvedParameter, value: str, target: Target
                             ) -> OcppCall: ...
    def configuration_status(self, reply: dict[str, Any]) -> str: ...
    def configuration_calls(self, items: list[tuple[ResolvedParameter, str, Target]]
                            ) -> list[tuple[OcppCall, int]]:
        """A batch of settings as calls, each with how many settings it carries."""
        ...
    def configuration_statuses(self, reply: dict[str, Any], count: int) -> list[str]: ...
    def trigger(self, message: str, target: Target) -> OcppCall: ...
    def update_firmware(self, body: UpdateFirmwareBody, request_id: int) -> OcppCall: ...
    def get_diagnostics(self, body: GetDiagnosticsBody, request_id: int) -> OcppCall: ...
    def send_local_list(self, version: int, full: bool, entries: list[ListEntry]
                        ) -> OcppCall: ...
    def get_local_list_version(self) -> OcppCall: ...
    def list_version(self, reply: dict[str, Any]) -> int: ...
    def clear_cache(self) -> OcppCall: ...
    def reserve_now(self, reservation_id: int, expires_at: datetime, id_token: str,
                    token_type: str | None, target: Target) -> OcppCall: ...
    def cancel_reservation(self, reservation_id: int) -> OcppCall: ...
    def set_charging_profile(self, spec: ChargingProfileSpec, profile_id: int,
                             charger: ChargerInfo) -> OcppCall: ...
    def clear_charging_profile(self, profile_id: int | None, charger: ChargerInfo | None,
                               purpose: str | None, stack_level: int | None) -> OcppCall: ...
    def get_composite_schedule(self, charger: ChargerInfo | None, duration_s: int,
                               unit: str | None) -> OcppCall: ...
    def data_transfer(self, body: DataTransferBody) -> OcppCall: ...
    def get_base_report(self, request_id: int, report_base: str) -> OcppCall: ...


def reply_status(reply: dict[str, Any], default: str = "Accepted") -> str:
    """The charger's status, or ``default`` for replies that carry none (1.6
    UpdateFirmware, GetDiagnostics, GetConfiguration, GetLocalListVersion)."""
    status = reply.get("status")
    return str(status) if status is not None else default
