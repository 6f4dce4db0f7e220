"""Identification token types between OCPP 2.0.1 and the CSMS model. Pure."""

from __future__ import annotations

from csms.authorization import NO_AUTHORIZATION
from csms.network.types import IdTokenType

__all__ = ["FROM_201", "NO_AUTHORIZATION", "TO_201", "ocpp_201_type", "our_type"]

# OCPP 2.0.1 IdTokenEnumType -> our identification device types.
FROM_201 = {
    "ISO14443": IdTokenType.RFID, "ISO15693": IdTokenType.RFID,
    "eMAID": IdTokenType.ISO15118, "MacAddress": IdTokenType.MAC,
    "KeyCode": IdTokenType.CUSTOM, "Local": IdTokenType.CUSTOM, "Central": IdTokenType.CUSTOM,
}
TO_201 = {
    IdTokenType.RFID: "ISO14443", IdTokenType.NFC: "ISO14443", IdTokenType.ISO15118: "eMAID",
    IdTokenType.MAC: "MacAddress", IdTokenType.VIN: "Central", IdTokenType.CUSTOM: "Local",
}


def our_type(ocpp_type: str | None) -> str | None:
    if ocpp_type is None:
        return None
    if ocpp_type == NO_AUTHORIZATION:
        return NO_AUTHORIZATION
    mapped = FROM_201.get(ocpp_type)
    return mapped.value if mapped else IdTokenType.CUSTOM.value


def ocpp_201_type(our: str | None) -> str:
    if our is None:
        return "Central"
    try:
        return TO_201[IdTokenType(our)]
    except ValueError:
        return our if our in FROM_201 else "Central"
