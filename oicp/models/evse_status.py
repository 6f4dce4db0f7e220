"""eRoamingPushEvseStatus 2.1: OperatorEvseStatus and EvseStatusRecord."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from oicp.models.base import EvseIdStr, OicpModel, OperatorIdStr
from oicp.models.common import ActionType

__all__ = ["EvseStatus", "EvseStatusRecord", "OperatorEvseStatus", "PushEvseStatusRequest"]


class EvseStatus(StrEnum):
    """EvseStatus (``EvseNotFound`` is only returned by Hubject on pulls)."""

    AVAILABLE = "Available"
    RESERVED = "Reserved"
    OCCUPIED = "Occupied"
    OUT_OF_SERVICE = "OutOfService"
    EVSE_NOT_FOUND = "EvseNotFound"
    UNKNOWN = "Unknown"


class EvseStatusRecord(OicpModel):
    """Status of one EVSE."""

    evse_id: EvseIdStr = Field(alias="EvseID")
    evse_status: EvseStatus = Field(alias="EvseStatus")


class OperatorEvseStatus(OicpModel):
    """The operator and its status records."""

    operator_id: OperatorIdStr = Field(alias="OperatorID")
    operator_name: str | None = Field(default=None, alias="OperatorName", max_length=100)
    evse_status_record: tuple[EvseStatusRecord, ...] = Field(alias="EvseStatusRecord")


class PushEvseStatusRequest(OicpModel):
    """eRoamingPushEvseStatus 2.1 request body."""

    action_type: ActionType = Field(alias="ActionType")
    operator_evse_status: OperatorEvseStatus = Field(alias="OperatorEvseStatus")
