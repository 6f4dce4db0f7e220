"""ISO 3166-1 alpha-2 -> alpha-3, for the roaming protocols.

The network model stores alpha-2 codes; OCPI ``Location.country`` and OICP
``Address.Country`` are alpha-3.  :data:`ALPHA3` covers the EU, EEA, EFTA, the UK, the
European microstates and candidate countries, plus the other markets we have seen
(North America, Australia / New Zealand, Japan, Korea, China, India, Israel, Turkey, UAE,
South Africa, Singapore, Brazil).  One table, so OCPI and OICP cannot disagree.
"""

from __future__ import annotations

__all__ = ["ALPHA3", "alpha3_for"]

ALPHA3: dict[str, str] = {
    # EU 27
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "HR": "HRV", "CY": "CYP", "CZ": "CZE",
    "DK": "DNK", "EE": "EST", "FI": "FIN", "FR": "FRA", "DE": "DEU", "GR": "GRC",
    "HU": "HUN", "IE": "IRL", "IT": "ITA", "LV": "LVA", "LT": "LTU", "LU": "LUX",
    "MT": "MLT", "NL": "NLD", "PL": "POL", "PT": "PRT", "RO": "ROU", "SK": "SVK",
    "SI": "SVN", "ES": "ESP", "SE": "SWE",
    # EEA / EFTA, UK, microstates
    "IS": "ISL", "LI": "LIE", "NO": "NOR", "CH": "CHE", "GB": "GBR", "AD": "AND",
    "MC": "MCO", "SM": "SMR", "VA": "VAT", "GI": "GIB", "FO": "FRO", "GL": "GRL",
    "IM": "IMN", "JE": "JEY", "GG": "GGY",
    # Candidates and other European countries
    "AL": "ALB", "BA": "BIH", "ME": "MNE", "MK": "MKD", "RS": "SRB", "XK": "XKX",
    "MD": "MDA", "UA": "UKR", "GE": "GEO", "TR": "TUR", "BY": "BLR", "AM": "ARM",
    "AZ": "AZE",
    # Other markets
    "US": "USA", "CA": "CAN", "MX": "MEX", "AU": "AUS", "NZ": "NZL", "JP": "JPN",
    "KR": "KOR", "CN": "CHN", "IN": "IND", "IL": "ISR", "AE": "ARE", "ZA": "ZAF",
    "SG": "SGP", "BR": "BRA",
}  # fmt: skip
# XK / XKX: user-assigned code in common use for Kosovo (no official ISO code).


def alpha3_for(alpha2: str) -> str | None:
    """ISO 3166-1 alpha-3 of an alpha-2 code (case-insensitive), ``None`` when unknown."""
    return ALPHA3.get(alpha2.upper())
