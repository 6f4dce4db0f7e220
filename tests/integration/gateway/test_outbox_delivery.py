"""The outbox against a real partner (an aiohttp server on 127.0.0.1), on SQLite and
PostgreSQL: order per stream, a partner that is down and comes back, 429 and Retry-After,
business rejections, transactional enqueue, credentials resolved at send time, rate
limits and the background loop. Time is a fake clock; passes are driven by hand."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import structlog
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.db.engine import session_factory
from gateway.db.outbox_tables import outbox_messages
from gateway.outbox import (
    DeliveryResponse,
    DispatcherConfig,
    Outbox,
    OutboxMessage,
    OutboxRecord,
    ProtocolHooks,
    RateLimit,
    SecretHeaderError,
    Status,
    body_classifier,
    parse_retry_after,
)
from tests.support.clock import FakeClock

Responder = Callable[["Received"], Awaitable[web.StreamResponse]]


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: str

    @property
    def seq(self) -> Any:
        return json.loads(self.body)["seq"]


async def _ok(_request: Received) -> web.StreamResponse:
    return web.json_response({"status_code": 1000})


@dataclass
class Partner:
    """A partner that records every request and answers with ``respond``."""

    respond: Responder = _ok
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            item = Received(request.method, request.path, dict(request.headers),
                            await request.text())
            self.received.append(item)
            self.arrived.set()
            return await self.respond(item)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app

    def seqs(self, stream: str | None = None) -> list[Any]:
        return [r.seq for r in self.received
                if stream is None or r.path.endswith(f"/{stream}")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
def outbox(sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
           http: aiohttp.ClientSession) -> Outbox:
    config = DispatcherConfig(backoff_base=2.0, backoff_cap=600.0, backoff_jitter=0.0,
                              max_age=None, retention=None)
    return Outbox(sessions, clock, config=config, http=http)


async def start_partner(aiohttp_server: Any, partner: Partner, port: int | None = None
                        ) -> str:
    server = await aiohttp_server(partner.app(), port=port) if port else \
        await aiohttp_server(partner.app())
    return f"http://127.0.0.1:{server.port}"


def message(base: str, stream: str, seq: int, partner: str = "EMSP-1", **kwargs: Any
            ) -> OutboxMessage:
    return OutboxMessage(partner=partner, stream=stream, method="PUT",
                         url=f"{base}/ocpi/2.2.1/locations/{stream}",
                         body=json.dumps({"seq": seq}), **kwargs)


async def enqueue(outbox: Outbox, sessions: async_sessionmaker[AsyncSession],
                  *messages: OutboxMessage) -> list[int]:
    async with sessions.begin() as session:
        return [await outbox.enqueue(session, m) for m in messages]


async def statuses(outbox: Outbox, partner: str = "EMSP-1") -> dict[int, Status]:
    records, _ = await outbox.store.page(partner=partner, limit=1000)
    return {r.id: r.status for r in records}


async def test_messages_of_a_stream_arrive_in_order_with_ids(
        outbox: Outbox, sessions: Any, aiohttp_server: Any) -> None:
    partner = Partner()
    base = await start_partner(aiohttp_server, partner)
    routing = {"OCPI-to-country-code": "NL", "OCPI-to-party-id": "EXA"}
    ids = await enqueue(outbox, sessions, *[
        message(base, stream, seq, headers=routing)
        for seq in range(5) for stream in ("LOC1", "LOC2")])

    assert await outbox.dispatcher.deliver_due() == 10

    assert partner.seqs("LOC1") == [0, 1, 2, 3, 4]
    assert partner.seqs("LOC2") == [0, 1, 2, 3, 4]
    assert set((await statuses(outbox)).values()) == {Status.DELIVERED}
    first = partner.received[0]
    assert first.headers["OCPI-to-party-id"] == "EXA"
    assert first.headers["Content-Type"] == "application/json"
    request_ids = {r.headers["X-Request-ID"] for r in partner.received}
    assert len(request_ids) == 10
    stored = await outbox.store.get(ids[0])
    assert first.headers["X-Correlation-ID"] == stored.correlation_id
    assert stored.request_id == first.headers["X-Request-ID"]
    assert stored.delivered_at is not None and stored.last_status == 200
    assert await outbox.dispatcher.deliver_due() == 0


async def test_a_retried_head_holds_back_its_stream_only(
        outbox: Outbox, sessions: Any, aiohttp_server: Any, clock: FakeClock) -> None:
    failures = {"LOC1": 2}

    async def flaky(request: Received) -> web.StreamResponse:
        stream = request.path.rsplit("/", 1)[-1]
        if failures.get(stream, 0) > 0:
            failures[stream] -= 1
            return web.Response(status=503)
        return web.json_response({})

    partner = Partner(flaky)
    base = await start_partner(aiohttp_server, partner)
    await enqueue(outbox, sessions, *[message(base, s, n) for n in range(3)
                                      for s in ("LOC1", "LOC2")])

    await outbox.dispatcher.deliver_due()
    assert partner.seqs("LOC2") == [0, 1, 2]
    assert partner.seqs("LOC1") == [0]  # the head failed; 1 and 2 wait behind it
    clock.advance(2)
    await outbox.dispatcher.deliver_due()
    assert partner.seqs("LOC1") == [0, 0]
    clock.advance(4)  # backoff doubled
    await outbox.dispatcher.deliver_due()
    assert partner.seqs("LOC1") == [0, 0, 0, 1, 2]
    records, _ = await outbox.store.page(stream="LOC1")
    assert [r.attempts for r in sorted(records, key=lambda r: r.id)] == [3, 1, 1]


@pytest.mark.parametrize("outage", ["connection_refused", "http_503"])
async def test_partner_down_for_an_hour_gets_everything_in_order_when_back(
        outbox: Outbox, sessions: Any, aiohttp_server: Any, clock: FakeClock,
        outage: str) -> None:
    down = True

    async def answer(_request: Received) -> web.StreamResponse:
        return web.Response(status=503, text="maintenance") if down else \
            web.json_response({})

    partner = Partner(answer)
    port = free_port()
    if outage == "http_503":
        await start_partner(aiohttp_server, partner, port)
    base = f"http://127.0.0.1:{port}"
    start = clock.now()
    seq = 0
    while clock.now() - start < timedelta(hours=1):
        # Changes keep happening during the outage.
        await enqueue(outbox, sessions, message(base, "LOC1", seq),
                      message(base, "LOC2", seq))
        seq += 1
        await outbox.dispatcher.deliver_due()
        clock.advance(60)

    records, _ = await outbox.store.page(partner="EMSP-1", limit=1000)
    assert all(r.status is Status.PENDING for r in records)
    heads = [r for r in records if r.attempts > 0]
    assert {r.stream for r in heads} == {"LOC1", "LOC2"} and len(heads) == 2
    for head in heads:
        assert head.last_error is not None
        assert head.next_attempt_at - clock.now() <= timedelta(seconds=600)  # backoff cap
    if outage == "http_503":
        assert {r.path for r in partner.received} == {
            "/ocpi/2.2.1/locations/LOC1", "/ocpi/2.2.1/locations/LOC2"}
        assert all(r.seq == 0 for r in partner.received)
        assert heads[0].last_status == 503 and heads[0].response_body == "maintenance"
    else:
        assert partner.received == []
        assert heads[0].last_status is None

    down = False
    partner.received.clear()
    if outage == "connection_refused":
        await start_partner(aiohttp_server, partner, port)
    clock.advance(600)
    await outbox.dispatcher.deliver_due()
    assert partner.seqs("LOC1") == list(range(seq))
    assert partner.seqs("LOC2") == list(range(seq))
    assert set((await statuses(outbox)).values()) == {Status.DELIVERED}


async def test_429_retry_after_pauses_the_partner(
        outbox: Outbox, sessions: Any, aiohttp_server: Any, clock: FakeClock) -> None:
    limited = [True]

    async def answer(_request: Received) -> web.StreamResponse:
        if limited[0]:
            limited[0] = False
            return web.Response(status=429, headers={"Retry-After": "120"})
        return web.json_response({})

    partner = Partner(answer)
    base = await start_partner(aiohttp_server, partner)
    other = Partner()
    other_base = await start_partner(aiohttp_server, other)
    [first] = await enqueue(outbox, sessions, message(base, "cdrs", 1))
    await outbox.dispatcher.deliver_due()
    head = await outbox.store.get(first)
    assert head.status is Status.PENDING and head.last_status == 429
    assert head.next_attempt_at == clock.now() + timedelta(seconds=120)

    # The limit is the partner's: its other streams wait too, other partners do not.
    await enqueue(outbox, sessions, message(base, "sessions", 2),
                  message(other_base, "cdrs", 3, partner="EMSP-2"))
    clock.advance(119)
    await outbox.dispatcher.deliver_due()
    assert len(partner.received) == 1
    assert other.seqs() == [3]
    clock.advance(1)
    await outbox.dispatcher.deliver_due()
    assert sorted(partner.seqs()) == [1, 1, 2]


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Sat, 21 Nov 2026 08:02:00 GMT", now) == 120
    assert parse_retry_after("Sat, 21 Nov 2026 07:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


async def test_business_rejection_fails_without_blocking_the_stream(
        outbox: Outbox, sessions: Any, aiohttp_server: Any) -> None:
    async def answer(request: Received) -> web.StreamResponse:
        if request.seq == 1:
            return web.json_response({"error": "unknown location"}, status=404)
        return web.json_response({})

    failed: list[OutboxRecord] = []

    async def on_failed(record: OutboxRecord, _response: DeliveryResponse) -> None:
        failed.append(record)

    outbox.register_protocol("http", ProtocolHooks(on_failed=on_failed))
    partner = Partner(answer)
    base = await start_partner(aiohttp_server, partner)
    ids = await enqueue(outbox, sessions, *[message(base, "LOC1", n) for n in range(3)])
    await outbox.dispatcher.deliver_due()

    assert partner.seqs() == [0, 1, 2]  # sent once, never retried
    rejected = await outbox.store.get(ids[1])
    assert rejected.status is Status.FAILED and rejected.attempts == 1
    assert rejected.last_status == 404 and "unknown location" in (rejected.response_body or "")
    assert [r.id for r in failed] == [ids[1]] and failed[0].status is Status.FAILED
    assert (await outbox.store.get(ids[2])).status is Status.DELIVERED


async def test_protocol_classifier_reads_rejections_inside_200_and_keeps_location(
        outbox: Outbox, sessions: Any, aiohttp_server: Any) -> None:
    """What the OCPI layer plugs in: the envelope's status_code decides, and the CDR's
    ``Location`` is kept and handed to the delivery hook."""

    async def answer(request: Received) -> web.StreamResponse:
        if request.seq == 1:
            return web.json_response({"status_code": 2001, "status_message": "bad"})
        if request.seq == 2:
            return web.json_response({"status_code": 3000})
        return web.json_response({"status_code": 1000}, headers={
            "Location": f"https://emsp.example.com/cdrs/{request.seq}"})

    def ocpi_check(response: DeliveryResponse) -> Any:
        code = json.loads(response.body)["status_code"]
        if 1000 <= code < 2000:
            return None
        return ("retry" if code >= 3000 else "failed", f"OCPI status_code {code}")

    delivered: list[str | None] = []

    async def on_delivered(record: OutboxRecord, _response: DeliveryResponse) -> None:
        delivered.append(record.response_location)

    outbox.register_protocol("ocpi", ProtocolHooks(classifier=body_classifier(ocpi_check),
                                                   on_delivered=on_delivered))
    partner = Partner(answer)
    base = await start_partner(aiohttp_server, partner)
    ids = await enqueue(outbox, sessions, *[
        message(base, f"CDR{n}", n, protocol="ocpi", kind="cdr") for n in range(3)])
    await outbox.dispatcher.deliver_due()

    ok, rejected, server_error = [await outbox.store.get(i) for i in ids]
    assert ok.status is Status.DELIVERED
    assert ok.response_location == "https://emsp.example.com/cdrs/0"
    assert delivered == ["https://emsp.example.com/cdrs/0"]
    assert rejected.status is Status.FAILED and rejected.last_error == "OCPI status_code 2001"
    assert server_error.status is Status.PENDING and server_error.attempts == 1


async def test_enqueue_is_part_of_the_callers_transaction(
        outbox: Outbox, sessions: async_sessionmaker[AsyncSession], aiohttp_server: Any
        ) -> None:
    partner = Partner()
    base = await start_partner(aiohttp_server, partner)
    outbox.wakeup.clear()
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await outbox.enqueue(session, message(base, "LOC1", 0))
            raise RuntimeError("the change failed")
    async with sessions() as session:
        count = (await session.execute(
            select(func.count()).select_from(outbox_messages))).scalar_one()
    assert count == 0
    assert not outbox.wakeup.is_set()
    assert await outbox.dispatcher.deliver_due() == 0

    async with sessions.begin() as session:
        await outbox.enqueue(session, message(base, "LOC1", 1))
        assert not outbox.wakeup.is_set()  # not before the commit
    assert outbox.wakeup.is_set()
    await outbox.dispatcher.deliver_due()
    assert partner.seqs() == [1]


async def test_credentials_are_resolved_at_send_time_and_never_stored(
        outbox: Outbox, sessions: Any, aiohttp_server: Any, clock: FakeClock) -> None:
    tokens = {"EMSP-1": "token-one"}
    calls = [0]

    async def answer(_request: Received) -> web.StreamResponse:
        calls[0] += 1
        return web.Response(status=502) if calls[0] == 1 else web.json_response({})

    async def auth(partner: str, credential: str) -> Mapping[str, str]:
        assert credential == "platform:EMSP-1"
        return {"Authorization": f"Token {tokens[partner]}"}

    outbox.register_protocol("ocpi", ProtocolHooks(auth=auth))
    partner = Partner(answer)
    base = await start_partner(aiohttp_server, partner)
    with pytest.raises(SecretHeaderError):
        message(base, "LOC1", 0, headers={"authorization": "Token leaked"})
    [message_id] = await enqueue(outbox, sessions, message(
        base, "LOC1", 0, protocol="ocpi", credential="platform:EMSP-1"))
    with structlog.testing.capture_logs() as logs:
        await outbox.dispatcher.deliver_due()
        tokens["EMSP-1"] = "token-two"  # rotated while the message waits
        clock.advance(2)
        await outbox.dispatcher.deliver_due()

    assert [r.headers["Authorization"] for r in partner.received] == [
        "Token token-one", "Token token-two"]
    async with sessions() as session:
        row = (await session.execute(select(outbox_messages))).mappings().one()
    assert "token" not in json.dumps(row["headers"]).lower()
    assert row["credential"] == "platform:EMSP-1" and row["id"] == message_id
    assert [e["event"] for e in logs] == ["outbox_retry_scheduled", "outbox_delivered"]
    assert "token-" not in repr(logs)


async def test_max_attempts_gives_up_and_releases_the_stream(
        sessions: Any, clock: FakeClock, http: aiohttp.ClientSession, aiohttp_server: Any
        ) -> None:
    outbox = Outbox(sessions, clock, http=http, config=DispatcherConfig(
        max_attempts=3, backoff_jitter=0.0, retention=None))
    partner = Partner(lambda r: _status(500 if r.seq == 0 else 200))
    base = await start_partner(aiohttp_server, partner)
    first, second = await enqueue(outbox, sessions, message(base, "LOC1", 0),
                                  message(base, "LOC1", 1))
    for _ in range(3):
        await outbox.dispatcher.deliver_due()
        clock.advance(600)
    gave_up = await outbox.store.get(first)
    assert gave_up.status is Status.FAILED and gave_up.attempts == 3
    assert (gave_up.last_error or "").startswith("gave up after 3 attempts")
    assert partner.seqs() == [0, 0, 0, 1]
    assert (await outbox.store.get(second)).status is Status.DELIVERED


async def _status(status: int) -> web.StreamResponse:
    return web.json_response({}, status=status)


async def test_rate_limit_per_partner_and_kind(
        outbox: Outbox, sessions: Any, aiohttp_server: Any, clock: FakeClock) -> None:
    outbox.dispatcher.set_rate_limit("*", "pricing", RateLimit(calls=6, per_seconds=60))
    partner = Partner()
    base = await start_partner(aiohttp_server, partner)
    await enqueue(outbox, sessions, *[message(base, f"P{n}", n, kind="pricing")
                                      for n in range(8)], message(base, "LOC1", 99))
    await outbox.dispatcher.deliver_due()
    assert sorted(partner.seqs()) == [0, 1, 2, 3, 4, 5, 99]
    clock.advance(10)  # one token per 10 s
    await outbox.dispatcher.deliver_due()
    assert sorted(partner.seqs()) == [0, 1, 2, 3, 4, 5, 6, 99]
    clock.advance(10)
    await outbox.dispatcher.deliver_due()
    assert len(partner.received) == 9
    records, _ = await outbox.store.page(kind="pricing")
    assert all(r.attempts == 1 for r in records)  # waiting for a token is no attempt


async def test_background_loop_delivers_after_commit_without_polling(
        sessions: Any, clock: FakeClock, aiohttp_server: Any) -> None:
    outbox = Outbox(sessions, clock, config=DispatcherConfig(poll_interval=30.0))
    partner = Partner()
    base = await start_partner(aiohttp_server, partner)
    await outbox.start()
    try:
        await asyncio.sleep(0.05)  # the loop is idle, waiting up to 30 s
        await enqueue(outbox, sessions, message(base, "LOC1", 0))
        await asyncio.wait_for(partner.arrived.wait(), 5)
        for _ in range(100):
            if set((await statuses(outbox)).values()) == {Status.DELIVERED}:
                break
            await asyncio.sleep(0.02)
        assert set((await statuses(outbox)).values()) == {Status.DELIVERED}
    finally:
        await outbox.stop()


async def test_two_processes_never_send_a_message_twice(
        engine: AsyncEngine, sessions: Any, clock: FakeClock, http: aiohttp.ClientSession,
        aiohttp_server: Any) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several dispatching processes need PostgreSQL (SKIP LOCKED)")

    async def slow(_request: Received) -> web.StreamResponse:
        await asyncio.sleep(0.05)
        return web.json_response({})

    partner = Partner(slow)
    base = await start_partner(aiohttp_server, partner)
    config = DispatcherConfig(batch_size=5, backoff_jitter=0.0, retention=None)
    one = Outbox(sessions, clock, config=config, http=http)
    two = Outbox(sessions, clock, config=config, http=http)
    await enqueue(one, sessions, *[message(base, f"S{n % 4}", n) for n in range(40)])
    await asyncio.gather(one.dispatcher.deliver_due(), two.dispatcher.deliver_due())
    assert sorted(partner.seqs()) == list(range(40))
    for stream in range(4):
        assert partner.seqs(f"S{stream}") == list(range(stream, 40, 4))


async def test_delivered_and_cancelled_messages_are_purged_after_retention(
        outbox: Outbox, sessions: Any, aiohttp_server: Any, clock: FakeClock) -> None:
    partner = Partner(lambda r: _status(400 if r.seq == 1 else 200))
    base = await start_partner(aiohttp_server, partner)
    _delivered, failed, cancelled = await enqueue(
        outbox, sessions, *[message(base, f"S{n}", n) for n in range(3)])
    await outbox.store.cancel(cancelled, clock.now())
    await outbox.dispatcher.deliver_due()
    assert await outbox.store.purge(clock.now() - timedelta(days=14)) == 0
    clock.advance(15 * 86400)
    assert await outbox.store.purge(clock.now() - timedelta(days=14)) == 2
    assert set(await statuses(outbox)) == {failed}  # failures stay until handled


async def test_enqueue_on_a_connection_and_manual_passes_after_start(
        engine: AsyncEngine, sessions: Any, clock: FakeClock, aiohttp_server: Any) -> None:
    outbox = Outbox(sessions, clock)
    partner = Partner()
    base = await start_partner(aiohttp_server, partner)
    with pytest.raises(RuntimeError, match="no HTTP session"):
        await outbox.dispatcher.run_once()
    await outbox.start(background=False)
    try:
        async with engine.begin() as conn:
            await outbox.enqueue(conn, message(base, "LOC1", 7))
        assert await outbox.dispatcher.deliver_due() == 1
        assert partner.seqs() == [7]
    finally:
        await outbox.stop()
