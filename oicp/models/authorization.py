"""eRoamingAuthorizeStart/Stop 2.1 (we call), eRoamingAuthorizeRemoteStart/Stop 2.1 and
eRoamingAuthorizeRemoteReservationStart/Stop 1.1 (Hubject calls us).

Reservation messages carry ``EMPPartnerSessionId`` in the OpenAPI and
``EMPPartnerSessionID`` in the AsciiDoc and examples: both are read, the latter written.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AliasChoices, Field

from oicp.models.base import (
    EvseIdStr,
    OicpModel,
    OperatorIdStr,
    PartnerSessionIdStr,
    ProductIdStr,
    ProviderIdStr,
    SessionIdStr,
)
from oicp.models.common import Identification, StatusCode

__all__ = [
    "AuthorizationStartResponse",
    "AuthorizationStatus",
    "AuthorizationStopResponse",
    "AuthorizeRemoteReservationStartRequest",
    "AuthorizeRemoteReservationStopRequest",
    "AuthorizeRemoteStartRequest",
    "AuthorizeRemoteStopRequest",
    "AuthorizeStartRequest",
    "AuthorizeStopRequest",
]

_EMP_SESSION_CHOICES = AliasChoices(
    "EMPPartnerSessionID", "EMPPartnerSessionId", "emp_partner_session_id"
)


class AuthorizationStatus(StrEnum):
    """Whether Hubject (the EMP) authorizes the driver."""

    AUTHORIZED = "Authorized"
    NOT_AUTHORIZED = "NotAuthorized"


class _PartnerSessions(OicpModel):
    cpo_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="CPOPartnerSessionID"
    )
    emp_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="EMPPartnerSessionID", validation_alias=_EMP_SESSION_CHOICES
    )


class AuthorizeStartRequest(_PartnerSessions):
    """eRoamingAuthorizeStart 2.1 request (CPO -> Hubject)."""

    operator_id: OperatorIdStr = Field(alias="OperatorID")
    identification: Identification = Field(alias="Identification")
    evse_id: EvseIdStr | None = Field(default=None, alias="EvseID")
    session_id: SessionIdStr | None = Field(default=None, alias="SessionID")
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")


class AuthorizeStopRequest(_PartnerSessions):
    """eRoamingAuthorizeStop 2.1 request (CPO -> Hubject)."""

    session_id: SessionIdStr = Field(alias="SessionID")
    operator_id: OperatorIdStr = Field(alias="OperatorID")
    identification: Identification = Field(alias="Identification")
    evse_id: EvseIdStr | None = Field(default=None, alias="EvseID")


class AuthorizationStartResponse(_PartnerSessions):
    """eRoamingAuthorizationStart: Hubject's answer to AuthorizeStart."""

    authorization_status: AuthorizationStatus = Field(alias="AuthorizationStatus")
    status_code: StatusCode = Field(alias="StatusCode")
    session_id: SessionIdStr | None = Field(default=None, alias="SessionID")
    provider_id: ProviderIdStr | None = Field(default=None, alias="ProviderID")
    authorization_stop_identifications: tuple[Identification, ...] | None = Field(
        default=None, alias="AuthorizationStopIdentifications"
    )


class AuthorizationStopResponse(_PartnerSessions):
    """eRoamingAuthorizationStop: Hubject's answer to AuthorizeStop."""

    authorization_status: AuthorizationStatus = Field(alias="AuthorizationStatus")
    status_code: StatusCode = Field(alias="StatusCode")
    session_id: SessionIdStr | None = Field(default=None, alias="SessionID")
    provider_id: ProviderIdStr | None = Field(default=None, alias="ProviderID")


class AuthorizeRemoteStartRequest(_PartnerSessions):
    """eRoamingAuthorizeRemoteStart 2.1 (Hubject -> CPO)."""

    session_id: SessionIdStr = Field(alias="SessionID")
    provider_id: ProviderIdStr = Field(alias="ProviderID")
    evse_id: EvseIdStr = Field(alias="EvseID")
    identification: Identification = Field(alias="Identification")
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")


class AuthorizeRemoteStopRequest(_PartnerSessions):
    """eRoamingAuthorizeRemoteStop 2.1 (Hubject -> CPO)."""

    session_id: SessionIdStr = Field(alias="SessionID")
    provider_id: ProviderIdStr = Field(alias="ProviderID")
    evse_id: EvseIdStr = Field(alias="EvseID")


class AuthorizeRemoteReservationStartRequest(_PartnerSessions):
    """eRoamingAuthorizeRemoteReservationStart 1.1 (Hubject -> CPO); Duration in minutes."""

    session_id: SessionIdStr | None = Field(default=None, alias="SessionID")
    provider_id: ProviderIdStr = Field(alias="ProviderID")
    evse_id: EvseIdStr = Field(alias="EvseID")
    identification: Identification = Field(alias="Identification")
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")
    duration: int | None = Field(default=None, alias="Duration", ge=1, le=99)


class AuthorizeRemoteReservationStopRequest(_PartnerSessions):
    """eRoamingAuthorizeRemoteReservationStop 1.1 (Hubject -> CPO); a CDR must follow."""

    session_id: SessionIdStr = Field(alias="SessionID")
    provider_id: ProviderIdStr = Field(alias="ProviderID")
    evse_id: EvseIdStr = Field(alias="EvseID")
