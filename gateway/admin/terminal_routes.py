"""Admin routes of payment terminals (the manual's "Terminals"): CRUD, assignment to an
area or a connector, activation, pulling a PTP's terminals, and the financial advice
confirmations PTPs sent.

Writes answer the terminal with ``warnings`` (e.g. the PTP is not registered yet, so the
change waits in "not in sync" until it is). Each assignment change reaches the PTP through
the outbox (see ``gateway.payments_wiring``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, Field

from csms.charging.errors import SessionNotFound
from csms.network.terminal_schemas import (
    TerminalAssignment,
    TerminalCreate,
    TerminalPatch,
    TerminalRead,
)
from csms.network.terminals import TerminalService
from gateway.admin.listing import filters, list_response, paging
from gateway.admin.ocpi_routes import PartnerFailed
from gateway.admin.path_ids import path_id
from gateway.admin.resources import read_json
from gateway.admin.routes_table import AdminRoute, QueryParam
from gateway.db.payment_store import FAC_FILTERS, SqlConfirmationStore
from gateway.db.terminal_store import FILTERS
from ocpi.errors import OcpiError

if TYPE_CHECKING:
    from gateway.app import Deps


class TerminalWritten(TerminalRead):
    warnings: list[str] = Field(default_factory=list)


class PullResult(BaseModel):
    platform: str
    pages: int
    received: int
    created: int
    updated: int
    refused: list[dict[str, Any]]
    assignments_sent: int


class ConfirmationRead(BaseModel):
    id: str
    platform: str
    authorization_reference: str
    session_id: int | None = Field(description="The session with this authorization "
                                               "reference on the platform, when known")
    currency: str
    total_excl_vat: Decimal
    total_incl_vat: Decimal | None
    total_costs: dict[str, Any] = Field(description="As the PTP sent it")
    eft_data: list[str]
    capture_status_code: str
    capture_status_message: str | None
    last_updated: datetime
    received_at: datetime


def _deps(request: web.Request) -> Deps:
    from gateway.admin.csms_routes import ADMIN_DEPS

    deps: Deps = request.app[ADMIN_DEPS]
    return deps


def _service(request: web.Request) -> TerminalService:
    service = _deps(request).terminals
    assert service is not None
    return service


def _written(terminal: BaseModel, warnings: list[str], status: int = 200) -> web.Response:
    body = TerminalWritten.model_validate(terminal.model_dump() | {"warnings": warnings})
    return web.json_response(body.model_dump(mode="json"), status=status)


async def list_terminals(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    items, total = await _service(request).page(filters(request), limit, offset)
    return list_response(request, TerminalRead, items, total)


async def create_terminal(request: web.Request) -> web.Response:
    terminal, warnings = await _service(request).create(await read_json(request))
    response = _written(terminal, warnings, 201)
    response.headers["Location"] = f"{request.path.rstrip('/')}/{terminal.code}"
    return response


async def get_terminal(request: web.Request) -> web.Response:
    terminal = await _service(request).get(request.match_info["code"])
    return web.json_response(terminal.model_dump(mode="json"))


async def update_terminal(request: web.Request) -> web.Response:
    terminal, warnings = await _service(request).update(request.match_info["code"],
                                                        await read_json(request))
    return _written(terminal, warnings)


async def delete_terminal(request: web.Request) -> web.Response:
    await _service(request).delete(request.match_info["code"])
    return web.Response(status=204)


async def assign(request: web.Request) -> web.Response:
    terminal, warnings = await _service(request).assign(request.match_info["code"],
                                                        await read_json(request))
    return _written(terminal, warnings)


async def unassign(request: web.Request) -> web.Response:
    terminal, warnings = await _service(request).unassign(request.match_info["code"])
    return _written(terminal, warnings)


async def activate(request: web.Request) -> web.Response:
    terminal, warnings = await _service(request).set_active(request.match_info["code"], True)
    return _written(terminal, warnings)


async def deactivate(request: web.Request) -> web.Response:
    terminal, warnings = await _service(request).set_active(request.match_info["code"], False)
    return _written(terminal, warnings)


async def pull(request: web.Request) -> web.Response:
    puller = _deps(request).terminal_puller
    assert puller is not None
    try:
        result = await puller.pull(request.match_info["code"])
    except OcpiError as exc:
        raise PartnerFailed(f"OCPI {exc.status_code}: {exc}") from exc
    return web.json_response(PullResult.model_validate(result).model_dump(mode="json"))


def _confirmations(request: web.Request) -> SqlConfirmationStore:
    return SqlConfirmationStore(_deps(request).sessions)


async def list_confirmations(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    rows, total = await _confirmations(request).page(filters(request), limit, offset)
    return list_response(request, ConfirmationRead,
                         [ConfirmationRead.model_validate(r) for r in rows], total)


async def session_confirmations(request: web.Request) -> web.Response:
    session_id = path_id(request, "session_id", SessionNotFound)
    rows, total = await _confirmations(request).page({"session": str(session_id)}, 1000, 0)
    return list_response(request, ConfirmationRead,
                         [ConfirmationRead.model_validate(r) for r in rows], total)


_PAGE = (QueryParam("limit", "page size", "integer"), QueryParam("offset", "skip", "integer"))
_ITEM = "/terminals/{code}"
_ERRORS = {404: "Unknown terminal", 422: "Rule violated"}

TERMINAL_ROUTES: list[AdminRoute] = [
    AdminRoute("GET", "/terminals", list_terminals, "List terminals (CSV with Accept: "
               "text/csv)", "terminals", response=TerminalRead, response_is_list=True,
               csv=True, query=(*(QueryParam(k, v) for k, v in FILTERS.items()), *_PAGE)),
    AdminRoute("POST", "/terminals", create_terminal, "Create a terminal", "terminals",
               body=TerminalCreate, response=TerminalWritten, response_status=201,
               errors={409: "Code or roaming id in use", 422: "Rule violated"}),
    AdminRoute("GET", _ITEM, get_terminal, "A terminal with its assignment and roaming "
               "state", "terminals", response=TerminalRead, errors={404: "Unknown terminal"}),
    AdminRoute("PATCH", _ITEM, update_terminal, "Update a terminal (PTP terminals: the "
               "changed roaming data is PUT to the PTP)", "terminals", body=TerminalPatch,
               response=TerminalWritten, errors=_ERRORS),
    AdminRoute("DELETE", _ITEM, delete_terminal, "Delete a terminal (unassigned at the PTP "
               "first)", "terminals", response_status=204, errors={404: "Unknown terminal"}),
    AdminRoute("PUT", _ITEM + "/assignment", assign, "Assign the terminal to an area or a "
               "connector (replaces the current assignment; sent to the PTP)", "terminals",
               body=TerminalAssignment, response=TerminalWritten, errors=_ERRORS),
    AdminRoute("DELETE", _ITEM + "/assignment", unassign, "Unassign the terminal (sent to "
               "the PTP)", "terminals", response=TerminalWritten, errors=_ERRORS),
    AdminRoute("POST", _ITEM + "/activate", activate, "Activate the terminal (PTP: POST "
               "{terminals}/activate with its reference)", "terminals",
               response=TerminalWritten, errors=_ERRORS),
    AdminRoute("POST", _ITEM + "/deactivate", deactivate, "Deactivate the terminal (PTP: "
               "POST {terminals}/{id}/deactivate); its EVSEs lose the payment capabilities",
               "terminals", response=TerminalWritten, errors=_ERRORS),
    AdminRoute("POST", "/roaming/platforms/{code}/terminals/pull", pull,
               "Pull every terminal of a PTP (paginated GET) and keep each one",
               "terminals", response=PullResult,
               errors={404: "Unknown platform", 422: "Not registered or no payments "
                       "endpoint", 502: "The PTP refused or is unreachable"}),
    AdminRoute("GET", "/financial-advice-confirmations", list_confirmations,
               "Financial advice confirmations PTPs sent, newest first, with their session",
               "terminals", response=ConfirmationRead, response_is_list=True, csv=True,
               query=(*(QueryParam(k, v) for k, v in FAC_FILTERS.items()), *_PAGE)),
    AdminRoute("GET", "/sessions/{session_id}/financial-advice-confirmations",
               session_confirmations, "The financial advice confirmations of a session",
               "sessions", response=ConfirmationRead, response_is_list=True, csv=True),
]
