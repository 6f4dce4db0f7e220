"""Hubject's StatusCode list (OICP 2.3 CodeType) and acknowledgement helpers.

Codes and meanings are SPEC-03 §CodeType = OpenAPI ``StatusCode``; the grouping follows
notes/oicp.md §3.5.  There is no 140 and no 301-308 in OICP 2.3; the integration guide's
401/404/500 are not in the spec and are not listed.  The code is a string with leading
zeros (``"000"``).
"""

from __future__ import annotations

from enum import StrEnum

from oicp.models.common import Acknowledgement, StatusCode

__all__ = [
    "DESCRIPTIONS",
    "StatusCodeArea",
    "StatusCodeValue",
    "acknowledgement",
    "area_of",
    "failure",
    "status_code",
    "success",
]


class StatusCodeValue(StrEnum):
    """OICP 2.3 StatusCode.Code values."""

    SUCCESS = "000"
    HUBJECT_SYSTEM_ERROR = "001"
    HUBJECT_DATABASE_ERROR = "002"
    DATA_TRANSACTION_ERROR = "009"
    UNAUTHORIZED_ACCESS = "017"
    INCONSISTENT_EVSE_ID = "018"
    INCONSISTENT_EVCO_ID = "019"
    SYSTEM_ERROR = "021"
    DATA_ERROR = "022"
    QR_CODE_INVALID_CREDENTIALS = "101"
    RFID_INVALID_UID = "102"
    RFID_CARD_NOT_READABLE = "103"
    PLC_INVALID_EVCO_ID = "105"
    NO_POSITIVE_AUTHENTICATION_RESPONSE = "106"
    QR_CODE_APP_TIMEOUT = "110"
    PLC_ISO15118_INVALID_EVCO_ID = "120"
    PLC_ISO15118_INVALID_CERTIFICATE = "121"
    PLC_ISO15118_TIMEOUT = "122"
    EVCO_ID_LOCKED = "200"
    NO_VALID_CONTRACT = "210"
    PARTNER_NOT_FOUND = "300"
    PARTNER_DID_NOT_RESPOND = "310"
    SERVICE_NOT_AVAILABLE = "320"
    SESSION_INVALID = "400"
    COMMUNICATION_TO_EVSE_FAILED = "501"
    NO_EV_CONNECTED = "510"
    EVSE_ALREADY_RESERVED = "601"
    EVSE_ALREADY_IN_USE = "602"
    UNKNOWN_EVSE_ID = "603"
    EVSE_NOT_HUBJECT_COMPATIBLE = "604"
    EVSE_OUT_OF_SERVICE = "700"

    @property
    def description(self) -> str:
        """Hubject's description of the code."""
        return DESCRIPTIONS[self]


class StatusCodeArea(StrEnum):
    """Group of a code (its leading digit)."""

    GENERAL = "general"  # 0xx
    AUTHENTICATION = "authentication"  # 1xx
    CONTRACT = "contract"  # 2xx
    PARTNER = "partner"  # 3xx
    SESSION = "session"  # 4xx
    EVSE_COMMUNICATION = "evse communication"  # 5xx
    EVSE = "evse"  # 6xx
    EVSE_SERVICE = "evse service"  # 7xx


