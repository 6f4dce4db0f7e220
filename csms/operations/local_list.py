"""Local authorization lists: what the CSMS knows about its tokens, as list entries. Pure.

The stored list of a station is what it accepted last, with its version. A full update
sends every token; a differential update sends what changed since (a token that is gone
is sent without status, which deletes it on the charger).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from csms.ocpp.frames import OCPP16
from csms.operations.dialect import ListEntry
from csms.operations.records import TokenSnapshot

MAX_TOKEN_LENGTH = {OCPP16: 20}  # idTag; 2.0.1 idToken allows 36
DEFAULT_MAX_LENGTH = 36
_STATUS = {"VALID": "Accepted", "BLOCKED": "Blocked", "EXPIRED": "Expired"}


def list_status(token_status: str, customer_blocked: bool) -> str:
    """The OCPP authorization status of a token for the list (same names in 1.6/2.0.1)."""
    if customer_blocked:
        return "Blocked"
    return _STATUS.get(token_status.upper(), "Invalid")


def eligible(tokens: Iterable[TokenSnapshot], version: str) -> dict[str, TokenSnapshot]:
    """Tokens the version can carry, by identifier (too long ones are left out)."""
    limit = MAX_TOKEN_LENGTH.get(version, DEFAULT_MAX_LENGTH)
    return {t.id_token: t for t in tokens if 0 < len(t.id_token) <= limit}


def full_update(current: Mapping[str, TokenSnapshot]) -> list[ListEntry]:
    return [ListEntry(t.id_token, t.token_type, t.status)
            for _, t in sorted(current.items())]


def differential_update(previous: Mapping[str, TokenSnapshot],
                        current: Mapping[str, TokenSnapshot]) -> list[ListEntry]:
    """Added or changed tokens with their status, removed ones without."""
    changed = [ListEntry(t.id_token, t.token_type, t.status)
               for key, t in sorted(current.items()) if previous.get(key) != t]
    removed = [ListEntry(t.id_token, t.token_type, None)
               for key, t in sorted(previous.items()) if key not in current]
    return changed + removed
