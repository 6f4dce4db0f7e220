"""OICP identifiers: EvseID, OperatorID, ProviderID, SessionID, EvcoID, UID.

Patterns are copied verbatim from Hubject's CPO OpenAPI (``components.schemas``; a unit
test compares them with the bundled file).  ``ProviderIDAsterisk`` is rewritten because
the OpenAPI's ``^(...)|\\*$`` has a precedence bug (notes/oicp.md §3.1).

Our EvseID for a connector is ``{country}*{operator}*E{connector roaming id}``, built from
the roaming profile's OperatorID (manual, Roaming Profile Table 1): ``SI*TRI`` and the
connector roaming id ``010107`` give ``SI*TRI*E010107``.  Hubject upper-cases EvseIDs,
so we send them upper-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from oicp.errors import InvalidIdError

__all__ = [
    "EVCO_ID_PATTERN",
    "EVSE_ID_PATTERN",
    "OPERATOR_ID_PATTERN",
    "PROVIDER_ID_ASTERISK_PATTERN",
    "PROVIDER_ID_PATTERN",
    "SESSION_ID_PATTERN",
    "UID_PATTERN",
    "OperatorId",
    "decode_path_id",
    "evse_id_for_connector",
    "is_valid_evse_id",
    "is_valid_operator_id",
    "operator_id_from_profile",
    "parse_operator_id",
    "validate_evse_id",
    "validate_operator_id",
]

EVSE_ID_PATTERN = (
    r"^(([A-Za-z]{2}\*?[A-Za-z0-9]{3}\*?E[A-Za-z0-9\*]{1,30})"
    r"|(\+?[0-9]{1,3}\*[0-9]{3}\*[0-9\*]{1,32}))$"
)
OPERATOR_ID_PATTERN = r"^(([A-Za-z]{2}\*?[A-Za-z0-9]{3})|(\+?[0-9]{1,3}\*[0-9]{3}))$"
PROVIDER_ID_PATTERN = r"^([A-Za-z]{2}\-?[A-Za-z0-9]{3}|[A-Za-z]{2}[\*|-]?[A-Za-z0-9]{3})$"
PROVIDER_ID_ASTERISK_PATTERN = (
    r"^([A-Za-z]{2}\-?[A-Za-z0-9]{3}|[A-Za-z]{2}[\*|-]?[A-Za-z0-9]{3})$|^\*$"
)
SESSION_ID_PATTERN = r"^[A-Za-z0-9]{8}(-[A-Za-z0-9]{4}){3}-[A-Za-z0-9]{12}$"
EVCO_ID_PATTERN = (
    r"^(([A-Za-z]{2}\-?[A-Za-z0-9]{3}\-?C[A-Za-z0-9]{8}\-?[\d|A-Za-z])"
    r"|([A-Za-z]{2}[\*|\-]?[A-Za-z0-9]{3}[\*|\-]?[A-Za-z0-9]{6}[\*|\-]?[\d|X]))$"
)
UID_PATTERN = r"^([0-9A-F]{8,8}|[0-9A-F]{14,14}|[0-9A-F]{20,20})$"

_EVSE_ID = re.compile(EVSE_ID_PATTERN)
_OPERATOR_ID = re.compile(OPERATOR_ID_PATTERN)
_ISO_OPERATOR = re.compile(r"^([A-Za-z]{2})\*?([A-Za-z0-9]{3})$")
_ROAMING_ID = re.compile(r"^[A-Za-z0-9\*]{1,30}$")


@dataclass(frozen=True, slots=True)
class OperatorId:
    """An ISO OperatorID split into country (alpha-2) and operator part, upper-cased."""

    country: str
    operator: str

    def __str__(self) -> str:
        return f"{self.country}*{self.operator}"


def is_valid_operator_id(value: str) -> bool:
    """Whether ``value`` matches Hubject's OperatorID pattern (ISO or DIN form)."""
    return _OPERATOR_ID.fullmatch(value) is not None


def validate_operator_id(value: str) -> str:
    """Return the OperatorID upper-cased; raise :class:`InvalidIdError` when invalid."""
    if not isinstance(value, str) or not is_valid_operator_id(value):
        raise InvalidIdError(f"invalid OICP OperatorID: {value!r}")
    return value.upper()


def parse_operator_id(value: str) -> OperatorId:
    """Split an ISO OperatorID (``SI*TRI`` or ``SITRI``); DIN ids are refused."""
    match = _ISO_OPERATOR.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidIdError(f"not an ISO OICP OperatorID: {value!r}")
    return OperatorId(match.group(1).upper(), match.group(2).upper())


def operator_id_from_profile(country_code: str, party_id: str) -> str:
    """The OperatorID of a roaming profile: country code and roaming id, ``SI`` + ``TRI``."""
    return str(parse_operator_id(f"{country_code}*{party_id}"))


def is_valid_evse_id(value: str) -> bool:
    """Whether ``value`` matches Hubject's EvseID pattern (ISO or DIN form)."""
    return _EVSE_ID.fullmatch(value) is not None


def validate_evse_id(value: str) -> str:
    """Return the EvseID upper-cased; raise :class:`InvalidIdError` when invalid."""
    if not isinstance(value, str) or not is_valid_evse_id(value):
        raise InvalidIdError(f"invalid OICP EvseID: {value!r}")
    return value.upper()


def evse_id_for_connector(operator_id: str, connector_roaming_id: str) -> str:
    """EvseID ``{country}*{operator}*E{connector roaming id}`` of a connector.

    ``operator_id`` is the roaming profile's ISO OperatorID (``SI*TRI`` or ``SITRI``);
    ``connector_roaming_id`` is the connector's roaming id (letters, digits and ``*``, at
    most 30 characters).  The result is upper-cased and checked against Hubject's pattern.
    """
    operator = parse_operator_id(operator_id)
    if not isinstance(connector_roaming_id, str) or not _ROAMING_ID.fullmatch(connector_roaming_id):
        raise InvalidIdError(
            f"connector roaming id {connector_roaming_id!r} cannot form an OICP EvseID "
            "(1-30 letters, digits or '*')"
        )
    return validate_evse_id(f"{operator}*E{connector_roaming_id}")


def decode_path_id(raw: str) -> str:
    """Percent-decode an id taken from a URL path (``DE%2AICE`` -> ``DE*ICE``).

    Hubject sends ``*`` raw; other clients encode it as ``%2A``.  Both give the same id.
    """
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidIdError(f"path id {raw!r} is not valid percent-encoded UTF-8") from exc
