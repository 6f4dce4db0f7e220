"""Version-neutral request bodies of the station operations (snake_case; chargers and
connectors by code). The admin API and the CLI validate with them; the OpenAPI document
shows them. Pure."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator

from csms.network.schemas import Strict
from csms.network.types import Code, IdTokenType
from csms.operations.urls import parse_transfer_url

Seconds = Annotated[int, Field(ge=0, le=10_000_000)]
Retries = Annotated[int, Field(ge=0, le=100)]


class Targeted(Strict):
    charger: Code | None = Field(default=None, description="Charger code (2.0.1: the EVSE)")
    connector: Code | None = Field(default=None, description="Connector code of the charger")


class EmptyBody(Strict):
    pass


class ResetBody(Strict):
    type: Literal["soft", "hard"] = Field(
        default="soft", description="1.6 Soft/Hard; 2.0.1 OnIdle/Immediate")
    charger: Code | None = Field(default=None, description="2.0.1 only: reset one EVSE")


class ChangeAvailabilityBody(Targeted):
    """The manual's "request availability change": the station (no charger, no connector),
    a charger or a connector becomes operative or inoperative."""

    availability: Literal["operative", "inoperative"]


class UnlockConnectorBody(Targeted):
    connector: Code


class GetConfigurationBody(Strict):
    parameters: list[Annotated[str, Field(min_length=1, max_length=110)]] = Field(
        default_factory=list, max_length=64,
        description="Readable names (see /operations/configuration-parameters) or raw "
        "names; empty: every readable parameter (1.6: every key the charger has)")


class ChangeConfigurationBody(Targeted):
    parameter: Annotated[str, Field(min_length=1, max_length=110)]
    value: Annotated[str, Field(max_length=500)]


class GetBaseReportBody(Strict):
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"] = \
        "FullInventory"


TriggeredMessage = Literal[
    "boot_notification", "diagnostics_status_notification", "log_status_notification",
    "firmware_status_notification", "heartbeat", "meter_values", "status_notification"]


class TriggerMessageBody(Targeted):
    message: TriggeredMessage


class _Transfer(Strict):
    location: Annotated[str, Field(min_length=1, max_length=512, description=(
        "ftp://user:password@host:port/path (user:password@, :password and :port optional) "
        "or http(s)://host:port/path"))]
    retries: Retries | None = None
    retry_interval: Seconds | None = Field(default=None, description="seconds")

    @field_validator("location")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        parse_transfer_url(value)
        return value


class UpdateFirmwareBody(_Transfer):
    retrieve_at: AwareDatetime
    install_at: AwareDatetime | None = Field(default=None, description="2.0.1 only")

    @model_validator(mode="after")
    def _install_after_retrieve(self) -> UpdateFirmwareBody:
        if self.install_at is not None and self.install_at < self.retrieve_at:
            raise ValueError("install_at is before retrieve_at")
        return self


class GetDiagnosticsBody(_Transfer):
    start_time: AwareDatetime | None = None
    stop_time: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> GetDiagnosticsBody:
        if self.start_time and self.stop_time and self.stop_time < self.start_time:
            raise ValueError("stop_time is before start_time")
        return self


class SendLocalListBody(Strict):
    update_type: Literal["full", "differential"] = Field(description=(
        "full: every token the CSMS knows replaces the list; differential: only what changed "
        "since the last list this station accepted (removed tokens are deleted)"))


class ReserveNowBody(Targeted):
    id_token: Annotated[str, Field(min_length=1, max_length=36)]
    token_type: IdTokenType | None = None
    expires_at: AwareDatetime


class CancelReservationBody(Strict):
    reservation_id: int


class SetChargingProfileBody(Strict):
    profile: Code
    charger: Code | None = None


ProfilePurpose = Literal["charger_total_limit", "session_default_limit"]


class ClearChargingProfileBody(Strict):
    profile: Code | None = None
    charger: Code | None = None
    purpose: ProfilePurpose | None = None
    stack_level: Annotated[int, Field(ge=0, le=1000)] | None = None


class GetCompositeScheduleBody(Strict):
    charger: Code | None = Field(default=None, description="none: the station's grid "
                                 "connection (connector/EVSE 0)")
    duration_s: Annotated[int, Field(ge=1, le=7 * 86400)] = 86400
    unit: Literal["W", "A"] | None = None


class DataTransferBody(Strict):
    vendor_id: Annotated[str, Field(min_length=1, max_length=255)]
    message_id: Annotated[str, Field(max_length=50)] | None = None
    data: Any = None
