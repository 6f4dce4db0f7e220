"""The outbox in the admin API: listing with filters and CSV, one message, retry, cancel
and the per-partner summary, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.app import Deps
from gateway.outbox import DispatcherConfig, Outbox, OutboxMessage, ProtocolHooks
from tests.support.admin_api import API


async def _json(response: Any, status: int) -> Any:
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


@pytest.fixture
async def partner(aiohttp_server: Any) -> Any:
    """Rejects the body ``{"reject": true}``, accepts everything else."""
    received: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        body = await request.text()
        received.append(body)
        if json.loads(body).get("reject"):
            return web.json_response({"error": "no such location"}, status=404)
        return web.json_response({}, headers={"Location": "https://emsp.example/cdrs/1"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app)
    server.received = received
    return server


@pytest.fixture
async def outbox(client: Any, deps: Deps) -> Any:
    async with aiohttp.ClientSession() as http:
        box = Outbox(deps.sessions, deps.clock, http=http,
                     config=DispatcherConfig(backoff_jitter=0.0, retention=None))

        async def auth(_partner: str, _credential: str) -> dict[str, str]:
            return {"Authorization": "Token very-secret"}

        box.register_protocol("ocpi", ProtocolHooks(auth=auth))
        yield box, deps


async def _seed(box: Outbox, deps: Any, base: str) -> list[int]:
    messages = [
        OutboxMessage("EMSP-1", "cdrs", "POST", f"{base}/cdrs", kind="cdr", protocol="ocpi",
                      body=json.dumps({"id": "CDR1"}), credential="platform:EMSP-1",
                      headers={"OCPI-to-party-id": "EXA"}),
        OutboxMessage("EMSP-1", "locations:LOC9", "PUT", f"{base}/locations/LOC9",
                      kind="location", body=json.dumps({"reject": True})),
        OutboxMessage("EMSP-2", "locations:LOC1", "PUT", f"{base}/locations/LOC1",
                      kind="location", body=json.dumps({"id": "LOC1"})),
    ]
    async with deps.sessions.begin() as session:
        return [await box.enqueue(session, m) for m in messages]


async def test_list_filter_detail_and_csv(client: Any, outbox: Any, partner: Any) -> None:
    box, deps = outbox
    base = str(partner.make_url("")).rstrip("/")
    cdr, location, other = await _seed(box, deps, base)
    assert await box.dispatcher.run_once() == 3  # three streams: three heads at once
    listing = await client.get(f"{API}/outbox")
    items = await _json(listing, 200)
    assert listing.headers["X-Total-Count"] == "3"
    assert [i["id"] for i in items] == [other, location, cdr]  # newest first
    by_id = {i["id"]: i for i in items}
    assert by_id[cdr]["status"] == "DELIVERED"
    assert by_id[cdr]["response_location"] == "https://emsp.example/cdrs/1"
    assert by_id[location]["status"] == "FAILED" and by_id[location]["last_status"] == 404
    assert "body" not in by_id[cdr] and "headers" not in by_id[cdr]

    failed = await _json(await client.get(f"{API}/outbox?partner=EMSP-1&status=failed"), 200)
    assert [i["id"] for i in failed] == [location]
    page = await client.get(f"{API}/outbox?limit=1&offset=1")
    assert [i["id"] for i in await _json(page, 200)] == [location]
    assert page.headers["X-Total-Count"] == "3"

    detail = await _json(await client.get(f"{API}/outbox/{cdr}"), 200)
    assert detail["headers"] == {"OCPI-to-party-id": "EXA"}
    assert detail["credential"] == "platform:EMSP-1"
    assert json.loads(detail["body"]) == {"id": "CDR1"}
    assert detail["attempts"] == 1 and detail["request_id"]
    assert "very-secret" not in json.dumps(detail)
    assert "very-secret" not in await (await client.get(f"{API}/outbox")).text()

    exported = await client.get(f"{API}/outbox?partner=EMSP-2",
                                headers={"Accept": "text/csv"})
    assert exported.status == 200 and exported.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await exported.text())))
    assert [(r["id"], r["partner"], r["status"]) for r in rows] == [
        (str(other), "EMSP-2", "DELIVERED")]

    bad = await _json(await client.get(f"{API}/outbox?status=LOST"), 400)
    assert bad["errors"][0]["loc"] == ["query", "status"]
    await _json(await client.get(f"{API}/outbox/999999"), 404)
    await _json(await client.get(f"{API}/outbox/abc"), 404)


async def test_retry_failed_and_cancel_pending(client: Any, outbox: Any, partner: Any
                                               ) -> None:
    box, deps = outbox
    base = str(partner.make_url("")).rstrip("/")
    cdr, location, _ = await _seed(box, deps, base)
    await box.dispatcher.deliver_due()
    assert len(partner.received) == 3

    retried = await _json(await client.post(f"{API}/outbox/{location}/retry"), 200)
    assert retried["status"] == "PENDING" and retried["attempts"] == 0
    assert retried["next_attempt_at"] is not None
    await box.dispatcher.deliver_due()
    assert len(partner.received) == 4  # sent again (and rejected again)
    again = await _json(await client.get(f"{API}/outbox/{location}"), 200)
    assert again["status"] == "FAILED" and again["attempts"] == 1

    problem = await _json(await client.post(f"{API}/outbox/{cdr}/cancel"), 409)
    assert "DELIVERED" in problem["detail"]
    await _json(await client.post(f"{API}/outbox/{cdr}/retry"), 409)

    async with deps.sessions.begin() as session:
        queued = await box.enqueue(session, OutboxMessage(
            "EMSP-1", "cdrs", "POST", f"{base}/cdrs", kind="cdr", body="{}"))
    cancelled = await _json(await client.post(f"{API}/outbox/{queued}/cancel"), 200)
    assert cancelled["status"] == "CANCELLED" and cancelled["next_attempt_at"] is None
    assert await box.dispatcher.deliver_due() == 0
    assert len(partner.received) == 4
    await _json(await client.post(f"{API}/outbox/{queued}/cancel"), 409)
    await _json(await client.post(f"{API}/outbox/424242/retry"), 404)


async def test_summary_counts_by_partner_and_status(client: Any, outbox: Any, partner: Any
                                                    ) -> None:
    box, deps = outbox
    empty = await _json(await client.get(f"{API}/outbox/summary"), 200)
    assert empty == {"partners": [], "pending": 0, "failed": 0}
    base = str(partner.make_url("")).rstrip("/")
    await _seed(box, deps, base)
    before = await _json(await client.get(f"{API}/outbox/summary"), 200)
    assert before["pending"] == 3
    assert 0 <= before["partners"][0]["oldest_pending_age_seconds"] < 60
    assert before["partners"][0]["oldest_pending_at"] is not None
    await box.dispatcher.deliver_due()
    summary = await _json(await client.get(f"{API}/outbox/summary"), 200)
    assert summary["pending"] == 0 and summary["failed"] == 1
    first = summary["partners"][0]
    assert (first["partner"], first["delivered"], first["failed"], first["pending"]) == (
        "EMSP-1", 1, 1, 0)
    assert first["oldest_pending_at"] is None
    assert summary["partners"][1]["partner"] == "EMSP-2"
