"""Load benchmark of the OCPP endpoint: N simulated chargers against the real gateway, then
the identical load against a bare aiohttp JSON echo websocket server (the ceiling).

    .venv/bin/python bench/ocpp_load.py [--chargers 2000] [--rate 1.0] [--duration 30]
        [--protocol 1.6|2.0.1|mixed] [--database sqlite|URL] [--connect-batch 100]
        [--call-timeout 30] [--no-echo] [--seed 1] [--profile gateway.pstats]

What one run does:

1. Starts the full gateway (``build_deps`` + ``build_app``) in a separate process on
   127.0.0.1 (a free port), with a fresh migrated SQLite database in a temp dir (or the
   given database URL, which must point at an empty database), seeded with N stations
   ``LOAD-00000``... (policy ``ws``), each with one charger (EVSE 1) and one connector
   (connector 1). Site, area and the first station/charger/connector go through the
   network service; the rest are bulk-inserted as copies of those rows. It waits for
   ``/health``.
2. This process (asyncio + aiohttp client websockets) connects the N chargers, at most
   ``--connect-batch`` connection attempts at a time, each sends a BootNotification; then
   for ``--duration`` seconds each charger sends ``--rate`` CALLs per second, alternately
   Heartbeat and MeterValues (1.6: connectorId 1, Energy.Active.Import.Register as a string;
   2.0.1: evseId 1, the value as a number). Offered load = N x rate CALLs/s. A charger keeps
   one CALL outstanding (OCPP rule): when a reply comes after its next slot, the next CALL
   goes out at once and the missed slot is dropped, so "achieved" below "offered" means the
   server is saturated. Every CALL's round trip is timed (send to reply frame).
3. Prints chargers connected, CALLs answered, CALLs per second, p50/p99 latency, the
   server's RSS (``/proc/<pid>/status`` VmRSS) before and after connecting and the delta
   per connection, the CPU the server and this load generator used during the load, and the
   server's CPU time per CALL (which estimates its one-core ceiling even when it kept up).
4. Repeats 1-3 against a bare echo server (separate process; accepts both subprotocols,
   answers each ``[2, id, action, payload]`` with ``[3, id, {}]`` via json.loads/json.dumps)
   and prints the gateway/echo ratios (CALLs/s, p50/p99, memory per connection, CPU per
   CALL). The two servers run one after the other, never together, so they do not compete
   for the CPU; the load generator shares the machine with each of them alike.

Exit status: 0 when all went well; 1 when fewer than 99% of the chargers of a run booted,
when any CALL got a CALLERROR (counted by error code), or when CALLs went unanswered
(timeouts, dropped connections); 2 when a server failed to start; 130 on Ctrl-C. Both server
processes are stopped in every case.

The figures are only comparable on one machine: the load generator is Python too and shares
the cores with the server under test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import random
import resource
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from _harness import (
    ServerProcess,
    bind_free_port,
    health,
    mib,
    ms,
    own_cpu_seconds,
    percentile,
    run_bench,
    run_profiled,
    run_site,
    start_server,
    stop_on_sigterm,
    wait_ready,
)
from aiohttp import web

SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}
MAX_MESSAGE = 1024 * 1024
PING_INTERVAL = 60.0  # the gateway's websocket heartbeat (OcppServerDeps.ping_interval)
MIN_CONNECTED = 0.99
ENERGY = "Energy.Active.Import.Register"


def identity(index: int) -> str:
    return f"LOAD-{index:05d}"


def protocol_of(index: int, protocol: str) -> str:
    if protocol == "mixed":
        return "1.6" if index % 2 == 0 else "2.0.1"
    return protocol


# --- server processes (run as ``ocpp_load.py --serve gateway|echo``) ----------------------


async def _seed(deps: Any, chargers: int, protocol: str) -> None:
    """One site and area, then N stations with one charger and one connector each."""
    from sqlalchemy import insert, select

    from gateway.db import tables as t
    from gateway.db.types import utcnow

    await deps.network.create("sites", {
        "code": "SITE-LOAD", "name": "Load test site", "country": "SI", "currency": "EUR",
        "time_zone": "Europe/Ljubljana"})
    await deps.network.create("areas", {"code": "AREA-LOAD", "name": "Load test area",
                                        "site": "SITE-LOAD"})
    first = identity(0)
    await deps.network.create("stations", {
        "code": first, "name": f"Station {first}", "area": "AREA-LOAD",
        "connection_identifier": first, "ocpp_protocol": protocol_of(0, protocol),
        "connection_policy": "ws"})
    await deps.network.create("chargers", {
        "code": f"{first}-E1", "name": f"Charger {first}-E1", "station": first, "evse_id": 1,
        "electric_current_type": "AC_3_PHASE"})
    await deps.network.create("connectors", {
        "code": "1", "name": "Type 2 22 kW", "charger": f"{first}-E1", "ocpp_connector_id": 1,
        "standard": "TYPE_2", "format": "SOCKET", "wattage_limit_w": 22000})
    if chargers <= 1:
        return
    # The rest are copies of the rows the service wrote, inserted in bulk.
    chunk = 1000
    async with deps.engine.begin() as conn:
        station = dict((await conn.execute(
            select(t.stations).where(t.stations.c.code == first))).mappings().one())
        charger = dict((await conn.execute(
            select(t.chargers).where(t.chargers.c.station_id == station["id"]))).mappings().one())
        connector = dict((await conn.execute(
            select(t.connectors).where(t.connectors.c.charger_id == charger["id"]))
        ).mappings().one())
        for row in (station, charger, connector):
            del row["id"]
        now = utcnow()
        stamps = {"created_at": now, "updated_at": now}
        for start in range(1, chargers, chunk):
            rows = [station | stamps | {
                "code": identity(i), "name": f"Station {identity(i)}",
                "connection_identifier": identity(i), "ocpp_protocol": protocol_of(i, protocol),
            } for i in range(start, min(start + chunk, chargers))]
            await conn.execute(insert(t.stations), rows)
        station_ids = dict((await conn.execute(
            select(t.stations.c.code, t.stations.c.id))).tuples().all())
        for start in range(1, chargers, chunk):
            rows = [charger | stamps | {
                "code": f"{identity(i)}-E1", "name": f"Charger {identity(i)}-E1",
                "station_id": station_ids[identity(i)],
            } for i in range(start, min(start + chunk, chargers))]
            await conn.execute(insert(t.chargers), rows)
        charger_ids = dict((await conn.execute(
            select(t.chargers.c.code, t.chargers.c.id))).tuples().all())
        for start in range(1, chargers, chunk):
            rows = [connector | stamps | {"charger_id": charger_ids[f"{identity(i)}-E1"]}
                    for i in range(start, min(start + chunk, chargers))]
            await conn.execute(insert(t.connectors), rows)


async def _serve_gateway(workdir: Path, chargers: int, protocol: str, database: str) -> None:
    from gateway.app import build_app, build_deps
    from gateway.config import LogFormat, Settings
    from gateway.db.engine import create_engine
    from gateway.db.migrate import upgrade
    from gateway.logging import configure_logging

    configure_logging(LogFormat.JSON, "WARNING")
    url = (f"sqlite+aiosqlite:///{workdir / 'evgw.db'}" if database == "sqlite" else database)
    secret = "bench-secret-key-" + os.urandom(16).hex()
    settings = Settings(
        database_url=url, admin_token="bench-admin-token-" + os.urandom(16).hex(),
        data_dir=workdir / "data", secret_key=secret, log_format="json",
        log_level="WARNING", http_host="127.0.0.1", http_port=0)
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    deps = build_deps(settings, engine, secret.encode())
    await _seed(deps, chargers, protocol)
    await _run_site(build_app(deps), workdir / "gateway.ready")


async def _echo_ocpp(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=tuple(SUBPROTOCOL.values()), heartbeat=PING_INTERVAL,
                               max_msg_size=MAX_MESSAGE)
    await ws.prepare(request)
    async for message in ws:  # ends with the connection
        if message.type is not aiohttp.WSMsgType.TEXT:
            break
        frame = json.loads(message.data)
        if isinstance(frame, list) and len(frame) == 4 and frame[0] == 2:
            await ws.send_str(json.dumps([3, frame[1], {}]))
    return ws


async def _serve_echo(workdir: Path) -> None:
    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/ocpp/{identity}", _echo_ocpp)
    await _run_site(app, workdir / "echo.ready")


async def _run_site(app: web.Application, ready_file: Path) -> None:
    sock = bind_free_port()
    await run_site(app, sock, ready_file, {"port": sock.getsockname()[1]}, backlog=4096)


def serve(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    if args.serve == "gateway":
        run_profiled(lambda: _serve_gateway(workdir, args.chargers, args.protocol,
                                            args.database), args.profile)
    else:
        run_profiled(lambda: _serve_echo(workdir), None)
    return 0


# --- the simulated chargers ------------------------------------------------------------


@dataclass
class Stats:
    connect_failures: Counter[str] = field(default_factory=Counter)
    boot_failures: Counter[str] = field(default_factory=Counter)
    boot_latencies: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)
    call_errors: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    disconnects: int = 0
    server_calls: Counter[str] = field(default_factory=Counter)


def utc_stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Charger:
    """One websocket, a reader task that resolves the outstanding CALL, and the sender."""

    def __init__(self, index: int, protocol: str, base_url: str, stats: Stats,
                 call_timeout: float) -> None:
        self.index = index
        self.protocol = protocol
        self.url = f"{base_url}/ocpp/{identity(index)}"
        self.stats = stats
        self.call_timeout = call_timeout
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.closed = False
        self.booted = False
        self.seq = 0
        self.energy_wh = 1000 + index
        self._pending: asyncio.Future[tuple[float, list[Any]]] | None = None
        self._pending_id = ""

    async def connect(self, session: aiohttp.ClientSession) -> None:
        subprotocol = SUBPROTOCOL[self.protocol]
        self.ws = await session.ws_connect(
            self.url, protocols=(subprotocol,), autoping=True, max_msg_size=MAX_MESSAGE,
            timeout=aiohttp.ClientWSTimeout(ws_close=5.0))
        if self.ws.protocol != subprotocol:
            await self.ws.close()
            raise ConnectionError(f"subprotocol {self.ws.protocol!r} agreed, not {subprotocol}")
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for message in ws:  # ends with the connection
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                received = time.perf_counter()
                frame = json.loads(message.data)
                if frame[0] == 2:  # a CALL from the server: this simulator implements none
                    self.stats.server_calls[str(frame[2])] += 1
                    await ws.send_str(json.dumps(
                        [4, frame[1], "NotImplemented", "load generator", {}]))
                    continue
                pending = self._pending
                if pending is not None and frame[1] == self._pending_id and not pending.done():
                    pending.set_result((received, frame))
        finally:
            self.closed = True
            pending = self._pending
            if pending is not None and not pending.done():
                pending.set_exception(ConnectionError("connection closed"))

    async def call(self, action: str, payload: dict[str, Any]) -> tuple[float, list[Any]]:
        """Sends a CALL; returns (round trip in seconds, reply frame)."""
        assert self.ws is not None
        if self.closed:
            raise ConnectionError("connection closed")
        self.seq += 1
        unique_id = f"{self.index}.{self.seq}"
        future: asyncio.Future[tuple[float, list[Any]]] = (
            asyncio.get_running_loop().create_future())
        self._pending, self._pending_id = future, unique_id
        sent = time.perf_counter()
        await self.ws.send_str(json.dumps([2, unique_id, action, payload]))
        try:
            received, frame = await asyncio.wait_for(future, self.call_timeout)
        finally:
            self._pending = None
        return received - sent, frame

    def boot_payload(self) -> dict[str, Any]:
        if self.protocol == "1.6":
            return {"chargePointVendor": "evgw-bench", "chargePointModel": "load-1",
                    "firmwareVersion": "1.0.0"}
        return {"reason": "PowerUp", "chargingStation": {
            "vendorName": "evgw-bench", "model": "load-1", "firmwareVersion": "1.0.0"}}

    def next_message(self) -> tuple[str, dict[str, Any]]:
        if self.seq % 2 == 1:  # seq counts the boot: Heartbeat first, then alternate
            return "Heartbeat", {}
        self.energy_wh += 7
        if self.protocol == "1.6":
            return "MeterValues", {"connectorId": 1, "meterValue": [{
                "timestamp": utc_stamp(), "sampledValue": [{
                    "value": str(self.energy_wh), "measurand": ENERGY, "unit": "Wh"}]}]}
        return "MeterValues", {"evseId": 1, "meterValue": [{
            "timestamp": utc_stamp(), "sampledValue": [{
                "value": float(self.energy_wh), "measurand": ENERGY,
                "unitOfMeasure": {"unit": "Wh"}}]}]}

    def _record(self, action: str, latency: float, frame: list[Any]) -> None:
        self.stats.latencies.append(latency)
        self.stats.actions[action] += 1
        if frame[0] == 4:
            self.stats.call_errors[f"{action}: {frame[2]}"] += 1

    async def run(self, start: float, end: float, rate: float, phase: float) -> None:
        """Sends CALLs at ``rate`` per second from ``start + phase`` until ``end``."""
        loop = asyncio.get_running_loop()
        period = 1.0 / rate
        slot = start + phase
        for _ in range(int((end - start) * rate) + 2):
            if slot >= end:
                return
            delay = slot - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.closed:
                self.stats.disconnects += 1
                return
            action, payload = self.next_message()
            try:
                latency, frame = await self.call(action, payload)
            except TimeoutError:
                self.stats.timeouts += 1
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                self.stats.disconnects += 1
                return
            else:
                self._record(action, latency, frame)
            slot = max(slot + period, loop.time())

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5.0)
        if self.reader is not None:
            if not self.reader.done():
                self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)


def describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"handshake HTTP {exc.status}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    text = str(exc).splitlines()[0][:80] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def bring_up(charger: Charger, session: aiohttp.ClientSession,
                   gate: asyncio.Semaphore, stats: Stats) -> None:
    async with gate:
        try:
            await asyncio.wait_for(charger.connect(session), 30.0)
        except Exception as exc:
            stats.connect_failures[describe(exc)] += 1
            return
        try:
            latency, frame = await charger.call("BootNotification", charger.boot_payload())
        except Exception as exc:
            stats.boot_failures[describe(exc)] += 1
            return
    stats.boot_latencies.append(latency)
    if frame[0] == 4:
        stats.call_errors[f"BootNotification: {frame[2]}"] += 1
        stats.boot_failures[f"CALLERROR {frame[2]}"] += 1
    elif frame[2].get("status", "Accepted") != "Accepted":  # the echo server answers {}
        stats.boot_failures[f"boot status {frame[2].get('status')}"] += 1
    else:
        charger.booted = True


# --- one run against one server -----------------------------------------------------------


@dataclass
class Result:
    name: str
    chargers: int
    booted: int = 0
    connect_seconds: float = 0.0
    load_seconds: float = 0.0
    rss_before_kib: int = 0
    rss_connected_kib: int = 0
    rss_after_kib: int = 0
    server_cpu: float = 0.0  # fraction of one core during the load phase
    client_cpu: float = 0.0
    stats: Stats = field(default_factory=Stats)

    @property
    def answered(self) -> int:
        return len(self.stats.latencies)

    @property
    def rate(self) -> float:
        return self.answered / self.load_seconds if self.load_seconds else 0.0

    @property
    def kib_per_connection(self) -> float:
        return (self.rss_connected_kib - self.rss_before_kib) / max(self.booted, 1)

    def latency(self, q: float) -> float:
        return percentile(self.stats.latencies, q)

    def failures(self) -> list[str]:
        problems = []
        if self.booted < MIN_CONNECTED * self.chargers:
            problems.append(f"{self.name}: only {self.booted}/{self.chargers} chargers booted "
                            f"(< {MIN_CONNECTED:.0%})")
        errors = sum(self.stats.call_errors.values())
        if errors:
            detail = ", ".join(f"{k} x{v}" for k, v in self.stats.call_errors.most_common())
            problems.append(f"{self.name}: {errors} CALLERROR replies ({detail})")
        lost = self.stats.timeouts + self.stats.disconnects
        if lost:
            problems.append(f"{self.name}: {self.stats.timeouts} CALLs timed out, "
                            f"{self.stats.disconnects} chargers lost their connection")
        return problems


async def run_load(server: ServerProcess, args: argparse.Namespace) -> Result:
    result = Result(server.name, args.chargers)
    stats = result.stats
    base_url = f"ws://127.0.0.1:{server.port}"
    chargers = [Charger(i, protocol_of(i, args.protocol), base_url, stats, args.call_timeout)
                for i in range(args.chargers)]
    result.rss_before_kib = server.require_rss_kib()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    session = aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=None, sock_connect=15))
    loop = asyncio.get_running_loop()
    try:
        print(f"  connecting {args.chargers} chargers ({args.connect_batch} at a time) ...",
              flush=True)
        gate = asyncio.Semaphore(args.connect_batch)
        began = loop.time()
        await asyncio.gather(*(bring_up(c, session, gate, stats) for c in chargers))
        result.connect_seconds = loop.time() - began
        ready = [c for c in chargers if c.booted and not c.closed]
        result.booted = len(ready)
        await asyncio.sleep(1.0)  # let the server settle (connect/boot follow-ups)
        result.rss_connected_kib = server.require_rss_kib()
        print(f"  {result.booted} booted in {result.connect_seconds:.1f}s; "
              f"load for {args.duration:g}s at {args.rate:g} CALL/s per charger ...", flush=True)
        rng = random.Random(args.seed)
        gc.collect()
        gc.freeze()  # the chargers live until the end: keep them out of the GC's scans
        cpu_server, cpu_client = server.cpu_seconds(), own_cpu_seconds()
        start = loop.time() + 0.5
        end = start + args.duration
        period = 1.0 / args.rate
        await asyncio.gather(*(c.run(start, end, args.rate, rng.uniform(0, period))
                               for c in ready))
        result.load_seconds = max(loop.time() - start, 1e-9)
        result.server_cpu = (server.cpu_seconds() - cpu_server) / result.load_seconds
        result.client_cpu = (own_cpu_seconds() - cpu_client) / result.load_seconds
        result.rss_after_kib = server.require_rss_kib()
    finally:
        gate = asyncio.Semaphore(500)

        async def close(charger: Charger) -> None:
            async with gate:
                await charger.close()

        await asyncio.gather(*(close(c) for c in chargers), return_exceptions=True)
        await session.close()
        gc.unfreeze()
    return result


# --- report ------------------------------------------------------------------------------


def print_result(r: Result, args: argparse.Namespace) -> None:
    s = r.stats
    offered = r.booted * args.rate
    print(f"[{r.name}]")
    print(f"  chargers connected    {r.booted}/{r.chargers} booted "
          f"in {r.connect_seconds:.1f}s ({r.booted / max(r.connect_seconds, 1e-9):.0f}/s)")
    for reason, count in (s.connect_failures + s.boot_failures).most_common():
        print(f"    failed: {reason} x{count}")
    print(f"  boot latency          p50 {ms(percentile(s.boot_latencies, 0.5))}  "
          f"p99 {ms(percentile(s.boot_latencies, 0.99))}")
    actions = ", ".join(f"{a} {n}" for a, n in sorted(s.actions.items()))
    print(f"  CALLs answered        {r.answered} in {r.load_seconds:.1f}s ({actions})")
    print(f"  CALLs per second      {r.rate:.0f} (offered {offered:.0f}, "
          f"{r.rate / offered if offered else 0:.0%} achieved)")
    print(f"  latency               p50 {ms(r.latency(0.5))}  p99 {ms(r.latency(0.99))}  "
          f"max {ms(max(s.latencies, default=math.nan))}")
    print(f"  CALLERRORs            {sum(s.call_errors.values())}"
          + "".join(f"\n    {k} x{v}" for k, v in s.call_errors.most_common()))
    print(f"  timeouts/disconnects  {s.timeouts}/{s.disconnects}")
    if s.server_calls:
        print(f"  server CALLs answered NotImplemented: {dict(s.server_calls)}")
    print(f"  server RSS            {mib(r.rss_before_kib)} before, "
          f"{mib(r.rss_connected_kib)} connected, {mib(r.rss_after_kib)} after load")
    print(f"  memory per connection {r.kib_per_connection:.1f} KiB")
    print(f"  CPU during load       server {r.server_cpu:.0%} of a core, "
          f"load generator {r.client_cpu:.0%} of a core", flush=True)
    if r.rate and r.server_cpu:
        print(f"  server CPU per CALL   {r.server_cpu / r.rate * 1e6:.0f} us "
              f"(one-core estimate ~{r.rate / r.server_cpu:.0f} CALL/s)", flush=True)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and not (math.isnan(a) or math.isnan(b)) else "n/a"


def print_comparison(gw: Result, echo: Result, args: argparse.Namespace) -> None:
    print("[gateway / echo]")
    print(f"  CALLs per second      {ratio(gw.rate, echo.rate)}")
    print(f"  p50 latency           {ratio(gw.latency(0.5), echo.latency(0.5))}")
    print(f"  p99 latency           {ratio(gw.latency(0.99), echo.latency(0.99))}")
    print(f"  memory per connection {ratio(gw.kib_per_connection, echo.kib_per_connection)}")
    if gw.rate and echo.rate and gw.server_cpu and echo.server_cpu:
        print(f"  server CPU per CALL   "
              f"{ratio(gw.server_cpu / gw.rate, echo.server_cpu / echo.rate)}")
    offered = echo.booted * args.rate
    if offered and echo.rate >= 0.97 * offered:
        print("  note: the echo server kept up with the offered load, so the CALLs/s ratio "
              "is against the\n        offered load, not the echo ceiling; the CPU-per-CALL "
              "ratio estimates the ceilings'\n        ratio (or raise --rate to measure it)")
    print(flush=True)


# --- main -----------------------------------------------------------------------------


def raise_file_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft < wanted:
        print(f"warning: open-file limit {soft} < {wanted} needed for "
              "the chargers; connections will fail", flush=True)
    return soft


async def bench_one(name: str, workdir: Path, args: argparse.Namespace,
                    servers: list[ServerProcess]) -> Result:
    server = start_server(name, workdir, Path(__file__), [
        "--chargers", str(args.chargers), "--protocol", args.protocol,
        "--database", args.database], servers, args.profile if name == "gateway" else None)
    try:
        await wait_ready(server, timeout=120.0 + args.chargers / 50, request_timeout=2.0,
                         not_ready="not healthy within")
        server.print_ready()
        return await run_load(server, args)
    finally:
        await asyncio.to_thread(server.stop)


async def bench(args: argparse.Namespace, workdir: Path, servers: list[ServerProcess]
                ) -> list[Result]:
    results = [await bench_one("gateway", workdir, args, servers)]
    print_result(results[0], args)
    if not args.no_echo:
        results.append(await bench_one("echo", workdir, args, servers))
        print_result(results[1], args)
        print_comparison(results[0], results[1], args)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chargers", type=int, default=2000, help="simulated chargers")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="CALLs per second per charger (offered load = chargers x rate)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--protocol", choices=("1.6", "2.0.1", "mixed"), default="mixed",
                        help="OCPP version of the chargers (mixed: even 1.6, odd 2.0.1)")
    parser.add_argument("--database", default="sqlite",
                        help="'sqlite' (fresh file in a temp dir) or an empty database's URL")
    parser.add_argument("--connect-batch", type=int, default=100,
                        help="connection attempts (connect + boot) in flight at once")
    parser.add_argument("--call-timeout", type=float, default=30.0,
                        help="seconds a CALL may wait for its reply")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo-server ceiling")
    parser.add_argument("--seed", type=int, default=1, help="seed of the send phases")
    parser.add_argument("--profile", metavar="PATH",
                        help="cProfile the gateway process (main thread) into PATH; "
                        "read with python -m pstats (slows the gateway)")
    parser.add_argument("--serve", choices=("gateway", "echo"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.chargers <= 99_999:
        parser.error("--chargers must be within 1..99999")
    if not 0 < args.rate <= 100:
        parser.error("--rate must be within (0, 100]")
    if not 0 < args.duration <= 3600:
        parser.error("--duration must be within (0, 3600]")
    if args.connect_batch < 1 or args.call_timeout <= 0:
        parser.error("--connect-batch and --call-timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args)
    stop_on_sigterm()
    limit = raise_file_limit(args.chargers + 256)
    print(f"evgw OCPP load: {args.chargers} chargers, {args.rate:g} CALL/s each "
          f"(offered {args.chargers * args.rate:g}/s), {args.duration:g}s, protocol "
          f"{args.protocol}, database {args.database}; open-file limit {limit}; "
          f"{os.cpu_count()} CPUs", flush=True)
    results = run_bench(lambda workdir, servers: bench(args, workdir, servers), "evgw-load-")
    if isinstance(results, int):
        return results
    problems = [p for r in results for p in r.failures()]
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
