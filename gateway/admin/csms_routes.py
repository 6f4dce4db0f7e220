"""Admin routes of the CSMS: sessions, station connection, OCPP logs, station password,
remote start/stop and the idle-session job."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel

from csms.charging.errors import SessionNotFound
from csms.network.errors import NotFound
from csms.ocpp.passwords import hash_password
from csms.sessions.lifecycle import SessionNetwork
from gateway.admin.csms_models import (
    ChargingPeriodRead,
    IdleRunResult,
    OcppFrameRead,
    OperationResult,
    RemoteStartBody,
    RemoteStopBody,
    SessionDetail,
    SessionRead,
    StationConnection,
    StationPassword,
)
from gateway.admin.listing import paging, wants_csv
from gateway.admin.path_ids import path_id
from gateway.admin.problems import BadRequest
from gateway.admin.resources import read_json
from gateway.admin.routes_table import AdminRoute, QueryParam, register
from gateway.db.csms_queries import CsmsQueries

if TYPE_CHECKING:
    from gateway.app import Deps

ADMIN_DEPS: web.AppKey[Any] = web.AppKey("admin_deps")


def _deps(request: web.Request) -> Deps:
    deps: Deps = request.app[ADMIN_DEPS]
    return deps


def _queries(request: web.Request) -> CsmsQueries:
    return CsmsQueries(_deps(request).sessions)


def _time_param(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} is not an ISO 8601 date-time", [
            {"loc": ["query", name], "msg": "ISO 8601 date-time with offset",
             "type": "value_error"}]) from exc
    if value.tzinfo is None:
        raise BadRequest(f"{name} needs a UTC offset", [
            {"loc": ["query", name], "msg": "date-time needs an offset, e.g. Z",
             "type": "value_error"}])
    return value


def _rows(model: type[BaseModel], rows: list[dict[str, Any]]) -> list[BaseModel]:
    return [model.model_validate(row) for row in rows]


def _list(request: web.Request, model: type[BaseModel], items: list[BaseModel],
          total: int) -> web.Response:
    headers = {"X-Total-Count": str(total)}
    if wants_csv(request):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(list(model.model_fields))
        for item in items:
            data = item.model_dump(mode="json")
            writer.writerow(["" if v is None else (json.dumps(v) if isinstance(v, dict | list)
                                                   else v) for v in data.values()])
        return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                            headers=headers)
    return web.json_response([i.model_dump(mode="json") for i in items], headers=headers)


def _session_id(request: web.Request) -> int:
    return path_id(request, "session_id", SessionNotFound)


async def list_sessions(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    rows, total = await _queries(request).sessions(
        date_from=_time_param(request, "from"), date_to=_time_param(request, "to"),
        customer=request.query.get("customer"), status=request.query.get("status"),
        station=request.query.get("station"), limit=limit, offset=offset,
        network=_network_param(request))
    return _list(request, SessionRead, _rows(SessionRead, rows), total)


def _network_param(request: web.Request) -> str | None:
    value = request.query.get("network")
    if value is None:
        return None
    if value.upper() not in SessionNetwork.__members__:
        raise BadRequest("network must be home or roaming", [
            {"loc": ["query", "network"], "msg": "expected home or roaming",
             "type": "enum"}])
    return value.upper()


def _periods(history: list[dict[str, Any]], end: datetime | None) -> list[dict[str, Any]]:
    periods = []
    for index, event in enumerate(history):
        following = history[index + 1]["at"] if index + 1 < len(history) else end
        periods.append({"start": event["at"], "end": following,
                        "connector_status": event["status"]})
    return periods


async def get_session(request: web.Request) -> web.Response:
    detail = await _queries(request).session(_session_id(request))
    if detail is None:
        raise SessionNotFound(f"session {request.match_info['session_id']} does not exist")
    detail["charging_periods"] = [ChargingPeriodRead.model_validate(p) for p in
                                  _periods(detail["status_history"], detail["ended_at"])]
    return web.json_response(SessionDetail.model_validate(detail).model_dump(mode="json"))


async def force_close(request: web.Request) -> web.Response:
    result = await _deps(request).remote.force_close(_session_id(request))
    return web.json_response(OperationResult(status=result.status, response={
        "session_id": result.session_id, "session_status": result.session_status,
    }).model_dump(mode="json"))


async def session_log(request: web.Request) -> web.Response:
    queries = _queries(request)
    detail = await queries.session(_session_id(request))
    if detail is None:
        raise SessionNotFound(f"session {request.match_info['session_id']} does not exist")
    limit, offset = paging(request)
    rows, total = await queries.ocpp_log(
        detail["station_id"], detail["started_at"] or detail["created_at"],
        detail["ended_at"], limit, offset)
    return _list(request, OcppFrameRead, _rows(OcppFrameRead, rows), total)


async def _station_id(request: web.Request) -> int:
    station_id = await _queries(request).station_id(request.match_info["code"])
    if station_id is None:
        raise NotFound(f"station {request.match_info['code']!r} does not exist")
    return station_id


async def station_log(request: web.Request) -> web.Response:
    station_id = await _station_id(request)
    limit, offset = paging(request)
    rows, total = await _queries(request).ocpp_log(
        station_id, _time_param(request, "from"), _time_param(request, "to"), limit, offset)
    return _list(request, OcppFrameRead, _rows(OcppFrameRead, rows), total)


async def station_connection(request: web.Request) -> web.Response:
    deps = _deps(request)
    code = request.match_info["code"]
    station = await deps.network.get("stations", (code,))
    info = await deps.stations.by_code(code)
    assert info is not None
    data = station.model_dump()
    return web.json_response(StationConnection(
        station=code, connected=deps.registry.get(code) is not None,
        connection_state=data["connection_state"],
        operational_status=data["operational_status"], last_seen_at=data["last_seen_at"],
        ocpp_protocol=data["ocpp_protocol"], connection_policy=data["connection_policy"],
        password_set=info.password_hash is not None).model_dump(mode="json"))


async def set_password(request: web.Request) -> web.Response:
    station_id = await _station_id(request)
    body = StationPassword.model_validate(await read_json(request))
    await _queries(request).set_station_password(station_id, hash_password(body.password))
    return web.Response(status=204)


async def clear_password(request: web.Request) -> web.Response:
    await _queries(request).set_station_password(await _station_id(request), None)
    return web.Response(status=204)


async def remote_start(request: web.Request) -> web.Response:
    body = RemoteStartBody.model_validate(await read_json(request))
    result = await _deps(request).remote.remote_start(
        request.match_info["code"], charger=body.charger, connector=body.connector,
        id_token=body.id_token, token_type=body.token_type.value if body.token_type else None)
    return web.json_response(OperationResult(status=result.status, response={
        "session_id": result.session_id, "session_status": result.session_status,
    }).model_dump(mode="json"))


async def remote_stop(request: web.Request) -> web.Response:
    body = RemoteStopBody.model_validate(await read_json(request))
    deps = _deps(request)
    detail = await _queries(request).session(body.session_id)
    if detail is None or detail["station"] != request.match_info["code"]:
        raise SessionNotFound(f"session {body.session_id} is not on station "
                              f"{request.match_info['code']!r}")
    result = await deps.remote.remote_stop(body.session_id)
    return web.json_response(OperationResult(status=result.status, response={
        "session_id": result.session_id, "session_status": result.session_status,
    }).model_dump(mode="json"))


async def run_idle_job(request: web.Request) -> web.Response:
    counts = await _deps(request).remote.run_idle_check()
    return web.json_response(IdleRunResult.model_validate(counts).model_dump())


_RANGE = (QueryParam("from", "inclusive start (ISO 8601 with offset)", format="date-time"),
          QueryParam("to", "end (ISO 8601 with offset)", format="date-time"))
_PAGE = (QueryParam("limit", "page size", "integer"), QueryParam("offset", "skip", "integer"))

CSMS_ROUTES: list[AdminRoute] = [
    AdminRoute("GET", "/sessions", list_sessions, "List sessions (newest first; CSV with "
               "Accept: text/csv)", "sessions", response=SessionRead, response_is_list=True,
               csv=True, query=(*_RANGE, QueryParam("customer", "customer code"),
                                QueryParam("status", "session status"),
                                QueryParam("station", "station code"),
                                QueryParam("network", "home (customers, payment terminals) "
                                           "or roaming"), *_PAGE)),
    AdminRoute("GET", "/sessions/{session_id}", get_session,
               "A session with meter values, status history and charging periods",
               "sessions", response=SessionDetail, errors={404: "Unknown session"}),
    AdminRoute("POST", "/sessions/{session_id}/force-close", force_close,
               "Ask the charger to stop and close the session even without an answer",
               "sessions", response=OperationResult,
               errors={404: "Unknown session", 409: "Session not active"}),
    AdminRoute("GET", "/sessions/{session_id}/ocpp-log", session_log,
               "OCPP frames of the station during the session", "sessions",
               response=OcppFrameRead, response_is_list=True, csv=True, query=_PAGE,
               errors={404: "Unknown session"}),
    AdminRoute("GET", "/stations/{code}/connection", station_connection,
               "Connection state of a station", "stations", response=StationConnection,
               errors={404: "Unknown station"}),
    AdminRoute("GET", "/stations/{code}/ocpp-log", station_log,
               "OCPP communication log of a station by time range", "stations",
               response=OcppFrameRead, response_is_list=True, csv=True,
               query=(*_RANGE, *_PAGE), errors={404: "Unknown station"}),
    AdminRoute("PUT", "/stations/{code}/password", set_password,
               "Set the station's HTTP Basic password (stored hashed)", "stations",
               body=StationPassword, response_status=204, errors={404: "Unknown station"}),
    AdminRoute("DELETE", "/stations/{code}/password", clear_password,
               "Remove the station's password", "stations", response_status=204,
               errors={404: "Unknown station"}),
    AdminRoute("POST", "/stations/{code}/operations/remote-start", remote_start,
               "Remote start (1.6 RemoteStartTransaction, 2.0.1 RequestStartTransaction)",
               "operations", body=RemoteStartBody, response=OperationResult,
               errors={404: "Unknown station", 409: "Not connected or connector busy",
                       504: "Charger did not answer"}),
    AdminRoute("POST", "/stations/{code}/operations/remote-stop", remote_stop,
               "Remote stop (1.6 RemoteStopTransaction, 2.0.1 RequestStopTransaction)",
               "operations", body=RemoteStopBody, response=OperationResult,
               errors={404: "Unknown session", 409: "Not connected or not active",
                       504: "Charger did not answer"}),
    AdminRoute("POST", "/jobs/idle-sessions/run", run_idle_job,
               "Run one pass of the idle-session job now", "jobs", response=IdleRunResult),
]


def add_csms_routes(app: web.Application) -> None:
    """Registers every table-declared route (CSMS, tariffs, operations)."""
    from gateway.admin.routes_table import all_route_tables

    register(app, all_route_tables())
