"""A roaming customer's session on a real charger connection is priced with the roaming
tariffs assigned on both the infrastructure and the platform, mid-session and in its CDR;
and the `evgw tariff price` checker reproduces published CDR totals."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from csms.authorization import AuthorizationDecision, AuthorizationSource, AuthorizationStatus
from tests.e2e.test_ocpp16_session import mv

SHARED = Path(os.environ.get("EVGW_SHARED_DIR",
                             Path(__file__).resolve().parents[2].parent / "shared"))
VECTORS = SHARED / "specs/ocpi/tariff-vectors/tandemdrive/test_data"


class EmspAuthorizer:
    async def authorize(self, request: Any) -> AuthorizationDecision:
        if request.id_token.startswith("DE-"):
            return AuthorizationDecision(AuthorizationStatus.ACCEPTED,
                                         AuthorizationSource.ROAMING,
                                         authorization_reference="AUTH-1",
                                         roaming_party="EMSP-DE")
        return AuthorizationDecision(AuthorizationStatus.UNKNOWN)


async def _setup(gateway: Any, with_platform_assignment: bool = True) -> None:
    assert (await gateway.admin("POST", "/roaming/platforms", json={
        "code": "EMSP-DE", "name": "German eMSP", "roaming_profile": "TRI-OCPI",
        "type": "EMSP", "protocol": "OCPI", "url": "https://emsp.example.com/ocpi",
        "country": "DE", "roaming_identifier": "EMS"}))[0] == 201
    assert (await gateway.admin("POST", "/roaming/tariffs", json={
        "code": "AC", "name": "AC roaming", "details": [
            {"energy": {"price": "0.30", "vat": "22"},
             "park_time": {"price": "2.40", "vat": "22"}}]}))[0] == 201
    await gateway.admin("PUT", "/roaming/tariff-assignments/operator/OP-1",
                        json={"tariffs": ["AC"]})
    if with_platform_assignment:
        await gateway.admin("PUT", "/roaming/tariff-assignments/platform/EMSP-DE",
                            json={"tariffs": ["AC"]})
    gateway.deps.authorizers.append(EmspAuthorizer())


async def _charge(gateway: Any) -> int:
    async with gateway.charger("station-01") as sim:
        await sim.call("StatusNotification", {"connectorId": 2, "status": "Charging",
                                              "errorCode": "NoError",
                                              "timestamp": "2026-11-21T08:00:00Z"})
        start = await sim.call("StartTransaction", {
            "connectorId": 2, "idTag": "DE-DRIVER-7", "meterStart": 1000,
            "timestamp": "2026-11-21T08:00:00Z"})
        tx = int(start["transactionId"])
        await sim.call("MeterValues", mv(2, tx, "2026-11-21T08:30:00Z", "6000"))
        _, live = await gateway.admin("GET", f"/sessions/{tx}")
        gateway.live = live
        await sim.call("StatusNotification", {"connectorId": 2, "status": "Finishing",
                                              "errorCode": "NoError",
                                              "timestamp": "2026-11-21T09:00:00Z"})
        await sim.call("StopTransaction", {"transactionId": tx, "meterStop": 11000,
                                           "timestamp": "2026-11-21T09:10:00Z"})
    return tx


async def test_roaming_session_priced_with_tariffs(gateway: Any) -> None:
    await _setup(gateway)
    gateway.clock.set(__import__("datetime").datetime.fromisoformat("2026-11-21T08:30:00+00:00"))
    tx = await _charge(gateway)
    live = gateway.live
    assert live["authorization_mode"] == "ROAMING_CUSTOMER"
    assert live["network"] == "ROAMING" and live["roaming_platform"] is not None
    _, roaming = await gateway.admin("GET", "/sessions?network=roaming")
    assert tx in [s["id"] for s in roaming]
    status, _ = await gateway.admin("GET", "/sessions?network=elsewhere")
    assert status == 400
    assert Decimal(live["amount"]) == Decimal("1.83")  # 5 kWh at 0.30 + 22 % VAT so far
    _, session = await gateway.admin("GET", f"/sessions/{tx}")
    # 10 kWh at 0.30 = 3.00, 10 min parking at 2.40/h = 0.40; incl. 22 % VAT = 4.148
    assert (Decimal(session["amount"]), session["currency"]) == (Decimal("4.148"), "EUR")
    status, cdr = await gateway.admin("GET", f"/sessions/{tx}/cdr")
    assert status == 200
    assert (Decimal(cdr["total_excl_vat"]), Decimal(cdr["total_incl_vat"])) == (
        Decimal("3.40"), Decimal("4.148"))
    assert cdr["tariff_ids"] == ["AC"]
    assert Decimal(str(cdr["cdr"]["total_energy"])) == Decimal("10")
    assert Decimal(str(cdr["cdr"]["total_parking_time"])).quantize(Decimal("0.0001")) == \
        Decimal("0.1667")
    assert any("ENERGY" in line for line in cdr["explanation"]), cdr["explanation"]


async def test_no_platform_assignment_means_no_roaming_tariff(gateway: Any) -> None:
    await _setup(gateway, with_platform_assignment=False)
    await gateway.admin("PATCH", "/sites/SITE-1", json={"session_rating": {
        "home_roaming_energy_price": "0.50"}})
    tx = await _charge(gateway)
    _, session = await gateway.admin("GET", f"/sessions/{tx}")
    assert Decimal(session["amount"]) == Decimal("5.0000")  # home roaming price: 10 kWh at 0.50
    status, _ = await gateway.admin("GET", f"/sessions/{tx}/cdr")
    assert status == 404


@pytest.mark.parametrize("case", ["simple_025kwh/cdr1.json", "025kwh_start/cdr1.json"])
async def test_cli_price_checker(case: str) -> None:
    folder, name = case.split("/")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "tariff", "price",
        str(VECTORS / folder / "tariff.json"), str(VECTORS / folder / name),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "EVGW_LOG_FORMAT": "json"})
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    totals = json.loads(out, parse_float=Decimal)
    expected = json.loads((VECTORS / folder / name).read_text(), parse_float=Decimal)
    assert set(totals) >= {"total_cost", "total_energy_cost", "total_time",
                           "total_parking_time", "total_energy"}
    assert totals["total_cost"]["excl_vat"] == expected["total_cost"]["excl_vat"]
    assert totals["total_energy"] == expected["total_energy"]


async def test_cli_price_checker_bad_input(tmp_path: Path) -> None:
    broken = tmp_path / "tariff.json"
    broken.write_text("{not json")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "tariff", "price", str(broken), str(broken),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    assert process.returncode == 2 and b"evgw tariff price" in err
