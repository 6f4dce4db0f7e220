"""OCPP 1.6J handlers: decode, call the version-neutral services, encode. Nothing else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp.v16.enums import Action

from csms.charging.sessions import StartRequest
from csms.charging.station_certificates import StationCertificates
from csms.ocpp.chargepoint import CsmsChargePoint, HandlerError, iso, parse_time
from csms.ocpp.frames import OCPP16, Violation
from csms.ocpp.metering import samples_from
from csms.ocpp.routing import on
from csms.ocpp.status_codes import id_tag_info

_NO_SIGNER = StationCertificates(None)  # answers Rejected


class ChargePoint16(CsmsChargePoint):
    version = OCPP16
    known_actions = frozenset(a.value for a in Action)

    def _now(self) -> str:
        return iso(self.ctx.clock.now())

    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor: str, charge_point_model: str,
                      **extra: Any) -> dict[str, Any]:
        await self.ctx.stations.booted(self.station, {
            "vendor": charge_point_vendor, "model": charge_point_model,
            "serial_number": extra.get("charge_point_serial_number")
            or extra.get("charge_box_serial_number"),
            "firmware_version": extra.get("firmware_version"),
            "modem_iccid": extra.get("iccid"), "modem_imsi": extra.get("imsi"),
        })
        return {"status": "Accepted", "currentTime": self._now(),
                "interval": self.ctx.heartbeat_interval}

    @on(Action.heartbeat)
    async def on_heartbeat(self) -> dict[str, Any]:
        await self.ctx.stations.seen(self.station)
        return {"currentTime": self._now()}

    @on(Action.status_notification)
    async def on_status(self, connector_id: int, error_code: str, status: str,
                        **extra: Any) -> dict[str, Any]:
        at = parse_time(extra["timestamp"]) if extra.get("timestamp") else self.ctx.clock.now()
        charger = self.station.only_charger()
        connector = None
        if connector_id > 0:
            located = self.station.connector_16(connector_id)
            if located is None:
                raise HandlerError(Violation.PROPERTY,
                                   f"connectorId {connector_id} is not configured for this "
                                   "station")
            charger, connector = located
        await self.ctx.stations.status_changed(
            self.station, charger_id=charger.id if charger else None,
            connector_id=connector.id if connector else None, status=status,
            error_code=error_code, vendor_error_code=extra.get("vendor_error_code"),
            info=extra.get("info"), at=at)
        if connector is not None:
            await self.ctx.sessions.connector_status(self.station, connector, status, at)
        return {}

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> dict[str, Any]:
        # 1.6 Authorize names no connector; the station's one charger locates the request.
        decision = await self.ctx.sessions.authorize(self.station, id_tag, None,
                                                     self.station.only_charger())
        return {"idTagInfo": id_tag_info(decision)}

    @on(Action.start_transaction)
    async def on_start_transaction(self, connector_id: int, id_tag: str, meter_start: int,
                                   timestamp: str, **extra: Any) -> dict[str, Any]:
        located = self.station.connector_16(connector_id)
        if located is None:
            raise HandlerError(Violation.PROPERTY,
                               f"connectorId {connector_id} is not configured")
        charger, connector = located
        at = parse_time(timestamp)
        outcome = await self.ctx.sessions.start(StartRequest(
            station=self.station, charger=charger, connector=connector, at=at,
            id_token=id_tag, token_type=None, meter_start_wh=Decimal(meter_start),
            reservation_id=extra.get("reservation_id"),
            offline=at < self.ctx.clock.now().replace(microsecond=0) - _OFFLINE_SLACK))
        return {"transactionId": int(outcome.session.transaction_id or 0),
                "idTagInfo": id_tag_info(outcome.decision)}

    @on(Action.stop_transaction)
    async def on_stop_transaction(self, meter_stop: int, timestamp: str, transaction_id: int,
                                  **extra: Any) -> dict[str, Any]:
        samples = samples_from(extra.get("transaction_data") or [], parse_time)
        await self.ctx.sessions.stop(
            self.station, str(transaction_id), at=parse_time(timestamp),
            meter_stop_wh=Decimal(meter_stop), reason=extra.get("reason"), samples=samples)
        reply: dict[str, Any] = {}
        if extra.get("id_tag"):
            reply["idTagInfo"] = {"status": "Accepted"}
        return reply

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list[dict[str, Any]],
                              **extra: Any) -> dict[str, Any]:
        samples = samples_from(meter_value, parse_time)
        transaction_id = extra.get("transaction_id")
        await self.ctx.sessions.meter_values(
            self.station, str(transaction_id) if transaction_id is not None else None,
            connector_id, samples)
        return {}

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **extra: Any) -> dict[str, Any]:
        await self.ctx.stations.station_event(self.station, "DataTransfer",
                                              {"vendor_id": vendor_id, **extra})
        return {"status": "UnknownVendorId"}

    @on(Action.diagnostics_status_notification)
    async def on_diagnostics_status(self, status: str) -> dict[str, Any]:
        await self.ctx.stations.station_event(self.station, "DiagnosticsStatusNotification",
                                              {"status": status})
        if self.ctx.operations is not None:
            await self.ctx.operations.diagnostics_status(self.station, status)
        return {}

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, status: str) -> dict[str, Any]:
        await self.ctx.stations.station_event(self.station, "FirmwareStatusNotification",
                                              {"status": status})
        if self.ctx.operations is not None:
            await self.ctx.operations.firmware_status(self.station, status)
        return {}

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr: str) -> dict[str, Any]:
        """Security whitepaper (1.6 edition 3): no certificate type, no statusInfo."""
        service = self.ctx.station_certificates or _NO_SIGNER
        verdict = await service.review(self.station.code,
                                       self.station.connection_identifier, csr, None)
        if not verdict.accepted:
            return {"status": "Rejected"}

        async def send(chain: str) -> str:
            reply = await self.send_call("CertificateSigned", {"certificateChain": chain})
            return str(reply["status"])

        self.after_reply(lambda: service.issue(
            self.station.code, self.station.connection_identifier, csr, None, send))
        return {"status": "Accepted"}

    # --- CSMS-initiated ------------------------------------------------------------------

    async def remote_start(self, *, connector_id: int | None, id_token: str,
                           **_: Any) -> str:
        payload: dict[str, Any] = {"idTag": id_token}
        if connector_id is not None:
            payload["connectorId"] = connector_id
        reply = await self.send_call("RemoteStartTransaction", payload)
        return str(reply["status"])

    async def remote_stop(self, transaction_id: str) -> str:
        reply = await self.send_call("RemoteStopTransaction",
                                     {"transactionId": int(transaction_id)})
        return str(reply["status"])


from datetime import timedelta  # noqa: E402

_OFFLINE_SLACK = timedelta(minutes=5)  # a start older than this was queued offline
