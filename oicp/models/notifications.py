"""eRoamingChargingNotifications 1.1: Start, Progress, End, Error.

The OpenAPI declares the body as ``oneOf`` without a discriminator (a Progress body also
matches Start), so :data:`ChargingNotification` is a pydantic union discriminated on
``Type``.  ``ErrorType`` is written ``ConnectorError``/``CriticalError`` and the AsciiDoc's
spaced spelling is read as well.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from oicp.models.base import (
    EvseIdStr,
    OicpDateTime,
    OicpDecimal,
    OicpModel,
    OperatorIdStr,
    PartnerSessionIdStr,
    ProductIdStr,
    SessionIdStr,
)
from oicp.models.cdr import MeterValueInBetween
from oicp.models.common import Identification

__all__ = [
    "ChargingNotification",
    "ChargingNotificationEnd",
    "ChargingNotificationError",
    "ChargingNotificationProgress",
    "ChargingNotificationStart",
    "ChargingNotificationType",
    "ErrorType",
]


class ChargingNotificationType(StrEnum):
    """The ``Type`` discriminator."""

    START = "Start"
    PROGRESS = "Progress"
    END = "End"
    ERROR = "Error"


class ErrorType(StrEnum):
    """Error notification kind."""

    CONNECTOR_ERROR = "ConnectorError"
    CRITICAL_ERROR = "CriticalError"


def _error_type(value: Any) -> Any:
    return value.replace(" ", "") if isinstance(value, str) else value


class _Notification(OicpModel):
    session_id: SessionIdStr = Field(alias="SessionID")
    cpo_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="CPOPartnerSessionID"
    )
    emp_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="EMPPartnerSessionID"
    )
    identification: Identification | None = Field(default=None, alias="Identification")
    evse_id: EvseIdStr = Field(alias="EvseID")
    operator_id: OperatorIdStr = Field(alias="OperatorID")


class ChargingNotificationStart(_Notification):
    """Energy started flowing."""

    type: Literal["Start"] = Field(default="Start", alias="Type")
    charging_start: OicpDateTime = Field(alias="ChargingStart")
    session_start: OicpDateTime | None = Field(default=None, alias="SessionStart")
    meter_value_start: OicpDecimal | None = Field(default=None, alias="MeterValueStart")
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")


class ChargingNotificationProgress(_Notification):
    """Progress (at least 5 minutes apart); ChargingDuration in milliseconds."""

    type: Literal["Progress"] = Field(default="Progress", alias="Type")
    charging_start: OicpDateTime = Field(alias="ChargingStart")
    event_occurred: OicpDateTime = Field(alias="EventOccurred")
    charging_duration: int | None = Field(default=None, alias="ChargingDuration", ge=0)
    session_start: OicpDateTime | None = Field(default=None, alias="SessionStart")
    consumed_energy_progress: OicpDecimal | None = Field(
        default=None, alias="ConsumedEnergyProgress"
    )
    meter_value_start: OicpDecimal | None = Field(default=None, alias="MeterValueStart")
    meter_value_in_between: MeterValueInBetween | None = Field(
        default=None, alias="MeterValueInBetween"
    )
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")


class ChargingNotificationEnd(_Notification):
    """Energy flow ended (the session may still be active)."""

    type: Literal["End"] = Field(default="End", alias="Type")
    charging_end: OicpDateTime = Field(alias="ChargingEnd")
    charging_start: OicpDateTime | None = Field(default=None, alias="ChargingStart")
    session_start: OicpDateTime | None = Field(default=None, alias="SessionStart")
    session_end: OicpDateTime | None = Field(default=None, alias="SessionEnd")
    consumed_energy: OicpDecimal | None = Field(default=None, alias="ConsumedEnergy")
    meter_value_start: OicpDecimal | None = Field(default=None, alias="MeterValueStart")
    meter_value_end: OicpDecimal | None = Field(default=None, alias="MeterValueEnd")
    meter_value_in_between: MeterValueInBetween | None = Field(
        default=None, alias="MeterValueInBetween"
    )
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")
    penalty_time_start: OicpDateTime | None = Field(default=None, alias="PenaltyTimeStart")


class ChargingNotificationError(_Notification):
    """A charging error."""

    type: Literal["Error"] = Field(default="Error", alias="Type")
    error_type: Annotated[ErrorType, BeforeValidator(_error_type)] = Field(alias="ErrorType")
    error_additional_info: str | None = Field(
        default=None, alias="ErrorAdditionalInfo", max_length=250
    )


ChargingNotification = Annotated[
    ChargingNotificationStart
    | ChargingNotificationProgress
    | ChargingNotificationEnd
    | ChargingNotificationError,
    Field(discriminator="type"),
]
"""Any charging notification, dispatched on ``Type``."""
