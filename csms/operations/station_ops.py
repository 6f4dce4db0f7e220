"""Station operations that are one call and one answer: reset, availability, unlock,
configuration, trigger, firmware, diagnostics, local list version, cache, data transfer,
and the 2.0.1 base report. Version-neutral: the dialect builds each payload.

Firmware and diagnostics requests are stored before the call (the row id is the 2.0.1
``requestId``) and follow the charger's status notifications afterwards. URLs are stored
and logged with their password redacted.
"""

from __future__ import annotations

from typing import Any

import structlog

from csms.charging.errors import ChargerCallFailed, ChargerTimeout
from csms.charging.records import StationInfo
from csms.clock import Clock
from csms.ocpp.frames import OCPP16
from csms.operations.access import OperationOutcome, StationAccess, resolve_target
from csms.operations.dialect import ParameterValue, reply_status
from csms.operations.parameters import BY_NAME, ResolvedParameter, resolve
from csms.operations.ports import OperationsUnitOfWork
from csms.operations.records import ReportRecord, TransferRecord
from csms.operations.requests import (
    ChangeAvailabilityBody,
    ChangeConfigurationBody,
    DataTransferBody,
    GetBaseReportBody,
    GetConfigurationBody,
    GetDiagnosticsBody,
    ResetBody,
    TriggerMessageBody,
    UnlockConnectorBody,
    UpdateFirmwareBody,
)
from csms.operations.urls import redact_url

log = structlog.get_logger("evgw.operations")
FIRMWARE, DIAGNOSTICS = "FIRMWARE", "DIAGNOSTICS"


def _value_dict(value: ParameterValue) -> dict[str, Any]:
    return {"name": value.name, "value": value.value, "readonly": value.readonly,
            "status": value.status}


