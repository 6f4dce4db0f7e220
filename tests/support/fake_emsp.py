"""A fake eMSP speaking OCPI 2.2.1 over real HTTP on 127.0.0.1, the partner of end-to-end tests.

It is the other side of the gateway's CPO interface and reuses only the pure OCPI core
(``ocpi.models``, ``ocpi.envelope``, ``ocpi.auth``, ``ocpi.routing``, ``ocpi.pagination``,
``ocpi.versions``, ``ocpi.errors``); everything it receives from the CPO (requests it serves
and responses to requests it makes) is validated against the OCPI 2.2.1 OpenAPI of
``shared/specs/ocpi/openapi-ocpi-fyi`` and every mismatch lands in
:attr:`FakeEmsp.schema_violations`; transport-rule breaches (missing ``X-Request-ID`` /
``X-Correlation-ID`` or routing headers, ids not echoed, unknown tokens, pagination headers,
...) land in :attr:`FakeEmsp.protocol_violations`.

Typical use::

    async with FakeEmsp(country="DE", party="EMS") as emsp:
        # either the CPO registers with us (give it emsp.versions_url and emsp.token_a) ...
        # ... or we register with the CPO:
        await emsp.register_with(cpo_versions_url, registration_token)
        objects, pages = await emsp.pull_all("locations")
        await emsp.put_token(None, emsp.add_token("0102030405"))
        resp = await emsp.send_command(None, "START_SESSION", {...})
        result = await emsp.wait_command_result(resp)
        cdr_call = await emsp.wait_for(module="cdrs", method="POST")
        emsp.assert_clean()

Numbers with a fractional part in received bodies are :class:`~decimal.Decimal`
(``ocpi.models.loads``): compare money with ``Decimal("0.88")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from pydantic import BaseModel

from ocpi.auth import authorization_header, parse_authorization
from ocpi.envelope import PartnerResponse, envelope, error_envelope, parse_envelope
from ocpi.errors import (
    InvalidJson,
    InvalidParameters,
    MethodNotAllowed,
    NoMatchingEndpoints,
    NotFound,
    OcpiError,
    Unauthorized,
    UnknownLocation,
    UnknownToken,
    UnusableClientApi,
    error_for_status,
)
from ocpi.models import (
    CDR,
    EVSE,
    CommandResult,
    CommandType,
    Connector,
    Credentials,
    Endpoint,
    InterfaceRole,
    Location,
    LocationReferences,
    ModuleID,
    Session,
    Tariff,
    TokenType,
    Version,
    VersionDetails,
    format_datetime,
    json_value,
    loads,
    parse_datetime,
    parse_ocpi,
    parse_patch,
)
from ocpi.pagination import page_headers, parse_page_params
from ocpi.routing import (
    CORRELATION_ID,
    FROM_COUNTRY_CODE,
    FROM_PARTY_ID,
    REQUEST_ID,
    TO_COUNTRY_CODE,
    TO_PARTY_ID,
    RoutingHeaders,
    carries_routing_headers,
    new_id,
    parse_routing_headers,
    request_id_headers,
    response_id_headers,
)
from ocpi.versions import pick_common_version
from tests.unit.ocpi.ocpi_openapi import schema_errors

__all__ = ["FakeEmsp", "PeerResponse", "ReceivedCall", "SentCall"]

VERSION = "2.2.1"
_ROUTING = (TO_COUNTRY_CODE, TO_PARTY_ID, FROM_COUNTRY_CODE, FROM_PARTY_ID)
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel\s*=\s*"?next"?', re.IGNORECASE)
_LIST_SCHEMAS = {
    "locations": "Location",
    "sessions": "Session",
    "cdrs": "CDR",
    "tariffs": "Tariff",
    "tokens": "Token",
    "hubclientinfo": "ClientInfo",
}
# The CPO interface an eMSP talks to, per module (SENDER: we pull, RECEIVER: we push).
_CPO_ROLE = {
    "locations": InterfaceRole.SENDER,
    "sessions": InterfaceRole.SENDER,
    "cdrs": InterfaceRole.SENDER,
    "tariffs": InterfaceRole.SENDER,
    "tokens": InterfaceRole.RECEIVER,
    "commands": InterfaceRole.RECEIVER,
    "chargingprofiles": InterfaceRole.RECEIVER,
}
# Our 2.2.1 endpoints as an eMSP.
_OUR_ENDPOINTS: tuple[tuple[ModuleID | str, InterfaceRole], ...] = (
    (ModuleID.CREDENTIALS, InterfaceRole.SENDER),
    (ModuleID.CREDENTIALS, InterfaceRole.RECEIVER),
    (ModuleID.LOCATIONS, InterfaceRole.RECEIVER),
    (ModuleID.SESSIONS, InterfaceRole.RECEIVER),
    (ModuleID.CDRS, InterfaceRole.RECEIVER),
    (ModuleID.TARIFFS, InterfaceRole.RECEIVER),
    (ModuleID.TOKENS, InterfaceRole.SENDER),
    (ModuleID.COMMANDS, InterfaceRole.SENDER),
)


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def _dumps(value: Any) -> str:
    return json.dumps(json_value(value), separators=(",", ":"))


def _as_json(value: Any) -> Any:
    """Models and mappings as plain JSON-ready values (Decimals kept exact)."""
    if isinstance(value, BaseModel | Mapping | list | tuple):
        return json_value(value, exact=True)
    return value


# ---------------------------------------------------------------------------------------------
# Records


@dataclass
class ReceivedCall:
    """One request the CPO made to us, and what we answered (``http_status`` None: in progress).

    ``match`` holds the URL parameters (``country_code``, ``party_id``, ``location_id``,
    ``evse_uid``, ``connector_id``, ``session_id``, ``cdr_id``, ``tariff_id``, ``token_uid``,
    ``command``, ``command_uid``); ``injected`` is ``"down"`` or ``"reject"`` when failure
    injection answered instead of the fake.
    """

    seq: int
    method: str
    path: str
    url: str
    module: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    match: dict[str, str] = field(default_factory=dict)
    body: Any = None
    raw: bytes = b""
    token_kind: str | None = None  # "A", "B" or "C": which of our tokens authenticated it
    token_encoding: str | None = None  # "base64" or "raw"
    routing: RoutingHeaders | None = None
    schema: str | None = None
    schema_errors: list[str] = field(default_factory=list)
    injected: str | None = None
    note: str | None = None
    http_status: int | None = None
    status_code: int | None = None
    response_body: Any = None
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.http_status is not None

    @property
    def ok(self) -> bool:
        """Answered 2xx with an OCPI 1xxx status."""
        return (
            self.http_status is not None
            and 200 <= self.http_status < 300
            and self.status_code is not None
            and 1000 <= self.status_code < 2000
        )

    @property
    def request_id(self) -> str | None:
        return self.headers.get(REQUEST_ID)

    @property
    def correlation_id(self) -> str | None:
        return self.headers.get(CORRELATION_ID)

    def __repr__(self) -> str:
        return (
            f"<ReceivedCall #{self.seq} {self.method} {self.path} -> {self.http_status}"
            f"/{self.status_code}{' ' + self.injected if self.injected else ''}>"
        )


@dataclass
class SentCall:
    """One request we made to the CPO and its response (``error``: transport failure)."""

    method: str
    url: str
    module: str | None
    headers: dict[str, str]
    body: Any
    http_status: int | None = None
    response_headers: CIMultiDict[str] = field(default_factory=CIMultiDict)
    response_body: Any = None
    schema: str | None = None
    schema_errors: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class PeerResponse:
    """The CPO's answer to one of our requests; unpacks as ``status, headers, body``."""

    status: int
    headers: CIMultiDict[str]
    body: Any
    url: str = ""
    request_body: Any = None
    command_uid: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.status, self.headers, self.body))

    @property
    def ocpi(self) -> PartnerResponse:
        """The envelope read tolerantly (2001 ``InvalidParameters`` if it is none)."""
        return parse_envelope(self.body)

    @property
    def status_code(self) -> int | None:
        return self.body.get("status_code") if isinstance(self.body, dict) else None

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    def raise_for_status(self) -> None:
        """Raise the matching :class:`~ocpi.errors.OcpiError` unless HTTP 2xx and OCPI 1xxx."""
        env = self.ocpi
        env.raise_for_status(self.status)
        if not 200 <= self.status < 300:
            raise error_for_status(2000, f"HTTP {self.status}", http_status=self.status)


