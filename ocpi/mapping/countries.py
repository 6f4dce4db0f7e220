"""Country tables the OCPI mapping needs.

The network model stores ISO 3166-1 alpha-2 codes; ``Location.country`` and
``CdrLocation.country`` are alpha-3, from the network's table
(:mod:`csms.network.countries`).  A country outside the table makes an area not exposable
(reported by :func:`ocpi.mapping.locations.area_problems`) rather than sending a wrong code.

:data:`DOMESTIC_PLUG` gives the IEC 60083 household plug type (OCPI ``DOMESTIC_x``) of a
country, used for our generic ``DOMESTIC`` connector standard.
"""

from __future__ import annotations

from csms.network.countries import ALPHA3, alpha3_for

__all__ = ["ALPHA3", "DOMESTIC_PLUG", "alpha3_for"]

_TYPE_F = ("AT", "DE", "NL", "SE", "FI", "NO", "ES", "PT", "SI", "HR", "HU", "RO", "BG",
           "GR", "LU", "LV", "LT", "EE", "IS", "RS", "BA", "ME", "MK", "AL", "XK", "TR",
           "UA", "MD", "GE", "BY", "AM", "AZ", "FO", "AD")  # fmt: skip
_TYPE_E = ("FR", "BE", "PL", "CZ", "SK", "MC")
_TYPE_G = ("GB", "IE", "MT", "CY", "GI", "IM", "JE", "GG", "AE", "SG")
_TYPE_B = ("US", "CA", "MX", "JP")

DOMESTIC_PLUG: dict[str, str] = {
    **dict.fromkeys(_TYPE_F, "DOMESTIC_F"),
    **dict.fromkeys(_TYPE_E, "DOMESTIC_E"),
    **dict.fromkeys(_TYPE_G, "DOMESTIC_G"),
    **dict.fromkeys(_TYPE_B, "DOMESTIC_B"),
    "CH": "DOMESTIC_J",
    "LI": "DOMESTIC_J",
    "IT": "DOMESTIC_L",
    "SM": "DOMESTIC_L",
    "VA": "DOMESTIC_L",
    "DK": "DOMESTIC_K",
    "GL": "DOMESTIC_K",
    "IL": "DOMESTIC_H",
    "ZA": "DOMESTIC_N",
    "BR": "DOMESTIC_N",
    "AU": "DOMESTIC_I",
    "NZ": "DOMESTIC_I",
    "CN": "DOMESTIC_I",
    "KR": "DOMESTIC_F",
    "IN": "DOMESTIC_D",
}
