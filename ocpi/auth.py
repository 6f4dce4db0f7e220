"""The ``Authorization: Token <...>`` header codec.

OCPI 2.2.1 says the header carries the credentials token Base64-encoded (RFC 4648 §4, of
the token's UTF-8 bytes); 2.1.1 and many 2.2 peers send the raw token.  So:

* Outbound, a per-platform flag chooses: :func:`authorization_header` with
  ``base64_encode=True`` (2.2.1, the default) or ``False`` (raw, for such peers).
* Inbound we accept both.  :func:`parse_authorization` returns the raw value and, when the
  value is *canonical* Base64 (re-encoding gives the same text, padding included) of
  printable non-whitespace ASCII, the decoded token.  One trailing newline in the decoded
  bytes is dropped: the spec's own example encodes ``example-token\\n``.  Since a raw token
  can also look like Base64 (``dGVzdA==``), the caller looks up
  :attr:`AuthorizationToken.candidates` in order (decoded first, then raw) and takes the
  first that matches a stored token.
* A header that is missing, uses another scheme, is empty, too long, or holds characters
  that cannot be a token raises :class:`~ocpi.errors.Unauthorized` (HTTP 401), never any
  other exception.  Error messages never include the token.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from ocpi.errors import Unauthorized

__all__ = [
    "AuthorizationToken",
    "authorization_header",
    "parse_authorization",
    "token_candidates",
]

_TOKEN_RE = re.compile(r"^[\x21-\x7E]{1,64}$")
_HEADER_RE = re.compile(r"^\s*(\S+)[ \t]+(\S+)\s*$")
_MAX_HEADER = 512


@dataclass(frozen=True, slots=True)
class AuthorizationToken:
    """A token read from an ``Authorization`` header."""

    raw: str
    decoded: str | None

    @property
    def candidates(self) -> tuple[str, ...]:
        """Tokens to look up, most likely first (Base64-decoded, then raw)."""
        if self.decoded is not None and self.decoded != self.raw:
            return (self.decoded, self.raw)
        return (self.raw,)


def _decode_base64(value: str) -> str | None:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if base64.b64encode(data).decode("ascii") != value:
        return None  # not canonical: treat as raw
    if data.endswith(b"\n"):
        data = data[:-1]
    try:
        token = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return token if _TOKEN_RE.match(token) else None


def parse_authorization(header: str | None) -> AuthorizationToken:
    """Read ``Token <value>`` (scheme case-insensitive); :class:`Unauthorized` on failure."""
    if header is None or not isinstance(header, str):
        raise Unauthorized("missing Authorization header")
    if len(header) > _MAX_HEADER:
        raise Unauthorized("Authorization header too long")
    match = _HEADER_RE.match(header)
    if match is None:
        raise Unauthorized("malformed Authorization header")
    scheme, value = match.groups()
    if scheme.lower() != "token":
        raise Unauthorized("Authorization scheme must be Token")
    decoded = _decode_base64(value)
    if not _TOKEN_RE.match(value):
        if decoded is None:
            raise Unauthorized("Authorization token is not readable")
        return AuthorizationToken(raw=decoded, decoded=decoded)
    return AuthorizationToken(raw=value, decoded=decoded)


def token_candidates(header: str | None) -> tuple[str, ...]:
    """Shortcut: :attr:`AuthorizationToken.candidates` of a header (401 on failure)."""
    return parse_authorization(header).candidates


def authorization_header(token: str, *, base64_encode: bool = True) -> str:
    """The ``Authorization`` header value for an outbound request.

    ``base64_encode=True`` is OCPI 2.2.1; ``False`` sends the raw token (2.1.1-style peers).
    Raises ``ValueError`` for a token that is not 1..64 printable non-whitespace ASCII.
    """
    if not _TOKEN_RE.match(token):
        raise ValueError("credentials token must be 1..64 printable non-whitespace ASCII")
    if base64_encode:
        return "Token " + base64.b64encode(token.encode("ascii")).decode("ascii")
    return "Token " + token
