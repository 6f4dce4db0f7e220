"""ISO 3166-1 alpha-3 for OICP ``Address.Country``, from the network's table
(:mod:`csms.network.countries`), also accepting an alpha-3 code as is."""

from __future__ import annotations

from csms.network.countries import ALPHA3

__all__ = ["ALPHA3", "alpha3_for"]

_ALPHA3_CODES = frozenset(ALPHA3.values())


def alpha3_for(alpha2: str) -> str | None:
    """Alpha-3 of an alpha-2 code (case-insensitive); an alpha-3 input is returned as is."""
    code = alpha2.upper()
    if len(code) == 3 and code in _ALPHA3_CODES:
        return code
    return ALPHA3.get(code)
