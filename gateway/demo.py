"""The demo network: what `make run` and `evgw demo` seed, and what the tests use.

Seeded through the same service as the admin API, so the demo obeys every rule.
"""

from __future__ import annotations

from typing import Any

from csms.network.service import NetworkService
from csms.network.terminals import TerminalService

SITE: dict[str, Any] = {
    "code": "SITE-1", "name": "Tridens demo site", "country": "SI", "currency": "EUR",
    "time_zone": "Europe/Ljubljana",
}
OPERATOR: dict[str, Any] = {
    "code": "OP-1", "name": "Demo operator", "organisation": "Demo Charging d.o.o.",
    "address": "Slovenska cesta 1", "country": "SI", "city": "Ljubljana", "zip": "1000",
    "phone": "+38640000000", "time_zone": "Europe/Ljubljana",
}
ROAMING_PROFILES: list[dict[str, Any]] = [
    {"code": "TRI-OCPI", "name": "Tridens OCPI CPO", "type": "CPO", "protocol": "OCPI",
     "country_code": "SI", "roaming_identifier": "TRI"},
    {"code": "TRI-OICP", "name": "Tridens OICP CPO", "type": "CPO", "protocol": "OICP",
     "country_code": "SI", "roaming_identifier": "SI*TRI"},
]
AREA: dict[str, Any] = {
    "code": "AREA-1", "name": "Ljubljana centre", "site": "SITE-1", "operator": "OP-1",
    "address": "Slovenska cesta 1", "city": "Ljubljana", "postal_code": "1000",
    "country": "SI", "latitude": "46.0569", "longitude": "14.5058",
    "support_contact": {"name": "Demo support", "phone": "+38640000000",
                        "email": "support@example.com"},
    "roaming_id": "0101",
}
STATIONS: list[dict[str, Any]] = [
    {"code": "station-01", "name": "Station 01", "area": "AREA-1",
     "connection_identifier": "station-01", "ocpp_protocol": "1.6", "connection_policy": "ws"},
    {"code": "station-02", "name": "Station 02", "area": "AREA-1",
     "connection_identifier": "station-02", "ocpp_protocol": "2.0.1", "connection_policy": "ws"},
]
CHARGERS: list[dict[str, Any]] = [
    {"code": "B1C1", "name": "Charger B1C1", "station": "station-01", "evse_id": 1,
     "reservable": True, "roaming_enabled": True, "roaming_id": "0101",
     "electric_current_type": "DC"},
    {"code": "B2C1", "name": "Charger B2C1", "station": "station-02", "evse_id": 1,
     "reservable": True, "roaming_enabled": True, "roaming_id": "0201",
     "electric_current_type": "AC_3_PHASE"},
]
CONNECTORS: list[dict[str, Any]] = [
    {"code": "1", "name": "CCS2 50 kW", "charger": "B1C1", "ocpp_connector_id": 1,
     "standard": "CCS2", "format": "CABLE", "electric_current_type": "DC",
     "wattage_limit_w": 50000, "amperage_limit_a": "125", "voltage_limit_v": 500,
     "power_factor": "1", "roaming_id": "010107"},
    {"code": "2", "name": "Type 2 22 kW", "charger": "B1C1", "ocpp_connector_id": 2,
     "standard": "TYPE_2", "format": "SOCKET", "electric_current_type": "AC_3_PHASE",
     "wattage_limit_w": 22000, "amperage_limit_a": "32", "voltage_limit_v": 400,
     "power_factor": "0.98", "roaming_id": "010108"},
    {"code": "1", "name": "Type 2 11 kW", "charger": "B2C1", "ocpp_connector_id": 1,
     "standard": "TYPE_2", "format": "SOCKET", "electric_current_type": "AC_3_PHASE",
     "wattage_limit_w": 11000, "amperage_limit_a": "16", "voltage_limit_v": 400,
     "power_factor": "0.98", "roaming_id": "020101"},
]
CUSTOMERS: list[dict[str, Any]] = [{"code": "CUST-1", "name": "Demo driver"}]
TOKENS: list[dict[str, Any]] = [
    {"code": "DEMO-RFID-1", "type": "RFID", "identifier": "DEMO-RFID-1", "customer": "CUST-1",
     "status": "VALID", "name": "Demo card"},
    {"code": "DEMO-RFID-BLOCKED", "type": "RFID", "identifier": "DEMO-RFID-BLOCKED",
     "customer": "CUST-1", "status": "BLOCKED", "name": "Blocked demo card"},
]

# A payment terminal of our own (no PTP), unassigned: `evgw terminal assign TERM-DEMO
# --area AREA-1` gives the area's EVSEs the card-payment capabilities.
TERMINALS: list[dict[str, Any]] = [
    {"code": "TERM-DEMO", "name": "Demo payment terminal",
     "description": "Card terminal at the entrance", "address": "Slovenska cesta 1",
     "city": "Ljubljana", "postal_code": "1000", "country": "SI", "latitude": "46.0569",
     "longitude": "14.5058", "operator": "OP-1"},
]

SEED_ORDER: list[tuple[str, list[dict[str, Any]]]] = [
    ("sites", [SITE]),
    ("operators", [OPERATOR]),
    ("roaming_profiles", ROAMING_PROFILES),
    ("areas", [AREA]),
    ("stations", STATIONS),
    ("chargers", CHARGERS),
    ("connectors", CONNECTORS),
    ("customers", CUSTOMERS),
    ("id_tokens", TOKENS),
]


async def network_is_empty(network: NetworkService) -> bool:
    _, total = await network.page("sites", {}, 1, 0)
    return total == 0


async def seed_demo(network: NetworkService, terminals: TerminalService | None = None
                    ) -> bool:
    """Seeds the demo network (and, given the service, its payment terminal) into an empty
    database; returns False when not empty."""
    if not await network_is_empty(network):
        return False
    for kind, objects in SEED_ORDER:
        for body in objects:
            await network.create(kind, body)
    if terminals is not None:
        for body in TERMINALS:
            await terminals.create(body)
    return True


def demo_summary(base_url: str) -> list[str]:
    ws = base_url.replace("http", "ws", 1)
    return [
        "demo network:",
        "  site SITE-1 (SI, EUR, Europe/Ljubljana), operator OP-1, area AREA-1 (roaming id 0101)",
        "  roaming profiles TRI-OCPI (party SI TRI), TRI-OICP (operator SI*TRI)",
        f"  station-01 (OCPP 1.6)   {ws}/ocpp/station-01   charger B1C1: connectors 1 "
        "(CCS2 50 kW, SI*TRI*E010107), 2 (Type 2 22 kW, SI*TRI*E010108)",
        f"  station-02 (OCPP 2.0.1) {ws}/ocpp/station-02   charger B2C1: connector 1 "
        "(Type 2 11 kW, SI*TRI*E020101)",
        "  RFID tokens DEMO-RFID-1 (valid), DEMO-RFID-BLOCKED (blocked)",
        "  payment terminal TERM-DEMO (unassigned: evgw terminal assign TERM-DEMO --area "
        "AREA-1)",
    ]
