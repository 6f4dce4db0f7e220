"""Admin routes of the outbox: what is pending, failed and delivered per partner, and the
operator's retry and cancel. Stored headers never hold secrets (the outbox refuses them);
the ``credential`` shown is only the name of the secret the auth provider resolves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from csms.network.errors import Conflict, NotFound
from gateway.admin.csms_routes import ADMIN_DEPS
from gateway.admin.listing import list_response, paging
from gateway.admin.path_ids import path_id
from gateway.admin.problems import BadRequest
from gateway.admin.routes_table import AdminRoute, QueryParam
from gateway.outbox import (
    MessageNotFound,
    Outbox,
    OutboxRecord,
    OutboxStore,
    Status,
    TransitionRefused,
)

if TYPE_CHECKING:
    from gateway.app import Deps


class OutboxMessageRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    partner: str
    stream: str
    kind: str
    protocol: str
    method: str
    url: str
    status: Status
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    response_location: str | None
    correlation_id: str
    request_id: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


class OutboxMessageDetail(OutboxMessageRead):
    headers: dict[str, str]
    credential: str | None
    body: str | None
    response_body: str | None
    queued_at: datetime


class OutboxPartnerSummary(BaseModel):
    partner: str
    pending: int
    retrying: int
    failed: int
    delivered: int
    cancelled: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None


class OutboxSummary(BaseModel):
    partners: list[OutboxPartnerSummary]
    pending: int
    failed: int


def _deps(request: web.Request) -> Deps:
    deps: Deps = request.app[ADMIN_DEPS]
    return deps


def _store(request: web.Request) -> OutboxStore:
    outbox = getattr(_deps(request), "outbox", None)
    if isinstance(outbox, Outbox):
        return outbox.store
    return OutboxStore(_deps(request).sessions)


def _wake(request: web.Request) -> None:
    outbox = getattr(_deps(request), "outbox", None)
    if isinstance(outbox, Outbox):
        outbox.wake()


def _fields(record: OutboxRecord, model: type[BaseModel]) -> dict[str, Any]:
    data = {name: getattr(record, name) for name in model.model_fields}
    if record.status is not Status.PENDING:
        data["next_attempt_at"] = None
    return data


def _read(record: OutboxRecord) -> OutboxMessageRead:
    return OutboxMessageRead.model_validate(_fields(record, OutboxMessageRead))


def _detail(record: OutboxRecord) -> OutboxMessageDetail:
    return OutboxMessageDetail.model_validate(_fields(record, OutboxMessageDetail))


def _message_id(request: web.Request) -> int:
    return path_id(request, "message_id", NotFound)


def _status_filter(request: web.Request) -> Status | None:
    raw = request.query.get("status")
    if raw is None:
        return None
    try:
        return Status(raw.upper())
    except ValueError as exc:
        raise BadRequest("unknown status", [{
            "loc": ["query", "status"], "type": "enum",
            "msg": f"one of {', '.join(s.value for s in Status)}"}]) from exc


async def list_messages(request: web.Request) -> web.Response:
    limit, offset = paging(request)
    records, total = await _store(request).page(
        partner=request.query.get("partner"), status=_status_filter(request),
        stream=request.query.get("stream"), kind=request.query.get("kind"),
        limit=limit, offset=offset)
    return list_response(request, OutboxMessageRead, [_read(r) for r in records], total)


async def get_message(request: web.Request) -> web.Response:
    try:
        record = await _store(request).get(_message_id(request))
    except MessageNotFound as exc:
        raise NotFound(str(exc)) from exc
    return web.json_response(_detail(record).model_dump(mode="json"))


async def _change(request: web.Request, operation: str) -> web.Response:
    store = _store(request)
    now = _deps(request).clock.now()
    message_id = _message_id(request)
    try:
        if operation == "retry":
            record = await store.retry(message_id, now)
        else:
            record = await store.cancel(message_id, now)
    except MessageNotFound as exc:
        raise NotFound(str(exc)) from exc
    except TransitionRefused as exc:
        raise Conflict(str(exc)) from exc
    if operation == "retry":
        _wake(request)
    return web.json_response(_detail(record).model_dump(mode="json"))


async def retry_message(request: web.Request) -> web.Response:
    return await _change(request, "retry")


async def cancel_message(request: web.Request) -> web.Response:
    return await _change(request, "cancel")


async def summary(request: web.Request) -> web.Response:
    now = _deps(request).clock.now()
    partners = [
        OutboxPartnerSummary(
            partner=entry.partner, pending=entry.counts[Status.PENDING.value],
            retrying=entry.retrying, failed=entry.counts[Status.FAILED.value],
            delivered=entry.counts[Status.DELIVERED.value],
            cancelled=entry.counts[Status.CANCELLED.value],
            oldest_pending_at=entry.oldest_pending_at,
            oldest_pending_age_seconds=(
                max(0.0, (now - entry.oldest_pending_at).total_seconds())
                if entry.oldest_pending_at is not None else None))
        for entry in await _store(request).summary()
    ]
    body = OutboxSummary(partners=partners, pending=sum(p.pending for p in partners),
                         failed=sum(p.failed for p in partners))
    return web.json_response(body.model_dump(mode="json"))


_PAGE = (QueryParam("limit", "page size", "integer"), QueryParam("offset", "skip", "integer"))

# /outbox/summary is declared before /outbox/{message_id} so it is matched first.
OUTBOX_ROUTES: list[AdminRoute] = [
    AdminRoute("GET", "/outbox", list_messages,
               "Outbound messages to partners, newest first (CSV with Accept: text/csv)",
               "outbox", response=OutboxMessageRead, response_is_list=True, csv=True,
               query=(QueryParam("partner", "partner (platform code)"),
                      QueryParam("status", "PENDING, DELIVERED, FAILED or CANCELLED"),
                      QueryParam("stream", "ordering key, e.g. locations:LOC1"),
                      QueryParam("kind", "message kind"), *_PAGE),
               errors={400: "Invalid paging parameter or status"}),
    AdminRoute("GET", "/outbox/summary", summary,
               "Messages by partner and status, with the age of the oldest pending one",
               "outbox", response=OutboxSummary),
    AdminRoute("GET", "/outbox/{message_id}", get_message,
               "One message with its request (secrets are never stored) and last answer",
               "outbox", response=OutboxMessageDetail, errors={404: "Unknown message"}),
    AdminRoute("POST", "/outbox/{message_id}/retry", retry_message,
               "Send a FAILED or CANCELLED message again now (a PENDING one is made due "
               "now); it keeps its place in its stream", "outbox",
               response=OutboxMessageDetail,
               errors={404: "Unknown message", 409: "Already delivered"}),
    AdminRoute("POST", "/outbox/{message_id}/cancel", cancel_message,
               "Never send a PENDING or FAILED message", "outbox",
               response=OutboxMessageDetail,
               errors={404: "Unknown message", 409: "Already delivered or cancelled"}),
]
