"""Charging profiles (assignment, composite schedule, load-balancing exclusion, clearing)
and what runs at connection (boot configuration toggles, configuration templates in
priority order and batches) against simulated chargers of both versions."""

from __future__ import annotations

import asyncio
from typing import Any

S16, S201 = "station-01", "station-02"
DAILY = {
    "code": "NIGHT-20KW", "name": "20 kW at night, 10 kW by day", "stack_level": 2,
    "type": "recurring", "recurrency": "daily", "purpose": "charger_total_limit",
    "duration_s": 86400, "schedule_start": "2026-11-21T00:00:00Z", "unit": "W",
    "periods": [{"start": 0, "start_unit": "hours", "limit": "20000"},
                {"start": 6, "start_unit": "hours", "limit": "10000"},
                {"start": 22, "start_unit": "hours", "limit": "20000"}],
}
SCHEDULE = {"startSchedule": "2026-11-21T00:00:00Z", "duration": 86400,
            "chargingRateUnit": "W", "chargingSchedulePeriod": [
                {"startPeriod": 0, "limit": 20000}, {"startPeriod": 21600, "limit": 10000},
                {"startPeriod": 79200, "limit": 20000}]}


def _accept(payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}


async def test_daily_profile_becomes_ocpp_schedules_and_composite(gateway: Any) -> None:
    status, profile = await gateway.admin("POST", "/charging-profiles", json=DAILY)
    assert status == 201, profile
    composite16 = {"status": "Accepted", "connectorId": 0,
                   "scheduleStart": "2026-11-21T08:00:00Z",
                   "chargingSchedule": {"duration": 86400, "chargingRateUnit": "W",
                                        "chargingSchedulePeriod": [
                                            {"startPeriod": 0, "limit": 10000},
                                            {"startPeriod": 50400, "limit": 20000},
                                            {"startPeriod": 79200, "limit": 10000}]}}
    sim = gateway.charger(S16, handlers={"SetChargingProfile": _accept,
                                         "GetCompositeSchedule": lambda p: composite16})
    async with sim:
        _, body = await gateway.admin("POST", f"/stations/{S16}/operations/set-charging-profile",
                                      json={"profile": "NIGHT-20KW"})
        assert body["status"] == "Accepted"
        assert sim.received[-1] == ("SetChargingProfile", {"connectorId": 0,
                                                           "csChargingProfiles": {
            "chargingProfileId": profile["id"], "stackLevel": 2,
            "chargingProfilePurpose": "ChargePointMaxProfile",
            "chargingProfileKind": "Recurring", "recurrencyKind": "Daily",
            "chargingSchedule": SCHEDULE}})
        _, body = await gateway.admin(
            "POST", f"/stations/{S16}/operations/get-composite-schedule",
            json={"duration_s": 86400, "unit": "W"})
        assert sim.received[-1] == ("GetCompositeSchedule", {
            "connectorId": 0, "duration": 86400, "chargingRateUnit": "W"})
    # from 08:00: 10 kW until 22:00, 20 kW until 06:00 the next day, then 10 kW again
    expected = {"schedule_start": "2026-11-21T08:00:00Z", "duration_s": 86400, "unit": "W",
                "periods": [{"start_s": 0, "limit": "10000", "number_phases": None},
                            {"start_s": 14 * 3600, "limit": "20000", "number_phases": None},
                            {"start_s": 22 * 3600, "limit": "10000", "number_phases": None}]}
    assert body["details"]["expected"] == expected
    assert body["details"]["reported"]["periods"] == expected["periods"]

    sim = gateway.charger(S201, "ocpp2.0.1", handlers={"SetChargingProfile": _accept})
    async with sim:
        await gateway.admin("POST", f"/stations/{S201}/operations/set-charging-profile",
                            json={"profile": "NIGHT-20KW"})
    assert sim.received == [("SetChargingProfile", {"evseId": 0, "chargingProfile": {
        "id": profile["id"], "stackLevel": 2,
        "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Recurring", "recurrencyKind": "Daily",
        "chargingSchedule": [{"id": profile["id"], **SCHEDULE}]}})]
    _, holders = await gateway.admin("GET", "/charging-profiles/NIGHT-20KW/assignments")
    assert sorted(h["charger"] for h in holders) == ["B1C1", "B2C1"]
    status, _ = await gateway.admin("DELETE", "/charging-profiles/NIGHT-20KW")
    assert status == 409  # still held by chargers