class StationOperations:
    def __init__(self, access: StationAccess, uow: OperationsUnitOfWork, clock: Clock) -> None:
        self._access = access
        self._uow = uow
        self._clock = clock

    async def _simple(self, station: StationInfo, call: Any) -> OperationOutcome:
        reply = await self._access.send(station, call)
        return OperationOutcome(reply_status(reply), reply)

    async def reset(self, code: str, body: ResetBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, None)
        return await self._simple(station, dialect.reset(body.type == "hard", target))

    async def change_availability(self, code: str, body: ChangeAvailabilityBody
                                  ) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, body.connector)
        return await self._simple(station, dialect.change_availability(
            body.availability == "operative", target))

    async def unlock_connector(self, code: str, body: UnlockConnectorBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, body.connector, need_connector=True)
        return await self._simple(station, dialect.unlock_connector(target))

    async def get_configuration(self, code: str, body: GetConfigurationBody
                                ) -> OperationOutcome:
        """Reads live values; nothing is stored."""
        station, dialect = await self._access.connected_station(code)
        names = body.parameters or ([] if station.ocpp_protocol == OCPP16 else list(BY_NAME))
        params: list[ResolvedParameter] = [resolve(n, station.ocpp_protocol) for n in names]
        target = resolve_target(station, None, None)
        reply = await self._access.send(station, dialect.get_configuration(params, target))
        values = dialect.read_configuration(params, reply)
        return OperationOutcome("Accepted", reply,
                                {"parameters": [_value_dict(v) for v in values]})

    async def change_configuration(self, code: str, body: ChangeConfigurationBody
                                   ) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        param = resolve(body.parameter, station.ocpp_protocol)
        target = resolve_target(station, body.charger, body.connector)
        reply = await self._access.send(station, dialect.change_configuration(
            param, body.value, target))
        return OperationOutcome(dialect.configuration_status(reply), reply)

    async def get_base_report(self, code: str, body: GetBaseReportBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        now = self._clock.now()
        dialect.get_base_report(0, body.report_base)  # refuses on 1.6 before storing
        async with self._uow() as repo:
            report = ReportRecord(None, station.id, body.report_base, "REQUESTED", now, now)
            report.id = await repo.add_report(report)
        reply = await self._access.send(station, dialect.get_base_report(report.id,
                                                                         body.report_base))
        status = reply_status(reply)
        async with self._uow() as repo:
            report.status = "REQUESTED" if status == "Accepted" else "REJECTED"
            await repo.save_report(report)
        return OperationOutcome(status, reply, {"request_id": report.id})

    async def notify_report(self, station: StationInfo, request_id: int,
                            report_data: list[dict[str, Any]], more: bool) -> None:
        """A NotifyReport part: appended to the stored snapshot; the last part completes it."""
        now = self._clock.now()
        async with self._uow() as repo:
            report = await repo.report(station.id, request_id)
            if report is None:  # a report we did not ask for (charger-initiated): keep it
                report = ReportRecord(None, station.id, "Unsolicited", "COLLECTING", now, now)
                report.id = await repo.add_report(report)
            report.entries = [*report.entries, *report_data]
            report.status = "COLLECTING" if more else "COMPLETE"
            report.updated_at = now
            await repo.save_report(report)
        log.info("device_model_report_part", station_id=station.code, request_id=request_id,
                 entries=len(report_data), complete=not more)

    async def latest_report(self, code: str) -> ReportRecord | None:
        station = await self._access.station(code)
        async with self._uow() as repo:
            return await repo.report(station.id, None)

    async def trigger_message(self, code: str, body: TriggerMessageBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        target = resolve_target(station, body.charger, body.connector)
        return await self._simple(station, dialect.trigger(body.message, target))

    async def _transfer(self, station: StationInfo, kind: str, location: str,
                        build: Any) -> OperationOutcome:
        now = self._clock.now()
        transfer = TransferRecord(None, station.id, kind, redact_url(location), "Requested",
                                  now, now)
        async with self._uow() as repo:
            transfer.id = await repo.add_transfer(transfer)
        try:
            reply = await self._access.send(station, build(transfer.id))
        except (ChargerTimeout, ChargerCallFailed) as exc:
            await self._set_transfer(transfer, "NoAnswer" if isinstance(exc, ChargerTimeout)
                                     else "CallFailed")
            raise
        status = reply_status(reply)
        transfer.file_name = reply.get("fileName") or reply.get("filename")
        await self._set_transfer(transfer, status)
        log.info("transfer_requested", station_id=station.code, kind=kind,
                 location=transfer.location, request_id=transfer.id, status=status)
        return OperationOutcome(status, reply, {"request_id": transfer.id})

    async def _set_transfer(self, transfer: TransferRecord, status: str) -> None:
        transfer.status = status
        transfer.updated_at = self._clock.now()
        async with self._uow() as repo:
            await repo.save_transfer(transfer)

    async def update_firmware(self, code: str, body: UpdateFirmwareBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        return await self._transfer(station, FIRMWARE, body.location,
                                    lambda rid: dialect.update_firmware(body, rid))

    async def get_diagnostics(self, code: str, body: GetDiagnosticsBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        return await self._transfer(station, DIAGNOSTICS, body.location,
                                    lambda rid: dialect.get_diagnostics(body, rid))

    async def transfer_status(self, station: StationInfo, kind: str, status: str,
                              request_id: int | None) -> None:
        """A firmware/diagnostics/log status notification of the charger. 1.6 carries no
        request id: it belongs to the station's latest request of that kind."""
        async with self._uow() as repo:
            transfer = await repo.transfer(station.id, kind, request_id)
            if transfer is None or (status == "Idle" and request_id is None):
                log.info("transfer_status_unmatched", station_id=station.code, kind=kind,
                         status=status, request_id=request_id)
                return
            transfer.status = status
            transfer.updated_at = self._clock.now()
            await repo.save_transfer(transfer)
        log.info("transfer_status", station_id=station.code, kind=kind, status=status,
                 request_id=transfer.id)

    async def transfers(self, code: str) -> list[TransferRecord]:
        station = await self._access.station(code)
        async with self._uow() as repo:
            return await repo.transfers(station.id)

    async def clear_cache(self, code: str) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        return await self._simple(station, dialect.clear_cache())

    async def data_transfer(self, code: str, body: DataTransferBody) -> OperationOutcome:
        station, dialect = await self._access.connected_station(code)
        return await self._simple(station, dialect.data_transfer(body))


__all__ = ["DIAGNOSTICS", "FIRMWARE", "OperationOutcome", "StationOperations"]
