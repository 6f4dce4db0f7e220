"""Admin routes of OCPP remote operations, configuration templates, local lists,
reservations and charging profiles (issue 4).

Every operation is ``POST /stations/{code}/operations/{name}`` with a version-neutral
snake_case body, answering ``{"status", "response", "details"}``: the charger's status,
its reply payload as received, and our reading of it. A station that is not connected
answers 409 at once; a charger that stays silent 504; a CALLERROR 502.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from csms.network.errors import NotFound
from csms.operations import requests as rq
from csms.operations.access import OperationOutcome
from csms.operations.parameters import PARAMETERS
from csms.operations.profiles import ChargingProfileSpec
from csms.operations.services import OperationsServices
from csms.operations.templates import ConfigurationTemplateSpec
from gateway.admin.resources import read_json
from gateway.admin.routes_table import AdminRoute

if TYPE_CHECKING:
    from gateway.app import Deps


class OperationOutcomeRead(BaseModel):
    status: str = Field(description="The charger's status (Accepted, Rejected …)")
    response: dict[str, Any] = Field(description="The charger's reply payload, as received")
    details: dict[str, Any] | None = Field(default=None, description="Our reading of it")


class ParameterRead(BaseModel):
    name: str
    label: str
    group: str
    ocpp16_key: str
    ocpp201_variable: str


class TransferRead(BaseModel):
    id: int
    kind: str
    location: str = Field(description="Password redacted")
    status: str
    file_name: str | None
    requested_at: datetime
    updated_at: datetime


class ReportRead(BaseModel):
    id: int
    report_base: str
    status: str
    requested_at: datetime
    updated_at: datetime
    entries: list[dict[str, Any]]


class ReservationRead(BaseModel):
    id: int
    charger_id: int
    connector_id: int | None
    whole_charger: bool
    id_token: str
    status: str
    charger_status: str | None
    expires_at: datetime
    session_id: int | None
    created_at: datetime


class SettingResultRead(BaseModel):
    template: str
    batch: int
    parameter: str
    charger: str | None
    connector: str | None
    status: str
    applied_at: datetime


class ProfileRead(ChargingProfileSpec):
    id: int = Field(description="The OCPP chargingProfileId")
    created_at: datetime
    updated_at: datetime


class ProfileAssignmentRead(BaseModel):
    charger: str
    status: str
    assigned_at: datetime


class TemplateRead(ConfigurationTemplateSpec):
    id: int
    created_at: datetime
    updated_at: datetime


class LoadBalancing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dynamic_load_balancing: bool


class ReservationRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    simultaneous_connectors: bool = Field(description=(
        "Connectors usable at the same time: a reservation then takes one connector; "
        "otherwise it takes the whole charger"))


class ExpiredCount(BaseModel):
    expired: int


def _ops(request: web.Request) -> OperationsServices:
    from gateway.admin.csms_routes import ADMIN_DEPS

    deps: Deps = request.app[ADMIN_DEPS]
    assert deps.operations is not None
    return deps.operations


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(model.model_dump(mode="json"), status=status)


def _outcome(outcome: OperationOutcome) -> web.Response:
    return _json(OperationOutcomeRead(status=outcome.status, response=outcome.response,
                                      details=outcome.details))


Runner = Callable[[OperationsServices, str, Any], Awaitable[OperationOutcome]]


def _operation(body: type[BaseModel], run: Runner
               ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        raw = await read_json(request) if request.can_read_body else {}
        parsed = body.model_validate(raw)
        return _outcome(await run(_ops(request), request.match_info["code"], parsed))
    return handler


# name → (body, runner, summary)
OPERATIONS: dict[str, tuple[type[BaseModel], Runner, str]] = {
    "reset": (rq.ResetBody, lambda o, c, b: o.stations.reset(c, b),
              "Reset (1.6 Soft/Hard; 2.0.1 OnIdle/Immediate)"),
    "change-availability": (rq.ChangeAvailabilityBody,
                            lambda o, c, b: o.stations.change_availability(c, b),
                            "Request availability change of the station, a charger or a "
                            "connector"),
    "unlock-connector": (rq.UnlockConnectorBody,
                         lambda o, c, b: o.stations.unlock_connector(c, b),
                         "Unlock a connector"),
    "get-configuration": (rq.GetConfigurationBody,
                          lambda o, c, b: o.stations.get_configuration(c, b),
                          "Read live configuration (1.6 GetConfiguration, 2.0.1 GetVariables)"),
    "change-configuration": (rq.ChangeConfigurationBody,
                             lambda o, c, b: o.stations.change_configuration(c, b),
                             "Change one configuration value (1.6 ChangeConfiguration, "
                             "2.0.1 SetVariables)"),
    "get-base-report": (rq.GetBaseReportBody, lambda o, c, b: o.stations.get_base_report(c, b),
                        "2.0.1 GetBaseReport; NotifyReport parts are collected into "
                        "/stations/{code}/configuration-report"),
    "trigger-message": (rq.TriggerMessageBody,
                        lambda o, c, b: o.stations.trigger_message(c, b),
                        "Trigger a message (boot, diagnostics/log status, firmware status, "
                        "heartbeat, meter values, status)"),
    "update-firmware": (rq.UpdateFirmwareBody, lambda o, c, b: o.stations.update_firmware(c, b),
                        "Firmware update from an ftp:// or http(s):// location"),
    "get-diagnostics": (rq.GetDiagnosticsBody, lambda o, c, b: o.stations.get_diagnostics(c, b),
                        "Diagnostics upload (1.6 GetDiagnostics, 2.0.1 GetLog)"),
    "send-local-list": (rq.SendLocalListBody, lambda o, c, b: o.local_lists.send(c, b),
                        "Send the local authorization list (full or differential)"),
    "get-local-list-version": (rq.EmptyBody, lambda o, c, b: o.local_lists.get_version(c),
                               "Version of the charger's local authorization list"),
    "clear-cache": (rq.EmptyBody, lambda o, c, b: o.local_lists.clear_cache(c),
                    "Clear the charger's authorization cache"),
    "reserve-now": (rq.ReserveNowBody, lambda o, c, b: o.reservations.reserve(c, b),
                    "Reserve a charger or connector until expires_at"),
    "cancel-reservation": (rq.CancelReservationBody,
                           lambda o, c, b: o.reservations.cancel(c, b),
                           "Cancel a reservation"),
    "set-charging-profile": (rq.SetChargingProfileBody,
                             lambda o, c, b: o.profiles.set_profile(c, b),
                             "Assign a charging profile to a charger (SetChargingProfile)"),
    "clear-charging-profile": (rq.ClearChargingProfileBody,
                               lambda o, c, b: o.profiles.clear_profile(c, b),
                               "Clear charging profiles"),
    "get-composite-schedule": (rq.GetCompositeScheduleBody,
                               lambda o, c, b: o.profiles.composite(c, b),
                               "The charger's composite schedule, with the one expected from "
                               "the assigned profiles"),
    "data-transfer": (rq.DataTransferBody, lambda o, c, b: o.stations.data_transfer(c, b),
                      "Vendor DataTransfer passthrough"),
}

_OP_ERRORS = {404: "Unknown station", 409: "Station not connected or conflict",
              422: "Invalid request", 502: "The charger answered with a CALLERROR",
              504: "The charger did not answer"}


# --- reads and definitions ---------------------------------------------------------------

async def list_parameters(_request: web.Request) -> web.Response:
    return web.json_response([ParameterRead(
        name=p.name, label=p.label, group=p.group, ocpp16_key=p.key_16,
        ocpp201_variable=p.address_201()).model_dump() for p in PARAMETERS])


async def list_transfers(request: web.Request) -> web.Response:
    rows = await _ops(request).stations.transfers(request.match_info["code"])
    return web.json_response([TransferRead.model_validate(r, from_attributes=True)
                              .model_dump(mode="json") for r in rows])


async def configuration_report(request: web.Request) -> web.Response:
    report = await _ops(request).stations.latest_report(request.match_info["code"])
    if report is None:
        raise NotFound("no configuration report was received from this station")
    return _json(ReportRead.model_validate(report, from_attributes=True))


async def list_reservations(request: web.Request) -> web.Response:
    rows = await _ops(request).reservations.list(request.match_info["code"])
    return web.json_response([ReservationRead.model_validate(r, from_attributes=True)
                              .model_dump(mode="json") for r in rows])


async def expire_reservations(request: web.Request) -> web.Response:
    return _json(ExpiredCount(expired=await _ops(request).reservations.expire_due()))


async def setting_results(request: web.Request) -> web.Response:
    rows = await _ops(request).templates.results(request.match_info["code"])
    return web.json_response([SettingResultRead(
        template=r.template_code, batch=r.batch, parameter=r.parameter, charger=r.charger,
        connector=r.connector, status=r.status, applied_at=r.applied_at).model_dump(mode="json")
        for r in rows])


def _profile(record: Any) -> ProfileRead:
    return ProfileRead.model_validate({**record.spec, "id": record.id,
                                       "created_at": record.created_at,
                                       "updated_at": record.updated_at})


async def list_profiles(request: web.Request) -> web.Response:
    return web.json_response([_profile(r).model_dump(mode="json")
                              for r in await _ops(request).profiles.all()])


async def create_profile(request: web.Request) -> web.Response:
    spec = ChargingProfileSpec.model_validate(await read_json(request))
    return _json(_profile(await _ops(request).profiles.create(spec)), 201)


async def get_profile(request: web.Request) -> web.Response:
    return _json(_profile(await _ops(request).profiles.get(request.match_info["code"])))


async def put_profile(request: web.Request) -> web.Response:
    spec = ChargingProfileSpec.model_validate(await read_json(request))
    return _json(_profile(await _ops(request).profiles.replace(request.match_info["code"],
                                                               spec)))


async def delete_profile(request: web.Request) -> web.Response:
    await _ops(request).profiles.delete(request.match_info["code"])
    return web.Response(status=204)


async def profile_assignments(request: web.Request) -> web.Response:
    rows = await _ops(request).profiles.assignments(request.match_info["code"])
    return web.json_response([ProfileAssignmentRead(
        charger=a.charger_code, status=a.status, assigned_at=a.assigned_at)
        .model_dump(mode="json") for a in rows])


async def put_load_balancing(request: web.Request) -> web.Response:
    body = LoadBalancing.model_validate(await read_json(request))
    await _ops(request).profiles.set_load_balancing(request.match_info["code"],
                                                    body.dynamic_load_balancing)
    return _json(body)


async def get_load_balancing(request: web.Request) -> web.Response:
    enabled = await _ops(request).profiles.load_balancing(request.match_info["code"])
    return _json(LoadBalancing(dynamic_load_balancing=enabled))


async def put_reservation_rules(request: web.Request) -> web.Response:
    body = ReservationRules.model_validate(await read_json(request))
    await _ops(request).reservations.set_rules(request.match_info["code"],
                                               body.simultaneous_connectors)
    return _json(body)


def _template(record: Any) -> TemplateRead:
    return TemplateRead.model_validate({**record.spec, "areas": record.areas,
                                        "stations": record.stations, "id": record.id,
                                        "created_at": record.created_at,
                                        "updated_at": record.updated_at})


async def list_templates(request: web.Request) -> web.Response:
    return web.json_response([_template(r).model_dump(mode="json")
                              for r in await _ops(request).templates.all()])


async def create_template(request: web.Request) -> web.Response:
    spec = ConfigurationTemplateSpec.model_validate(await read_json(request))
    return _json(_template(await _ops(request).templates.save(spec, create=True)), 201)


async def get_template(request: web.Request) -> web.Response:
    return _json(_template(await _ops(request).templates.get(request.match_info["code"])))


async def put_template(request: web.Request) -> web.Response:
    spec = ConfigurationTemplateSpec.model_validate(await read_json(request))
    if spec.code != request.match_info["code"]:
        raise NotFound("the code in the body must be the code in the path")
    return _json(_template(await _ops(request).templates.save(spec, create=False)))


async def delete_template(request: web.Request) -> web.Response:
    await _ops(request).templates.delete(request.match_info["code"])
    return web.Response(status=204)


_DEFS = {404: "Not found", 409: "Conflict", 422: "Invalid"}

OPERATIONS_ROUTES: list[AdminRoute] = [
    *(AdminRoute("POST", f"/stations/{{code}}/operations/{name}", _operation(body, run),
                 summary, "operations", body=body, response=OperationOutcomeRead,
                 errors=_OP_ERRORS)
      for name, (body, run, summary) in OPERATIONS.items()),
    AdminRoute("GET", "/operations/configuration-parameters", list_parameters,
               "Live configuration parameters by readable name, with the 1.6 key and the "
               "2.0.1 component/variable", "operations", response=ParameterRead,
               response_is_list=True),
    AdminRoute("GET", "/stations/{code}/transfers", list_transfers,
               "Firmware and diagnostics requests with their latest status", "operations",
               response=TransferRead, response_is_list=True, errors={404: "Unknown station"}),
    AdminRoute("GET", "/stations/{code}/configuration-report", configuration_report,
               "The latest 2.0.1 device model report collected from NotifyReport", "operations",
               response=ReportRead, errors={404: "Unknown station or no report"}),
    AdminRoute("GET", "/stations/{code}/reservations", list_reservations,
               "Reservations of a station", "reservations", response=ReservationRead,
               response_is_list=True, errors={404: "Unknown station"}),
    AdminRoute("POST", "/jobs/reservations/expire", expire_reservations,
               "Expire reservations past their expiry now (the idle job does it too)", "jobs",
               response=ExpiredCount),
    AdminRoute("PUT", "/chargers/{code}/reservation-rules", put_reservation_rules,
               "Whether the charger's connectors can be used simultaneously", "reservations",
               body=ReservationRules, response=ReservationRules, errors={404: "Unknown charger"}),
    AdminRoute("GET", "/stations/{code}/configuration-results", setting_results,
               "Configuration template settings applied at connect, with the charger's "
               "answer per setting", "configuration-templates", response=SettingResultRead,
               response_is_list=True, errors={404: "Unknown station"}),
    AdminRoute("GET", "/charging-profiles", list_profiles, "List charging profiles",
               "charging-profiles", response=ProfileRead, response_is_list=True),
    AdminRoute("POST", "/charging-profiles", create_profile, "Create a charging profile",
               "charging-profiles", body=ChargingProfileSpec, response=ProfileRead,
               response_status=201, errors=_DEFS),
    AdminRoute("GET", "/charging-profiles/{code}", get_profile, "A charging profile",
               "charging-profiles", response=ProfileRead, errors=_DEFS),
    AdminRoute("PUT", "/charging-profiles/{code}", put_profile,
               "Replace a charging profile (the code cannot change)", "charging-profiles",
               body=ChargingProfileSpec, response=ProfileRead, errors=_DEFS),
    AdminRoute("DELETE", "/charging-profiles/{code}", delete_profile,
               "Delete a charging profile that no charger holds", "charging-profiles",
               response_status=204, errors=_DEFS),
    AdminRoute("GET", "/charging-profiles/{code}/assignments", profile_assignments,
               "Chargers holding the profile, with their answer", "charging-profiles",
               response=ProfileAssignmentRead, response_is_list=True, errors=_DEFS),
    AdminRoute("GET", "/areas/{code}/load-balancing", get_load_balancing,
               "Whether dynamic load balancing is enabled on the area", "charging-profiles",
               response=LoadBalancing, errors=_DEFS),
    AdminRoute("PUT", "/areas/{code}/load-balancing", put_load_balancing,
               "Enable/disable dynamic load balancing (exclusive with charging profiles)",
               "charging-profiles", body=LoadBalancing, response=LoadBalancing, errors=_DEFS),
    AdminRoute("GET", "/configuration-templates", list_templates,
               "List configuration templates", "configuration-templates",
               response=TemplateRead, response_is_list=True),
    AdminRoute("POST", "/configuration-templates", create_template,
               "Create a configuration template (with its areas and stations)",
               "configuration-templates", body=ConfigurationTemplateSpec, response=TemplateRead,
               response_status=201, errors=_DEFS),
    AdminRoute("GET", "/configuration-templates/{code}", get_template,
               "A configuration template", "configuration-templates", response=TemplateRead,
               errors=_DEFS),
    AdminRoute("PUT", "/configuration-templates/{code}", put_template,
               "Replace a configuration template; stations get it at their next connection",
               "configuration-templates", body=ConfigurationTemplateSpec, response=TemplateRead,
               errors=_DEFS),
    AdminRoute("DELETE", "/configuration-templates/{code}", delete_template,
               "Delete a configuration template", "configuration-templates",
               response_status=204, errors=_DEFS),
]
