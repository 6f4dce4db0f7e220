"""OCPP 2.0.1 payloads of the station operations. Pure.

A charger is an EVSE (its ``evse_id``); connector ids are per EVSE. EVSE 0 is the whole
station where the specification allows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms.charging.records import ChargerInfo
from csms.ocpp.frames import OCPP201
from csms.ocpp.tokens import ocpp_201_type
from csms.operations.dialect import ListEntry, OcppCall, ParameterValue, Target, iso
from csms.operations.errors import InvalidOperation
from csms.operations.parameters import ResolvedParameter
from csms.operations.profiles import PURPOSE_201, ChargingProfileSpec, ocpp_profile
from csms.operations.requests import DataTransferBody, GetDiagnosticsBody, UpdateFirmwareBody

_TRIGGERS = {
    "boot_notification": "BootNotification",
    "diagnostics_status_notification": "LogStatusNotification",
    "log_status_notification": "LogStatusNotification",
    "firmware_status_notification": "FirmwareStatusNotification",
    "heartbeat": "Heartbeat", "meter_values": "MeterValues",
    "status_notification": "StatusNotification",
}


def _evse(target: Target) -> dict[str, Any] | None:
    if target.charger is None:
        return None
    evse: dict[str, Any] = {"id": target.charger.evse_id}
    if target.connector is not None:
        evse["connectorId"] = target.connector.ocpp_connector_id
    return evse


def _component(param: ResolvedParameter, target: Target) -> dict[str, Any]:
    assert param.component is not None
    component: dict[str, Any] = {"name": param.component}
    evse = _evse(target)
    if evse is not None:
        component["evse"] = evse
    return component


def _variable(param: ResolvedParameter) -> dict[str, Any]:
    assert param.variable is not None
    variable: dict[str, Any] = {"name": param.variable}
    if param.instance:
        variable["instance"] = param.instance
    return variable


def _same(result: dict[str, Any], param: ResolvedParameter) -> bool:
    component = result.get("component", {})
    variable = result.get("variable", {})
    return (str(component.get("name", "")).lower() == (param.component or "").lower()
            and str(variable.get("name", "")).lower() == (param.variable or "").lower()
            and str(variable.get("instance") or "").lower() == (param.instance or "").lower())


class Dialect201:
    version = OCPP201
    firmware_kind = "FIRMWARE"
    diagnostics_action = "GetLog"

    def reset(self, hard: bool, target: Target) -> OcppCall:
        payload: dict[str, Any] = {"type": "Immediate" if hard else "OnIdle"}
        if target.charger is not None:
            payload["evseId"] = target.charger.evse_id
        return OcppCall("Reset", payload)

    def change_availability(self, operative: bool, target: Target) -> OcppCall:
        payload: dict[str, Any] = {
            "operationalStatus": "Operative" if operative else "Inoperative"}
        evse = _evse(target)
        if evse is not None:
            payload["evse"] = evse
        return OcppCall("ChangeAvailability", payload)

    def unlock_connector(self, target: Target) -> OcppCall:
        assert target.charger is not None and target.connector is not None
        return OcppCall("UnlockConnector", {"evseId": target.charger.evse_id,
                                            "connectorId": target.connector.ocpp_connector_id})

    def get_configuration(self, params: list[ResolvedParameter], target: Target
                          ) -> OcppCall:
        if not params:
            raise InvalidOperation("internal: 2.0.1 reads named variables only")
        return OcppCall("GetVariables", {"getVariableData": [
            {"component": _component(p, target), "variable": _variable(p)} for p in params]})

    def read_configuration(self, params: list[ResolvedParameter], reply: dict[str, Any]
                           ) -> list[ParameterValue]:
        results = list(reply.get("getVariableResult") or [])
        values = []
        for p in params:
            found = next((r for r in results if _same(r, p)), None)
            if found is None:
                values.append(ParameterValue(p.name, None, None, "NotReported"))
                continue
            results.remove(found)
            values.append(ParameterValue(p.name, found.get("attributeValue"), None,
                                         str(found.get("attributeStatus"))))
        return values

    def change_configuration(self, param: ResolvedParameter, value: str, target: Target
                             ) -> OcppCall:
        return OcppCall("SetVariables", {"setVariableData": [{
            "attributeValue": value, "component": _component(param, target),
            "variable": _variable(param)}]})

    def configuration_status(self, reply: dict[str, Any]) -> str:
        results = reply.get("setVariableResult") or []
        return str(results[0].get("attributeStatus")) if results else "Rejected"

    def configuration_calls(self, items: list[tuple[ResolvedParameter, str, Target]]
                            ) -> list[tuple[OcppCall, int]]:
        if not items:
            return []
        return [(OcppCall("SetVariables", {"setVariableData": [
            {"attributeValue": v, "component": _component(p, t), "variable": _variable(p)}
            for p, v, t in items]}), len(items))]

    def configuration_statuses(self, reply: dict[str, Any], count: int) -> list[str]:
        results = [str(r.get("attributeStatus")) for r in reply.get("setVariableResult") or []]
        return (results + ["NotReported"] * count)[:count]

    def trigger(self, message: str, target: Target) -> OcppCall:
        payload: dict[str, Any] = {"requestedMessage": _TRIGGERS[message]}
        evse = _evse(target)
        if evse is not None:
            payload["evse"] = evse
        return OcppCall("TriggerMessage", payload)

    def update_firmware(self, body: UpdateFirmwareBody, request_id: int) -> OcppCall:
        firmware: dict[str, Any] = {"location": body.location,
                                    "retrieveDateTime": iso(body.retrieve_at)}
        if body.install_at is not None:
            firmware["installDateTime"] = iso(body.install_at)
        payload: dict[str, Any] = {"requestId": request_id, "firmware": firmware}
        if body.retries is not None:
            payload["retries"] = body.retries
        if body.retry_interval is not None:
            payload["retryInterval"] = body.retry_interval
        return OcppCall("UpdateFirmware", payload)

    def get_diagnostics(self, body: GetDiagnosticsBody, request_id: int) -> OcppCall:
        log: dict[str, Any] = {"remoteLocation": body.location}
        if body.start_time is not None:
            log["oldestTimestamp"] = iso(body.start_time)
        if body.stop_time is not None:
            log["latestTimestamp"] = iso(body.stop_time)
        payload: dict[str, Any] = {"logType": "DiagnosticsLog", "requestId": request_id,
                                   "log": log}
        if body.retries is not None:
            payload["retries"] = body.retries
        if body.retry_interval is not None:
            payload["retryInterval"] = body.retry_interval
        return OcppCall("GetLog", payload)

    def send_local_list(self, version: int, full: bool, entries: list[ListEntry]
                        ) -> OcppCall:
        payload: dict[str, Any] = {"versionNumber": version,
                                   "updateType": "Full" if full else "Differential"}
        items = []
        for entry in entries:
            item: dict[str, Any] = {"idToken": {"idToken": entry.id_token,
                                                "type": ocpp_201_type(entry.token_type)}}
            if entry.status is not None:
                item["idTokenInfo"] = {"status": entry.status}
            items.append(item)
        if items:  # 2.0.1 forbids an empty array; an empty full list omits it
            payload["localAuthorizationList"] = items
        return OcppCall("SendLocalList", payload)

    def get_local_list_version(self) -> OcppCall:
        return OcppCall("GetLocalListVersion", {})

    def list_version(self, reply: dict[str, Any]) -> int:
        return int(reply["versionNumber"])

    def clear_cache(self) -> OcppCall:
        return OcppCall("ClearCache", {})

    def reserve_now(self, reservation_id: int, expires_at: datetime, id_token: str,
                    token_type: str | None, target: Target) -> OcppCall:
        payload: dict[str, Any] = {
            "id": reservation_id, "expiryDateTime": iso(expires_at),
            "idToken": {"idToken": id_token, "type": ocpp_201_type(token_type)}}
        if target.charger is not None:
            payload["evseId"] = target.charger.evse_id
        return OcppCall("ReserveNow", payload)

    def cancel_reservation(self, reservation_id: int) -> OcppCall:
        return OcppCall("CancelReservation", {"reservationId": reservation_id})

    def set_charging_profile(self, spec: ChargingProfileSpec, profile_id: int,
                             charger: ChargerInfo) -> OcppCall:
        evse_id = charger.evse_id if spec.purpose == "session_default_limit" else 0
        return OcppCall("SetChargingProfile", {
            "evseId": evse_id, "chargingProfile": ocpp_profile(spec, profile_id, OCPP201)})

    def clear_charging_profile(self, profile_id: int | None, charger: ChargerInfo | None,
                               purpose: str | None, stack_level: int | None) -> OcppCall:
        payload: dict[str, Any] = {}
        if profile_id is not None:
            payload["chargingProfileId"] = profile_id
        criteria: dict[str, Any] = {}
        if charger is not None and profile_id is None:
            criteria["evseId"] = charger.evse_id
        if purpose is not None:
            criteria["chargingProfilePurpose"] = PURPOSE_201[purpose]
        if stack_level is not None:
            criteria["stackLevel"] = stack_level
        if criteria:
            payload["chargingProfileCriteria"] = criteria
        return OcppCall("ClearChargingProfile", payload)

    def get_composite_schedule(self, charger: ChargerInfo | None, duration_s: int,
                               unit: str | None) -> OcppCall:
        payload: dict[str, Any] = {"duration": duration_s,
                                   "evseId": charger.evse_id if charger else 0}
        if unit is not None:
            payload["chargingRateUnit"] = unit
        return OcppCall("GetCompositeSchedule", payload)

    def data_transfer(self, body: DataTransferBody) -> OcppCall:
        payload: dict[str, Any] = {"vendorId": body.vendor_id}
        if body.message_id is not None:
            payload["messageId"] = body.message_id
        if body.data is not None:
            payload["data"] = body.data
        return OcppCall("DataTransfer", payload)

    def get_base_report(self, request_id: int, report_base: str) -> OcppCall:
        return OcppCall("GetBaseReport", {"requestId": request_id, "reportBase": report_base})


__all__ = ["Dialect201"]