async def test_rejected_profile_is_reported_and_kept_visible(gateway: Any) -> None:
    await gateway.admin("POST", "/charging-profiles", json=DAILY)
    async with gateway.charger(S201, "ocpp2.0.1",
                               handlers={"SetChargingProfile": lambda p: {
                                   "status": "Rejected"}}):
        _, body = await gateway.admin("POST",
                                      f"/stations/{S201}/operations/set-charging-profile",
                                      json={"profile": "NIGHT-20KW"})
    assert body["status"] == "Rejected"
    _, holders = await gateway.admin("GET", "/charging-profiles/NIGHT-20KW/assignments")
    assert [(h["charger"], h["status"]) for h in holders] == [("B2C1", "REJECTED")]


async def test_profiles_and_dynamic_load_balancing_exclude_each_other(gateway: Any) -> None:
    await gateway.admin("POST", "/charging-profiles", json=DAILY)
    status, _ = await gateway.admin("PUT", "/areas/AREA-1/load-balancing",
                                    json={"dynamic_load_balancing": True})
    assert status == 200
    async with gateway.charger(S16, handlers={"SetChargingProfile": _accept}) as sim:
        status, problem = await gateway.admin(
            "POST", f"/stations/{S16}/operations/set-charging-profile",
            json={"profile": "NIGHT-20KW"})
        assert status == 409 and "load balancing" in problem["detail"]
        assert sim.received == []
        await gateway.admin("PUT", "/areas/AREA-1/load-balancing",
                            json={"dynamic_load_balancing": False})
        _, body = await gateway.admin("POST",
                                      f"/stations/{S16}/operations/set-charging-profile",
                                      json={"profile": "NIGHT-20KW"})
        assert body["status"] == "Accepted"
        status, _ = await gateway.admin("PUT", "/areas/AREA-1/load-balancing",
                                        json={"dynamic_load_balancing": True})
        assert status == 409  # a charger of the area holds a profile
        sim.handlers["ClearChargingProfile"] = _accept
        _, cleared = await gateway.admin("POST",
                                         f"/stations/{S16}/operations/clear-charging-profile",
                                         json={"profile": "NIGHT-20KW"})
        assert cleared["status"] == "Accepted"
        assert sim.received[-1][1] == {"id": 1}
    status, _ = await gateway.admin("PUT", "/areas/AREA-1/load-balancing",
                                    json={"dynamic_load_balancing": True})
    assert status == 200


async def test_invalid_profiles_are_422(gateway: Any) -> None:
    bad = [{**DAILY, "periods": [{"start": 1, "limit": "10"}]},
           {**DAILY, "recurrency": None},
           {**DAILY, "type": "one_time"},
           {**DAILY, "energy_limit_kwh": "20"},
           {**DAILY, "periods": [{"start": 0, "limit": "10.25"}]}]
    for body in bad:
        status, _ = await gateway.admin("POST", "/charging-profiles", json=body)
        assert status == 422, body