@dataclass
class _Reply:
    data: Any = None
    status_code: int = 1000
    message: str | None = None
    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def make_route(methods: str, path: str, module: str,
               handler: Callable[[web.Request, ReceivedCall], Any],
               schema: Callable[[ReceivedCall], str | None]) -> _Route:
    """A route of the fake: ``methods`` space-separated, ``path`` a regex (anchored here),
    ``handler(request, call)`` returns the data (or a reply), ``schema(call)`` names the
    schema the request body is validated with (None: no body check)."""
    return _Route(frozenset(methods.split()), re.compile(f"^{path}$"), module, handler, schema)


@dataclass(frozen=True)
class _Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    module: str
    handler: Callable[[web.Request, ReceivedCall], Any]
    schema: Callable[[ReceivedCall], str | None]


# ---------------------------------------------------------------------------------------------
# The fake


class FakeEmsp:
    """A fake OCPI 2.2.1 eMSP on ``http://127.0.0.1:<port>`` (see the module docstring).

    Tokens: ``token_a`` is the registration token we hand out; ``token_c`` the token we
    issue to a CPO that registered with us; ``token_b`` the token we give the CPO when we
    register with it; ``cpo_token`` the CPO's token we use to call it.

    Another version / role is a subclass setting the class attributes below and
    :meth:`schema_errors` (``tests.support.fake_ptp.FakePtp``: OCPI 2.3.0, role PTP).
    """

    OCPI_VERSION = VERSION
    ROLE = "EMSP"  # our role in our Credentials ("HUB" when ``hub``)
    PATH_ROLE = "emsp"  # our URLs: /ocpi/{PATH_ROLE}/{version}/{module}
    OUR_ENDPOINTS: tuple[tuple[ModuleID | str, InterfaceRole], ...] = _OUR_ENDPOINTS
    # The model each received object is checked with (by the schema name of the body).
    MODELS: Mapping[str, type[BaseModel]] = {
        "Location": Location, "EVSE": EVSE, "Connector": Connector, "Session": Session,
        "CDR": CDR, "Tariff": Tariff, "Credentials": Credentials,
    }

    @staticmethod
    def schema_errors(schema: str, instance: Any) -> list[str]:
        """OpenAPI problems of ``instance`` as the named schema of our OCPI version."""
        return schema_errors(schema, instance)

    def __init__(
        self,
        country: str = "DE",
        party: str = "EMS",
        *,
        name: str = "Fake eMSP",
        hub: bool = False,
        token_a: str | None = None,
        require_base64: bool = False,
        send_base64: bool = True,
        strict_headers: bool = True,
        reject_invalid: bool = True,
        page_limit: int = 50,
        versions: Iterable[str] | None = None,
        omit_modules: Iterable[str] = (),
        required_modules: Iterable[str] = ("credentials",),
        host: str = "127.0.0.1",
        timeout: float = 10.0,
    ) -> None:
        self.country = country.upper()
        self.party = party.upper()
        self.name = name
        self.hub = hub
        self.require_base64 = require_base64
        self.send_base64 = send_base64
        self.strict_headers = strict_headers
        self.reject_invalid = reject_invalid
        self.page_limit = page_limit
        self.versions = tuple(versions) if versions is not None else (self.OCPI_VERSION,)
        self.omit_modules = {m.lower() for m in omit_modules}
        self.required_modules = tuple(required_modules)
        self.host = host
        self.timeout = timeout
        # Tokens (see class docstring).
        self.token_a: str | None = token_a or self.new_token()
        self.token_b: str | None = None
        self.token_c: str | None = None
        self.cpo_token: str | None = None
        self._grace_tokens: set[str] = set()
        self.registered = False
        # What we know about the CPO.
        self.cpo_versions_url: str | None = None
        self.cpo_details_url: str | None = None
        self.cpo_version: str | None = None
        self.cpo_endpoints: dict[str, str] = {}
        self.cpo_endpoint_list: list[dict[str, Any]] = []
        self.cpo_credentials: dict[str, Any] | None = None
        # Records.
        self.received: list[ReceivedCall] = []
        self.sent: list[SentCall] = []
        self.schema_violations: list[str] = []
        self.protocol_violations: list[str] = []
        # Receiver state (keys: (country_code, party_id, id) upper-cased cc/pid).
        self.locations: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.sessions: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.cdrs: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.cdr_urls: dict[tuple[str, str, str], str] = {}
        self.tariffs: dict[tuple[str, str, str], dict[str, Any]] = {}
        # Tokens we own: (uid, type) -> Token JSON; authorize outcome per token.
        self.tokens: dict[tuple[str, str], dict[str, Any]] = {}
        self.token_outcomes: dict[tuple[str, str], str] = {}
        self.authorizations: list[dict[str, Any]] = []
        # Commands we sent (uid -> {command, body, correlation_id}) and results received.
        self.commands_sent: dict[str, dict[str, Any]] = {}
        self.command_results: dict[str, dict[str, Any]] = {}
        # Failure injection.
        self.down = False
        self.down_mode = "503"  # or "close": drop the connection without answering
        self._reject: list[tuple[int, int]] = []
        self._seq = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""
        self._routes = self._build_routes()

    # ----------------------------------------------------------------------- lifecycle

    async def start(self) -> FakeEmsp:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeEmsp:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ----------------------------------------------------------------------- our URLs

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    @property
    def details_url(self) -> str:
        return f"{self.base_url}/ocpi/{self.PATH_ROLE}/{self.OCPI_VERSION}"

    @property
    def commands_url(self) -> str:
        return self.endpoint("commands")

    def endpoint(self, module: str) -> str:
        """Our URL of ``module`` (``locations``, ``cdrs``, ``tokens``, ``commands`` ...)."""
        return f"{self.details_url}/{module}"

    @property
    def access_token(self) -> str | None:
        """The token the CPO must use to call us now (our C, or our B when we registered)."""
        return self.token_c or self.token_b

    @property
    def violations(self) -> list[str]:
        return [*self.schema_violations, *self.protocol_violations]

    def assert_clean(self, *, protocol: bool = True) -> None:
        """Fail listing every schema (and, unless ``protocol=False``, protocol) violation."""
        problems = list(self.schema_violations)
        if protocol:
            problems += self.protocol_violations
        if problems:
            raise AssertionError(
                f"{len(problems)} OCPI violation(s) seen by the fake eMSP:\n  "
                + "\n  ".join(problems)
            )

    @staticmethod
    def new_token() -> str:
        return "tok-" + secrets.token_urlsafe(24)

    def credentials(self, token: str) -> dict[str, Any]:
        """Our Credentials object carrying ``token``."""
        return {
            "token": token,
            "url": self.versions_url,
            "roles": [
                {
                    "role": "HUB" if self.hub else self.ROLE,
                    "business_details": {"name": self.name},
                    "party_id": self.party,
                    "country_code": self.country,
                }
            ],
        }

    @property
    def cpo_parties(self) -> set[tuple[str, str]]:
        """(country_code, party_id) of every role in the CPO's credentials."""
        roles = (self.cpo_credentials or {}).get("roles") or []
        return {
            (str(r.get("country_code", "")).upper(), str(r.get("party_id", "")).upper())
            for r in roles
            if isinstance(r, Mapping)
        }

    def _cpo_party(self) -> tuple[str, str] | None:
        roles = (self.cpo_credentials or {}).get("roles") or []
        for r in roles:
            if isinstance(r, Mapping) and r.get("role") == "CPO":
                return str(r["country_code"]).upper(), str(r["party_id"]).upper()
        parties = sorted(self.cpo_parties)
        return parties[0] if parties else None

    # ----------------------------------------------------------------------- test controls

    def reject_next(self, n: int = 1, status_code: int = 2001, http_status: int = 200) -> None:
        """Answer the next ``n`` functional-module requests with an OCPI error."""
        self._reject.extend([(status_code, http_status)] * n)

    def add_token(
        self,
        uid: str,
        *,
        type: str = "RFID",
        allowed: str = "ALLOWED",
        whitelist: str = "ALLOWED",
        valid: bool = True,
        contract_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Create one of our tokens (served by GET tokens and authorize); returns its JSON."""
        token = {
            "country_code": self.country,
            "party_id": self.party,
            "uid": uid,
            "type": type,
            "contract_id": contract_id or f"{self.country}{self.party}C{uid}"[:36],
            "issuer": self.name,
            "valid": valid,
            "whitelist": whitelist,
            "last_updated": _now(),
            **fields,
        }
        self.tokens[(uid, type)] = token
        self.token_outcomes[(uid, type)] = allowed
        return token

    def set_allowed(self, uid: str, allowed: str, *, type: str = "RFID") -> None:
        """Outcome of real-time authorization for a token (ALLOWED, BLOCKED, EXPIRED, ...)."""
        self.token_outcomes[(uid, type)] = allowed

    def find(self, module: str, object_id: str) -> dict[str, Any] | None:
        """A stored location / session / cdr / tariff by id (any country / party)."""
        store = {
            "locations": self.locations,
            "sessions": self.sessions,
            "cdrs": self.cdrs,
            "tariffs": self.tariffs,
        }[module]
        for key, value in store.items():
            if key[2] == object_id:
                return value
        return None

    def calls(self, module: str | None = None, method: str | None = None) -> list[ReceivedCall]:
        """Finished calls, optionally filtered."""
        return [
            c
            for c in self.received
            if c.done
            and (module is None or c.module == module)
            and (method is None or c.method == method)
        ]

    async def wait_for(
        self,
        predicate: Callable[[ReceivedCall], bool] | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
        include_injected: bool = False,
        **attrs: Any,
    ) -> ReceivedCall:
        """The first finished call in ``received[since:]`` matching ``predicate`` and the
        given attributes (``module="cdrs", method="POST"``), waiting up to ``timeout``.

        Calls answered by failure injection (``down`` / ``reject_next``) are skipped unless
        ``include_injected``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def matches(call: ReceivedCall) -> bool:
            if not call.done or (call.injected and not include_injected):
                return False
            if any(getattr(call, k) != v for k, v in attrs.items()):
                return False
            return predicate is None or predicate(call)

        while True:
            for call in self.received[since:]:
                if matches(call):
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = "\n  ".join(repr(c) for c in self.received[since:]) or "(none)"
                raise TimeoutError(f"no matching call within {timeout}s; received:\n  {seen}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_command_result(
        self, command: PeerResponse | str, timeout: float = 5.0
    ) -> ReceivedCall:
        """The CommandResult POSTed to the response_url of a command we sent."""
        uid = command.command_uid if isinstance(command, PeerResponse) else command
        return await self.wait_for(
            lambda c: c.module == "commands" and c.match.get("command_uid") == uid,
            timeout,
        )

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _schema_violation(self, where: str, errors: Iterable[str]) -> None:
        self.schema_violations.extend(f"{where}: {e}" for e in errors)

    def _protocol_violation(self, where: str, message: str) -> None:
        self.protocol_violations.append(f"{where}: {message}")

    # ======================================================================= server side

    def _build_routes(self) -> list[_Route]:
        seg = r"([^/]+)"
        base = re.escape(f"/ocpi/{self.PATH_ROLE}/{self.OCPI_VERSION}")

        def route(methods: str, path: str, module: str, handler: Any, schema: Any) -> _Route:
            return _Route(
                frozenset(methods.split()), re.compile(f"^{path}$"), module, handler, schema
            )

        def none(call: ReceivedCall) -> str | None:
            return None

        def loc_schema(call: ReceivedCall) -> str | None:
            level = (
                "Connector"
                if call.match.get("connector_id")
                else ("EVSE" if call.match.get("evse_uid") else "Location")
            )
            if call.method == "PUT":
                return level
            if call.method == "PATCH":
                return {"Connector": "ConnectorPatch", "EVSE": "EvsePatch"}.get(
                    level, "LocationPatch"
                )
            return None

        return [
            route("GET", r"/ocpi/versions", "versions", self._h_versions, none),
            route("GET", rf"/ocpi/{self.PATH_ROLE}/{seg}", "versions", self._h_details, none),
            route(
                "GET POST PUT DELETE",
                rf"{base}/credentials",
                "credentials",
                self._h_credentials,
                lambda c: "Credentials" if c.method in ("POST", "PUT") else None,
            ),
            route(
                "GET PUT PATCH",
                rf"{base}/locations/(?P<country_code>[^/]+)/(?P<party_id>[^/]+)"
                r"/(?P<location_id>[^/]+)(?:/(?P<evse_uid>[^/]+)(?:/(?P<connector_id>[^/]+))?)?",
                "locations",
                self._h_locations,
                loc_schema,
            ),
            route(
                "GET PUT PATCH",
                rf"{base}/sessions/(?P<country_code>[^/]+)/(?P<party_id>[^/]+)"
                r"/(?P<session_id>[^/]+)",
                "sessions",
                self._h_sessions,
                lambda c: {"PUT": "Session", "PATCH": "SessionPatch"}.get(c.method),
            ),
            route("POST", rf"{base}/cdrs", "cdrs", self._h_cdr_post, lambda c: "CDR"),
            route("GET", rf"{base}/cdrs/(?P<cdr_id>[^/]+)", "cdrs", self._h_cdr_get, none),
            route(
                "GET PUT DELETE",
                rf"{base}/tariffs/(?P<country_code>[^/]+)/(?P<party_id>[^/]+)"
                r"/(?P<tariff_id>[^/]+)",
                "tariffs",
                self._h_tariffs,
                lambda c: "Tariff" if c.method == "PUT" else None,
            ),
            route("GET", rf"{base}/tokens", "tokens", self._h_tokens_list, none),
            route(
                "POST",
                rf"{base}/tokens/(?P<token_uid>[^/]+)/authorize",
                "tokens",
                self._h_authorize,
                lambda c: "LocationReferences" if c.body is not None else None,
            ),
            route(
                "POST",
                rf"{base}/commands/(?P<command>[^/]+)/(?P<command_uid>[^/]+)",
                "commands",
                self._h_command_result,
                lambda c: "CommandResult",
            ),
            *self._extra_routes(base),
        ]

    def _extra_routes(self, base: str) -> list[_Route]:
        """Routes a subclass adds under ``base`` (the regex-escaped version prefix); build
        them with :func:`make_route`."""
        return []

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str], bool]:
        """(route, url params, method allowed)."""
        for r in self._routes:
            if r.module != "versions" and r.module in self.omit_modules:
                continue
            m = r.pattern.match(path)
            if m:
                params = {k: v for k, v in m.groupdict().items() if v is not None}
                return r, params, method in r.methods
        return None, {}, False

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        path = request.path.rstrip("/") or "/"
        route, params, allowed = self._match(request.method, path)
        call = ReceivedCall(
            seq=next(self._seq),
            method=request.method,
            path=request.path,
            url=str(request.url),
            module=route.module if route else "unknown",
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            match=params,
            raw=raw,
        )
        self.received.append(call)
        where = f"{call.method} {call.path}"
        reply: _Reply
        try:
            if self.down:
                call.injected = "down"
                if self.down_mode == "close" and request.transport is not None:
                    request.transport.abort()
                call.http_status = 503
                return web.Response(status=503, text="fake eMSP is down")
            if route is None:
                self._protocol_violation(where, "unknown path")
                raise NotFound(f"no such endpoint: {request.path}")
            if not allowed:
                self._protocol_violation(where, "method not allowed")
                raise MethodNotAllowed(f"{request.method} not allowed here")
            self._authenticate(request, call, where)
            self._check_request_headers(request, call, where)
            if raw:
                try:
                    call.body = loads(raw)
                except InvalidParameters as exc:
                    self._schema_violation(where, [f"body is not valid JSON ({exc.message})"])
                    raise InvalidJson() from None
            call.schema = route.schema(call)
            if call.schema is not None:
                call.schema_errors = self.schema_errors(call.schema, call.body)
                self._schema_violation(f"{where} [{call.schema}]", call.schema_errors)
                if call.schema_errors and self.reject_invalid:
                    raise InvalidParameters(
                        f"body does not match {call.schema}",
                        errors=[_field_error(e) for e in call.schema_errors],
                    )
            if self._reject and carries_routing_headers(call.module):
                code, http = self._reject.pop(0)
                call.injected = "reject"
                raise error_for_status(code, "injected failure", http_status=http)
            result = await route.handler(request, call)
            reply = result if isinstance(result, _Reply) else _Reply(data=result)
        except OcpiError as exc:
            reply = _Reply(
                data=error_envelope(exc).get("data"),
                status_code=exc.status_code,
                message=exc.message,
                http_status=exc.http_status,
            )
        except Exception as exc:  # a bug of the fake, or input it cannot digest: visible
            self._protocol_violation(where, f"fake eMSP failed handling the request: {exc!r}")
            reply = _Reply(status_code=3000, message="fake eMSP internal error", http_status=500)
        finally:
            if call.http_status is not None:  # answered by the "down" branch
                self._notify()
        body = envelope(reply.data, reply.status_code, reply.message)
        headers = {**response_id_headers(request.headers), **reply.headers}
        if route is not None and carries_routing_headers(call.module):
            headers.update(self._reply_routing(call).as_headers())
        call.http_status = reply.http_status
        call.status_code = reply.status_code
        call.response_body = body
        call.response_headers = headers
        self._notify()
        return web.Response(
            status=reply.http_status,
            text=_dumps(body),
            content_type="application/json",
            headers=headers,
        )

    def _reply_routing(self, call: ReceivedCall) -> RoutingHeaders:
        if call.routing is not None and call.routing.to_country_code is not None:
            return call.routing.reply()
        to = (
            (call.routing.from_country_code, call.routing.from_party_id)
            if call.routing is not None
            else self._cpo_party()
        )
        return RoutingHeaders(self.country, self.party, *(to or (None, None)))

    def _authenticate(self, request: web.Request, call: ReceivedCall, where: str) -> None:
        kinds: dict[str, str] = {}
        for kind, token in (("A", self.token_a), ("B", self.token_b), ("C", self.token_c)):
            if token:
                kinds[token] = kind
        for token in self._grace_tokens:
            kinds.setdefault(token, "B" if self.token_b else "C")
        try:
            parsed = parse_authorization(request.headers.get("Authorization"))
        except Unauthorized:
            self._protocol_violation(where, "missing or unreadable Authorization header")
            raise
        for candidate in parsed.candidates:
            if candidate in kinds:
                encoding = "base64" if candidate == parsed.decoded else "raw"
                if encoding == "raw" and self.require_base64:
                    self._protocol_violation(where, "token not base64-encoded")
                    raise Unauthorized("token must be base64-encoded")
                call.token_kind = kinds[candidate]
                call.token_encoding = encoding
                break
        else:
            self._protocol_violation(where, "unknown token")
            raise Unauthorized("unknown token")
        if call.token_kind == "A" and call.module not in ("versions", "credentials"):
            self._protocol_violation(where, "registration token used on a functional module")
            raise Unauthorized("the registration token only opens versions and credentials")

    def _check_request_headers(self, request: web.Request, call: ReceivedCall, where: str) -> None:
        if self.strict_headers:
            for name in (REQUEST_ID, CORRELATION_ID):
                if not call.headers.get(name):
                    self._protocol_violation(where, f"no {name} header")
            if request.can_read_body and request.content_type != "application/json":
                self._protocol_violation(
                    where, f"Content-Type {request.content_type!r} is not application/json"
                )
        functional = carries_routing_headers(call.module)
        if not functional:
            present = [h for h in _ROUTING if h in call.headers]
            if present and self.strict_headers:
                self._protocol_violation(where, f"routing headers on {call.module}: {present}")
            return
        try:
            call.routing = parse_routing_headers(call.headers, required=self.hub)
        except InvalidParameters as exc:
            self._protocol_violation(where, exc.message)
            raise
        if call.routing is None:
            if self.strict_headers:
                self._protocol_violation(where, "no routing headers on a functional module")
            return
        if self.strict_headers and not self.hub:
            r = call.routing
            if r.to_country_code is not None and (r.to_country_code, r.to_party_id) != (
                self.country,
                self.party,
            ):
                self._protocol_violation(
                    where, f"routed TO {r.to_country_code}*{r.to_party_id}, not to us"
                )
            parties = self.cpo_parties
            if parties and (r.from_country_code, r.from_party_id) not in parties:
                self._protocol_violation(
                    where, f"FROM {r.from_country_code}*{r.from_party_id} is not the CPO"
                )

    # ----------------------------------------------------------------------- versions

    async def _h_versions(self, request: web.Request, call: ReceivedCall) -> Any:
        return [Version(version=v, url=f"{self.base_url}/ocpi/{self.PATH_ROLE}/{v}")
                for v in self.versions]

    async def _h_details(self, request: web.Request, call: ReceivedCall) -> Any:
        path = request.path.rstrip("/")
        if path != self.details_url[len(self.base_url) :] or \
                self.OCPI_VERSION not in self.versions:
            raise NotFound("unknown version")
        endpoints = [
            Endpoint(identifier=str(module), role=role, url=self.endpoint(str(module)))
            for module, role in self.OUR_ENDPOINTS
            if str(module) not in self.omit_modules
        ]
        return VersionDetails(version=self.OCPI_VERSION, endpoints=endpoints)

    # ----------------------------------------------------------------------- credentials

    async def _h_credentials(self, request: web.Request, call: ReceivedCall) -> Any:
        if call.method == "GET":
            if not self.registered or call.token_kind == "A":
                raise MethodNotAllowed("not registered")
            return self.credentials(self.access_token or "")
        if call.method == "POST":
            if self.registered:
                raise MethodNotAllowed("already registered: use PUT, or DELETE and register")
            if call.token_kind != "A":
                raise Unauthorized("POST credentials needs the registration token")
            creds = parse_ocpi(self.MODELS["Credentials"], call.body)
            await self._adopt_cpo(call.body, creds)
            self.token_c = self.new_token()
            self.token_a = None
            self.registered = True
            return self.credentials(self.token_c)
        if not self.registered or call.token_kind == "A":
            raise MethodNotAllowed("not registered")
        if call.method == "PUT":
            creds = parse_ocpi(self.MODELS["Credentials"], call.body)
            await self._adopt_cpo(call.body, creds)
            token = self.new_token()
            if self.token_c:
                self.token_c = token
            else:
                self.token_b = token
            return self.credentials(token)
        # DELETE
        self._forget_cpo()
        return None

    async def _adopt_cpo(self, raw: Any, creds: Credentials) -> None:
        """Fetch the CPO's versions and details with its token (3001 / 3002 / 3003)."""
        try:
            version, details_url, endpoints = await self._discover(creds.url, creds.token)
        except (aiohttp.ClientError, TimeoutError, InvalidParameters) as exc:
            raise UnusableClientApi(f"cannot use the CPO's API: {exc!r}") from None
        self.cpo_token = creds.token
        self.cpo_credentials = raw
        self.cpo_versions_url = creds.url
        self._set_cpo_endpoints(version, details_url, endpoints)

    def _forget_cpo(self) -> None:
        self.token_b = self.token_c = self.cpo_token = None
        self._grace_tokens.clear()
        self.registered = False

    # ----------------------------------------------------------------------- locations

    async def _h_locations(self, request: web.Request, call: ReceivedCall) -> Any:
        m = call.match
        key = (m["country_code"].upper(), m["party_id"].upper(), m["location_id"])
        evse_uid, connector_id = m.get("evse_uid"), m.get("connector_id")
        loc = self.locations.get(key)
        evse = _find_by(loc.get("evses") if loc else None, "uid", evse_uid)
        conn = _find_by(evse.get("connectors") if evse else None, "id", connector_id)
        if call.method == "GET":
            target = conn if connector_id else evse if evse_uid else loc
            if target is None:
                raise NotFound("unknown object")
            return target
        body = call.body
        level, id_field, url_id = (
            ("Connector", "id", connector_id)
            if connector_id
            else ("EVSE", "uid", evse_uid)
            if evse_uid
            else ("Location", "id", m["location_id"])
        )
        model = self.MODELS[level]
        if call.method == "PUT":
            parse_ocpi(model, body)
        else:
            parse_patch(model, body)
        _check_ids(body, id_field, url_id, call.method == "PUT")
        if level == "Location":
            _check_party(body, key)
        stamp = body["last_updated"]
        if level == "Location":
            if call.method == "PUT":
                self.locations[key] = body
                return _Reply(http_status=200 if loc else 201)
            if loc is None:
                raise InvalidParameters("unknown location: PUT it first")
            loc.update(body)
            return None
        if loc is None:
            raise UnknownLocation(f"unknown location {m['location_id']}")
        if level == "EVSE":
            if call.method == "PUT":
                loc["evses"] = [e for e in loc.get("evses") or [] if e.get("uid") != evse_uid]
                loc["evses"].append(body)
            elif evse is None:
                raise InvalidParameters(f"unknown EVSE {evse_uid}: PUT it first")
            else:
                evse.update(body)
            loc["last_updated"] = stamp
            return _Reply(http_status=201 if call.method == "PUT" and evse is None else 200)
        if evse is None:
            raise InvalidParameters(f"unknown EVSE {evse_uid}")
        if call.method == "PUT":
            evse["connectors"] = [
                c for c in evse.get("connectors") or [] if c.get("id") != connector_id
            ]
            evse["connectors"].append(body)
        elif conn is None:
            raise InvalidParameters(f"unknown connector {connector_id}: PUT it first")
        else:
            conn.update(body)
        evse["last_updated"] = loc["last_updated"] = stamp
        return _Reply(http_status=201 if call.method == "PUT" and conn is None else 200)

    # ----------------------------------------------------------------------- sessions

    async def _h_sessions(self, request: web.Request, call: ReceivedCall) -> Any:
        m = call.match
        key = (m["country_code"].upper(), m["party_id"].upper(), m["session_id"])
        current = self.sessions.get(key)
        if call.method == "GET":
            if current is None:
                raise NotFound("unknown session")
            return current
        body = call.body
        if call.method == "PUT":
            parse_ocpi(self.MODELS["Session"], body)
            _check_ids(body, "id", m["session_id"], True)
            _check_party(body, key)
            self.sessions[key] = body
            return _Reply(http_status=200 if current else 201)
        parse_patch(self.MODELS["Session"], body)
        _check_ids(body, "id", m["session_id"], False)
        if current is None:
            raise InvalidParameters("unknown session: PUT it first")
        patch = dict(body)
        periods = patch.pop("charging_periods", None)
        current.update(patch)
        if periods:  # PATCH appends charging periods
            current["charging_periods"] = [*(current.get("charging_periods") or []), *periods]
        return None

    # ----------------------------------------------------------------------- cdrs

    async def _h_cdr_post(self, request: web.Request, call: ReceivedCall) -> Any:
        body = call.body
        parse_ocpi(self.MODELS["CDR"], body)
        key = (str(body["country_code"]).upper(), str(body["party_id"]).upper(), body["id"])
        url = f"{self.endpoint('cdrs')}/{body['id']}"
        if key in self.cdrs:
            same = self.cdrs[key] == body
            call.note = "duplicate CDR" + ("" if same else " with different content")
            if not same:
                self._protocol_violation(
                    f"POST {call.path}", f"CDR {body['id']} re-sent with different content"
                )
        else:
            self.cdrs[key] = body
            self.cdr_urls[key] = url
        return _Reply(headers={"Location": url})

    async def _h_cdr_get(self, request: web.Request, call: ReceivedCall) -> Any:
        cdr = self.find("cdrs", call.match["cdr_id"])
        if cdr is None:
            raise NotFound("unknown CDR")
        return cdr

    # ----------------------------------------------------------------------- tariffs

    async def _h_tariffs(self, request: web.Request, call: ReceivedCall) -> Any:
        m = call.match
        key = (m["country_code"].upper(), m["party_id"].upper(), m["tariff_id"])
        current = self.tariffs.get(key)
        if call.method == "GET":
            if current is None:
                raise NotFound("unknown tariff")
            return current
        if call.method == "DELETE":
            if self.tariffs.pop(key, None) is None:
                call.note = "DELETE of an unknown tariff"
            return None
        parse_ocpi(self.MODELS["Tariff"], call.body)
        _check_ids(call.body, "id", m["tariff_id"], True)
        _check_party(call.body, key)
        self.tariffs[key] = call.body
        return _Reply(http_status=200 if current else 201)

    # ----------------------------------------------------------------------- tokens

    def _find_token(self, uid: str, type_: str) -> dict[str, Any] | None:
        for (t_uid, t_type), token in self.tokens.items():
            if t_uid.lower() == uid.lower() and t_type == type_:
                return token
        return None

    async def _h_tokens_list(self, request: web.Request, call: ReceivedCall) -> Any:
        params = parse_page_params(call.query, max_limit=self.page_limit)
        ordered = sorted(self.tokens.values(), key=lambda t: (t["last_updated"], t["uid"]))
        matching = [t for t in ordered if params.matches(parse_datetime(t["last_updated"]))]
        page = matching[params.offset : params.offset + params.limit]
        headers = page_headers(str(request.url), params, len(matching), max_limit=self.page_limit)
        return _Reply(data=page, headers=headers)

    async def _h_authorize(self, request: web.Request, call: ReceivedCall) -> Any:
        type_ = call.query.get("type", "RFID")
        if type_ not in TokenType.__members__:
            raise InvalidParameters(f"unknown token type {type_}")
        uid = call.match["token_uid"]
        token = self._find_token(uid, type_)
        if call.body is not None:
            parse_ocpi(LocationReferences, call.body)
        if token is None:
            raise UnknownToken(f"unknown token {uid}")
        info: dict[str, Any] = {
            "allowed": self.token_outcomes.get((token["uid"], type_), "ALLOWED"),
            "token": token,
            "authorization_reference": "AUTH-" + uuid.uuid4().hex[:24],
        }
        if call.body is not None:
            info["location"] = call.body
        self.authorizations.append(info)
        return info

    # ----------------------------------------------------------------------- commands

    async def _h_command_result(self, request: web.Request, call: ReceivedCall) -> Any:
        if call.match["command"] not in CommandType.__members__:
            raise NotFound(f"unknown command {call.match['command']}")
        parse_ocpi(CommandResult, call.body)
        uid = call.match["command_uid"]
        sent = self.commands_sent.get(uid)
        where = f"POST {call.path}"
        if sent is None:
            call.note = "result for a command we did not send"
            self._protocol_violation(where, "CommandResult for an unknown response_url")
        else:
            if sent["command"] != call.match["command"]:
                self._protocol_violation(where, "CommandResult posted under another command")
            if self.strict_headers and call.correlation_id != sent["correlation_id"]:
                self._protocol_violation(
                    where, "CommandResult does not continue the command's X-Correlation-ID"
                )
        if uid in self.command_results:
            call.note = "second CommandResult for the same command"
        self.command_results[uid] = call.body
        return None

    # ======================================================================= client side

    def _module_of(self, url: str) -> str | None:
        bare = url.split("?", 1)[0].rstrip("/")
        best: tuple[int, str] | None = None
        for module, endpoint in self.cpo_endpoints.items():
            base = endpoint.rstrip("/")
            if (bare == base or bare.startswith(base + "/")) and (
                best is None or len(base) > best[0]
            ):
                best = (len(base), module)
        if best is not None:
            return best[1]
        for known in (self.cpo_versions_url, self.cpo_details_url):
            if known and bare == known.rstrip("/"):
                return "versions"
        return None

    def _resolve(self, path_or_url: str) -> str:
        if "://" in path_or_url:
            return path_or_url
        if path_or_url.startswith("/"):
            if not self.cpo_versions_url:
                raise ValueError("no CPO known: pass a full URL")
            return urljoin(self.cpo_versions_url, path_or_url)
        module, _, rest = path_or_url.partition("/")
        if module not in self.cpo_endpoints:
            raise ValueError(f"the CPO has no {module!r} endpoint: {sorted(self.cpo_endpoints)}")
        base = self.cpo_endpoints[module].rstrip("/")
        return f"{base}/{rest}" if rest else base

    async def request(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        schema: str | None = None,
        many: bool = False,
        correlation_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> PeerResponse:
        """Send one OCPI request to the CPO (token defaults to ``cpo_token``) and validate the
        answer: envelope against ``OcpiResponse``, 1xxx ``data`` against ``schema``
        (a list of them with ``many``), ids echoed, routing headers on functional modules."""
        if self._session is None:
            raise RuntimeError("FakeEmsp is not started")
        url = self._resolve(url)
        token = token if token is not None else self.cpo_token
        module = self._module_of(url)
        out = request_id_headers(correlation_id)
        if token:
            out["Authorization"] = authorization_header(token, base64_encode=self.send_base64)
        if module is not None and carries_routing_headers(module):
            to = self._cpo_party()
            out.update(RoutingHeaders(self.country, self.party, *(to or (None, None))).as_headers())
        data = None
        payload = _as_json(body)
        if body is not None:
            data = _dumps(payload)
            out["Content-Type"] = "application/json"
        out.update(headers or {})
        sent = SentCall(method, url, module, dict(out), payload, schema=schema)
        self.sent.append(sent)
        try:
            async with self._session.request(
                method, url, params=params, data=data, headers=out, allow_redirects=False
            ) as resp:
                raw = await resp.read()
                sent.http_status = resp.status
                sent.response_headers = CIMultiDict(resp.headers)
                content_type = resp.content_type
                final_url = str(resp.url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            sent.error = repr(exc)
            raise
        where = f"{method} {final_url}"
        parsed: Any
        try:
            parsed = loads(raw)
        except InvalidParameters:
            parsed = raw.decode("utf-8", "replace")
            sent.schema_errors.append("$: response body is not JSON")
        else:
            sent.schema_errors.extend(_envelope_errors(parsed, schema, many,
                                                       self.schema_errors))
        sent.response_body = parsed
        self._schema_violation(where, sent.schema_errors)
        self._check_response_headers(sent, out, content_type, where)
        return PeerResponse(
            status=sent.http_status,
            headers=sent.response_headers,
            body=parsed,
            url=final_url,
            request_body=payload,
        )

    def _check_response_headers(
        self, sent: SentCall, out: Mapping[str, str], content_type: str, where: str
    ) -> None:
        if content_type != "application/json":
            self._protocol_violation(where, f"response Content-Type {content_type!r}")
        if not self.strict_headers:
            return
        rh = sent.response_headers
        for name in (REQUEST_ID, CORRELATION_ID):
            if rh.get(name) != out[name]:
                self._protocol_violation(where, f"response does not echo {name}")
        if sent.module is None or not 200 <= (sent.http_status or 0) < 300:
            return  # no routing check on transport errors (401: the CPO cannot know us)
        if not carries_routing_headers(sent.module):
            present = [h for h in _ROUTING if h in rh]
            if present:
                self._protocol_violation(where, f"routing headers on {sent.module}: {present}")
            return
        try:
            routing = parse_routing_headers(rh, required=True)
        except InvalidParameters as exc:
            self._protocol_violation(where, f"response routing headers: {exc.message}")
            return
        assert routing is not None
        if (routing.to_country_code, routing.to_party_id) != (self.country, self.party):
            self._protocol_violation(where, "response routing headers are not TO us")

    async def get(
        self,
        path_or_url: str,
        params: Mapping[str, str] | None = None,
        *,
        schema: str | None = None,
        many: bool = False,
        token: str | None = None,
    ) -> PeerResponse:
        """GET from the CPO: a full URL, ``/absolute/path`` on the CPO's host, or
        ``module/rest`` relative to the CPO's endpoint (``"locations/LOC1"``)."""
        return await self.request(
            "GET", path_or_url, params=params, schema=schema, many=many, token=token
        )

    async def pull_all(
        self,
        module_or_url: str,
        params: Mapping[str, str] | None = None,
        *,
        schema: str | None = None,
        max_pages: int = 10_000,
    ) -> tuple[list[Any], list[PeerResponse]]:
        """Every object of a CPO list endpoint, following ``Link: <...>; rel="next"``.

        Each page is validated as a list of the module's object (``Location``, ``Session``,
        ``CDR``, ``Tariff``); pagination headers are checked (``X-Total-Count``,
        ``X-Limit``, no repeated links, total matches, no duplicate objects).  Raises the
        matching :class:`~ocpi.errors.OcpiError` on an error page.  Remember that sessions
        need ``date_from`` in 2.2.1.
        """
        url = self._resolve(module_or_url)
        module = self._module_of(url)
        schema = schema or _LIST_SCHEMAS.get(module or "")
        objects: list[Any] = []
        pages: list[PeerResponse] = []
        seen: set[str] = set()
        next_url: str | None = url
        query = params
        total: int | None = None
        while next_url is not None:
            resp = await self.request("GET", next_url, params=query, schema=schema, many=True)
            query = None
            pages.append(resp)
            resp.raise_for_status()
            where = f"GET {resp.url}"
            data = resp.data
            if not isinstance(data, list):
                self._protocol_violation(where, "list page without a data list")
                break
            objects.extend(data)
            for header in ("X-Total-Count", "X-Limit"):
                if not str(resp.headers.get(header, "")).isdigit():
                    self._protocol_violation(where, f"missing or invalid {header}")
            if total is None and str(resp.headers.get("X-Total-Count", "")).isdigit():
                total = int(resp.headers["X-Total-Count"])
            link = _next_link(resp.headers.getall("Link", []))
            next_url = urljoin(resp.url, link) if link else None
            if next_url is not None:
                if next_url in seen:
                    self._protocol_violation(where, f"Link rel=next repeats {next_url}")
                    break
                if not data:
                    self._protocol_violation(where, "empty page with a next link")
                seen.add(next_url)
            if len(pages) >= max_pages:
                self._protocol_violation(where, f"more than {max_pages} pages")
                break
        where = f"pull {url}"
        if total is not None and total != len(objects):
            self._protocol_violation(where, f"X-Total-Count {total} but {len(objects)} objects")
        keys = [_object_key(o) for o in objects]
        dupes = sorted({k for k in keys if keys.count(k) > 1 and k is not None}, key=str)
        if dupes:
            self._protocol_violation(where, f"objects on several pages: {dupes[:5]}")
        return objects, pages

    # ----------------------------------------------------------------------- handshake

    async def _discover(
        self, versions_url: str, token: str
    ) -> tuple[str, str, list[dict[str, Any]]]:
        """GET versions + details of the CPO with ``token``: (version, details url, endpoints).

        Raises ``aiohttp`` errors, :class:`UnusableClientApi` for unusable answers,
        ``UnsupportedVersion`` (3002) and ``NoMatchingEndpoints`` (3003)."""
        resp = await self.request("GET", versions_url, token=token, schema="Version", many=True)
        versions = _ok_data(resp, list, "versions")
        parsed = [parse_ocpi(Version, v) for v in versions]
        version = pick_common_version((self.OCPI_VERSION,), parsed)
        details_url = next(v.url for v in parsed if v.version == version)
        resp = await self.request("GET", details_url, token=token, schema="VersionDetails")
        details = parse_ocpi(VersionDetails, _ok_data(resp, dict, "version details"))
        endpoints = [
            {"identifier": e.identifier.lower(), "role": e.role.value, "url": e.url}
            for e in details.endpoints
        ]
        present = {e["identifier"] for e in endpoints}
        missing = [m for m in self.required_modules if m not in present]
        if missing:
            raise NoMatchingEndpoints("CPO endpoints missing: " + ", ".join(missing))
        return version, details_url, endpoints

    def _set_cpo_endpoints(
        self, version: str, details_url: str, endpoints: list[dict[str, Any]]
    ) -> None:
        self.cpo_version = version
        self.cpo_details_url = details_url
        self.cpo_endpoint_list = endpoints
        chosen: dict[str, str] = {}
        roles: dict[str, str] = {}
        for e in endpoints:
            ident, role = e["identifier"], e["role"]
            wanted = _CPO_ROLE.get(ident)
            better = wanted is not None and role == wanted.value and roles.get(ident) != role
            if ident not in chosen or better:
                chosen[ident] = e["url"]
                roles[ident] = role
        self.cpo_endpoints = chosen

    async def register_with(self, cpo_versions_url: str, registration_token: str) -> Credentials:
        """We register with the CPO: versions + details with its registration token, POST our
        credentials (new ``token_b``), keep its token C as ``cpo_token``."""
        version, details_url, endpoints = await self._discover(cpo_versions_url, registration_token)
        self.cpo_versions_url = cpo_versions_url
        self._set_cpo_endpoints(version, details_url, endpoints)
        if "credentials" not in self.cpo_endpoints:
            raise NoMatchingEndpoints("the CPO has no credentials endpoint")
        self.token_b = self.new_token()
        self.token_c = None
        try:
            resp = await self.request(
                "POST",
                self.cpo_endpoints["credentials"],
                token=registration_token,
                body=self.credentials(self.token_b),
                schema="Credentials",
            )
            resp.raise_for_status()
            creds = parse_ocpi(self.MODELS["Credentials"], resp.data)
        except BaseException:
            self.token_b = None
            raise
        self.cpo_token = creds.token
        self.cpo_credentials = resp.data
        self.registered = True
        return creds

    async def update_credentials(self) -> Credentials:
        """PUT new credentials (new token of ours); keeps the CPO's new token."""
        if "credentials" not in self.cpo_endpoints or not self.registered:
            raise RuntimeError("not registered with a CPO")
        new = self.new_token()
        old = self.access_token
        if old:
            self._grace_tokens.add(old)
        if self.token_c:
            self.token_c = new
        else:
            self.token_b = new
        try:
            resp = await self.request(
                "PUT",
                self.cpo_endpoints["credentials"],
                body=self.credentials(new),
                schema="Credentials",
            )
            resp.raise_for_status()
            creds = parse_ocpi(self.MODELS["Credentials"], resp.data)
        except BaseException:
            if self.token_c:
                self.token_c = old
            else:
                self.token_b = old
            raise
        finally:
            self._grace_tokens.discard(old or "")
        self.cpo_token = creds.token
        self.cpo_credentials = resp.data
        return creds

    async def unregister(self) -> PeerResponse:
        """DELETE our credentials at the CPO; on success every token between us dies."""
        if "credentials" not in self.cpo_endpoints:
            raise RuntimeError("no CPO credentials endpoint known")
        resp = await self.request("DELETE", self.cpo_endpoints["credentials"])
        if resp.status == 200 and resp.status_code == 1000:
            self._forget_cpo()
        return resp

    # ----------------------------------------------------------------------- tokens, commands

    async def put_token(self, cpo_tokens_url: str | None, token: Any) -> PeerResponse:
        """PUT one of our tokens to the CPO (``None``: the CPO's tokens endpoint)."""
        body = _as_json(token)
        self.tokens[(body["uid"], body["type"])] = body
        self.token_outcomes.setdefault((body["uid"], body["type"]), "ALLOWED")
        base = (cpo_tokens_url or self._resolve("tokens")).rstrip("/")
        url = f"{base}/{body['country_code']}/{body['party_id']}/{body['uid']}"
        return await self.request("PUT", url, body=body, params={"type": body["type"]})

    async def patch_token(
        self,
        cpo_tokens_url: str | None,
        uid: str,
        patch: Any,
        *,
        type: str = "RFID",
        country_code: str | None = None,
        party_id: str | None = None,
    ) -> PeerResponse:
        """PATCH one of our tokens at the CPO (include ``last_updated`` yourself)."""
        body = _as_json(patch)
        stored = self.tokens.get((uid, type))
        if stored is not None:
            stored.update(body)
        base = (cpo_tokens_url or self._resolve("tokens")).rstrip("/")
        url = f"{base}/{country_code or self.country}/{party_id or self.party}/{uid}"
        return await self.request("PATCH", url, body=body, params={"type": type})

    async def send_command(
        self,
        cpo_commands_url: str | None,
        command: str,
        body: Any,
        *,
        correlation_id: str | None = None,
    ) -> PeerResponse:
        """POST ``{commands}/{command}``; adds our ``response_url`` when absent.  The answer's
        ``command_uid`` identifies it for :meth:`wait_command_result`."""
        name = CommandType(command).value
        payload = dict(_as_json(body))
        uid = uuid.uuid4().hex
        if "response_url" in payload:
            match = re.search(r"/commands/[^/]+/([^/?]+)$", str(payload["response_url"]))
            uid = match.group(1) if match else uid
        else:
            payload["response_url"] = f"{self.commands_url}/{name}/{uid}"
        cid = correlation_id or new_id()
        self.commands_sent[uid] = {"command": name, "body": payload, "correlation_id": cid}
        base = (cpo_commands_url or self._resolve("commands")).rstrip("/")
        resp = await self.request(
            "POST", f"{base}/{name}", body=payload, schema="CommandResponse", correlation_id=cid
        )
        resp.command_uid = uid
        return resp


# ---------------------------------------------------------------------------------------------
# Helpers


def _field_error(message: str) -> dict[str, str]:
    path, _, error = message.partition(": ")
    return {"field": path, "error": error}


def _find_by(items: Any, key: str, value: str | None) -> dict[str, Any] | None:
    if value is None or not isinstance(items, list):
        return None
    for item in items:
        if isinstance(item, dict) and str(item.get(key, "")).lower() == value.lower():
            return item
    return None


def _check_ids(body: Any, field_name: str, url_id: str, required: bool) -> None:
    value = body.get(field_name) if isinstance(body, Mapping) else None
    if value is None and not required:
        return
    if value is None or str(value).lower() != url_id.lower():
        raise InvalidParameters(
            f"{field_name} in the body ({value}) differs from the URL ({url_id})",
            errors=[{"field": field_name, "error": "differs from the URL"}],
        )


def _check_party(body: Mapping[str, Any], key: tuple[str, str, str]) -> None:
    party = (str(body.get("country_code", "")).upper(), str(body.get("party_id", "")).upper())
    if party != key[:2]:
        raise InvalidParameters(
            "country_code / party_id in the body differ from the URL",
            errors=[{"field": "party_id", "error": "differs from the URL"}],
        )


def _envelope_errors(body: Any, schema: str | None, many: bool,
                     schema_errors: Callable[[str, Any], list[str]] = schema_errors) -> list[str]:
    errors = schema_errors("OcpiResponse", body)
    if errors or schema is None:
        return errors
    code = body.get("status_code")
    if not (isinstance(code, int) and 1000 <= code < 2000):
        return []  # data is unspecified on errors
    if "data" not in body:
        return [f"$: no data (expected {'a list of ' if many else ''}{schema})"]
    data = body["data"]
    if not many:
        return [f"data/{e}" for e in schema_errors(schema, data)]
    if not isinstance(data, list):
        return [f"data: not a list of {schema}"]
    return [f"data/{i}/{e}" for i, item in enumerate(data) for e in schema_errors(schema, item)]


def _ok_data(resp: PeerResponse, kind: type, what: str) -> Any:
    if resp.status != 200:
        raise UnusableClientApi(f"{what}: HTTP {resp.status}")
    env = resp.ocpi
    if not env.ok or not isinstance(env.data, kind):
        raise UnusableClientApi(f"{what}: status {env.status_code}, unusable data")
    return env.data


def _next_link(values: Iterable[str]) -> str | None:
    for value in values:
        match = _LINK_NEXT.search(value)
        if match:
            return match.group(1).strip()
    return None


def _object_key(obj: Any) -> tuple[str, str, str] | None:
    if not isinstance(obj, Mapping):
        return None
    ident = obj.get("id", obj.get("uid"))
    if ident is None:
        return None
    return (str(obj.get("country_code", "")), str(obj.get("party_id", "")), str(ident))
