"""The one OCPI error hierarchy: each exception carries its OCPI ``status_code`` and HTTP status.

HTTP statuses follow the 2.2.1 status-code chapter, not intuition:

* A request that is valid JSON, addresses an existing resource and comes from an
  authenticated party has "reached the OCPI layer": the spec says an HTTP error status MUST
  NOT be returned.  Every 2xxx/3xxx/4xxx error raised there (2001 invalid parameters, 2003
  unknown location, 3001..3003 during the credentials handshake, ...) is therefore sent with
  HTTP 200 and the OCPI ``status_code`` in the envelope.
* Transport-level refusals carry an HTTP error: :class:`InvalidJson` (400, body not JSON),
  :class:`Unauthorized` (401), :class:`NotFound` (404, unknown object in a GET or unknown
  URL), :class:`MethodNotAllowed` (405, e.g. POST credentials when already registered).
  The spec gives them no OCPI code; we still send the envelope (the issue wants it
  everywhere) with ``status_code`` 2000 "generic client error", ``data`` omitted and a
  ``status_message`` naming the problem.  No token material is echoed.
* :class:`UnknownToken` (2004) is the one documented contradiction: mod_tokens says both
  "HTTP 404" and "2004, no data" for real-time authorization of an unknown token; we send
  HTTP 404 with status 2004 (what most peers expect).  Every instance may override its
  HTTP status (``http_status=``) when a partner needs the other reading.
* :class:`InternalError` (3000, HTTP 500) is for bugs / unhandled exceptions caught by the
  middleware; a deliberate :class:`ServerError` (3000) is HTTP 200.

:func:`error_for_status` maps a partner's non-success envelope back to the matching class.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ClientError",
    "HubConnectionProblem",
    "HubError",
    "HubTimeout",
    "InternalError",
    "InvalidJson",
    "InvalidParameters",
    "MethodNotAllowed",
    "NoMatchingEndpoints",
    "NotEnoughInformation",
    "NotFound",
    "OcpiError",
    "ServerError",
    "Unauthorized",
    "UnknownLocation",
    "UnknownReceiver",
    "UnknownToken",
    "UnsupportedVersion",
    "UnusableClientApi",
    "error_for_status",
]


class OcpiError(Exception):
    """Base of all OCPI errors.

    ``status_code`` is the OCPI code written in the envelope, ``http_status`` the HTTP
    status of the response, ``errors`` optional field-level detail (``[{"field", "error"}]``)
    and ``data`` an optional value for the envelope's ``data`` (e.g. a CommandResponse
    that must accompany 2003).
    """

    status_code: int = 2000
    http_status: int = 200
    default_message: ClassVar[str] = "Generic client error"

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        data: Any = None,
        http_status: int | None = None,
        status_code: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.errors = list(errors or [])
        self.data = data
        if http_status is not None:
            self.http_status = http_status
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status_code}, {self.message!r})"


# ---- 2xxx client errors (reached the OCPI layer: HTTP 200) ----------------------------------


class ClientError(OcpiError):
    """2000: generic client error."""

    status_code = 2000
    default_message = "Generic client error"


class InvalidParameters(ClientError):
    """2001: invalid or missing parameters (bad body, PATCH without last_updated, id mismatch)."""

    status_code = 2001
    default_message = "Invalid or missing parameters"


class NotEnoughInformation(ClientError):
    """2002: not enough information (e.g. authorize without the LocationReferences we need)."""

    status_code = 2002
    default_message = "Not enough information"


class UnknownLocation(ClientError):
    """2003: a referenced Location is unknown (e.g. a command for an unknown location)."""

    status_code = 2003
    default_message = "Unknown location"


class UnknownToken(ClientError):
    """2004: unknown Token in real-time authorization; HTTP 404 (see module docstring)."""

    status_code = 2004
    http_status = 404
    default_message = "Unknown token"


# ---- transport-level errors (HTTP 4xx, envelope status 2000) --------------------------------


class InvalidJson(ClientError):
    """The body is not valid JSON: HTTP 400 (the request never reached the OCPI layer)."""

    status_code = 2000
    http_status = 400
    default_message = "Request body is not valid JSON"


class Unauthorized(ClientError):
    """Missing, malformed or unknown credentials token: HTTP 401."""

    status_code = 2000
    http_status = 401
    default_message = "Unauthorized"


class NotFound(ClientError):
    """Unknown object addressed by a GET (or unknown URL): HTTP 404."""

    status_code = 2000
    http_status = 404
    default_message = "Not found"


class MethodNotAllowed(ClientError):
    """Method not allowed in the current state (e.g. POST credentials when registered): 405."""

    status_code = 2000
    http_status = 405
    default_message = "Method not allowed"


# ---- 3xxx server errors ---------------------------------------------------------------------


class ServerError(OcpiError):
    """3000: generic server error, raised deliberately (HTTP 200)."""

    status_code = 3000
    default_message = "Generic server error"


class InternalError(ServerError):
    """3000 for an unexpected failure (bug, unhandled exception): HTTP 500."""

    http_status = 500
    default_message = "Internal server error"


class UnusableClientApi(ServerError):
    """3001: unable to use the client's API (their versions / details GET failed)."""

    status_code = 3001
    default_message = "Unable to use the client's API"


class UnsupportedVersion(ServerError):
    """3002: no mutually supported OCPI version."""

    status_code = 3002
    default_message = "Unsupported version"


class NoMatchingEndpoints(ServerError):
    """3003: no matching endpoints, or endpoints we require are missing."""

    status_code = 3003
    default_message = "No matching endpoints or expected endpoints missing"


# ---- 4xxx hub errors (received from a hub; we never route) ----------------------------------


class HubError(OcpiError):
    """4000: generic hub error."""

    status_code = 4000
    default_message = "Hub error"


class UnknownReceiver(HubError):
    """4001: the hub does not know the TO address."""

    status_code = 4001
    default_message = "Unknown receiver"


class HubTimeout(HubError):
    """4002: the hub forwarded the request but it timed out."""

    status_code = 4002
    default_message = "Timeout on forwarded request"


class HubConnectionProblem(HubError):
    """4003: the receiving party is not connected to the hub."""

    status_code = 4003
    default_message = "Connection problem: receiving party is not connected"


_BY_CODE: dict[int, type[OcpiError]] = {
    cls.status_code: cls
    for cls in (
        ClientError,
        InvalidParameters,
        NotEnoughInformation,
        UnknownLocation,
        UnknownToken,
        ServerError,
        UnusableClientApi,
        UnsupportedVersion,
        NoMatchingEndpoints,
        HubError,
        UnknownReceiver,
        HubTimeout,
        HubConnectionProblem,
    )
}


def error_for_status(
    status_code: int, message: str | None = None, *, data: Any = None, http_status: int = 200
) -> OcpiError:
    """The exception matching a partner's non-success OCPI ``status_code``.

    Known codes give their class; other codes fall back to the class of their range
    (2xxx client, 3xxx server, 4xxx hub, anything else generic) and keep the exact code.
    """
    cls = _BY_CODE.get(status_code)
    if cls is not None:
        return cls(message, data=data, http_status=http_status)
    base: type[OcpiError]
    if 3000 <= status_code < 4000:
        base = ServerError
    elif 4000 <= status_code < 5000:
        base = HubError
    else:
        base = ClientError
    return base(message, data=data, http_status=http_status, status_code=status_code)
