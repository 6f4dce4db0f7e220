"""OCPP 2.0.1 handlers: decode, call the version-neutral services, encode. Nothing else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ocpp.v201.enums import Action

from csms.charging.sessions import StartRequest
from csms.charging.station_certificates import StationCertificates
from csms.ocpp.chargepoint import CsmsChargePoint, HandlerError, iso, parse_time
from csms.ocpp.frames import OCPP201, Violation
from csms.ocpp.metering import energy_wh, samples_from
from csms.ocpp.routing import on
from csms.ocpp.status_codes import id_token_info
from csms.ocpp.tokens import NO_AUTHORIZATION, ocpp_201_type, our_type

_NO_SIGNER = StationCertificates(None)  # answers Rejected/NotConfigured


class ChargePoint201(CsmsChargePoint):
    version = OCPP201
    known_actions = frozenset(a.value for a in Action)

    def _now(self) -> str:
        return iso(self.ctx.clock.now())

    @on(Action.boot_notification)
    async def on_boot(self, charging_station: dict[str, Any], reason: str) -> dict[str, Any]:
        modem = charging_station.get("modem") or {}
        await self.ctx.stations.booted(self.station, {
            "vendor": charging_station.get("vendor_name"),
            "model": charging_station.get("model"),
            "serial_number": charging_station.get("serial_number"),
            "firmware_version": charging_station.get("firmware_version"),
            "modem_iccid": modem.get("iccid"), "modem_imsi": modem.get("imsi"),
        })
        return {"currentTime": self._now(), "interval": self.ctx.heartbeat_interval,
                "status": "Accepted"}

    @on(Action.heartbeat)
    async def on_heartbeat(self) -> dict[str, Any]:
        await self.ctx.stations.seen(self.station)
        return {"currentTime": self._now()}

    @on(Action.status_notification)
    async def on_status(self, timestamp: str, connector_status: str, evse_id: int,
                        connector_id: int) -> dict[str, Any]:
        located = self.station.connector_201(evse_id, connector_id)
        if located is None or located[1] is None:
            raise HandlerError(Violation.PROPERTY,
                               f"EVSE {evse_id} connector {connector_id} is not configured")
        charger, connector = located
        assert connector is not None
        at = parse_time(timestamp)
        await self.ctx.stations.status_changed(
            self.station, charger_id=charger.id, connector_id=connector.id,
            status=connector_status, error_code=None, vendor_error_code=None, info=None,
            at=at)
        await self.ctx.sessions.connector_status(self.station, connector, connector_status, at)
        return {}

    @on(Action.authorize)
    async def on_authorize(self, id_token: dict[str, Any], **_: Any) -> dict[str, Any]:
        decision = await self.ctx.sessions.authorize(
            self.station, id_token["id_token"], our_type(id_token["type"]))
        return {"idTokenInfo": id_token_info(decision)}

    @on(Action.transaction_event)
    async def on_transaction_event(
        self, event_type: str, timestamp: str, trigger_reason: str, seq_no: int,
        transaction_info: dict[str, Any], **extra: Any,
    ) -> dict[str, Any]:
        at = parse_time(timestamp)
        transaction_id = transaction_info["transaction_id"]
        offline = bool(extra.get("offline", False))
        fresh = await self.ctx.sessions.record_event(
            self.station, transaction_id, seq_no, event_type, at, offline)
        token = extra.get("id_token")
        if not fresh:
            self.ctx.sessions.log_replay(self.station, transaction_id, seq_no)
            return {}
        samples = samples_from(extra.get("meter_value") or [], parse_time)
        id_token = token["id_token"] if token else None
        token_type = our_type(token["type"]) if token else None
        decision = None
        if event_type == "Started":
            evse = extra.get("evse") or {}
            charger = connector = None
            if "id" in evse:
                located = self.station.connector_201(evse["id"], evse.get("connector_id"))
                if located is None:
                    raise HandlerError(Violation.PROPERTY,
                                       f"EVSE {evse['id']} is not configured")
                charger, connector = located
            starts = [s for s in samples if energy_wh(s) is not None]
            outcome = await self.ctx.sessions.start(StartRequest(
                station=self.station, charger=charger, connector=connector, at=at,
                id_token=id_token, token_type=token_type,
                meter_start_wh=energy_wh(starts[0]) if starts else None,
                transaction_id=transaction_id,
                remote_start_id=transaction_info.get("remote_start_id"),
                reservation_id=extra.get("reservation_id"), offline=offline))
            decision = outcome.decision if token else None
            rest = samples[1:] if starts and samples and samples[0] is starts[0] else samples
            await self.ctx.sessions.transaction_update(
                self.station, transaction_id, at=at,
                charging_state=transaction_info.get("charging_state"), samples=rest)
        elif event_type == "Updated":
            _, decision = await self.ctx.sessions.transaction_update(
                self.station, transaction_id, at=at,
                charging_state=transaction_info.get("charging_state"), samples=samples,
                id_token=id_token, token_type=token_type)
        else:
            ends = [s for s in samples if energy_wh(s) is not None
                    and s.context == "Transaction.End"]
            meter_stop = energy_wh(ends[-1]) if ends else None
            rest = [s for s in samples if not ends or s is not ends[-1]]
            await self.ctx.sessions.stop(
                self.station, transaction_id, at=at, meter_stop_wh=meter_stop,
                reason=transaction_info.get("stopped_reason") or trigger_reason,
                samples=rest)
        if token is not None and token.get("type") != NO_AUTHORIZATION:
            if decision is None:
                decision = await self.ctx.sessions.authorize(self.station, id_token or "",
                                                             token_type)
            return {"idTokenInfo": id_token_info(decision)}
        return {}

    @on(Action.meter_values)
    async def on_meter_values(self, evse_id: int, meter_value: list[dict[str, Any]]
                              ) -> dict[str, Any]:
        await self.ctx.sessions.meter_values(self.station, None, evse_id,
                                             samples_from(meter_value, parse_time))
        return {}

    async def _event(self, type: str, payload: dict[str, Any]) -> dict[str, Any]:
        await self.ctx.stations.station_event(self.station, type, payload)
        return {}

    @on(Action.notify_event)
    async def on_notify_event(self, **payload: Any) -> dict[str, Any]:
        return await self._event("NotifyEvent", payload)

    @on(Action.notify_report)
    async def on_notify_report(self, request_id: int, generated_at: str, seq_no: int,
                               **extra: Any) -> dict[str, Any]:
        if self.ctx.operations is None:
            return await self._event("NotifyReport", {"request_id": request_id,
                                                      "seq_no": seq_no})
        await self.ctx.operations.report_part(self.station, request_id,
                                              extra.get("report_data") or [],
                                              bool(extra.get("tbc", False)))
        return {}

    @on(Action.firmware_status_notification)
    async def on_firmware_status(self, status: str, **extra: Any) -> dict[str, Any]:
        await self._event("FirmwareStatusNotification", {"status": status, **extra})
        if self.ctx.operations is not None:
            await self.ctx.operations.firmware_status(self.station, status,
                                                      extra.get("request_id"))
        return {}

    @on(Action.log_status_notification)
    async def on_log_status(self, status: str, **extra: Any) -> dict[str, Any]:
        await self._event("LogStatusNotification", {"status": status, **extra})
        if self.ctx.operations is not None:
            await self.ctx.operations.diagnostics_status(self.station, status,
                                                         extra.get("request_id"))
        return {}

    @on(Action.security_event_notification)
    async def on_security_event(self, **payload: Any) -> dict[str, Any]:
        return await self._event("SecurityEventNotification", payload)

    @on(Action.reservation_status_update)
    async def on_reservation_status(self, reservation_id: int, reservation_update_status: str
                                    ) -> dict[str, Any]:
        await self._event("ReservationStatusUpdate", {
            "reservation_id": reservation_id, "status": reservation_update_status})
        if self.ctx.operations is not None:
            await self.ctx.operations.reservation_status(self.station, reservation_id,
                                                         reservation_update_status)
        return {}

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id: str, **extra: Any) -> dict[str, Any]:
        await self.ctx.stations.station_event(self.station, "DataTransfer",
                                              {"vendor_id": vendor_id, **extra})
        return {"status": "UnknownVendorId"}

    @on(Action.sign_certificate)
    async def on_sign_certificate(self, csr: str, **extra: Any) -> dict[str, Any]:
        certificate_type = extra.get("certificate_type")
        service = self.ctx.station_certificates or _NO_SIGNER
        verdict = await service.review(self.station.code,
                                       self.station.connection_identifier, csr,
                                       certificate_type)
        if not verdict.accepted:
            status_info: dict[str, Any] = {"reasonCode": verdict.reason_code}
            if verdict.additional_info:
                status_info["additionalInfo"] = verdict.additional_info[:512]
            return {"status": "Rejected", "statusInfo": status_info}

        async def send(chain: str) -> str:
            payload = {"certificateChain": chain}
            if certificate_type is not None:
                payload["certificateType"] = certificate_type
            reply = await self.send_call("CertificateSigned", payload)
            return str(reply["status"])

        self.after_reply(lambda: service.issue(
            self.station.code, self.station.connection_identifier, csr, certificate_type,
            send))
        return {"status": "Accepted"}

    # --- CSMS-initiated ------------------------------------------------------------------

    async def remote_start(self, *, evse_id: int | None, id_token: str, token_type: str | None,
                           remote_start_id: int, **_: Any) -> str:
        payload: dict[str, Any] = {
            "idToken": {"idToken": id_token, "type": ocpp_201_type(token_type)},
            "remoteStartId": remote_start_id,
        }
        if evse_id is not None:
            payload["evseId"] = evse_id
        reply = await self.send_call("RequestStartTransaction", payload)
        return str(reply["status"])

    async def remote_stop(self, transaction_id: str) -> str:
        reply = await self.send_call("RequestStopTransaction",
                                     {"transactionId": transaction_id})
        return str(reply["status"])


__all__ = ["ChargePoint201", "Decimal"]
