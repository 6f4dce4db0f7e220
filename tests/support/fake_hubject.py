"""A fake Hubject (HBS) for the CPO calls, over real HTTPS on 127.0.0.1.

* TLS: the server context comes from the test (``PartnerPki.server_ssl_context()``): it
  *requires* a client certificate that chains to the partner CA; on top of that the fake
  compares the presented certificate with the one we expect (``expected_client_pem``).
* Every request body is validated against Hubject's CPO OpenAPI
  (``tests/unit/oicp/oicp_openapi.py``; charging notifications are dispatched on ``Type``),
  and the checks Hubject itself makes are made: the OperatorID of the path is the body's,
  EvseIDs belong to that operator (018 otherwise), one CDR per SessionID (400 otherwise).
  A body that fails is answered like Hubject (HTTP 400 with ``validationErrors``) and
  recorded in :attr:`FakeHubject.problems`; :meth:`FakeHubject.assert_clean` fails the test.
* Scriptable per operation kind: queued :class:`Reply` objects answer the next calls
  (``Result=false`` with a StatusCode, HTTP 429 with ``Retry-After``, HTTP 5xx ...); without
  a script the answer is ``Result=true``.  AuthorizeStart answers ``Authorized`` (with a
  fresh SessionID and ProviderID ``DE*ICE``) for tokens registered with
  :meth:`FakeHubject.authorize`, ``NotAuthorized`` (102) for the others.

The path templates below are written from the OpenAPI on purpose (not imported from
``oicp.paths``): the fake must not share the code it checks.
"""

from __future__ import annotations

import hashlib
import json
import re
import ssl
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.unit.oicp.oicp_openapi import schema_errors

PREFIX = "/api/oicp"
# OpenAPI path template -> kind of call.
OPERATIONS: dict[str, str] = {
    "/evsepush/v23/operators/{operatorID}/data-records": "evse_data",
    "/evsepush/v21/operators/{operatorID}/status-records": "evse_status",
    "/charging/v21/operators/{operatorID}/authorize/start": "authorize_start",
    "/charging/v21/operators/{operatorID}/authorize/stop": "authorize_stop",
    "/cdrmgmt/v22/operators/{operatorID}/charge-detail-record": "cdr",
    "/dynamicpricing/v10/operators/{operatorID}/pricing-products": "pricing_products",
    "/dynamicpricing/v10/operators/{operatorID}/evse-pricing": "evse_pricing",
    "/notificationmgmt/v11/charging-notifications": "notification",
}


def _pattern(template: str) -> re.Pattern[str]:
    body = re.escape(template).replace(re.escape("{operatorID}"), "(?P<operator>[^/]+)")
    return re.compile(f"^{body}$")


_ROUTES = [(_pattern(template), template, kind) for template, kind in OPERATIONS.items()]


def fingerprint(certificate_der: bytes) -> str:
    return hashlib.sha256(certificate_der).hexdigest()


