"""A fake payment terminal provider (PTP) speaking OCPI 2.3.0 over real HTTP on 127.0.0.1.

It is :class:`~tests.support.fake_emsp.FakeEmsp` (same handshake, receivers, failure
injection, records and checks) in OCPI 2.3.0 and in the PTP role of the 2.3.0 per-role
table: Receiver of Locations, Tariffs, Sessions and CDRs, Sender of Commands and Payments.
Everything it receives from the CPO, and every answer to its requests, is validated
against the 2.3.0 OpenAPI (:mod:`tests.support.ocpi230_openapi`) and parsed with our 2.3.0
models (:mod:`ocpi.models.v230`); mismatches land in ``schema_violations``.

Credentials carry the role ``PTP`` (the spec's Role enum lacks it, see
:class:`ocpi.models.Role`; ``role="OTHER"`` sends what a PTP following the enum literally
would).  Its version details advertise ``payments`` SENDER at ``{details}/payments``, with
the terminals and financial-advice-confirmations resources under it; the Payments module
routes are added by extending :meth:`FakePtp._extra_routes` (the terminals helper).

Typical use::

    async with FakePtp(country="AT", party="PTP") as ptp:
        await ptp.register_with(cpo_versions_url, registration_token)
        answer = await ptp.start_session("0101", "010108", "pp-100100-1948213567")
        result = await ptp.wait_command_result(answer)
        cdr = await ptp.wait_for(module="cdrs", method="POST")
        ptp.assert_clean()

Payments (terminals Sender and our Receiver)::

    await ptp.post_terminal({"terminal_id": "T-1"})    # create a terminal on the CPO
    ptp.add_terminal("T-2", reference="SN-2")         # one the CPO only gets by a pull
    # the CPO's PATCH / PUT / activate / deactivate land in ptp.terminals,
    # ptp.activations and ptp.deactivated (bodies checked as Terminal / TerminalPatch)
    await ptp.post_confirmation({...})                # a FinancialAdviceConfirmation
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from ocpi.errors import NotFound
from ocpi.models import (
    InterfaceRole,
    ModuleID,
    format_datetime,
    parse_ocpi,
    parse_patch,
    v230,
)
from ocpi.pagination import page_headers, parse_page_params
from ocpi.payments.models import FinancialAdviceConfirmation, Terminal
from tests.support import ocpi230_openapi
from tests.support.fake_emsp import (
    FakeEmsp,
    PeerResponse,
    ReceivedCall,
    _Reply,
    _Route,
    make_route,
)

__all__ = ["FakePtp"]

PAYMENTS = "payments"


class FakePtp(FakeEmsp):
    """A fake OCPI 2.3.0 PTP on ``http://127.0.0.1:<port>`` (see the module docstring)."""

    OCPI_VERSION = "2.3.0"
    ROLE = "PTP"
    PATH_ROLE = "ptp"
    OUR_ENDPOINTS: tuple[tuple[ModuleID | str, InterfaceRole], ...] = (
        (ModuleID.CREDENTIALS, InterfaceRole.SENDER),
        (ModuleID.CREDENTIALS, InterfaceRole.RECEIVER),
        (ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
        (ModuleID.SESSIONS, InterfaceRole.RECEIVER),
        (ModuleID.CDRS, InterfaceRole.RECEIVER),
        (ModuleID.TARIFFS, InterfaceRole.RECEIVER),
        (ModuleID.COMMANDS, InterfaceRole.SENDER),
        (PAYMENTS, InterfaceRole.SENDER),
    )
    MODELS: Mapping[str, type[BaseModel]] = {
        "Location": v230.Location, "EVSE": v230.EVSE, "Connector": v230.Connector,
        "Session": v230.Session, "CDR": v230.CDR, "Tariff": v230.Tariff,
        "Credentials": v230.Credentials,
    }

    @staticmethod
    def schema_errors(schema: str, instance: Any) -> list[str]:
        return ocpi230_openapi.schema_errors(schema, instance)

    def __init__(self, country: str = "AT", party: str = "PTP", *, name: str = "Fake PTP",
                 role: str = "PTP", credentials_extra: Mapping[str, Any] | None = None,
                 **options: Any) -> None:
        self.ROLE = role
        # Fields added to our Credentials (e.g. a 2.3.0 ``hub_party_id``).
        self.credentials_extra = dict(credentials_extra or {})
        # Payments Sender state: our terminals (terminal_id -> Terminal JSON, as the CPO
        # last changed them), activation requests and deactivated terminal ids.
        self.terminals: dict[str, dict[str, Any]] = {}
        self.activations: list[dict[str, Any]] = []
        self.deactivated: list[str] = []
        super().__init__(country, party, name=name, **options)

    def credentials(self, token: str) -> dict[str, Any]:
        return {**super().credentials(token), **self.credentials_extra}

    @property
    def payments_url(self) -> str:
        """Our ``payments`` endpoint (module base; terminals are ``{it}/terminals``)."""
        return self.endpoint(PAYMENTS)

    def payment_token(self, uid: str, **fields: Any) -> dict[str, Any]:
        """The Token of a card payment (AD_HOC_USER; the CPO must not authorize it again)."""
        return self.add_token(uid, type="AD_HOC_USER", whitelist="NEVER", contract_id=uid,
                              **fields)

    async def start_session(self, location_id: str, evse_uid: str | None,
                            authorization_reference: str | None, *, uid: str = "PAY-0001",
                            connector_id: str | None = None) -> PeerResponse:
        """START_SESSION for a pre-authorized card payment (``authorization_reference``:
        the pre-authorization's reference; None sends a command without one)."""
        body: dict[str, Any] = {"token": self.payment_token(uid), "location_id": location_id}
        if evse_uid is not None:
            body["evse_uid"] = evse_uid
        if connector_id is not None:
            body["connector_id"] = connector_id
        if authorization_reference is not None:
            body["authorization_reference"] = authorization_reference
        return await self.send_command(None, "START_SESSION", body)

    async def stop_session(self, session_id: str) -> PeerResponse:
        """STOP_SESSION (e.g. when the pre-authorized amount is used up)."""
        return await self.send_command(None, "STOP_SESSION", {"session_id": session_id})

    # ----------------------------------------------------------------------- payments

    def _extra_routes(self, base: str) -> list[_Route]:
        terminals = rf"{base}/payments/terminals"
        item = rf"{terminals}/(?P<terminal_id>[^/]+)"
        return [
            make_route("POST", rf"{terminals}/activate", PAYMENTS, self._h_activate,
                       lambda c: "Terminal"),
            make_route("POST", rf"{item}/deactivate", PAYMENTS, self._h_deactivate,
                       lambda c: None),
            make_route("GET", terminals, PAYMENTS, self._h_terminals_list, lambda c: None),
            make_route("GET PUT PATCH", item, PAYMENTS, self._h_terminal,
                       lambda c: {"PUT": "Terminal", "PATCH": "TerminalPatch"}.get(c.method)),
        ]

    async def _h_terminals_list(self, request: web.Request, call: ReceivedCall) -> Any:
        params = parse_page_params(call.query, max_limit=self.page_limit)
        ordered = sorted(self.terminals.values(),
                         key=lambda t: (t["last_updated"], t["terminal_id"]))
        page = ordered[params.offset:params.offset + params.limit]
        return _Reply(data=page, headers=page_headers(str(request.url), params, len(ordered),
                                                      max_limit=self.page_limit))

    async def _h_terminal(self, request: web.Request, call: ReceivedCall) -> Any:
        terminal_id = call.match["terminal_id"]
        current = self.terminals.get(terminal_id)
        if current is None:
            raise NotFound(f"unknown terminal {terminal_id}")
        if call.method == "GET":
            return current
        if call.method == "PUT":
            parse_ocpi(Terminal, call.body)
            self.terminals[terminal_id] = dict(call.body)
            return None
        parse_patch(Terminal, call.body)
        current.update(call.body)
        return None

    async def _h_activate(self, request: web.Request, call: ReceivedCall) -> Any:
        self.activations.append(parse_ocpi(Terminal, call.body).model_dump(mode="json"))
        return None

    async def _h_deactivate(self, request: web.Request, call: ReceivedCall) -> Any:
        if call.match["terminal_id"] not in self.terminals:
            raise NotFound("unknown terminal")
        self.deactivated.append(call.match["terminal_id"])
        return None

    def add_terminal(self, terminal_id: str, **fields: Any) -> dict[str, Any]:
        """A terminal we own (served by our terminals GET); fields as in OCPI."""
        terminal = {"terminal_id": terminal_id, "location_ids": [],
                    "last_updated": format_datetime(datetime.now(UTC)), **fields}
        parse_ocpi(Terminal, terminal)
        self.terminals[terminal_id] = terminal
        return terminal

    async def post_terminal(self, terminal: Mapping[str, Any]) -> PeerResponse:
        """POST a terminal to the CPO's terminals receiver (it answers the terminal); we own
        it from then on (it is in :attr:`terminals`, merged over what we had)."""
        stored = {**self.terminals.get(terminal["terminal_id"], {}), **terminal}
        stored.setdefault("last_updated", format_datetime(datetime.now(UTC)))
        self.terminals[terminal["terminal_id"]] = stored
        return await self.request("POST", "payments/terminals", body=dict(terminal),
                                  schema="Terminal")

    async def get_terminal(self, terminal_id: str) -> PeerResponse:
        return await self.get(f"payments/terminals/{terminal_id}", schema="Terminal")

    async def post_confirmation(self, confirmation: Mapping[str, Any]) -> PeerResponse:
        """POST a FinancialAdviceConfirmation (validated as 2.3.0 before it is sent)."""
        parse_ocpi(FinancialAdviceConfirmation, dict(confirmation))
        self._schema_violation("our FinancialAdviceConfirmation", self.schema_errors(
            "FinancialAdviceConfirmation", dict(confirmation)))
        return await self.request("POST", "payments/financial-advice-confirmations",
                                  body=dict(confirmation))

    async def get_confirmation(self, confirmation_id: str) -> PeerResponse:
        return await self.get(f"payments/financial-advice-confirmations/{confirmation_id}",
                              schema="FinancialAdviceConfirmation")
