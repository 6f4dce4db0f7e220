"""OCPP 1.6J payloads of the station operations. Pure.

1.6 knows one charger per station: connector 0 is the station (and its charger), any
other connector id is global to the station."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from csms.charging.records import ChargerInfo
from csms.ocpp.frames import OCPP16
from csms.operations.dialect import ListEntry, OcppCall, ParameterValue, Target, iso
from csms.operations.errors import InvalidOperation, NotInThisVersion
from csms.operations.parameters import ResolvedParameter
from csms.operations.profiles import PURPOSE_16, ChargingProfileSpec, ocpp_profile
from csms.operations.requests import DataTransferBody, GetDiagnosticsBody, UpdateFirmwareBody

ID_TAG_MAX = 20
_TRIGGERS = {
    "boot_notification": "BootNotification",
    "diagnostics_status_notification": "DiagnosticsStatusNotification",
    "log_status_notification": "DiagnosticsStatusNotification",
    "firmware_status_notification": "FirmwareStatusNotification",
    "heartbeat": "Heartbeat", "meter_values": "MeterValues",
    "status_notification": "StatusNotification",
}


def _connector_id(target: Target) -> int:
    return target.connector.ocpp_connector_id if target.connector else 0


class Dialect16:
    version = OCPP16
    firmware_kind = "FIRMWARE"
    diagnostics_action = "GetDiagnostics"

    def reset(self, hard: bool, target: Target) -> OcppCall:
        if target.charger is not None:
            raise NotInThisVersion("OCPP 1.6 resets the whole station", field="charger")
        return OcppCall("Reset", {"type": "Hard" if hard else "Soft"})

    def change_availability(self, operative: bool, target: Target) -> OcppCall:
        return OcppCall("ChangeAvailability", {
            "connectorId": _connector_id(target),
            "type": "Operative" if operative else "Inoperative"})

    def unlock_connector(self, target: Target) -> OcppCall:
        return OcppCall("UnlockConnector", {"connectorId": _connector_id(target)})

    def get_configuration(self, params: list[ResolvedParameter], target: Target
                          ) -> OcppCall:
        keys = list(dict.fromkeys(p.key_16 for p in params if p.key_16))
        return OcppCall("GetConfiguration", {"key": keys} if keys else {})

    def read_configuration(self, params: list[ResolvedParameter], reply: dict[str, Any]
                           ) -> list[ParameterValue]:
        known = {item["key"]: item for item in reply.get("configurationKey") or []}
        unknown = set(reply.get("unknownKey") or [])
        if not params:  # everything the charger has, under the keys' readable names
            from csms.operations.parameters import readable_name_16

            return [ParameterValue(readable_name_16(k), v.get("value"), v.get("readonly"),
                                   "Accepted") for k, v in known.items()]
        values = []
        for p in params:
            item = known.get(p.key_16 or "")
            if item is None:
                status = "UnknownKey" if p.key_16 in unknown or not known else "NotReported"
                values.append(ParameterValue(p.name, None, None, status))
            else:
                values.append(ParameterValue(p.name, item.get("value"), item.get("readonly"),
                                             "Accepted"))
        return values

    def change_configuration(self, param: ResolvedParameter, value: str, target: Target
                             ) -> OcppCall:
        assert param.key_16 is not None
        return OcppCall("ChangeConfiguration", {"key": param.key_16, "value": value})

    def configuration_status(self, reply: dict[str, Any]) -> str:
        return str(reply.get("status", "Rejected"))

    def configuration_calls(self, items: list[tuple[ResolvedParameter, str, Target]]
                            ) -> list[tuple[OcppCall, int]]:
        return [(self.change_configuration(p, v, t), 1) for p, v, t in items]

    def configuration_statuses(self, reply: dict[str, Any], count: int) -> list[str]:
        return [self.configuration_status(reply)]

    def trigger(self, message: str, target: Target) -> OcppCall:
        payload: dict[str, Any] = {"requestedMessage": _TRIGGERS[message]}
        if target.connector is not None:
            payload["connectorId"] = target.connector.ocpp_connector_id
        return OcppCall("TriggerMessage", payload)

    def update_firmware(self, body: UpdateFirmwareBody, request_id: int) -> OcppCall:
        payload: dict[str, Any] = {"location": body.location,
                                   "retrieveDate": iso(body.retrieve_at)}
        if body.retries is not None:
            payload["retries"] = body.retries
        if body.retry_interval is not None:
            payload["retryInterval"] = body.retry_interval
        return OcppCall("UpdateFirmware", payload)

    def get_diagnostics(self, body: GetDiagnosticsBody, request_id: int) -> OcppCall:
        payload: dict[str, Any] = {"location": body.location}
        for name, value in (("startTime", body.start_time), ("stopTime", body.stop_time)):
            if value is not None:
                payload[name] = iso(value)
        if body.retries is not None:
            payload["retries"] = body.retries
        if body.retry_interval is not None:
            payload["retryInterval"] = body.retry_interval
        return OcppCall("GetDiagnostics", payload)

    def send_local_list(self, version: int, full: bool, entries: list[ListEntry]
                        ) -> OcppCall:
        items = []
        for entry in entries:
            item: dict[str, Any] = {"idTag": entry.id_token}
            if entry.status is not None:
                item["idTagInfo"] = {"status": entry.status}
            items.append(item)
        return OcppCall("SendLocalList", {
            "listVersion": version, "updateType": "Full" if full else "Differential",
            "localAuthorizationList": items})

    def get_local_list_version(self) -> OcppCall:
        return OcppCall("GetLocalListVersion", {})

    def list_version(self, reply: dict[str, Any]) -> int:
        return int(reply["listVersion"])

    def clear_cache(self) -> OcppCall:
        return OcppCall("ClearCache", {})

    def reserve_now(self, reservation_id: int, expires_at: datetime, id_token: str,
                    token_type: str | None, target: Target) -> OcppCall:
        if len(id_token) > ID_TAG_MAX:
            raise InvalidOperation(f"OCPP 1.6 idTags have at most {ID_TAG_MAX} characters",
                                   field="id_token")
        return OcppCall("ReserveNow", {
            "connectorId": _connector_id(target), "expiryDate": iso(expires_at),
            "idTag": id_token, "reservationId": reservation_id})

    def cancel_reservation(self, reservation_id: int) -> OcppCall:
        return OcppCall("CancelReservation", {"reservationId": reservation_id})

    def set_charging_profile(self, spec: ChargingProfileSpec, profile_id: int,
                             charger: ChargerInfo) -> OcppCall:
        return OcppCall("SetChargingProfile", {
            "connectorId": 0, "csChargingProfiles": ocpp_profile(spec, profile_id, OCPP16)})

    def clear_charging_profile(self, profile_id: int | None, charger: ChargerInfo | None,
                               purpose: str | None, stack_level: int | None) -> OcppCall:
        payload: dict[str, Any] = {}
        if profile_id is not None:
            payload["id"] = profile_id
        if charger is not None and profile_id is None:
            payload["connectorId"] = 0
        if purpose is not None:
            payload["chargingProfilePurpose"] = PURPOSE_16[purpose]
        if stack_level is not None:
            payload["stackLevel"] = stack_level
        return OcppCall("ClearChargingProfile", payload)

    def get_composite_schedule(self, charger: ChargerInfo | None, duration_s: int,
                               unit: str | None) -> OcppCall:
        payload: dict[str, Any] = {"connectorId": 0, "duration": duration_s}
        if unit is not None:
            payload["chargingRateUnit"] = unit
        return OcppCall("GetCompositeSchedule", payload)

    def data_transfer(self, body: DataTransferBody) -> OcppCall:
        payload: dict[str, Any] = {"vendorId": body.vendor_id}
        if body.message_id is not None:
            payload["messageId"] = body.message_id
        if body.data is not None:
            payload["data"] = body.data if isinstance(body.data, str) else json.dumps(
                body.data, separators=(",", ":"))
        return OcppCall("DataTransfer", payload)

    def get_base_report(self, request_id: int, report_base: str) -> OcppCall:
        raise NotInThisVersion("OCPP 1.6 has no device model report; use "
                               "get-configuration", field="report_base")
