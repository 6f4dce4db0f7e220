"""Decoding of the two text forms the manual accepts: PEM, or plain Base64 of the DER bytes.

Every loader in the package goes through :func:`decode_material`, so they all accept the same
inputs (``str`` or ``bytes``; PEM, Base64 DER with any whitespace, or raw DER bytes) and all
report garbage with their own :class:`~pki.errors.PkiError` subclass.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from pki.errors import PkiError

_WHITESPACE = re.compile(r"\s+")
PEM_MARKER = "-----BEGIN"


@dataclass(frozen=True, slots=True)
class Material:
    """Decoded input: ``pem`` holds PEM bytes, else ``der`` holds DER bytes."""

    pem: bytes | None = None
    der: bytes | None = None


def decode_material(data: str | bytes, error: type[PkiError], what: str) -> Material:
    """Classify ``data`` as PEM or Base64 DER (or raw DER bytes); raise ``error`` otherwise."""
    if isinstance(data, bytes):
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            if not data:
                raise error(f"empty {what}") from None
            return Material(der=data)
    elif isinstance(data, str):
        text = data
    else:
        raise error(f"{what} must be str or bytes, not {type(data).__name__}")
    if PEM_MARKER in text:
        return Material(pem=text.strip().encode("utf-8"))
    compact = _WHITESPACE.sub("", text)
    if not compact:
        raise error(f"empty {what}")
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{what} is neither PEM nor plain Base64 DER") from None
    if not der:
        raise error(f"empty {what}")
    return Material(der=der)


def to_base64(der: bytes) -> str:
    """Plain Base64 (no line breaks) of DER bytes."""
    return base64.b64encode(der).decode("ascii")
