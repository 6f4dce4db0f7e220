"""Roaming tariffs through the admin API on SQLite and PostgreSQL: the catalogue and its
rules, assignments and resolution, OCPI conversion and the CDR price checker."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.admin_api import API, seed_via_api

SHARED = Path(os.environ.get("EVGW_SHARED_DIR",
                             Path(__file__).resolve().parents[3].parent / "shared"))
VECTORS = SHARED / "specs/ocpi/tariff-vectors/tandemdrive/test_data"

DAY = {"code": "DAY", "name": "Daytime AC", "status": "ACTIVE",
       "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2027-01-01T00:00:00Z",
       "max_payment_authorization_amount": "30.00",
       "details": [{"recurrence": "DAILY", "priority": 1,
                    "energy": {"price": "0.30", "vat": "22"},
                    "park_time": {"price": "1.20", "vat": "22"}}]}


async def _json(response: Any, status: int) -> Any:
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


@pytest.fixture
async def seeded(client: Any) -> Any:
    await seed_via_api(client)
    platform = {"code": "EMSP-DE", "name": "German eMSP", "roaming_profile": "TRI-OCPI",
                "type": "EMSP", "protocol": "OCPI", "url": "https://emsp.example.com/ocpi",
                "country": "DE", "roaming_identifier": "EMS"}
    await _json(await client.post(f"{API}/roaming/platforms", json=platform), 201)
    return client


async def test_tariff_crud_and_frames(seeded: Any) -> None:
    created = await _json(await seeded.post(f"{API}/roaming/tariffs",
                                            json={k: v for k, v in DAY.items()}), 201)
    assert created["currency"] == "EUR"  # the site's currency by default
    assert created["details"][0]["energy"]["price"] == "0.30"
    overlap = dict(DAY, valid_from="2026-06-01T00:00:00Z", valid_to="2027-06-01T00:00:00Z")
    await _json(await seeded.post(f"{API}/roaming/tariffs", json=overlap), 409)
    later = dict(DAY, valid_from="2027-01-01T00:00:00Z", valid_to=None, name="2027 prices")
    second = await _json(await seeded.post(f"{API}/roaming/tariffs", json=later), 201)
    listed = await _json(await seeded.get(f"{API}/roaming/tariffs?code=DAY"), 200)
    assert [t["name"] for t in listed] == ["Daytime AC", "2027 prices"]
    renamed = await _json(await seeded.patch(f"{API}/roaming/tariffs/{created['id']}",
                                             json={"name": "Day"}), 200)
    assert renamed["name"] == "Day"
    await _json(await seeded.patch(f"{API}/roaming/tariffs/{created['id']}",
                                   json={"code": "OTHER"}), 422)
    await _json(await seeded.patch(f"{API}/roaming/tariffs/{second['id']}",
                                   json={"valid_from": "2026-12-01T00:00:00Z"}), 409)
    bad = await _json(await seeded.post(f"{API}/roaming/tariffs", json=dict(
        DAY, code="BAD", details=[{"energy": {"price": "-1"}}])), 422)
    assert bad["status"] == 422
    await _json(await seeded.get(f"{API}/roaming/tariffs/99999"), 404)


async def test_assignment_resolution_and_deletion(seeded: Any) -> None:
    tariff = await _json(await seeded.post(f"{API}/roaming/tariffs", json=DAY), 201)
    night = dict(DAY, code="NIGHT", name="Night")
    await _json(await seeded.post(f"{API}/roaming/tariffs", json=night), 201)
    resolve = f"{API}/roaming/tariffs/resolve?platform=EMSP-DE&charger=B1C1" \
              "&at=2026-11-21T10:00:00Z"
    assert (await _json(await seeded.get(resolve), 200))["tariffs"] == []
    await _json(await seeded.put(f"{API}/roaming/tariff-assignments/site/SITE-1",
                                 json={"tariffs": ["DAY"]}), 200)
    assert (await _json(await seeded.get(resolve), 200))["tariffs"] == []  # no platform yet
    await _json(await seeded.put(f"{API}/roaming/tariff-assignments/platform/EMSP-DE",
                                 json={"tariffs": ["DAY", "NIGHT"]}), 200)
    assert (await _json(await seeded.get(resolve), 200))["tariffs"] == ["DAY"]
    await _json(await seeded.put(f"{API}/roaming/tariff-assignments/charger/B1C1",
                                 json={"tariffs": ["NIGHT"]}), 200)
    assert (await _json(await seeded.get(resolve), 200))["tariffs"] == ["NIGHT"]
    other = f"{API}/roaming/tariffs/resolve?platform=EMSP-DE&charger=B2C1" \
            "&at=2026-11-21T10:00:00Z"
    assert (await _json(await seeded.get(other), 200))["tariffs"] == ["DAY"]
    expired = resolve.replace("2026-11-21", "2027-02-01")
    assert (await _json(await seeded.get(expired), 200))["tariffs"] == []
    assigned = await _json(await seeded.get(
        f"{API}/roaming/tariff-assignments/platform/EMSP-DE"), 200)
    assert assigned == {"tariffs": ["DAY", "NIGHT"]}
    await _json(await seeded.put(f"{API}/roaming/tariff-assignments/charger/B1C1",
                                 json={"tariffs": ["NOPE"]}), 422)
    await _json(await seeded.put(f"{API}/roaming/tariff-assignments/charger/NOPE",
                                 json={"tariffs": []}), 404)
    refused = await _json(await seeded.delete(f"{API}/roaming/tariffs/{tariff['id']}"), 409)
    assert set(refused["references"]) == {"site", "platform"}


async def test_ocpi_conversion(seeded: Any) -> None:
    tariff = await _json(await seeded.post(f"{API}/roaming/tariffs", json=DAY), 201)
    ocpi = await _json(await seeded.get(f"{API}/roaming/tariffs/{tariff['id']}/ocpi"), 200)
    assert (ocpi["country_code"], ocpi["party_id"], ocpi["id"], ocpi["currency"]) == (
        "SI", "TRI", "DAY", "EUR")
    components = {c["type"]: c for e in ocpi["elements"] for c in e["price_components"]}
    assert Decimal(str(components["ENERGY"]["price"])) == Decimal("0.30")
    assert Decimal(str(components["ENERGY"]["vat"])) == Decimal("22")
    assert "PARKING_TIME" in components


@pytest.mark.parametrize("case", ["simple_025kwh/cdr1.json", "step_size/cdr1.json",
                                  "multiple_flat_fees/cdr.json"])
async def test_price_checker_matches_vectors(seeded: Any, case: str) -> None:
    folder, name = case.split("/")
    tariff = json.loads((VECTORS / folder / "tariff.json").read_text())
    cdr = json.loads((VECTORS / folder / name).read_text())
    body = await _json(await seeded.post(f"{API}/tariffs/price",
                                         json={"tariff": tariff, "cdr": cdr}), 200)
    totals = body["totals"]
    expected = cdr["total_cost"]
    assert Decimal(str(totals["total_cost"]["excl_vat"])) == Decimal(str(expected["excl_vat"]))
    if "incl_vat" in expected:
        assert Decimal(str(totals["total_cost"]["incl_vat"])).quantize(Decimal("0.0001")) == \
            Decimal(str(expected["incl_vat"])).quantize(Decimal("0.0001"))
