"""Constrained field types shared by the network schemas."""

from __future__ import annotations

import re
import zoneinfo
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

Code = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"),
    Field(description="Unique, immutable identifier of the object (letters, digits, _ . : -)."),
]
# Roaming ids end up in OCPI ids (CiString 36) and OICP EVSE IDs, so keep them plain.
RoamingId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$"),
    Field(description="Identifier exposed in roaming; non-blank, unique within its scope."),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
CountryCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{2}$"), Field(description="ISO 3166-1 alpha-2")
]
CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217")
]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()/-]{3,32}$")]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$", max_length=254)
]
MacAddress = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$"),
    Field(description="MAC address, e.g. 00:1A:2B:3C:4D:5E"),
]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=10, decimal_places=7)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=11, decimal_places=7)]
PowerFactor = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]
Seconds = Annotated[int, Field(ge=0, le=10 * 365 * 86400)]
CustomFields = Annotated[
    dict[
        Annotated[str, StringConstraints(min_length=1, max_length=64)],
        Annotated[str, StringConstraints(max_length=255)],
    ],
    Field(max_length=100, description="Free key/value pairs"),
]


def _valid_time_zone(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_+/-]{1,64}", value):
        raise ValueError("not an IANA time zone name")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


TimeZone = Annotated[
    str,
    AfterValidator(_valid_time_zone),
    Field(description="IANA time zone, e.g. Europe/Ljubljana"),
]


class ElectricCurrentType(StrEnum):
    AC_1_PHASE = "AC_1_PHASE"
    AC_2_PHASE = "AC_2_PHASE"
    AC_2_PHASE_SPLIT = "AC_2_PHASE_SPLIT"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ConnectorStandard(StrEnum):
    CCS1 = "CCS1"
    CCS2 = "CCS2"
    TYPE_1 = "TYPE_1"
    TYPE_2 = "TYPE_2"
    TYPE_3A = "TYPE_3A"
    TYPE_3C = "TYPE_3C"
    CHAOJI = "CHAOJI"
    GBT_AC = "GBT_AC"
    GBT_DC = "GBT_DC"
    CHADEMO = "CHADEMO"
    NACS = "NACS"  # SAE J3400
    MCS = "MCS"
    DOMESTIC = "DOMESTIC"
    OTHER = "OTHER"


class ConnectorFormat(StrEnum):
    SOCKET = "SOCKET"
    CABLE = "CABLE"


class OcppProtocol(StrEnum):
    OCPP16 = "1.6"
    OCPP201 = "2.0.1"


class ConnectionPolicy(StrEnum):
    DISABLED = "disabled"
    WS = "ws"  # plain websocket: local testing only
    WSS = "wss"
    WSS_BASIC_AUTH = "wss-basic-auth"  # OCPP security profile 2: TLS + HTTP Basic
    WSS_CLIENT_CERT = "wss-client-cert"  # OCPP security profile 3: TLS + client certificate


class ConnectionState(StrEnum):
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"


class OperationalStatus(StrEnum):
    OPERATIVE = "OPERATIVE"
    INOPERATIVE = "INOPERATIVE"
    CLOSED = "CLOSED"


class AssetType(StrEnum):
    SMART_METER = "SMART_METER"
    PRODUCER = "PRODUCER"
    CONSUMER = "CONSUMER"
    OTHER = "OTHER"


class RoamingRole(StrEnum):
    CPO = "CPO"
    EMSP = "EMSP"


class RoamingProtocol(StrEnum):
    OCPI = "OCPI"
    OICP = "OICP"


class PlatformType(StrEnum):
    HUB = "HUB"
    CPO = "CPO"
    EMSP = "EMSP"
    PTP = "PTP"
    NAP = "NAP"
    NSP = "NSP"
    OTHER = "OTHER"


class TerminationStrategy(StrEnum):
    CHARGING_END = "CHARGING_END"
    PARKING_END = "PARKING_END"


class PaymentAuthPolicy(StrEnum):
    NONE = "NONE"
    INITIAL_AUTH_ONLY = "INITIAL_AUTH_ONLY"
    AUTH_CONTROL = "AUTH_CONTROL"


class IdTokenType(StrEnum):
    RFID = "RFID"
    NFC = "NFC"
    VIN = "VIN"
    MAC = "MAC"
    ISO15118 = "ISO15118"
    CUSTOM = "CUSTOM"


class IdTokenStatus(StrEnum):
    VALID = "VALID"
    BLOCKED = "BLOCKED"
