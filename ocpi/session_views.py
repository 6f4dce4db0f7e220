"""OCPI Session and CDR of a roaming session, from a plain bundle the gateway reads.

Pure. The bundle is a dict of the session row (ids already resolved to roaming ids),
the eMSP token it ran on, and the priced CDR when the session is over."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpi.mapping import cdr_for, session_for, session_status_for
from ocpi.mapping.views import Party, SessionView, TokenRef
from ocpi.models import CDR, CdrLocation, Price, Session
from ocpi.models.cdrs import AuthMethod
from ocpi.models.tokens import TokenType

_THOUSAND = Decimal(1000)


def token_ref(bundle: dict[str, Any]) -> TokenRef:
    token = bundle.get("token") or {}
    return TokenRef(
        country_code=token.get("country_code", bundle["partner_country"]),
        party_id=token.get("party_id", bundle["partner_party"]),
        uid=token.get("uid", bundle["id_token"] or "UNKNOWN"),
        type=TokenType(token.get("type", "RFID")),
        contract_id=token.get("contract_id", bundle["id_token"] or "UNKNOWN"))


def auth_method(bundle: dict[str, Any]) -> AuthMethod:
    if bundle.get("via_command"):
        return AuthMethod.COMMAND
    if bundle.get("authorization_reference"):
        return AuthMethod.AUTH_REQUEST
    return AuthMethod.WHITELIST


def session_view(bundle: dict[str, Any]) -> SessionView:
    cdr = bundle.get("cdr")
    total = None
    if cdr is not None:
        total = Price(excl_vat=Decimal(cdr["total_excl_vat"]),
                      incl_vat=Decimal(cdr["total_incl_vat"]))
    return SessionView(
        id=str(bundle["id"]), start=bundle["started_at"] or bundle["created_at"],
        end=bundle["ended_at"], kwh=(Decimal(bundle["energy_wh"]) / _THOUSAND),
        token=token_ref(bundle), auth_method=auth_method(bundle),
        authorization_reference=bundle.get("authorization_reference"),
        location_id=bundle["location_id"], evse_uid=bundle["evse_uid"],
        connector_id=bundle["evse_uid"], currency=bundle["currency"] or "EUR",
        status=session_status_for(bundle["status"]), last_updated=bundle["updated_at"],
        total_cost=total)


def ocpi_session(bundle: dict[str, Any], party: Party) -> Session:
    return session_for(session_view(bundle), party)


def ocpi_cdr(bundle: dict[str, Any], party: Party, where: CdrLocation) -> CDR | None:
    cdr = bundle.get("cdr")
    if cdr is None or not cdr.get("cdr"):
        return None
    return cdr_for(cdr["cdr"], session_view(bundle), where, party,
                   cdr_id=f"{bundle['id']}", last_updated=bundle["updated_at"])