DESCRIPTIONS: dict[StatusCodeValue, str] = {
    StatusCodeValue.SUCCESS: "Success",
    StatusCodeValue.HUBJECT_SYSTEM_ERROR: "Hubject system error",
    StatusCodeValue.HUBJECT_DATABASE_ERROR: "Hubject database error",
    StatusCodeValue.DATA_TRANSACTION_ERROR: "Data transaction error",
    StatusCodeValue.UNAUTHORIZED_ACCESS: "Unauthorized Access",
    StatusCodeValue.INCONSISTENT_EVSE_ID: "Inconsistent EvseID",
    StatusCodeValue.INCONSISTENT_EVCO_ID: "Inconsistent EvcoID",
    StatusCodeValue.SYSTEM_ERROR: "System error",
    StatusCodeValue.DATA_ERROR: "Data error",
    StatusCodeValue.QR_CODE_INVALID_CREDENTIALS: (
        "QR Code Authentication failed - Invalid Credentials"
    ),
    StatusCodeValue.RFID_INVALID_UID: "RFID Authentication failed - invalid UID",
    StatusCodeValue.RFID_CARD_NOT_READABLE: "RFID Authentication failed - card not readable",
    StatusCodeValue.PLC_INVALID_EVCO_ID: "PLC Authentication failed - invalid EvcoID",
    StatusCodeValue.NO_POSITIVE_AUTHENTICATION_RESPONSE: "No positive authentication response",
    StatusCodeValue.QR_CODE_APP_TIMEOUT: "QR Code App Authentication failed - time out",
    StatusCodeValue.PLC_ISO15118_INVALID_EVCO_ID: (
        "PLC (ISO/ IEC 15118) Authentication failed - invalid underlying EvcoID"
    ),
    StatusCodeValue.PLC_ISO15118_INVALID_CERTIFICATE: (
        "PLC (ISO/ IEC 15118) Authentication failed - invalid certificate"
    ),
    StatusCodeValue.PLC_ISO15118_TIMEOUT: "PLC (ISO/ IEC 15118) Authentication failed - time out",
    StatusCodeValue.EVCO_ID_LOCKED: "EvcoID locked",
    StatusCodeValue.NO_VALID_CONTRACT: "No valid contract",
    StatusCodeValue.PARTNER_NOT_FOUND: "Partner not found",
    StatusCodeValue.PARTNER_DID_NOT_RESPOND: "Partner did not respond",
    StatusCodeValue.SERVICE_NOT_AVAILABLE: "Service not available",
    StatusCodeValue.SESSION_INVALID: "Session is invalid",
    StatusCodeValue.COMMUNICATION_TO_EVSE_FAILED: "Communication to EVSE failed",
    StatusCodeValue.NO_EV_CONNECTED: "No EV connected to EVSE",
    StatusCodeValue.EVSE_ALREADY_RESERVED: "EVSE already reserved",
    StatusCodeValue.EVSE_ALREADY_IN_USE: "EVSE already in use/ wrong token",
    StatusCodeValue.UNKNOWN_EVSE_ID: "Unknown EVSE ID",
    StatusCodeValue.EVSE_NOT_HUBJECT_COMPATIBLE: "EVSE ID is not Hubject compatible",
    StatusCodeValue.EVSE_OUT_OF_SERVICE: "EVSE out of service",
}

_AREAS = {
    "0": StatusCodeArea.GENERAL,
    "1": StatusCodeArea.AUTHENTICATION,
    "2": StatusCodeArea.CONTRACT,
    "3": StatusCodeArea.PARTNER,
    "4": StatusCodeArea.SESSION,
    "5": StatusCodeArea.EVSE_COMMUNICATION,
    "6": StatusCodeArea.EVSE,
    "7": StatusCodeArea.EVSE_SERVICE,
}


def area_of(code: StatusCodeValue | str) -> StatusCodeArea | None:
    """The group of a three-digit code, ``None`` for anything else."""
    text = str(code)
    if len(text) != 3 or not (text.isascii() and text.isdigit()):
        return None
    return _AREAS.get(text[0])


def status_code(
    code: StatusCodeValue | str,
    description: str | None = None,
    additional_info: str | None = None,
) -> StatusCode:
    """StatusCode with Hubject's description unless one is given (truncated to limits)."""
    text = str(code)
    if description is None and text in StatusCodeValue.__members__.values():
        description = StatusCodeValue(text).description
    return StatusCode(
        code=text,
        description=description[:200] if description is not None else None,
        additional_info=additional_info[:1000] if additional_info is not None else None,
    )


def acknowledgement(
    result: bool,
    code: StatusCodeValue | str,
    description: str | None = None,
    *,
    additional_info: str | None = None,
    session_id: str | None = None,
    cpo_partner_session_id: str | None = None,
    emp_partner_session_id: str | None = None,
) -> Acknowledgement:
    """eRoamingAcknowledgement with the given result and code.

    ``result=True`` requires code ``000`` (and ``000`` requires ``result=True``).
    """
    if result != (str(code) == StatusCodeValue.SUCCESS):
        raise ValueError(f"Result={result} does not fit StatusCode {code}")
    return Acknowledgement(
        result=result,
        status_code=status_code(code, description, additional_info),
        session_id=session_id,
        cpo_partner_session_id=cpo_partner_session_id,
        emp_partner_session_id=emp_partner_session_id,
    )


def success(
    *,
    session_id: str | None = None,
    cpo_partner_session_id: str | None = None,
    emp_partner_session_id: str | None = None,
) -> Acknowledgement:
    """Positive acknowledgement (``Result=true``, code ``000``)."""
    return acknowledgement(
        True,
        StatusCodeValue.SUCCESS,
        session_id=session_id,
        cpo_partner_session_id=cpo_partner_session_id,
        emp_partner_session_id=emp_partner_session_id,
    )


def failure(
    code: StatusCodeValue,
    additional_info: str | None = None,
    *,
    session_id: str | None = None,
    cpo_partner_session_id: str | None = None,
    emp_partner_session_id: str | None = None,
) -> Acknowledgement:
    """Negative acknowledgement (``Result=false``) with Hubject's description of ``code``."""
    return acknowledgement(
        False,
        code,
        additional_info=additional_info,
        session_id=session_id,
        cpo_partner_session_id=cpo_partner_session_id,
        emp_partner_session_id=emp_partner_session_id,
    )
