"""Admin routes of roaming tariffs, their assignments, resolution, session CDRs and the
price checker (issue 5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from csms.charging.errors import SessionNotFound
from csms.network.errors import NotFound, RuleViolation
from csms.network.schemas import party_id_of
from csms.pricing.catalogue import AssignmentLevel, CatalogueEntry
from gateway.admin.path_ids import path_id
from gateway.admin.problems import BadRequest
from gateway.admin.resources import read_json
from gateway.admin.routes_table import AdminRoute, QueryParam
from gateway.db import tables as t
from tariffs.errors import TariffError
from tariffs.ocpi_model import Tariff
from tariffs.roaming import RoamingTariff

if TYPE_CHECKING:
    from gateway.app import Deps


class TariffBody(RoamingTariff):
    """A roaming tariff as CPO staff write it (currency defaults to the site's)."""

    currency: str | None = Field(default=None, min_length=3, max_length=3)  # type: ignore[assignment]


class TariffRead(BaseModel):
    id: int
    code: str
    name: str
    status: str
    valid_from: datetime | None
    valid_to: datetime | None
    currency: str
    max_payment_authorization_amount: Decimal | None
    details: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tariffs: list[str] = Field(description="Roaming tariff codes, in order")


class Resolution(BaseModel):
    platform: str
    charger: str
    at: datetime
    tariffs: list[str]


class SessionCdr(BaseModel):
    session_id: int
    tariff_ids: list[str]
    currency: str
    total_excl_vat: Decimal
    total_incl_vat: Decimal
    explanation: list[str]
    cdr: dict[str, Any]


class PriceCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tariff: dict[str, Any] | list[dict[str, Any]]
    cdr: dict[str, Any]
    tz: str | None = None


class PriceTotals(BaseModel):
    totals: dict[str, Any]


def _deps(request: web.Request) -> Deps:
    from gateway.admin.csms_routes import ADMIN_DEPS

    deps: Deps = request.app[ADMIN_DEPS]
    return deps


def _read(entry: CatalogueEntry) -> dict[str, Any]:
    tariff = entry.tariff
    return TariffRead(
        id=entry.id, code=tariff.code, name=tariff.name, status=tariff.status.value,
        valid_from=tariff.valid_from, valid_to=tariff.valid_to, currency=tariff.currency,
        max_payment_authorization_amount=tariff.max_payment_authorization_amount,
        details=tariff.model_dump(mode="json")["details"], created_at=entry.created_at,
        updated_at=entry.updated_at).model_dump(mode="json")


def _tariff_id(request: web.Request) -> int:
    return path_id(request, "tariff_id", NotFound)


def _level(request: web.Request) -> AssignmentLevel:
    try:
        return AssignmentLevel(request.match_info["level"].upper())
    except ValueError as exc:
        raise NotFound("assignment level is site, operator, charger or platform") from exc


async def list_tariffs(request: web.Request) -> web.Response:
    entries = await _deps(request).tariffs.entries(request.query.get("code"),
                                                   request.query.get("status"))
    return web.json_response([_read(e) for e in entries],
                             headers={"X-Total-Count": str(len(entries))})


async def create_tariff(request: web.Request) -> web.Response:
    entry = await _deps(request).tariffs.create(await read_json(request))
    response = web.json_response(_read(entry), status=201)
    response.headers["Location"] = f"{request.path.rstrip('/')}/{entry.id}"
    return response


async def get_tariff(request: web.Request) -> web.Response:
    return web.json_response(_read(await _deps(request).tariffs.get(_tariff_id(request))))


async def update_tariff(request: web.Request) -> web.Response:
    entry = await _deps(request).tariffs.update(_tariff_id(request), await read_json(request))
    return web.json_response(_read(entry))


async def delete_tariff(request: web.Request) -> web.Response:
    await _deps(request).tariffs.delete(_tariff_id(request))
    return web.Response(status=204)


async def ocpi_tariff(request: web.Request) -> web.Response:
    deps = _deps(request)
    code = request.query.get("profile")
    profiles, _ = await deps.network.page("roaming_profiles",
                                          {"protocol": "OCPI"} if code is None else {}, 100, 0)
    chosen = next((p for p in profiles if code is None or p.code == code), None)  # type: ignore[attr-defined]
    if chosen is None:
        raise NotFound("no OCPI roaming profile" if code is None
                       else f"roaming profile {code!r} does not exist")
    tariff = await deps.tariffs.ocpi_tariff(_tariff_id(request), chosen.country_code,  # type: ignore[attr-defined]
                                            party_id_of(chosen.roaming_identifier))  # type: ignore[attr-defined]
    return web.json_response(tariff.model_dump(mode="json", exclude_none=True))


async def get_assignment(request: web.Request) -> web.Response:
    codes = await _deps(request).tariffs.assigned(_level(request), request.match_info["target"])
    return web.json_response(Assignment(tariffs=codes).model_dump())


async def put_assignment(request: web.Request) -> web.Response:
    body = Assignment.model_validate(await read_json(request))
    codes = await _deps(request).tariffs.assign(_level(request), request.match_info["target"],
                                                body.tariffs)
    return web.json_response(Assignment(tariffs=codes).model_dump())


async def resolve(request: web.Request) -> web.Response:
    platform, charger = request.query.get("platform"), request.query.get("charger")
    if not platform or not charger:
        raise BadRequest("platform and charger are required", [
            {"loc": ["query", name], "msg": "required", "type": "missing"}
            for name, value in (("platform", platform), ("charger", charger)) if not value])
    raw_at = request.query.get("at")
    try:
        at = datetime.fromisoformat(raw_at) if raw_at else _deps(request).clock.now()
    except ValueError as exc:
        raise BadRequest("at is not an ISO 8601 date-time") from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    tariffs = await _deps(request).tariffs.resolve(platform, charger, at)
    return web.json_response(Resolution(platform=platform, charger=charger, at=at,
                                        tariffs=[x.code for x in tariffs]).model_dump(
        mode="json"))


async def session_cdr(request: web.Request) -> web.Response:
    session_id = path_id(request, "session_id", SessionNotFound)
    async with _deps(request).sessions() as db:
        row = (await db.execute(t.session_cdrs.select().where(
            t.session_cdrs.c.session_id == session_id))).mappings().first()
    if row is None:
        raise NotFound(f"session {session_id} has no CDR (not a roaming-tariff session, or "
                       "not ended)")
    return web.json_response(SessionCdr.model_validate(dict(row)).model_dump(mode="json"))


async def price_check(request: web.Request) -> web.Response:
    from tariffs.cli import price_cdr_files

    body = PriceCheck.model_validate(await read_json(request))
    try:
        totals = price_cdr_files(json.dumps(body.tariff), json.dumps(body.cdr), body.tz)
    except TariffError as exc:
        raise RuleViolation(str(exc)) from exc
    return web.json_response(PriceTotals(totals=totals).model_dump(mode="json"))


_LEVEL_DOC = "site, operator, charger or platform"
Level = Literal["site", "operator", "charger", "platform"]

TARIFF_ROUTES: list[AdminRoute] = [
    AdminRoute("GET", "/roaming/tariffs", list_tariffs, "List roaming tariffs", "roaming",
               response=TariffRead, response_is_list=True,
               query=(QueryParam("code", "tariff code"), QueryParam("status", "ACTIVE or "
                                                                  "INACTIVE"))),
    AdminRoute("POST", "/roaming/tariffs", create_tariff,
               "Create a roaming tariff (or a new validity frame of a code)", "roaming",
               body=TariffBody, response=TariffRead, response_status=201,
               errors={409: "Validity frames of the code overlap"}),
    AdminRoute("GET", "/roaming/tariffs/resolve", resolve,
               "Tariffs that apply to a platform's customer on a charger at an instant",
               "roaming", response=Resolution,
               query=(QueryParam("platform", "roaming platform code"),
                      QueryParam("charger", "charger code"),
                      QueryParam("at", "instant (default now)", format="date-time")),
               errors={404: "Unknown platform or charger"}),
    AdminRoute("GET", "/roaming/tariffs/{tariff_id}", get_tariff, "Read a roaming tariff",
               "roaming", response=TariffRead, errors={404: "Unknown tariff"}),
    AdminRoute("PATCH", "/roaming/tariffs/{tariff_id}", update_tariff,
               "Update a roaming tariff (code is immutable)", "roaming", body=TariffBody,
               response=TariffRead, errors={404: "Unknown tariff", 409: "Overlap"}),
    AdminRoute("DELETE", "/roaming/tariffs/{tariff_id}", delete_tariff,
               "Delete a roaming tariff (refused while its code is assigned)", "roaming",
               response_status=204, errors={404: "Unknown tariff", 409: "Still assigned"}),
    AdminRoute("GET", "/roaming/tariffs/{tariff_id}/ocpi", ocpi_tariff,
               "The tariff as an OCPI 2.2.1 Tariff object", "roaming", response=Tariff,
               query=(QueryParam("profile", "roaming profile code (default: the first "
                                 "OCPI profile)"),), errors={404: "Unknown tariff"}),
    AdminRoute("GET", "/roaming/tariff-assignments/{level}/{target}", get_assignment,
               f"Tariff codes assigned on a {_LEVEL_DOC}", "roaming", response=Assignment,
               errors={404: "Unknown level or target"}),
    AdminRoute("PUT", "/roaming/tariff-assignments/{level}/{target}", put_assignment,
               f"Replace the tariff codes assigned on a {_LEVEL_DOC}", "roaming",
               body=Assignment, response=Assignment,
               errors={404: "Unknown level or target"}),
    AdminRoute("GET", "/sessions/{session_id}/cdr", session_cdr,
               "The priced CDR of a roaming-tariff session, with the explanation",
               "sessions", response=SessionCdr, errors={404: "No CDR"}),
    AdminRoute("POST", "/tariffs/price", price_check,
               "Price an OCPI CDR's charging periods against OCPI tariff(s)", "roaming",
               body=PriceCheck, response=PriceTotals),
]
