"""Station operations from the admin API against simulated chargers of both versions:
what each version is asked, the charger's answer passed back, rejection, silence (504),
CALLERROR (502) and the disconnected station (409 at once)."""

from __future__ import annotations

import time
from typing import Any

import pytest

S16, S201 = "station-01", "station-02"
FUTURE = "2026-11-21T09:00:00Z"

# name → (body, expected 1.6 request, expected 2.0.1 request, accepted reply 1.6, 2.0.1)
CASES: dict[str, tuple[dict[str, Any], tuple[str, dict[str, Any]], tuple[str, dict[str, Any]],
                       dict[str, Any], dict[str, Any]]] = {
    "reset": ({"type": "hard"}, ("Reset", {"type": "Hard"}),
              ("Reset", {"type": "Immediate"}), {"status": "Accepted"},
              {"status": "Accepted"}),
    "change-availability": (
        {"connector": "1", "availability": "inoperative"},
        ("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}),
        ("ChangeAvailability", {"operationalStatus": "Inoperative",
                                "evse": {"id": 1, "connectorId": 1}}),
        {"status": "Accepted"}, {"status": "Accepted"}),
    "unlock-connector": ({"connector": "1"}, ("UnlockConnector", {"connectorId": 1}),
                         ("UnlockConnector", {"evseId": 1, "connectorId": 1}),
                         {"status": "Unlocked"}, {"status": "Unlocked"}),
    "change-configuration": (
        {"parameter": "sampled_data_interval", "value": "60"},
        ("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "60"}),
        ("SetVariables", {"setVariableData": [{
            "attributeValue": "60", "component": {"name": "SampledDataCtrlr"},
            "variable": {"name": "TxUpdatedInterval"}}]}),
        {"status": "Accepted"},
        {"setVariableResult": [{"attributeStatus": "Accepted",
                                "component": {"name": "SampledDataCtrlr"},
                                "variable": {"name": "TxUpdatedInterval"}}]}),
    "trigger-message": ({"message": "status_notification", "connector": "1"},
                        ("TriggerMessage", {"requestedMessage": "StatusNotification",
                                            "connectorId": 1}),
                        ("TriggerMessage", {"requestedMessage": "StatusNotification",
                                            "evse": {"id": 1, "connectorId": 1}}),
                        {"status": "Accepted"}, {"status": "Accepted"}),
    "clear-cache": ({}, ("ClearCache", {}), ("ClearCache", {}), {"status": "Accepted"},
                    {"status": "Accepted"}),
    "get-local-list-version": ({}, ("GetLocalListVersion", {}), ("GetLocalListVersion", {}),
                               {"listVersion": 4}, {"versionNumber": 4}),
    "data-transfer": ({"vendor_id": "com.example", "message_id": "ping", "data": "x"},
                      ("DataTransfer", {"vendorId": "com.example", "messageId": "ping",
                                        "data": "x"}),
                      ("DataTransfer", {"vendorId": "com.example", "messageId": "ping",
                                        "data": "x"}),
                      {"status": "Accepted", "data": "pong"},
                      {"status": "Accepted", "data": "pong"}),
    "update-firmware": (
        {"location": "ftp://fw:secret@files.example.com:2121/fw/v2.bin",
         "retrieve_at": "2026-11-21T10:00:00Z", "retries": 3, "retry_interval": 60},
        ("UpdateFirmware", {"location": "ftp://fw:secret@files.example.com:2121/fw/v2.bin",
                            "retrieveDate": "2026-11-21T10:00:00Z", "retries": 3,
                            "retryInterval": 60}),
        ("UpdateFirmware", {"requestId": 1, "firmware": {
            "location": "ftp://fw:secret@files.example.com:2121/fw/v2.bin",
            "retrieveDateTime": "2026-11-21T10:00:00Z"}, "retries": 3, "retryInterval": 60}),
        {}, {"status": "Accepted"}),
    "get-diagnostics": (
        {"location": "https://logs.example.com/upload", "start_time": "2026-11-20T00:00:00Z",
         "stop_time": "2026-11-21T00:00:00Z"},
        ("GetDiagnostics", {"location": "https://logs.example.com/upload",
                            "startTime": "2026-11-20T00:00:00Z",
                            "stopTime": "2026-11-21T00:00:00Z"}),
        ("GetLog", {"logType": "DiagnosticsLog", "requestId": 1, "log": {
            "remoteLocation": "https://logs.example.com/upload",
            "oldestTimestamp": "2026-11-20T00:00:00Z",
            "latestTimestamp": "2026-11-21T00:00:00Z"}}),
        {"fileName": "diag.zip"}, {"status": "Accepted", "filename": "diag.zip"}),
}
REJECTED = {"unlock-connector": "UnlockFailed", "get-local-list-version": None,
            "update-firmware": None}
VERSIONS = [pytest.param(S16, "ocpp1.6", id="1.6"), pytest.param(S201, "ocpp2.0.1", id="2.0.1")]


def _expected(name: str, station: str) -> tuple[str, dict[str, Any]]:
    _, request16, request201, _, _ = CASES[name]
    return request16 if station == S16 else request201


def _reply(name: str, station: str) -> dict[str, Any]:
    return CASES[name][3] if station == S16 else CASES[name][4]


@pytest.mark.parametrize(("station", "protocol"), VERSIONS)
@pytest.mark.parametrize("name", list(CASES))
async def test_operation_accepted(gateway: Any, name: str, station: str, protocol: str
                                  ) -> None:
    action, _ = _expected(name, station)
    sim = gateway.charger(station, protocol, handlers={action: lambda p: _reply(name, station)})
    async with sim:
        status, body = await gateway.admin("POST", f"/stations/{station}/operations/{name}",
                                           json=CASES[name][0])
    assert status == 200, body
    assert sim.received == [_expected(name, station)]
    assert body["status"] in ("Accepted", "Unlocked")
    assert body["response"] == _reply(name, station)  # the charger's answer, as received


@pytest.mark.parametrize(("station", "protocol"), VERSIONS)
@pytest.mark.parametrize("name", [n for n in CASES if REJECTED.get(n, "Rejected")])
async def test_operation_rejected_is_reported(gateway: Any, name: str, station: str,
                                              protocol: str) -> None:
    refusal = REJECTED.get(name, "Rejected")
    action, _ = _expected(name, station)
    reply: dict[str, Any] = {"status": refusal}
    if action == "SetVariables":
        reply = {"setVariableResult": [{"attributeStatus": "Rejected",
                                        "component": {"name": "SampledDataCtrlr"},
                                        "variable": {"name": "TxUpdatedInterval"}}]}
    elif action == "GetDiagnostics":
        pytest.skip("1.6 GetDiagnostics has no status to refuse with")
    async with gateway.charger(station, protocol, handlers={action: lambda p: reply}):
        status, body = await gateway.admin("POST", f"/stations/{station}/operations/{name}",
                                           json=CASES[name][0])
    assert (status, body["status"]) == (200, refusal)


@pytest.mark.parametrize(("station", "protocol"), VERSIONS)
async def test_silent_charger_times_out_with_504(gateway: Any, station: str, protocol: str
                                                 ) -> None:
    async with gateway.charger(station, protocol, handlers={"Reset": lambda p: None}):
        started = time.monotonic()
        status, problem = await gateway.admin("POST", f"/stations/{station}/operations/reset",
                                              json={"type": "soft"})
    assert status == 504 and problem["title"] == "Charger did not answer"
    assert time.monotonic() - started < 5  # the call timeout (2 s in tests), never a hang


@pytest.mark.parametrize(("station", "protocol"), VERSIONS)
async def test_call_error_is_502(gateway: Any, station: str, protocol: str) -> None:
    async with gateway.charger(station, protocol):  # the sim answers NotImplemented
        status, problem = await gateway.admin("POST", f"/stations/{station}/operations/"
                                              "clear-cache", json={})
    assert status == 502 and "NotImplemented" in problem["detail"]


@pytest.mark.parametrize("name", [*CASES, "get-configuration", "send-local-list",
                                  "reserve-now", "cancel-reservation", "set-charging-profile",
                                  "clear-charging-profile", "get-composite-schedule"])
async def test_disconnected_station_answers_409_at_once(gateway: Any, name: str) -> None:
    bodies = {"get-configuration": {}, "send-local-list": {"update_type": "full"},
              "reserve-now": {"id_token": "DEMO-RFID-1", "expires_at": FUTURE},
              "cancel-reservation": {"reservation_id": 1},
              "set-charging-profile": {"profile": "P1"}, "clear-charging-profile": {},
              "get-composite-schedule": {}}
    started = time.monotonic()
    status, problem = await gateway.admin("POST", f"/stations/{S16}/operations/{name}",
                                          json=bodies.get(name, CASES.get(name, ({},))[0]))
    assert status == 409 and problem["title"] == "Station not connected"
    assert time.monotonic() - started < 1


async def test_unknown_station_is_404(gateway: Any) -> None:
    status, _ = await gateway.admin("POST", "/stations/nope/operations/reset", json={})
    assert status == 404


async def test_get_configuration_by_readable_names(gateway: Any) -> None:
    def config16(payload: dict[str, Any]) -> dict[str, Any]:
        return {"configurationKey": [{"key": "MeterValueSampleInterval", "value": "60",
                                      "readonly": False}],
                "unknownKey": ["AuthorizeRemoteTxRequests"]}

    async with gateway.charger(S16, handlers={"GetConfiguration": config16}) as sim:
        _, body = await gateway.admin("POST", f"/stations/{S16}/operations/get-configuration",
                                      json={"parameters": ["sampled_data_interval",
                                                           "authorize_remote_start"]})
    assert sim.received == [("GetConfiguration", {"key": ["MeterValueSampleInterval",
                                                          "AuthorizeRemoteTxRequests"]})]
    assert body["details"]["parameters"] == [
        {"name": "sampled_data_interval", "value": "60", "readonly": False,
         "status": "Accepted"},
        {"name": "authorize_remote_start", "value": None, "readonly": None,
         "status": "UnknownKey"}]

    def variables(payload: dict[str, Any]) -> dict[str, Any]:
        return {"getVariableResult": [
            {"attributeStatus": "Accepted", "attributeValue": "true",
             "component": {"name": "AuthCtrlr"}, "variable": {"name": "AuthorizeRemoteStart"}},
            {"attributeStatus": "UnknownVariable", "component": {"name": "OCPPCommCtrlr"},
             "variable": {"name": "MessageAttempts", "instance": "TransactionEvent"}}]}

    async with gateway.charger(S201, "ocpp2.0.1", handlers={"GetVariables": variables}) as sim:
        _, body = await gateway.admin("POST", f"/stations/{S201}/operations/get-configuration",
                                      json={"parameters": ["authorize_remote_start",
                                                           "transaction_message_attempts"]})
    assert sim.received[0][1]["getVariableData"] == [
        {"component": {"name": "AuthCtrlr"}, "variable": {"name": "AuthorizeRemoteStart"}},
        {"component": {"name": "OCPPCommCtrlr"},
         "variable": {"name": "MessageAttempts", "instance": "TransactionEvent"}}]
    assert [(p["name"], p["value"], p["status"]) for p in body["details"]["parameters"]] == [
        ("authorize_remote_start", "true", "Accepted"),
        ("transaction_message_attempts", None, "UnknownVariable")]


async def test_unknown_parameter_name_is_422(gateway: Any) -> None:
    async with gateway.charger(S201, "ocpp2.0.1"):
        status, problem = await gateway.admin(
            "POST", f"/stations/{S201}/operations/change-configuration",
            json={"parameter": "no such thing", "value": "1"})
    assert status == 422 and "readable names" in problem["detail"]


async def test_firmware_status_notifications_are_tracked_per_request(gateway: Any) -> None:
    sim = gateway.charger(S201, "ocpp2.0.1",
                          handlers={"UpdateFirmware": lambda p: {"status": "Accepted"}})
    async with sim:
        _, body = await gateway.admin("POST", f"/stations/{S201}/operations/update-firmware",
                                      json=CASES["update-firmware"][0])
        request_id = body["details"]["request_id"]
        await sim.call("FirmwareStatusNotification", {"status": "Downloading",
                                                      "requestId": request_id})
        await sim.call("FirmwareStatusNotification", {"status": "Installed",
                                                      "requestId": request_id})
    _, transfers = await gateway.admin("GET", f"/stations/{S201}/transfers")
    assert [(t["kind"], t["status"]) for t in transfers] == [("FIRMWARE", "Installed")]
    # the FTP password never lands in our tables or answers
    assert transfers[0]["location"] == "ftp://fw:***@files.example.com:2121/fw/v2.bin"


async def test_diagnostics_status_16_follows_the_latest_request(gateway: Any) -> None:
    sim = gateway.charger(S16, handlers={"GetDiagnostics": lambda p: {"fileName": "d.zip"}})
    async with sim:
        await gateway.admin("POST", f"/stations/{S16}/operations/get-diagnostics",
                            json={"location": "ftp://ftp.example.com/logs/"})
        await sim.call("DiagnosticsStatusNotification", {"status": "Uploading"})
        await sim.call("DiagnosticsStatusNotification", {"status": "Uploaded"})
    _, transfers = await gateway.admin("GET", f"/stations/{S16}/transfers")
    assert [(t["kind"], t["status"], t["file_name"]) for t in transfers] == [
        ("DIAGNOSTICS", "Uploaded", "d.zip")]


@pytest.mark.parametrize("location", [
    "sftp://host/path", "ftp://", "ftp://user:pw@/path", "http://user:pw@host/x",
    "ftp://host:99999/x", "ftp://ho st/x", "file:///etc/passwd", "ftp://-bad-.example/x"])
async def test_invalid_transfer_urls_are_422(gateway: Any, location: str) -> None:
    async with gateway.charger(S16):
        status, problem = await gateway.admin(
            "POST", f"/stations/{S16}/operations/update-firmware",
            json={"location": location, "retrieve_at": FUTURE})
    assert status == 422, problem


async def test_base_report_collects_notify_report_parts(gateway: Any) -> None:
    sim = gateway.charger(S201, "ocpp2.0.1",
                          handlers={"GetBaseReport": lambda p: {"status": "Accepted"}})
    part = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
            "variableAttribute": [{"value": "300"}]}
    async with sim:
        _, body = await gateway.admin("POST", f"/stations/{S201}/operations/get-base-report",
                                      json={"report_base": "ConfigurationInventory"})
        request_id = body["details"]["request_id"]
        assert sim.received == [("GetBaseReport", {"requestId": request_id,
                                                   "reportBase": "ConfigurationInventory"})]
        for seq, more in ((0, True), (1, False)):
            await sim.call("NotifyReport", {"requestId": request_id, "seqNo": seq,
                                            "generatedAt": "2026-11-21T08:00:00Z",
                                            "tbc": more, "reportData": [part]})
    _, report = await gateway.admin("GET", f"/stations/{S201}/configuration-report")
    assert (report["status"], len(report["entries"])) == ("COMPLETE", 2)
    async with gateway.charger(S16):
        status, _ = await gateway.admin("POST", f"/stations/{S16}/operations/get-base-report",
                                        json={})
    assert status == 422  # 1.6 has no device model


async def test_operations_are_in_the_communication_log(gateway: Any) -> None:
    async with gateway.charger(S16, handlers={"ClearCache": lambda p: {"status": "Accepted"}}):
        await gateway.admin("POST", f"/stations/{S16}/operations/clear-cache", json={})
    await gateway.settle()
    _, frames = await gateway.admin("GET", f"/stations/{S16}/ocpp-log")
    assert {(f["direction"], f["action"]) for f in frames} >= {("OUT", "ClearCache"),
                                                               ("IN", "ClearCache")}


async def test_parameter_table_is_published(gateway: Any) -> None:
    _, params = await gateway.admin("GET", "/operations/configuration-parameters")
    by_name = {p["name"]: p for p in params}
    assert by_name["sampled_data_interval"]["ocpp16_key"] == "MeterValueSampleInterval"
    assert by_name["sampled_data_interval"]["ocpp201_variable"] == \
        "SampledDataCtrlr.TxUpdatedInterval"
    assert by_name["authorize_remote_start"]["ocpp201_variable"] == \
        "AuthCtrlr.AuthorizeRemoteStart"
