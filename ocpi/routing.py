"""Hub routing headers and request / correlation ids.

Routing headers (``OCPI-to-country-code``, ``OCPI-to-party-id``, ``OCPI-from-country-code``,
``OCPI-from-party-id``) go on every request and response of the functional modules, also
peer to peer, and never on ``credentials``, ``versions`` or ``hubclientinfo`` (configuration
modules).  On a request TO is the receiving party and FROM the requesting party; the
response swaps them (:meth:`RoutingHeaders.reply`).  For a GET-all through a hub, TO is the
hub itself.

Ids: every request carries a fresh ``X-Request-ID`` (UUID4) and an ``X-Correlation-ID``
(UUID4 for a new exchange, the original one when the request belongs to an ongoing
exchange, e.g. a CommandResult continues the command's correlation id).  A response echoes
both; when the request lacked them we generate them so responses are always traceable.
Inbound ids longer than 255 characters or with non-printable characters are replaced.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from ocpi.errors import InvalidParameters
from ocpi.models.versions import ModuleID

__all__ = [
    "CORRELATION_ID",
    "FROM_COUNTRY_CODE",
    "FROM_PARTY_ID",
    "REQUEST_ID",
    "TO_COUNTRY_CODE",
    "TO_PARTY_ID",
    "RoutingHeaders",
    "carries_routing_headers",
    "new_id",
    "parse_routing_headers",
    "request_id_headers",
    "response_id_headers",
]

TO_COUNTRY_CODE = "OCPI-to-country-code"
TO_PARTY_ID = "OCPI-to-party-id"
FROM_COUNTRY_CODE = "OCPI-from-country-code"
FROM_PARTY_ID = "OCPI-from-party-id"
REQUEST_ID = "X-Request-ID"
CORRELATION_ID = "X-Correlation-ID"

_CONFIGURATION_MODULES = frozenset(
    {ModuleID.CREDENTIALS.value, ModuleID.HUBCLIENTINFO.value, "versions"}
)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_PARTY = re.compile(r"^[A-Za-z0-9]{3}$")
_ID = re.compile(r"^[\x21-\x7E]{1,255}$")


def carries_routing_headers(module: str) -> bool:
    """True for functional modules (locations, sessions, cdrs, tariffs, tokens, commands,
    chargingprofiles, custom modules); False for credentials, versions and hubclientinfo."""
    return str(module).lower() not in _CONFIGURATION_MODULES


@dataclass(frozen=True, slots=True)
class RoutingHeaders:
    """TO / FROM party of a message (``to_*`` may be ``None``: open routing request)."""

    from_country_code: str
    from_party_id: str
    to_country_code: str | None = None
    to_party_id: str | None = None

    def as_headers(self) -> dict[str, str]:
        """The header dict (TO headers omitted when unknown)."""
        headers = {
            FROM_COUNTRY_CODE: self.from_country_code,
            FROM_PARTY_ID: self.from_party_id,
        }
        if self.to_country_code is not None and self.to_party_id is not None:
            headers[TO_COUNTRY_CODE] = self.to_country_code
            headers[TO_PARTY_ID] = self.to_party_id
        return headers

    def reply(self) -> RoutingHeaders:
        """Headers of the response to a request carrying these: TO and FROM swapped.

        Raises ``ValueError`` when the request had no TO (we cannot answer FROM nobody);
        the caller then answers FROM its own party.
        """
        if self.to_country_code is None or self.to_party_id is None:
            raise ValueError("request has no TO party to answer from")
        return RoutingHeaders(
            from_country_code=self.to_country_code,
            from_party_id=self.to_party_id,
            to_country_code=self.from_country_code,
            to_party_id=self.from_party_id,
        )


def _get(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, item in headers.items():
            if key.lower() == lowered:
                return item
    return value


def _check(value: str | None, pattern: re.Pattern[str], name: str) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if not pattern.match(text):
        raise InvalidParameters(
            f"invalid {name} header",
            errors=[{"field": name, "error": "invalid value"}],
        )
    return text.upper()


def parse_routing_headers(
    headers: Mapping[str, str], *, required: bool = False
) -> RoutingHeaders | None:
    """Read and validate the routing headers of an inbound message.

    Returns ``None`` when no routing header is present (peer-to-peer partners that omit
    them) unless ``required``.  Malformed values, FROM without both parts, or TO with only
    one part raise :class:`~ocpi.errors.InvalidParameters` (2001).  Values are upper-cased.
    """
    to_cc = _check(_get(headers, TO_COUNTRY_CODE), _COUNTRY, TO_COUNTRY_CODE)
    to_pid = _check(_get(headers, TO_PARTY_ID), _PARTY, TO_PARTY_ID)
    from_cc = _check(_get(headers, FROM_COUNTRY_CODE), _COUNTRY, FROM_COUNTRY_CODE)
    from_pid = _check(_get(headers, FROM_PARTY_ID), _PARTY, FROM_PARTY_ID)
    if all(v is None for v in (to_cc, to_pid, from_cc, from_pid)) and not required:
        return None
    missing = [
        name
        for name, value in ((FROM_COUNTRY_CODE, from_cc), (FROM_PARTY_ID, from_pid))
        if value is None
    ]
    if (to_cc is None) != (to_pid is None):
        missing.append(TO_PARTY_ID if to_pid is None else TO_COUNTRY_CODE)
    if missing:
        raise InvalidParameters(
            "incomplete routing headers",
            errors=[{"field": name, "error": "missing"} for name in missing],
        )
    assert from_cc is not None and from_pid is not None
    return RoutingHeaders(from_cc, from_pid, to_cc, to_pid)


def new_id() -> str:
    """A fresh request / correlation id (UUID4 text)."""
    return str(uuid.uuid4())


def request_id_headers(correlation_id: str | None = None) -> dict[str, str]:
    """Id headers of an outbound request: new X-Request-ID, given or new X-Correlation-ID."""
    return {REQUEST_ID: new_id(), CORRELATION_ID: correlation_id or new_id()}


def response_id_headers(request_headers: Mapping[str, str]) -> dict[str, str]:
    """Id headers of a response: the request's ids echoed (generated when absent / unusable)."""
    out = {}
    for name in (REQUEST_ID, CORRELATION_ID):
        value = _get(request_headers, name)
        out[name] = value if value is not None and _ID.match(value) else new_id()
    return out
