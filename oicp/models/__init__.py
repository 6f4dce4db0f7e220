"""Pydantic models of the OICP 2.3 CPO messages and their decoders.

Every ``decode_*`` function takes JSON bytes, text or an already decoded object and either
returns the model or raises :class:`oicp.errors.OicpDecodeError`.  Models serialize with
:meth:`OicpModel.to_json` (aliases, ``None`` omitted).
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

from oicp.models.authorization import (
    AuthorizationStartResponse,
    AuthorizationStatus,
    AuthorizationStopResponse,
    AuthorizeRemoteReservationStartRequest,
    AuthorizeRemoteReservationStopRequest,
    AuthorizeRemoteStartRequest,
    AuthorizeRemoteStopRequest,
    AuthorizeStartRequest,
    AuthorizeStopRequest,
)
from oicp.models.base import OicpModel, decode_with, format_utc
from oicp.models.cdr import (
    CalibrationLawVerificationInfo,
    ChargeDetailRecord,
    MeteringStatus,
    MeterValueInBetween,
    SignedMeteringValue,
)
from oicp.models.common import (
    Acknowledgement,
    ActionType,
    Identification,
    InfoText,
    Period,
    PlugAndChargeIdentification,
    QRCodeIdentification,
    RemoteIdentification,
    RFIDIdentification,
    RFIDMifareFamilyIdentification,
    StatusCode,
    Weekday,
)
from oicp.models.evse_data import (
    Accessibility,
    AccessibilityLocation,
    Address,
    AuthenticationMode,
    CalibrationLawDataAvailability,
    ChargingFacility,
    ChargingMode,
    DecimalDegree,
    DynamicInfoAvailable,
    EvseDataRecord,
    GeoCoordinates,
    GoogleCoordinates,
    OpeningTimes,
    OperatorEvseData,
    PaymentOption,
    Plug,
    PowerType,
    PushEvseDataRequest,
    ValueAddedService,
)
from oicp.models.evse_status import (
    EvseStatus,
    EvseStatusRecord,
    OperatorEvseStatus,
    PushEvseStatusRequest,
)
from oicp.models.notifications import (
    ChargingNotification,
    ChargingNotificationEnd,
    ChargingNotificationError,
    ChargingNotificationProgress,
    ChargingNotificationStart,
    ChargingNotificationType,
    ErrorType,
)
from oicp.models.pricing import (
    AdditionalReference,
    AdditionalReferenceType,
    EvsePricing,
    PricingProductData,
    PricingProductDataRecord,
    ProductAvailabilityTimes,
    PushEvsePricingRequest,
    PushPricingProductDataRequest,
    ReferenceUnit,
)

__all__ = [
    "Accessibility",
    "AccessibilityLocation",
    "Acknowledgement",
    "ActionType",
    "AdditionalReference",
    "AdditionalReferenceType",
    "Address",
    "AuthenticationMode",
    "AuthorizationStartResponse",
    "AuthorizationStatus",
    "AuthorizationStopResponse",
    "AuthorizeRemoteReservationStartRequest",
    "AuthorizeRemoteReservationStopRequest",
    "AuthorizeRemoteStartRequest",
    "AuthorizeRemoteStopRequest",
    "AuthorizeStartRequest",
    "AuthorizeStopRequest",
    "CalibrationLawDataAvailability",
    "CalibrationLawVerificationInfo",
    "ChargeDetailRecord",
    "ChargingFacility",
    "ChargingMode",
    "ChargingNotification",
    "ChargingNotificationEnd",
    "ChargingNotificationError",
    "ChargingNotificationProgress",
    "ChargingNotificationStart",
    "ChargingNotificationType",
    "DecimalDegree",
    "DynamicInfoAvailable",
    "ErrorType",
    "EvseDataRecord",
    "EvsePricing",
    "EvseStatus",
    "EvseStatusRecord",
    "GeoCoordinates",
    "GoogleCoordinates",
    "Identification",
    "InfoText",
    "MeterValueInBetween",
    "MeteringStatus",
    "OicpModel",
    "OpeningTimes",
    "OperatorEvseData",
    "OperatorEvseStatus",
    "PaymentOption",
    "Period",
    "Plug",
    "PlugAndChargeIdentification",
    "PowerType",
    "PricingProductData",
    "PricingProductDataRecord",
    "ProductAvailabilityTimes",
    "PushEvseDataRequest",
    "PushEvsePricingRequest",
    "PushEvseStatusRequest",
    "PushPricingProductDataRequest",
    "QRCodeIdentification",
    "RFIDIdentification",
    "RFIDMifareFamilyIdentification",
    "ReferenceUnit",
    "RemoteIdentification",
    "SignedMeteringValue",
    "StatusCode",
    "ValueAddedService",
    "Weekday",
    "decode",
    "decode_acknowledgement",
    "decode_authorization_start",
    "decode_authorization_stop",
    "decode_authorize_start",
    "decode_authorize_stop",
    "decode_charge_detail_record",
    "decode_charging_notification",
    "decode_push_evse_data",
    "decode_push_evse_pricing",
    "decode_push_evse_status",
    "decode_push_pricing_product_data",
    "decode_remote_reservation_start",
    "decode_remote_reservation_stop",
    "decode_remote_start",
    "decode_remote_stop",
    "format_utc",
]

M = TypeVar("M", bound=OicpModel)


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


def decode(model: type[M], data: bytes | str | Any) -> M:
    """Decode ``data`` into ``model``; raises :class:`~oicp.errors.OicpDecodeError`."""
    result: M = decode_with(_adapter(model), data, model.__name__)
    return result


def decode_charging_notification(
    data: bytes | str | Any,
) -> (
    ChargingNotificationStart
    | ChargingNotificationProgress
    | ChargingNotificationEnd
    | ChargingNotificationError
):
    """Decode a charging notification, dispatching on ``Type``."""
    result: (
        ChargingNotificationStart
        | ChargingNotificationProgress
        | ChargingNotificationEnd
        | ChargingNotificationError
    ) = decode_with(_adapter(ChargingNotification), data, "eRoamingChargingNotification")
    return result


def decode_acknowledgement(data: bytes | str | Any) -> Acknowledgement:
    """Decode an eRoamingAcknowledgement."""
    return decode(Acknowledgement, data)


def decode_authorization_start(data: bytes | str | Any) -> AuthorizationStartResponse:
    """Decode Hubject's eRoamingAuthorizationStart answer."""
    return decode(AuthorizationStartResponse, data)