async def _wait_for(condition: Any) -> None:
    for _ in range(300):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def test_templates_apply_in_priority_order_and_batches_at_connect(gateway: Any) -> None:
    low = {"code": "LOW", "name": "Low", "priority": 1, "batch_size": 2, "areas": ["AREA-1"],
           "settings": [{"parameter": "heartbeat_interval", "value": "600"},
                        {"parameter": "reset_retries", "value": "2"},
                        {"parameter": "local_auth_list_enabled", "value": "true"}]}
    high = {"code": "HIGH", "name": "High", "priority": 10, "batch_size": 5,
            "stations": [S201, S16], "settings": [
                {"parameter": "sampled_data_interval", "value": "60"},
                {"parameter": "authorize_remote_start", "value": "false", "charger": "B2C1"}]}
    only16 = {"code": "ONLY16", "name": "1.6 only", "priority": 50, "ocpp_protocol": "1.6",
              "areas": ["AREA-1"], "settings": [{"parameter": "ConnectionTimeOut",
                                                 "value": "90"}]}
    expired = {"code": "OLD", "name": "Old", "priority": 99, "areas": ["AREA-1"],
               "valid_to": "2026-01-01T00:00:00Z",
               "settings": [{"parameter": "heartbeat_interval", "value": "1"}]}
    for body in (low, high, only16, expired):
        status, created = await gateway.admin("POST", "/configuration-templates", json=body)
        assert status == 201, created

    def set_variables(payload: dict[str, Any]) -> dict[str, Any]:
        return {"setVariableResult": [
            {"attributeStatus": "RebootRequired" if d["variable"]["name"] == "ResetRetries"
             else "Accepted", "component": d["component"], "variable": d["variable"]}
            for d in payload["setVariableData"]]}

    sim = gateway.charger(S201, "ocpp2.0.1", handlers={"SetVariables": set_variables})
    async with sim:
        async def done() -> bool:
            _, results = await gateway.admin("GET", f"/stations/{S201}/configuration-results")
            return len(results) == 5
        await _wait_for(done)
    # HIGH first (one batch of two), then LOW in batches of two; the 1.6-only and the
    # expired template do not apply
    assert [[(d["component"]["name"], d["variable"]["name"], d["attributeValue"])
             for d in p["setVariableData"]] for _, p in sim.received] == [
        [("SampledDataCtrlr", "TxUpdatedInterval", "60"), ("AuthCtrlr", "AuthorizeRemoteStart",
                                                           "false")],
        [("OCPPCommCtrlr", "HeartbeatInterval", "600"), ("OCPPCommCtrlr", "ResetRetries", "2")],
        [("LocalAuthListCtrlr", "Enabled", "true")]]
    assert sim.received[0][1]["setVariableData"][1]["component"]["evse"] == {"id": 1}
    _, results = await gateway.admin("GET", f"/stations/{S201}/configuration-results")
    assert [(r["template"], r["batch"], r["parameter"], r["status"]) for r in results] == [
        ("HIGH", 1, "sampled_data_interval", "Accepted"),
        ("HIGH", 1, "authorize_remote_start", "Accepted"),
        ("LOW", 2, "heartbeat_interval", "Accepted"),
        ("LOW", 2, "reset_retries", "RebootRequired"),
        ("LOW", 3, "local_auth_list_enabled", "Accepted")]

    sim = gateway.charger(S16, handlers={"ChangeConfiguration": _accept})
    async with sim:
        async def done16() -> bool:
            _, results = await gateway.admin("GET", f"/stations/{S16}/configuration-results")
            return len(results) == 6
        await _wait_for(done16)
    assert [p["key"] for _, p in sim.received] == [
        "ConnectionTimeOut", "MeterValueSampleInterval", "HeartbeatInterval", "ResetRetries",
        "LocalAuthListEnabled"]
    _, results = await gateway.admin("GET", f"/stations/{S16}/configuration-results")
    # the setting tied to charger B2C1 does not apply to station-01
    assert ("authorize_remote_start", "NotApplicable") in [(r["parameter"], r["status"])
                                                           for r in results]


async def test_boot_configuration_toggles_run_at_connect(gateway: Any) -> None:
    await gateway.admin("POST", "/charging-profiles", json=DAILY)
    await gateway.admin("PATCH", "/stations/station-01", json={"boot_configuration": {
        "trigger_boot_notification": True, "trigger_status_notification": True,
        "trigger_heartbeat": True, "clear_charging_profiles": True}})
    handlers = {"TriggerMessage": _accept, "ClearChargingProfile": _accept,
                "SetChargingProfile": _accept}
    async with gateway.charger(S16, handlers=handlers):
        await gateway.admin("POST", f"/stations/{S16}/operations/set-charging-profile",
                            json={"profile": "NIGHT-20KW"})
    sim = gateway.charger(S16, handlers=handlers)
    async with sim:
        async def done() -> bool:
            return len(sim.received) >= 5
        await _wait_for(done)
    assert [(a, p.get("requestedMessage")) for a, p in sim.received] == [
        ("TriggerMessage", "BootNotification"), ("TriggerMessage", "StatusNotification"),
        ("TriggerMessage", "Heartbeat"), ("ClearChargingProfile", None),
        ("SetChargingProfile", None)]  # the assigned profile applies again after the clear


async def test_connect_actions_survive_a_charger_without_trigger_support(gateway: Any) -> None:
    await gateway.admin("PATCH", "/stations/station-02", json={"boot_configuration": {
        "trigger_heartbeat": True}})
    await gateway.admin("POST", "/configuration-templates", json={
        "code": "T", "name": "T", "stations": [S201],
        "settings": [{"parameter": "heartbeat_interval", "value": "60"}]})
    sim = gateway.charger(S201, "ocpp2.0.1", handlers={"SetVariables": lambda p: {
        "setVariableResult": [{"attributeStatus": "Accepted", **d} for d in
                              [{"component": x["component"], "variable": x["variable"]}
                               for x in p["setVariableData"]]]}})
    async with sim:
        async def done() -> bool:
            return len(sim.received) == 2
        await _wait_for(done)
    assert [a for a, _ in sim.received] == ["TriggerMessage", "SetVariables"]
