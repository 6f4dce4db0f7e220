"""OCPI Session and CDR of a roaming session, from a plain bundle the gateway reads.

Pure. The bundle is a dict of the session row (ids already resolved to roaming ids),
the partner token it ran on, the priced CDR when the session is over, and the OCPI form
of the roaming tariffs that priced it (``tariffs``: their VAT names the taxes of 2.3.0
prices, see :mod:`ocpi.taxes`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpi.mapping import cdr_for, session_for, session_status_for
from ocpi.mapping.views import Party, SessionView, TokenRef
from ocpi.models import CDR, CdrLocation, Price, Session
from ocpi.models.cdrs import AuthMethod
from ocpi.models.tokens import TokenType
from tariffs import ocpi_model as engine

_THOUSAND = Decimal(1000)
_TOKEN_TYPES = {t.value for t in TokenType}


def _token_type(value: Any) -> TokenType:
    # A 2.3.0 token type is an OpenEnum: a type nobody knows travels on as OTHER.
    text = str(value or "RFID")
    return TokenType(text) if text in _TOKEN_TYPES else TokenType.OTHER


def token_ref(bundle: dict[str, Any]) -> TokenRef:
    token = bundle.get("token") or {}
    return TokenRef(
        country_code=token.get("country_code", bundle["partner_country"]),
        party_id=token.get("party_id", bundle["partner_party"]),
        uid=token.get("uid", bundle["id_token"] or "UNKNOWN"),
        type=_token_type(token.get("type")),
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


def bundle_tariffs(bundle: dict[str, Any]) -> list[engine.Tariff]:
    """The OCPI tariffs that priced the session (empty when unknown or not priced)."""
    return [engine.Tariff.model_validate(t) for t in bundle.get("tariffs") or []]


def invoice_reference(bundle: dict[str, Any], cpo_issues_invoices: bool) -> str | None:
    """``invoice_reference_id`` of the session's CDR: None unless the CPO issues the invoice.

    Decision (the spec leaves the value to the CPO): the session's
    ``authorization_reference``, the reference a PTP's invoice URL ends with
    (``invoice_base_url`` + ``authorization_reference``, 2.3.0 Payments) and the one a
    financial advice confirmation names; the CDR id for a session without one.  Who
    invoices: what the PTP's terminal serving the EVSE says (its ``invoice_creator``, in the
    bundle as ``invoice_creator``), else the per-platform setting ``cpo_issues_invoices``
    (agreed per partner; also covers eMSPs and terminals that do not say).
    """
    creator = bundle.get("invoice_creator")
    cpo = creator == "CPO" if creator in ("CPO", "PTP") else cpo_issues_invoices
    if not cpo:
        return None
    return str(bundle.get("authorization_reference") or bundle["id"])


def ocpi_session(bundle: dict[str, Any], party: Party) -> Session:
    return session_for(session_view(bundle), party)


def ocpi_cdr(bundle: dict[str, Any], party: Party, where: CdrLocation, *,
             cpo_issues_invoices: bool = False) -> CDR | None:
    cdr = bundle.get("cdr")
    if cdr is None or not cdr.get("cdr"):
        return None
    return cdr_for(cdr["cdr"], session_view(bundle), where, party,
                   cdr_id=f"{bundle['id']}", last_updated=bundle["updated_at"],
                   invoice_reference_id=invoice_reference(bundle, cpo_issues_invoices))
