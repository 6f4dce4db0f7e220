"""Payment terminals through the admin API and the CLI, on the seeded demo network: CRUD,
assignment to an area or a connector (one at a time), activation, the rules, and the
references that protect assigned infrastructure."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.cli import _parser, _settings

PTP = {"code": "PTP-1", "name": "Pay terminals", "roaming_profile": "TRI-OCPI",
       "type": "PTP", "protocol": "OCPI", "url": "https://ptp.example/ocpi/versions",
       "country": "AT", "roaming_identifier": "PTP"}


async def _create(gateway: Any, **body: Any) -> dict[str, Any]:
    status, created = await gateway.admin("POST", "/terminals", json={
        "code": "TERM-1", "name": "Lobby terminal"} | body)
    assert status == 201, created
    return dict(created)


async def test_terminal_crud_and_listing(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    created = await _create(gateway, description="At the entrance", address="Slovenska 1",
                            city="Ljubljana", postal_code="1000", country="SI",
                            latitude="46.0569", longitude="14.5058", operator="OP-1")
    assert created["type"] == "PAYMENT" and created["active"] is True
    assert created["area"] is None and created["connector"] is None
    assert created["roaming_in_sync"] is None  # a local terminal has no PTP
    assert created["warnings"] == []
    status, _ = await gateway.admin("POST", "/terminals", json={"code": "TERM-1",
                                                                 "name": "x"})
    assert status == 409
    status, problem = await gateway.admin("POST", "/terminals", json={
        "code": "T2", "name": "x", "latitude": "46"})
    assert status == 422 and "latitude and longitude" in json.dumps(problem)
    status, problem = await gateway.admin("POST", "/terminals", json={
        "code": "T2", "name": "x", "operator": "NOPE"})
    assert status == 422 and problem["errors"][0]["loc"] == ["operator"]
    status, problem = await gateway.admin("POST", "/terminals", json={
        "code": "T2", "name": "x", "roaming_id": "abc"})
    assert status == 422  # a roaming id needs its platform
    status, updated = await gateway.admin("PATCH", "/terminals/TERM-1",
                                          json={"name": "Lobby", "description": None})
    assert status == 200 and updated["name"] == "Lobby" and updated["description"] is None
    status, _ = await gateway.admin("PATCH", "/terminals/TERM-1", json={"active": False})
    assert status == 422  # activation is its own operation
    await _create(gateway, code="TERM-2", name="Garage terminal")
    response = await gateway.client.get("/admin/api/v1/terminals?name=garage")
    assert response.headers["X-Total-Count"] == "1"
    assert [t["code"] for t in await response.json()] == ["TERM-2"]
    csv = await gateway.client.get("/admin/api/v1/terminals?operator=OP-1",
                                   headers={"Accept": "text/csv"})
    text = await csv.text()
    assert {"code", "area", "connector", "active"} <= set(text.splitlines()[0].split(","))
    assert len(text.splitlines()) == 2 and "TERM-1" in text
    status, problem = await gateway.admin("GET", "/terminals?colour=red")
    assert status == 422
    assert (await gateway.admin("DELETE", "/terminals/TERM-2"))[0] == 204
    assert (await gateway.admin("GET", "/terminals/TERM-2"))[0] == 404


async def test_assignment_to_area_or_connector(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    await _create(gateway)
    _, before = await gateway.admin("GET", "/connectors/B1C1/2")
    status, assigned = await gateway.admin("PUT", "/terminals/TERM-1/assignment",
                                           json={"area": "AREA-1"})
    assert status == 200, assigned
    assert (assigned["area"], assigned["connector"]) == ("AREA-1", None)
    assert assigned["location_ids"] == ["0101"] and assigned["evse_uids"] == []
    _, after = await gateway.admin("GET", "/connectors/B1C1/2")
    assert after["updated_at"] > before["updated_at"]  # its EVSE gained capabilities
    # One target at a time: a connector replaces the area.
    status, assigned = await gateway.admin("PUT", "/terminals/TERM-1/assignment",
                                           json={"connector": "B1C1/2"})
    assert status == 200, assigned
    assert (assigned["area"], assigned["charger"], assigned["connector"]) == (
        None, "B1C1", "2")
    assert assigned["location_ids"] == [] and assigned["evse_uids"] == ["010108"]
    status, problem = await gateway.admin("PUT", "/terminals/TERM-1/assignment",
                                          json={"connector": "1"})
    assert status == 422 and "B1C1, B2C1" in problem["detail"]  # "1" is on both chargers
    status, assigned = await gateway.admin("PUT", "/terminals/TERM-1/assignment",
                                           json={"connector": "1", "charger": "B2C1"})
    assert status == 200 and assigned["evse_uids"] == ["020101"]
    for body in ({"area": "AREA-1", "connector": "B1C1/1"}, {}, {"charger": "B1C1"},
                 {"area": "NOPE"}, {"connector": "B1C1/9"}, {"connector": "x/y/z"}):
        status, _ = await gateway.admin("PUT", "/terminals/TERM-1/assignment", json=body)
        assert status == 422, body
    # The area and connector are protected while a terminal names them.
    status, problem = await gateway.admin("DELETE", "/connectors/B2C1/1")
    assert status == 409 and problem["references"] == {"terminals": ["TERM-1"]}
    status, unassigned = await gateway.admin("DELETE", "/terminals/TERM-1/assignment")
    assert status == 200 and unassigned["connector"] is None and unassigned["evse_uids"] == []
    status, deactivated = await gateway.admin("POST", "/terminals/TERM-1/deactivate")
    assert status == 200 and deactivated["active"] is False
    status, again = await gateway.admin("POST", "/terminals/TERM-1/deactivate")
    assert status == 200 and again["warnings"] == ["terminal 'TERM-1' is already inactive"]
    status, activated = await gateway.admin("POST", "/terminals/TERM-1/activate")
    assert status == 200 and activated["active"] is True


async def test_ptp_terminal_rules(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    status, _ = await gateway.admin("POST", "/roaming/platforms", json=PTP)
    assert status == 201
    status, problem = await gateway.admin("POST", "/terminals", json={
        "code": "T", "name": "x", "platform": "TRI-OCPI"})
    assert status == 422  # not a platform
    emsp = PTP | {"code": "EMSP-1", "type": "EMSP", "roaming_identifier": "EMS"}
    assert (await gateway.admin("POST", "/roaming/platforms", json=emsp))[0] == 201
    status, problem = await gateway.admin("POST", "/terminals", json={
        "code": "T", "name": "x", "platform": "EMSP-1"})
    assert status == 422 and "not a payment terminal provider" in problem["detail"]
    # Waiting for activation: no terminal id at the PTP yet.
    pending = await _create(gateway, platform="PTP-1", roaming_reference="SN-42")
    assert pending["active"] is False and pending["roaming_in_sync"] is True
    status, problem = await gateway.admin("POST", "/terminals", json={
        "code": "T3", "name": "x", "platform": "PTP-1", "roaming_reference": "SN-42"})
    assert status == 409 and problem["errors"][0]["loc"] == ["roaming_reference"]
    # Infrastructure without a roaming id cannot carry a PTP terminal.
    await gateway.admin("POST", "/areas", json={"code": "AREA-2", "name": "Garage",
                                                "parent": "AREA-1"})
    status, problem = await gateway.admin("PUT", "/terminals/TERM-1/assignment",
                                          json={"area": "AREA-2"})
    assert status == 422 and "no roaming id" in problem["detail"]
    # Sub-areas count: AREA-1's assignment covers AREA-2's Location once it has an id.
    await gateway.admin("PATCH", "/areas/AREA-2", json={"roaming_id": "0102"})
    status, assigned = await gateway.admin("PUT", "/terminals/TERM-1/assignment",
                                           json={"area": "AREA-1"})
    assert status == 200 and assigned["location_ids"] == ["0101", "0102"]
    # The PTP is not registered: the change waits, and says so.
    assert assigned["roaming_in_sync"] is False
    assert assigned["warnings"] == [
        "not sent to the PTP: terminal 'TERM-1' has no terminal id at the PTP yet "
        "(activate it)"]
    status, problem = await gateway.admin("DELETE", "/roaming/platforms/PTP-1")
    assert status == 409 and problem["references"]["terminals"] == ["TERM-1"]
    status, problem = await gateway.admin("DELETE", "/areas/AREA-1")
    assert status == 409 and "terminals" in problem["references"]


def _printed(out: str) -> Any:
    return json.loads(out[out.index("{\n"):out.rindex("\n}") + 2])


async def test_cli(sqlite_gateway: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
                   ) -> None:
    gateway = sqlite_gateway
    await _create(gateway)
    url = gateway.deps.engine.url.render_as_string(hide_password=False)

    async def evgw(*argv: str) -> int:
        args = _parser().parse_args(["terminal", *argv, "--database-url", url,
                                     "--data-dir", str(tmp_path / "cli")])
        result: int = await args.handler(_settings(args), args)
        return result

    assert await evgw("assign", "TERM-1", "--connector", "2", "--charger", "B1C1") == 0
    assert _printed(capsys.readouterr().out)["evse_uids"] == ["010108"]
    assert await evgw("show", "TERM-1") == 0
    assert _printed(capsys.readouterr().out)["connector"] == "2"
    assert await evgw("list", "--active", "true") == 0
    assert _printed(capsys.readouterr().out)["total"] == 1
    assert await evgw("deactivate", "TERM-1") == 0
    assert _printed(capsys.readouterr().out)["active"] is False
    assert await evgw("unassign", "TERM-1") == 0
    capsys.readouterr()
    _, seen = await gateway.admin("GET", "/terminals/TERM-1")
    assert seen["connector"] is None and seen["active"] is False  # one database
    assert await evgw("assign", "TERM-1", "--area", "NOPE") == 2
    assert "area 'NOPE' does not exist" in capsys.readouterr().err
    assert await evgw("pull", "NOPE") == 2


async def test_confirmations_of_a_session_need_a_session_id(sqlite_gateway: Any) -> None:
    gateway = sqlite_gateway
    # "²" is a digit int() refuses; 2**63 is beyond the database's 64-bit ids.
    for raw in ("abc", "%C2%B2", "-1", "9223372036854775808", "99999999999999999999"):
        status, _ = await gateway.admin("GET", f"/sessions/{raw}/financial-advice-confirmations")
        assert status == 404, raw
    for raw in ("9223372036854775808", "-9223372036854775809"):
        status, problem = await gateway.admin(
            "GET", f"/financial-advice-confirmations?session={raw}")
        assert status == 422 and problem["errors"][0]["loc"] == ["session"], (raw, problem)
    status, none = await gateway.admin("GET", "/sessions/1/financial-advice-confirmations")
    assert status == 200 and none == []
