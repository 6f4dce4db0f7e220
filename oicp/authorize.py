"""eRoamingAuthorizeStart/Stop 2.1: identification of a charger's token, request bodies,
and what Hubject's answer means for the charger.

A token the charger reads becomes an OICP Identification only when it has a shape Hubject
accepts: an RFID UID (4, 7 or 10 bytes of upper-case hex) is sent as
``RFIDMifareFamilyIdentification`` (the variant the spec prescribes for authorization;
``RFIDIdentification`` must not be used there), a contract id (EvcoID, e.g. an ISO 15118
eMAID) as ``PlugAndChargeIdentification``.  Anything else cannot be authorized by Hubject.

An ``Authorized`` answer is usable only with the SessionID Hubject created: every later
message of the session (notifications, the CDR) must carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oicp.errors import OicpError
from oicp.ids import EVCO_ID_PATTERN, UID_PATTERN, validate_operator_id
from oicp.models.authorization import (
    AuthorizationStartResponse,
    AuthorizationStatus,
    AuthorizationStopResponse,
    AuthorizeStartRequest,
    AuthorizeStopRequest,
)
from oicp.models.common import Identification, PlugAndChargeIdentification

__all__ = [
    "AuthorizationOutcome",
    "HubjectUnavailable",
    "authorize_start_request",
    "authorize_stop_request",
    "identification_for_token",
    "interpret_authorization",
    "token_of",
]

_UID = re.compile(UID_PATTERN)
_EVCO = re.compile(EVCO_ID_PATTERN)
# Our IdTokenType names (csms.network.types) that are card UIDs or contract ids.
_CARD_TYPES = frozenset({None, "RFID", "NFC", "CUSTOM"})
_CONTRACT_TYPES = frozenset({None, "ISO15118", "CUSTOM"})


class HubjectUnavailable(OicpError):
    """Hubject could not be asked or gave no usable answer (transport, TLS, HTTP, body)."""


def identification_for_token(id_token: str, token_type: str | None = None) -> Identification | None:
    """The Identification Hubject can authorize for a charger's token, or ``None``.

    ``token_type`` is our IdTokenType name (``RFID``, ``ISO15118`` ...) or ``None`` when the
    charger does not say (OCPP 1.6).
    """
    token = id_token.strip() if isinstance(id_token, str) else ""
    if not token:
        return None
    if token_type in _CARD_TYPES and _UID.fullmatch(token.upper()):
        return Identification.of_uid(token.upper())
    if token_type in _CONTRACT_TYPES and _EVCO.fullmatch(token):
        return Identification(plug_and_charge=PlugAndChargeIdentification(evco_id=token))
    return None


def token_of(identification: Identification) -> str | None:
    """The token (UID or EvcoID) an Identification stands for, upper-cased."""
    value = identification.uid or identification.evco_id
    return value.upper() if value else None


def authorize_start_request(
    operator_id: str,
    identification: Identification,
    *,
    evse_id: str | None = None,
    cpo_partner_session_id: str | None = None,
    partner_product_id: str | None = None,
) -> AuthorizeStartRequest:
    """eRoamingAuthorizeStart body.  The SessionID is left to Hubject, which creates it."""
    return AuthorizeStartRequest(
        operator_id=validate_operator_id(operator_id),
        identification=identification,
        evse_id=evse_id,
        cpo_partner_session_id=cpo_partner_session_id,
        partner_product_id=partner_product_id,
    )


def authorize_stop_request(
    operator_id: str,
    session_id: str,
    identification: Identification,
    *,
    evse_id: str | None = None,
    cpo_partner_session_id: str | None = None,
    emp_partner_session_id: str | None = None,
) -> AuthorizeStopRequest:
    """eRoamingAuthorizeStop body: the SessionID from AuthorizeStart is mandatory."""
    return AuthorizeStopRequest(
        session_id=session_id,
        operator_id=validate_operator_id(operator_id),
        identification=identification,
        evse_id=evse_id,
        cpo_partner_session_id=cpo_partner_session_id,
        emp_partner_session_id=emp_partner_session_id,
    )


@dataclass(frozen=True, slots=True)
class AuthorizationOutcome:
    """What an eRoamingAuthorizationStart/Stop answer means.

    ``authorized`` is True only for ``Authorized`` with a SessionID; ``reason`` explains a
    refusal (Hubject's StatusCode and description).
    """

    authorized: bool
    session_id: str | None
    provider_id: str | None
    status_code: str
    reason: str
    emp_partner_session_id: str | None = None
    stop_identifications: tuple[Identification, ...] = ()


def interpret_authorization(
    response: AuthorizationStartResponse | AuthorizationStopResponse,
) -> AuthorizationOutcome:
    """Read Hubject's answer.  ``Authorized`` without a SessionID raises
    :class:`HubjectUnavailable` (nothing later in the session could be sent)."""
    code = response.status_code
    reason = " ".join(
        part for part in (code.code, code.description, code.additional_info) if part
    )
    authorized = response.authorization_status is AuthorizationStatus.AUTHORIZED
    if authorized and not response.session_id:
        raise HubjectUnavailable(f"Authorized without a SessionID ({reason})")
    stops: tuple[Identification, ...] = ()
    if isinstance(response, AuthorizationStartResponse):
        stops = response.authorization_stop_identifications or ()
    return AuthorizationOutcome(
        authorized=authorized,
        session_id=response.session_id,
        provider_id=response.provider_id,
        status_code=code.code,
        reason=reason,
        emp_partner_session_id=response.emp_partner_session_id,
        stop_identifications=stops,
    )