def decode_authorization_stop(data: bytes | str | Any) -> AuthorizationStopResponse:
    """Decode Hubject's eRoamingAuthorizationStop answer."""
    return decode(AuthorizationStopResponse, data)


def decode_authorize_start(data: bytes | str | Any) -> AuthorizeStartRequest:
    """Decode an eRoamingAuthorizeStart request (tests, fake hub)."""
    return decode(AuthorizeStartRequest, data)


def decode_authorize_stop(data: bytes | str | Any) -> AuthorizeStopRequest:
    """Decode an eRoamingAuthorizeStop request (tests, fake hub)."""
    return decode(AuthorizeStopRequest, data)


def decode_remote_start(data: bytes | str | Any) -> AuthorizeRemoteStartRequest:
    """Decode an inbound eRoamingAuthorizeRemoteStart."""
    return decode(AuthorizeRemoteStartRequest, data)


def decode_remote_stop(data: bytes | str | Any) -> AuthorizeRemoteStopRequest:
    """Decode an inbound eRoamingAuthorizeRemoteStop."""
    return decode(AuthorizeRemoteStopRequest, data)


def decode_remote_reservation_start(
    data: bytes | str | Any,
) -> AuthorizeRemoteReservationStartRequest:
    """Decode an inbound eRoamingAuthorizeRemoteReservationStart."""
    return decode(AuthorizeRemoteReservationStartRequest, data)


def decode_remote_reservation_stop(
    data: bytes | str | Any,
) -> AuthorizeRemoteReservationStopRequest:
    """Decode an inbound eRoamingAuthorizeRemoteReservationStop."""
    return decode(AuthorizeRemoteReservationStopRequest, data)


def decode_push_evse_data(data: bytes | str | Any) -> PushEvseDataRequest:
    """Decode an eRoamingPushEvseData request (tests, fake hub)."""
    return decode(PushEvseDataRequest, data)


def decode_push_evse_status(data: bytes | str | Any) -> PushEvseStatusRequest:
    """Decode an eRoamingPushEvseStatus request (tests, fake hub)."""
    return decode(PushEvseStatusRequest, data)


def decode_charge_detail_record(data: bytes | str | Any) -> ChargeDetailRecord:
    """Decode an eRoamingChargeDetailRecord request (tests, fake hub)."""
    return decode(ChargeDetailRecord, data)


def decode_push_pricing_product_data(data: bytes | str | Any) -> PushPricingProductDataRequest:
    """Decode an eRoamingPushPricingProductData request (tests, fake hub)."""
    return decode(PushPricingProductDataRequest, data)


def decode_push_evse_pricing(data: bytes | str | Any) -> PushEvsePricingRequest:
    """Decode an eRoamingPushEVSEPricing request (tests, fake hub)."""
    return decode(PushEvsePricingRequest, data)
