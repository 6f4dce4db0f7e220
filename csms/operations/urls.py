"""File-transfer URLs for firmware updates and diagnostics/log uploads. Pure.

The manual's formats: ``ftp://user:password@host:port/path`` (``user:password@``,
``:password`` and ``:port`` may be omitted) and ``http(s)://hostname:port/path`` (``:port``
may be omitted). FTPS is accepted like FTP. Passwords travel to the charger (OCPP has no
other place for them) but never into our logs or tables: ``redact_url`` masks them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from csms.operations.errors import InvalidOperation

MAX_URL_LENGTH = 512  # OCPP 2.0.1 location / remoteLocation
FTP_SCHEMES = frozenset({"ftp", "ftps"})
HTTP_SCHEMES = frozenset({"http", "https"})
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")
REDACTED = "***"


@dataclass(frozen=True)
class TransferUrl:
    scheme: str
    host: str
    port: int | None
    path: str
    user: str | None
    has_password: bool


def _host_ok(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def parse_transfer_url(raw: str, field: str = "location") -> TransferUrl:
    """Validates an upload/download URL; raises ``InvalidOperation`` naming the problem."""
    def bad(reason: str) -> InvalidOperation:
        return InvalidOperation(f"{field}: {reason}", field=field)

    if len(raw) > MAX_URL_LENGTH:
        raise bad(f"longer than {MAX_URL_LENGTH} characters")
    if _FORBIDDEN.search(raw):
        raise bad("contains whitespace or control characters")
    parts: SplitResult = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in FTP_SCHEMES | HTTP_SCHEMES:
        raise bad("must start with ftp://, ftps://, http:// or https://")
    if (parts.query and scheme in FTP_SCHEMES) or parts.fragment:
        raise bad("must not carry a query or fragment")
    try:
        port = parts.port
    except ValueError as exc:
        raise bad("the port must be a number from 1 to 65535") from exc
    if port == 0:
        raise bad("the port must be a number from 1 to 65535")
    host = parts.hostname or ""
    if not _host_ok(host):
        raise bad("needs a valid host name or IP address")
    if parts.username is not None and scheme in HTTP_SCHEMES:
        raise bad("credentials are only allowed in ftp:// URLs")
    if parts.username == "":
        raise bad("the user name before ':' or '@' is empty")
    return TransferUrl(scheme=scheme, host=host, port=port, path=parts.path or "/",
                       user=parts.username, has_password=parts.password is not None)


def redact_url(raw: str) -> str:
    """The URL with its password replaced by ``***`` (for logs, tables and answers)."""
    parts = urlsplit(raw)
    if parts.password is None:
        return raw
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:{REDACTED}@{hostport}").geturl()
