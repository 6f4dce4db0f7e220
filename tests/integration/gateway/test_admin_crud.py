"""CRUD and every validation rule of the network model, through the HTTP API, on SQLite
and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.admin_api import API, collection, seed_via_api


async def _json(response: Any, status: int) -> Any:
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


@pytest.fixture
async def seeded(client: Any) -> Any:
    await seed_via_api(client)
    return client


async def test_demo_network_reads_back(seeded: Any) -> None:
    stations = await _json(await seeded.get(f"{API}/stations"), 200)
    assert [s["code"] for s in stations] == ["station-01", "station-02"]
    assert stations[0]["ocpp_protocol"] == "1.6"
    assert stations[0]["connection_state"] == "DISCONNECTED"
    connector = await _json(await seeded.get(f"{API}/connectors/B1C1/1"), 200)
    assert connector["roaming_id"] == "010107"
    assert connector["wattage_limit_w"] == 50000
    area = await _json(await seeded.get(f"{API}/areas/AREA-1"), 200)
    assert (area["site"], area["operator"], area["roaming_id"]) == ("SITE-1", "OP-1", "0101")
    assert area["latitude"] == "46.0569000"
    token = await _json(await seeded.get(f"{API}/tokens/DEMO-RFID-BLOCKED"), 200)
    assert token["status"] == "BLOCKED" and token["customer"] == "CUST-1"
    platforms = await _json(await seeded.get(f"{API}/roaming/profiles?protocol=OICP"), 200)
    assert [p["roaming_identifier"] for p in platforms] == ["SI*TRI"]


async def test_create_update_delete_roundtrip(seeded: Any) -> None:
    body = {"code": "HUB-1", "name": "Hub", "roaming_profile": "TRI-OCPI", "type": "HUB",
            "protocol": "OCPI", "url": "https://hub.example.com/ocpi/versions",
            "country": "DE", "roaming_identifier": "HUB"}
    created = await seeded.post(f"{API}/roaming/platforms", json=body)
    data = await _json(created, 201)
    assert created.headers["Location"] == f"{API}/roaming/platforms/HUB-1"
    assert data["roaming_profile"] == "TRI-OCPI" and data["warnings"] == []
    patched = await _json(await seeded.patch(f"{API}/roaming/platforms/HUB-1",
                                             json={"name": "Renamed"}), 200)
    assert patched["name"] == "Renamed" and patched["url"] == body["url"]
    assert patched["updated_at"] >= patched["created_at"]
    assert (await seeded.delete(f"{API}/roaming/platforms/HUB-1")).status == 204
    await _json(await seeded.get(f"{API}/roaming/platforms/HUB-1"), 404)


async def test_code_is_unique_and_immutable(seeded: Any) -> None:
    again = await seeded.post(f"{API}/operators", json={"code": "OP-1", "name": "Again"})
    problem = await _json(again, 409)
    assert problem["errors"][0]["loc"] == ["code"]
    renamed = await seeded.patch(f"{API}/operators/OP-1", json={"code": "OP-2"})
    problem = await _json(renamed, 422)
    assert problem["errors"][0]["loc"] == ["code"]
    assert again.content_type == "application/problem+json"


async def test_roaming_id_unique_within_its_scope(seeded: Any) -> None:
    # Area and charger both use 0101: different scopes, allowed (as in the demo).
    clash = await seeded.post(collection("connectors"), json={
        "code": "3", "name": "dup", "charger": "B1C1", "ocpp_connector_id": 3,
        "standard": "TYPE_2", "format": "SOCKET", "wattage_limit_w": 7400,
        "roaming_id": "020101"})
    problem = await _json(clash, 409)
    assert problem["errors"][0]["loc"] == ["roaming_id"]
    assert "B2C1/1" in problem["detail"]
    blank = await seeded.patch(f"{API}/areas/AREA-1", json={"roaming_id": "  "})
    assert (await _json(blank, 422))["errors"][0]["loc"] == ["roaming_id"]


async def test_charger_needs_roaming_id_to_be_roaming_enabled(seeded: Any) -> None:
    response = await seeded.patch(f"{API}/chargers/B1C1", json={"roaming_id": None})
    problem = await _json(response, 422)
    assert "roaming-enabled without a roaming id" in problem["errors"][0]["msg"]
    ok = await seeded.patch(f"{API}/chargers/B1C1",
                            json={"roaming_id": None, "roaming_enabled": False})
    assert (await _json(ok, 200))["roaming_id"] is None


async def test_delete_refused_while_referenced(seeded: Any) -> None:
    response = await seeded.delete(f"{API}/chargers/B1C1")
    problem = await _json(response, 409)
    assert problem["references"] == {"connectors": ["1", "2"]}
    assert "connectors: 1, 2" in problem["detail"]
    for code in ("1", "2"):
        assert (await seeded.delete(f"{API}/connectors/B1C1/{code}")).status == 204
    assert (await seeded.delete(f"{API}/chargers/B1C1")).status == 204
    profile = await _json(await seeded.delete(f"{API}/operators/OP-1"), 409)
    assert profile["references"] == {"areas": ["AREA-1"]}


async def test_moving_exposed_objects_warns(seeded: Any) -> None:
    await _json(await seeded.post(f"{API}/operators", json={"code": "OP-2", "name": "Other"}),
                201)
    moved = await _json(await seeded.patch(f"{API}/areas/AREA-1", json={"operator": "OP-2"}),
                        200)
    assert moved["operator"] == "OP-2"
    assert any("exposed in roaming" in w for w in moved["warnings"])
    await _json(await seeded.post(f"{API}/areas", json={"code": "AREA-2", "name": "Other"}), 201)
    station = await _json(await seeded.patch(f"{API}/stations/station-01",
                                              json={"area": "AREA-2"}), 200)
    assert station["area"] == "AREA-2"
    assert any("station 'station-01' is exposed" in w for w in station["warnings"])
    quiet = await _json(await seeded.patch(f"{API}/stations/station-01",
                                           json={"area": "AREA-1"}), 200)
    assert quiet["warnings"] == []  # AREA-2 has no roaming id: nothing was exposed


async def test_area_roaming_id_without_phone_warns(seeded: Any) -> None:
    created = await _json(await seeded.post(f"{API}/areas", json={
        "code": "AREA-3", "name": "No phone", "roaming_id": "0301"}), 201)
    assert any("no phone number" in w for w in created["warnings"])
    with_operator_phone = await _json(await seeded.post(f"{API}/areas", json={
        "code": "AREA-4", "name": "Operator phone", "operator": "OP-1",
        "roaming_id": "0401"}), 201)
    assert with_operator_phone["warnings"] == []


async def test_unknown_reference_is_a_field_error(seeded: Any) -> None:
    response = await seeded.post(f"{API}/stations", json={
        "code": "s3", "name": "s3", "area": "NOPE", "connection_identifier": "s3",
        "ocpp_protocol": "2.0.1"})
    problem = await _json(response, 422)
    assert problem["errors"] == [
        {"loc": ["area"], "msg": "area 'NOPE' does not exist", "type": "rule_violated"}]


async def test_connection_identifier_unique(seeded: Any) -> None:
    response = await seeded.post(f"{API}/stations", json={
        "code": "s3", "name": "s3", "area": "AREA-1", "connection_identifier": "station-01",
        "ocpp_protocol": "2.0.1"})
    assert (await _json(response, 409))["errors"][0]["loc"] == ["connection_identifier"]


async def test_ocpp16_station_has_one_charger(seeded: Any) -> None:
    response = await seeded.post(f"{API}/chargers", json={
        "code": "B1C2", "name": "second", "station": "station-01", "evse_id": 2,
        "electric_current_type": "AC_3_PHASE"})
    assert (await _json(response, 422))["errors"][0]["loc"] == ["station"]
    second = await seeded.post(f"{API}/chargers", json={
        "code": "B2C2", "name": "second", "station": "station-02", "evse_id": 2,
        "electric_current_type": "AC_3_PHASE"})
    await _json(second, 201)
    downgrade = await seeded.patch(f"{API}/stations/station-02", json={"ocpp_protocol": "1.6"})
    assert (await _json(downgrade, 422))["errors"][0]["loc"] == ["ocpp_protocol"]
    same_evse = await seeded.post(f"{API}/chargers", json={
        "code": "B2C3", "name": "third", "station": "station-02", "evse_id": 2,
        "electric_current_type": "DC"})
    assert (await _json(same_evse, 409))["errors"][0]["loc"] == ["evse_id"]


async def test_connector_codes_scoped_by_charger(seeded: Any) -> None:
    dup_ocpp_id = await seeded.post(f"{API}/connectors", json={
        "code": "9", "name": "x", "charger": "B1C1", "ocpp_connector_id": 1,
        "standard": "TYPE_2", "format": "SOCKET", "wattage_limit_w": 7400})
    assert (await _json(dup_ocpp_id, 409))["errors"][0]["loc"] == ["ocpp_connector_id"]
    dup_code = await seeded.post(f"{API}/connectors", json={
        "code": "1", "name": "x", "charger": "B1C1", "ocpp_connector_id": 5,
        "standard": "TYPE_2", "format": "SOCKET", "wattage_limit_w": 7400})
    assert (await _json(dup_code, 409))["errors"][0]["loc"] == ["code"]
    move = await seeded.patch(f"{API}/connectors/B1C1/2", json={"charger": "B2C1"})
    assert (await _json(move, 422))["errors"][0]["loc"] == ["charger"]
    bad_pf = await seeded.patch(f"{API}/connectors/B1C1/2", json={"power_factor": "1.2"})
    assert (await _json(bad_pf, 422))["errors"][0]["loc"] == ["power_factor"]


async def test_area_hierarchy_refuses_cycles(seeded: Any) -> None:
    await _json(await seeded.post(f"{API}/areas", json={
        "code": "HALL-A", "name": "Hall A", "parent": "AREA-1"}), 201)
    cycle = await seeded.patch(f"{API}/areas/AREA-1", json={"parent": "HALL-A"})
    assert (await _json(cycle, 422))["errors"][0]["loc"] == ["parent"]
    children = await _json(await seeded.get(f"{API}/areas?parent=AREA-1"), 200)
    assert [a["code"] for a in children] == ["HALL-A"]


async def test_roaming_identifier_format_per_protocol(seeded: Any) -> None:
    bad_ocpi = await seeded.post(f"{API}/roaming/profiles", json={
        "code": "X", "name": "x", "type": "CPO", "protocol": "OCPI", "country_code": "SI",
        "roaming_identifier": "TOOLONG"})
    assert "three upper-case" in (await _json(bad_ocpi, 422))["errors"][0]["msg"]
    wrong_country = await seeded.post(f"{API}/roaming/profiles", json={
        "code": "X", "name": "x", "type": "CPO", "protocol": "OICP", "country_code": "DE",
        "roaming_identifier": "SI*ABC"})
    assert "country code DE" in (await _json(wrong_country, 422))["errors"][0]["msg"]
    duplicate = await seeded.post(f"{API}/roaming/profiles", json={
        "code": "X", "name": "x", "type": "EMSP", "protocol": "OCPI", "country_code": "SI",
        "roaming_identifier": "TRI"})
    assert (await _json(duplicate, 409))["errors"][0]["loc"] == ["roaming_identifier"]
    mismatch = await seeded.post(f"{API}/roaming/platforms", json={
        "code": "P", "name": "p", "roaming_profile": "TRI-OICP", "type": "HUB",
        "protocol": "OCPI", "url": "https://x.example.com", "country": "DE",
        "roaming_identifier": "HUB"})
    assert (await _json(mismatch, 422))["errors"][0]["loc"] == ["protocol"]


async def test_site_settings_and_time_zone(seeded: Any) -> None:
    site = await _json(await seeded.get(f"{API}/sites/SITE-1"), 200)
    assert site["session_rating"]["reactivation_grace_period_s"] == 900
    assert site["session_rating"]["termination_strategy"] == "CHARGING_END"
    updated = await _json(await seeded.patch(f"{API}/sites/SITE-1", json={
        "session_rating": {"monetary_limit": "25.50", "energy_price": "0.35",
                           "reactivation_grace_period_s": 600}}), 200)
    assert updated["session_rating"]["monetary_limit"] == "25.50"
    bad = await seeded.patch(f"{API}/sites/SITE-1", json={"time_zone": "Mars/Olympus"})
    assert (await _json(bad, 422))["errors"][0]["loc"] == ["time_zone"]
    operator = await _json(await seeded.patch(f"{API}/operators/OP-1", json={
        "session_rating": {"energy_limit_kwh": "40"}}), 200)
    assert operator["session_rating"]["energy_limit_kwh"] == "40"


async def test_area_needs_a_site_when_several_exist(seeded: Any) -> None:
    await _json(await seeded.post(f"{API}/sites", json={
        "code": "SITE-2", "name": "Two", "country": "HR", "currency": "EUR",
        "time_zone": "Europe/Zagreb"}), 201)
    response = await seeded.post(f"{API}/areas", json={"code": "A9", "name": "a"})
    assert (await _json(response, 422))["errors"][0]["loc"] == ["site"]


async def test_lists_paginate_and_filter(seeded: Any) -> None:
    page = await seeded.get(f"{API}/connectors?limit=2&offset=1")
    body = await _json(page, 200)
    assert page.headers["X-Total-Count"] == "3"
    assert [(c["charger"], c["code"]) for c in body] == [("B1C1", "2"), ("B2C1", "1")]
    by_operator = await _json(await seeded.get(f"{API}/stations?operator=OP-1&name=01"), 200)
    assert [s["code"] for s in by_operator] == ["station-01"]
    by_status = await _json(await seeded.get(f"{API}/stations?status=DISCONNECTED"), 200)
    assert len(by_status) == 2
    none = await _json(await seeded.get(f"{API}/stations?status=OPERATIVE"), 200)
    assert none == []
    chargers = await _json(await seeded.get(f"{API}/chargers?station=station-02"), 200)
    assert [c["code"] for c in chargers] == ["B2C1"]
    like = await _json(await seeded.get(f"{API}/stations?name=%25"), 200)
    assert like == []  # % is matched literally, not as a wildcard
    unknown = await seeded.get(f"{API}/stations?colour=red")
    assert (await _json(unknown, 422))["errors"][0]["loc"] == ["colour"]
    bad_limit = await seeded.get(f"{API}/stations?limit=0")
    assert (await _json(bad_limit, 400))["errors"][0]["loc"] == ["query", "limit"]


async def test_malformed_json_is_400(seeded: Any) -> None:
    response = await seeded.post(f"{API}/sites", data=b"{not json",
                                 headers={"Content-Type": "application/json"})
    problem = await _json(response, 400)
    assert problem["title"] == "Bad request"
    assert response.content_type == "application/problem+json"


async def test_read_only_fields_are_not_writable(seeded: Any) -> None:
    response = await seeded.patch(f"{API}/stations/station-01", json={"serial_number": "X"})
    assert (await _json(response, 422))["errors"][0]["loc"] == ["serial_number"]
