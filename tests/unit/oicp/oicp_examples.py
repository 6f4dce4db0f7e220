"""The spec's example payloads (``examples-from-06_Code_Snippets``) and their schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.unit.oicp.oicp_openapi import EXAMPLES, shared_dir

__all__ = ["Example", "cpo_examples"]

# example file stem -> (request schema in the CPO OpenAPI, decoder name in oicp.models)
_REQUESTS: dict[str, tuple[str, str]] = {
    "eRoamingAuthorizeRemoteStart": ("eRoamingAuthorizeRemoteStart", "decode_remote_start"),
    "eRoamingAuthorizeRemoteStop": ("eRoamingAuthorizeRemoteStop", "decode_remote_stop"),
    "eRoamingAuthorizeStart": ("eRoamingAuthorizeStart", "decode_authorize_start"),
    "eRoamingAuthorizeStop": ("eRoamingAuthorizeStop", "decode_authorize_stop"),
    "eRoamingChargeDetailRecord": ("eRoamingChargeDetailRecord", "decode_charge_detail_record"),
    "eRoamingChargingNotificationStart": (
        "eRoamingChargingNotificationStart",
        "decode_charging_notification",
    ),
    "eRoamingChargingNotificationProgress": (
        "eRoamingChargingNotificationProgress",
        "decode_charging_notification",
    ),
    "eRoamingChargingNotificationEnd": (
        "eRoamingChargingNotificationEnd",
        "decode_charging_notification",
    ),
    "eRoamingChargingNotificationError": (
        "eRoamingChargingNotificationError",
        "decode_charging_notification",
    ),
    "eRoamingPushEVSEPricing": ("eRoamingPushEVSEPricing", "decode_push_evse_pricing"),
    "eRoamingPushEVSEStatus": ("eRoamingPushEvseStatus", "decode_push_evse_status"),
    "eRoamingPushEvseData": ("eRoamingPushEvseData", "decode_push_evse_data"),
    "eRoamingPushPricingProductData": (
        "eRoamingPushPricingProductData",
        "decode_push_pricing_product_data",
    ),
    "eRoamingRemoteReservationStart": (
        "eRoamingAuthorizeRemoteReservationStart",
        "decode_remote_reservation_start",
    ),
    "eRoamingRemoteReservationStop": (
        "eRoamingAuthorizeRemoteReservationStop",
        "decode_remote_reservation_stop",
    ),
}
_RESPONSES: dict[str, tuple[str, str]] = {
    "eRoamingAuthorizeStart": ("eRoamingAuthorizationStart", "decode_authorization_start"),
    "eRoamingAuthorizeStop": ("eRoamingAuthorizationStop", "decode_authorization_stop"),
}
_ACK = ("eRoamingAcknowledgment", "decode_acknowledgement")


@dataclass(frozen=True)
class Example:
    """One example file: its id (``cpo/<stem>.<request|response>``), schema and decoder."""

    id: str
    path: Path
    schema: str
    decoder: str

    def body(self) -> Any:
        """The parsed JSON body."""
        with self.path.open(encoding="utf-8") as fh:
            return json.load(fh)


def cpo_examples() -> list[Example]:
    """Every CPO example payload; fails when the folder is missing or unknown files appear."""
    folder = shared_dir() / EXAMPLES / "cpo"
    if not folder.is_dir():
        pytest.fail(f"OICP example payloads not found at {folder}")
    found: list[Example] = []
    for path in sorted(folder.glob("*.json")):
        stem, kind = path.name.removesuffix(".json").rsplit(".", 1)
        if kind == "request":
            schema, decoder = _REQUESTS[stem]
        else:
            schema, decoder = _RESPONSES.get(stem, _ACK)
        found.append(Example(f"cpo/{stem}.{kind}", path, schema, decoder))
    return found
