"""Session views and priced CDRs -> OCPI Session and CDR objects.

* :func:`session_for` copies a :class:`~ocpi.mapping.views.SessionView` (the session engine
  has already resolved OCPI ids: location id, EVSE uid, connector id).
* :func:`cdr_location_for` snapshots the published Location / EVSE / Connector into a
  CdrLocation; ``address`` is cut to 45 and ``state`` to 20 characters (CdrLocation kept
  the released 2.2.1 lengths when the errata lengthened Location's).
* :func:`cdr_for` takes the priced CDR of the tariff engine (``BuiltCdr.to_cdr(...)`` as a
  model or as its ``model_dump(mode="json")`` dict: periods, currency, totals, tariffs) and
  adds what OCPI requires around it.  Fields of the session view win over the same fields
  in the priced dict; ``None`` values are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ocpi.mapping.views import Party, SessionView
from ocpi.models.base import json_value
from ocpi.models.cdrs import CDR, CdrLocation, CdrToken
from ocpi.models.locations import EVSE, Connector, Location
from ocpi.models.sessions import Session
from tariffs import ocpi_model as engine

__all__ = ["cdr_for", "cdr_location_for", "cdr_token_for", "session_for"]


def cdr_token_for(view: SessionView) -> CdrToken:
    """The CdrToken of a session (the eMSP's token)."""
    t = view.token
    return CdrToken(
        country_code=t.country_code,
        party_id=t.party_id,
        uid=t.uid,
        type=t.type,
        contract_id=t.contract_id,
    )


def session_for(view: SessionView, party: Party) -> Session:
    """The OCPI Session of a roaming session, owned by our ``party``."""
    return Session(
        country_code=party.country_code,
        party_id=party.party_id,
        id=view.id,
        start_date_time=view.start,
        end_date_time=view.end,
        kwh=view.kwh,
        cdr_token=cdr_token_for(view),
        auth_method=view.auth_method,
        authorization_reference=view.authorization_reference,
        location_id=view.location_id,
        evse_uid=view.evse_uid,
        connector_id=view.connector_id,
        meter_id=view.meter_id,
        currency=view.currency,
        charging_periods=list(view.charging_periods) or None,
        total_cost=view.total_cost,
        status=view.status,
        last_updated=view.last_updated,
    )


def cdr_location_for(location: Location, evse: EVSE, connector: Connector) -> CdrLocation:
    """CdrLocation snapshot of where the session took place."""
    if evse.evse_id is None:
        raise ValueError(f"EVSE {evse.uid} has no evse_id; a CdrLocation needs one")
    return CdrLocation(
        id=location.id,
        name=location.name,
        address=location.address[:45],
        city=location.city,
        postal_code=location.postal_code,
        state=location.state[:20] if location.state else None,
        country=location.country,
        coordinates=location.coordinates,
        evse_uid=evse.uid,
        evse_id=evse.evse_id,
        connector_id=connector.id,
        connector_standard=connector.standard,
        connector_format=connector.format,
        connector_power_type=connector.power_type,
    )


def cdr_for(
    priced: engine.Cdr | Mapping[str, Any],
    view: SessionView,
    cdr_location: CdrLocation,
    party: Party,
    *,
    cdr_id: str | None = None,
    last_updated: datetime | None = None,
    invoice_reference_id: str | None = None,
) -> CDR:
    """The OCPI CDR of a finished session from the tariff engine's priced CDR.

    ``cdr_id`` defaults to the session id; ``last_updated`` to the view's;
    ``invoice_reference_id`` is set when the CPO issues the invoice.  Raises
    ``pydantic.ValidationError`` (a ``ValueError``) when the result is not a valid CDR,
    e.g. a priced CDR without ``total_energy`` / ``total_time``.
    """
    model = priced if isinstance(priced, engine.Cdr) else engine.Cdr.model_validate(priced)
    data: dict[str, Any] = json_value(model, exact=True)
    data.update(model.model_extra or {})
    data.update(
        country_code=party.country_code,
        party_id=party.party_id,
        id=cdr_id or view.id,
        session_id=view.id,
        cdr_token=cdr_token_for(view),
        auth_method=view.auth_method,
        authorization_reference=view.authorization_reference,
        cdr_location=cdr_location,
        meter_id=view.meter_id,
        currency=data.get("currency") or view.currency,
        invoice_reference_id=invoice_reference_id,
        last_updated=last_updated or view.last_updated,
    )
    if data.get("end_date_time") is None and view.end is not None:
        data["end_date_time"] = view.end
    clean = {k: v for k, v in data.items() if v is not None}
    return CDR.model_validate(clean)