def pem_fingerprint(pem: str) -> str:
    cert = x509.load_pem_x509_certificate(pem.encode())
    return fingerprint(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Reply:
    """A scripted answer."""

    status: int = 200
    body: Any = None  # None: a positive eRoamingAcknowledgement
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def rejected(cls, code: str, description: str, info: str | None = None) -> Reply:
        status_code = {"Code": code, "Description": description}
        if info:
            status_code["AdditionalInfo"] = info
        return cls(200, {"Result": False, "StatusCode": status_code})

    @classmethod
    def http(cls, status: int, *, retry_after: int | None = None, text: str = "") -> Reply:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return cls(status, text or f"HTTP {status}", headers)


@dataclass
class HubjectCall:
    """One request the fake received."""

    kind: str
    path: str
    operator_id: str | None
    body: Any
    client_fingerprint: str | None
    answered: int = 200
    reply: Any = None


class FakeHubject:
    def __init__(self, ssl_context: ssl.SSLContext, *, expected_client_pem: str | None = None,
                 operator_id: str = "SI*TRI", provider_id: str = "DE*ICE") -> None:
        self._ssl = ssl_context
        self._expected = pem_fingerprint(expected_client_pem) if expected_client_pem else None
        self.operator_id = operator_id
        self.provider_id = provider_id
        self.calls: list[HubjectCall] = []
        self.problems: list[str] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._authorized: dict[str, str] = {}  # token -> provider
        self.sessions: dict[str, str] = {}  # SessionID -> token it authorized
        self._cdr_sessions: set[str] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.partner_ca_pem = ""  # set by the test: the CA behind our server certificate

    # --- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> FakeHubject:
        app = web.Application()
        app.router.add_post(PREFIX + "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}{PREFIX}"

    # --- scripting ------------------------------------------------------------------------

    def script(self, kind: str, *replies: Reply) -> None:
        """The next calls of ``kind`` get these answers, in order."""
        assert kind in OPERATIONS.values(), kind
        self._scripts[kind].extend(replies)

    def authorize(self, token: str, provider_id: str | None = None) -> None:
        """AuthorizeStart for ``token`` (UID or EvcoID) answers Authorized."""
        self._authorized[token.upper()] = provider_id or self.provider_id

    # --- inspection -----------------------------------------------------------------------

    def calls_of(self, kind: str, *, answered: int | None = None) -> list[HubjectCall]:
        return [c for c in self.calls if c.kind == kind
                and (answered is None or c.answered == answered)]

    def notifications(self, session_id: str | None = None) -> list[dict[str, Any]]:
        return [c.body for c in self.calls_of("notification", answered=200)
                if session_id is None or c.body.get("SessionID") == session_id]

    def assert_clean(self) -> None:
        assert not self.problems, "fake Hubject saw bad requests:\n" + "\n".join(self.problems)

    # --- handling -------------------------------------------------------------------------

    def _peer(self, request: web.Request) -> str | None:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        return fingerprint(der) if der else None

    def _problem(self, call: HubjectCall, text: str) -> None:
        self.problems.append(f"{call.kind} {call.path}: {text}")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + unquote(request.match_info["tail"])
        match = next(((m, template, kind) for pattern, template, kind in _ROUTES
                      if (m := pattern.match(path))), None)
        raw = await request.read()
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = None
        call = HubjectCall(match[2] if match else "unknown", path,
                           match[0].groupdict().get("operator") if match else None, body,
                           self._peer(request))
        self.calls.append(call)
        if match is None:
            self._problem(call, "no such operation")
            return self._answer(call, 404, {"message": "not found"})
        if self._expected is not None and call.client_fingerprint != self._expected:
            self._problem(call, "unexpected client certificate")
            return self._answer(call, 403, {"message": "SSL Certificate Error"})
        if request.content_type != "application/json":
            self._problem(call, f"content type {request.content_type}")
        errors = schema_errors(match[1], body) if isinstance(body, dict) else ["not JSON"]
        if errors:
            self._problem(call, "; ".join(errors))
            return self._answer(call, 400, {
                "message": "Error parsing/validating JSON.",
                "validationErrors": [{"fieldReference": e.split(":", 1)[0],
                                      "errorMessage": e.split(":", 1)[-1].strip()}
                                     for e in errors]})
        refusal = self._hubject_checks(call)
        if refusal is not None:
            return self._answer(call, 200, refusal)
        scripted = self._scripts[call.kind].popleft() if self._scripts[call.kind] else None
        if scripted is not None and (scripted.status != 200 or scripted.body is not None):
            return self._answer(call, scripted.status, scripted.body, scripted.headers)
        if call.kind == "authorize_start":
            return self._answer(call, 200, self._authorize_start(body))
        if call.kind == "authorize_stop":
            return self._answer(call, 200, self._authorize_stop(body))
        if call.kind == "cdr":
            self._cdr_sessions.add(body["SessionID"])
        return self._answer(call, 200, _ack(True, "000", "Success",
                                            session_id=body.get("SessionID")))

    def _answer(self, call: HubjectCall, status: int, body: Any,
                headers: dict[str, str] | None = None) -> web.Response:
        call.answered = status
        call.reply = body
        if isinstance(body, dict | list):
            return web.json_response(body, status=status, headers=headers)
        return web.Response(status=status, text=str(body or ""), headers=headers)

    def _operator_in_body(self, call: HubjectCall) -> str | None:
        body = call.body
        for key in ("OperatorEvseData", "OperatorEvseStatus", "PricingProductData"):
            if isinstance(body.get(key), dict):
                return str(body[key].get("OperatorID"))
        value = body.get("OperatorID")
        return str(value) if value is not None else None

    def _evse_ids(self, call: HubjectCall) -> list[str]:
        body = call.body
        ids = [r.get("EvseID") for r in body.get("OperatorEvseData", {}).get(
            "EvseDataRecord", [])]
        ids += [r.get("EvseID") for r in body.get("OperatorEvseStatus", {}).get(
            "EvseStatusRecord", [])]
        ids += [r.get("EvseID") for r in body.get("EVSEPricing", [])]
        if isinstance(body.get("EvseID"), str):
            ids.append(body["EvseID"])
        return [str(i) for i in ids if i is not None]

    def _hubject_checks(self, call: HubjectCall) -> dict[str, Any] | None:
        """What Hubject refuses beyond the schema (the problems are ours to fix)."""
        operator = self._operator_in_body(call)
        if call.operator_id is not None and call.operator_id.upper() != self.operator_id:
            self._problem(call, f"path OperatorID {call.operator_id} is not ours")
            return _ack(False, "017", "Unauthorized Access")
        if operator is not None and operator.upper() != self.operator_id:
            self._problem(call, f"body OperatorID {operator} is not ours")
            return _ack(False, "017", "Unauthorized Access")
        prefix = self.operator_id.replace("*", "").upper()
        for evse_id in self._evse_ids(call):
            if not evse_id.replace("*", "").upper().startswith(prefix + "E"):
                self._problem(call, f"EvseID {evse_id} is not the operator's")
                return _ack(False, "018", "Inconsistent EvseID")
        if call.kind == "cdr" and call.body["SessionID"] in self._cdr_sessions:
            self._problem(call, f"second CDR for SessionID {call.body['SessionID']}")
            return _ack(False, "400", "Session is invalid",
                        session_id=call.body["SessionID"])
        return None

    def _authorize_start(self, body: dict[str, Any]) -> dict[str, Any]:
        identification = body["Identification"]
        token = None
        for variant in identification.values():
            if isinstance(variant, dict):
                token = variant.get("UID") or variant.get("EvcoID")
                break
        provider = self._authorized.get(str(token).upper())
        if provider is None:
            return {"AuthorizationStatus": "NotAuthorized",
                    "StatusCode": {"Code": "102",
                                   "Description": "RFID Authentication failed - invalid UID"},
                    "SessionID": None, "ProviderID": None, "CPOPartnerSessionID":
                        body.get("CPOPartnerSessionID"), "EMPPartnerSessionID": None}
        session_id = str(uuid.uuid4())
        self.sessions[session_id] = str(token).upper()
        return {"AuthorizationStatus": "Authorized",
                "StatusCode": {"Code": "000", "Description": "Success"},
                "SessionID": session_id, "ProviderID": provider,
                "CPOPartnerSessionID": body.get("CPOPartnerSessionID"),
                "EMPPartnerSessionID": None, "AuthorizationStopIdentifications": None}

    def _authorize_stop(self, body: dict[str, Any]) -> dict[str, Any]:
        known = body["SessionID"] in self.sessions
        return {"AuthorizationStatus": "Authorized" if known else "NotAuthorized",
                "StatusCode": {"Code": "000" if known else "400",
                               "Description": "Success" if known else "Session is invalid"},
                "SessionID": body["SessionID"], "ProviderID": self.provider_id}


def _ack(result: bool, code: str, description: str, *, session_id: str | None = None
         ) -> dict[str, Any]:
    ack: dict[str, Any] = {"Result": result,
                           "StatusCode": {"Code": code, "Description": description}}
    if session_id is not None:
        ack["SessionID"] = session_id
    return ack
