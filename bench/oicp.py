"""OICP node benchmark: the EVSE data pushes of a big network, Hubject's remote starts over
mutual TLS, and CSR signing -- each against a baseline measured in the same run.

    .venv/bin/python bench/oicp.py [--parts evse-data,remote-start,csr]
        [--areas 10000] [--connectors-per-area 4] [--change-percent 1]
        [--chargers 200] [--remote-areas N] [--requests 200] [--concurrency 10]
        [--protocol 1.6|2.0.1] [--request-timeout 30]
        [--signs 300] [--ca-keys EC_P384,RSA_4096] [--profile gateway.pstats]

What one run does (``--parts`` picks any of the three; all by default):

evse-data (in this process, no server): a fresh migrated SQLite database in a temp dir,
``build_deps``, and the network of ``bench/ocpi_pull.py`` (its ``_seed``: A areas with one
station, one roaming charger and C connectors each, roaming ids ``000000E01``...) plus the
roaming profile TRI-OICP (OperatorID SI*TRI) and an OICP HUB platform: A x C EVSEs.
1. The eRoamingPushEvseData fullLoad through the real path, ``OicpOutbound.
   full_load_evse_data`` (reads the network as OICP views, maps every EvseDataRecord, builds
   the body, writes the outbox message and the pushed digest + record of every EvseID), timed
   end to end while a ticker task measures the longest event-loop stall; then the same
   steps again one by one (SQL read, mapping, body model -> JSON, bytes, digests; "rest" is
   the database writes) and a second fullLoad (the weekly one: updates instead of inserts).
   Baseline: ``json.dumps`` of the same final body from plain dicts (the cost floor of
   producing the bytes). Peak memory (tracemalloc, a separate pass: it slows Python down) of
   a fullLoad vs the baseline's.
2. A status fullLoad (so the state is the steady one), then 1% (``--change-percent``) of the
   connectors get a new power limit (SQL), and ``OicpOutbound.reconcile`` runs: records
   recomputed, digests compared, update deltas queued in batches of 100. Then
   ``OicpOutbound.station_changed`` of one station with nothing changed (what every charger
   status event costs) and a reconcile with nothing changed (what the gateway's 60 s job
   costs in the steady state).
   Verified: one fullLoad message with exactly the A x C expected EvseIDs, byte-identical to
   the baseline's bytes, a sample of records valid against Hubject's CPO OpenAPI; the delta
   counts are exactly the changed EvseIDs (update, <= 100 per message, new power), nothing
   else; the unchanged reconcile queues nothing.

remote-start (three processes): the gateway (``build_deps`` + ``build_app``, SQLite, the same
seeding with ``--remote-areas`` areas, default ``--chargers``; stations of ``--protocol``)
with its OICP listener (``gateway.oicp_listener``; its server certificate for 127.0.0.1 made
here), and the platform's mTLS set up through the gateway's admin API with
``tests/support/pki_setup.install_partner_mtls``. A second process connects N chargers
(``tests/support/charger_sim``, one per station) that boot and accept every
RemoteStartTransaction / RequestStartTransaction; the run waits until the gateway is idle
again (it handles every station's connection events; the time and CPU are printed). This
process, presenting the partner's access certificate, sends eRoamingAuthorizeRemoteStart
(as Hubject does: explicit nulls, its own SessionID and EvcoID per call) to distinct EVSEs
(station varies fastest): a few
warm-up calls, then R calls sequentially on one keep-alive connection, R calls from
``--concurrency`` workers on as many keep-alive connections, and R calls sequentially with
a new connection (full TLS handshake) each. Latency is send to last byte of the answer.
Then the gateway and the chargers stop and a bare aiohttp mTLS server (same server
certificate, requiring a client certificate from the same root) in its own process answers
each call with a static acknowledgement (SessionID echoed); the same client runs the same
three phases. Verified: every answer HTTP 200, a valid eRoamingAcknowledgment with
Result=true, StatusCode 000 and our SessionID; each charger received exactly the expected
starts (connector/EVSE, token), no other; fewer than 99% chargers booted fails the run.

csr (in this process): per CA key type (``--ca-keys``; EC P-384 is ``create_root_ca``'s
default, RSA-4096 the slowest signer we accept), 16 CSRs each of RSA-2048 and EC P-256, and
``--signs`` signatures per mode: ``sign_csr`` inline in a coroutine (the baseline: what an
async handler would do without the thread), ``pki.authority.sign_csr_async`` one at a
time, and ``sign_csr_async`` from ``--concurrency`` tasks at once; a ticker task sleeping
1 ms records how late it wakes (the longest event-loop stall). Verified: every certificate
carries the CSR's subject and key, the CA as issuer, and its signature verifies.

Exit status: 0 when all went well; 1 on any verification failure (printed); 2 when a server
failed to start; 130 on Ctrl-C (or SIGTERM). Every server process is stopped in every case.

Reading the figures: ratios are gateway / baseline of the same run (``x 12`` means twelve
times the baseline's time); absolute times are printed beside them. The machine's other
load shows in both alike, but the remote-start client, the chargers and the server share
the cores: compare runs on one machine only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import ipaddress
import json
import math
import os
import random
import sys
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from _harness import (
    BENCH,
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

PARTS = ("evse-data", "remote-start", "csr")
PLATFORM = "HUBJECT-BENCH"
OPERATOR_ID = "SI*TRI"
PROVIDER = "DE*ICE"
REMOTE_START = "/api/oicp/charging/v21/providers/{provider}/authorize-remote/start"
WARMUP_CALLS = 3
MIN_BOOTED = 0.99
CSR_POOL = 16
T = TypeVar("T")


def _load_ocpi_pull() -> Any:
    """``bench/ocpi_pull.py`` (its seeding and ratio); bench/ is off sys.path (_harness)."""
    spec = importlib.util.spec_from_file_location("ocpi_pull", BENCH / "ocpi_pull.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ocpi_pull"] = module
    spec.loader.exec_module(module)
    return module


ocpi_pull = _load_ocpi_pull()
ratio = ocpi_pull.ratio


def evse_id(area: int, connector: int) -> str:
    return f"{OPERATOR_ID}*E{ocpi_pull.connector_roaming_id(area, connector)}"


def station_identity(area: int) -> str:
    return f"ST-{area:06d}"  # connection identifier of the area's station (ocpi_pull seed)


class Failed(Exception):
    """A verification failed: the figures of this run mean nothing."""


# --- the event-loop stall meter (evse-data and csr) -----------------------------------------


class LoopLag:
    """A task sleeping ``interval`` again and again, recording how late it wakes: the
    longest lateness is the longest time the event loop could run nothing else."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._slept_at = 0.0

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *_: object) -> None:
        # the stall that is still going on when the measured work ends counts too
        self.lags.append(max(0.0, time.perf_counter() - self._slept_at - self.interval))
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self._slept_at = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(time.perf_counter() - self._slept_at - self.interval)

    @property
    def max(self) -> float:
        return max(self.lags, default=0.0)

    @property
    def p99(self) -> float:
        return percentile(self.lags, 0.99)


async def timed(work: Awaitable[T]) -> tuple[T, float, float]:
    """(result, seconds, longest event-loop stall) of awaiting ``work``."""
    gc.collect()
    async with LoopLag() as lag:
        began = time.perf_counter()
        result = await work
        seconds = time.perf_counter() - began
    return result, seconds, lag.max


def timed_sync(work: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


async def traced_peak(work: Callable[[], Awaitable[Any]]) -> int:
    """Peak of Python allocations (KiB) while ``work`` runs, above what existed before."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        await work()
        return (tracemalloc.get_traced_memory()[1] - base) // 1024
    finally:
        tracemalloc.stop()


def kib(kilobytes: int) -> str:
    return mib(kilobytes)


# --- the gateway, in process or as a server -------------------------------------------------


async def build_gateway(workdir: Path, port: int = 0, **extra: Any) -> Any:
    """``build_deps`` on a fresh migrated SQLite database in ``workdir`` (the way
    ``evgw serve`` composes it; no app started)."""
    from gateway.app import build_deps
    from gateway.config import LogFormat, Settings
    from gateway.db.engine import create_engine
    from gateway.db.migrate import upgrade
    from gateway.logging import configure_logging

    configure_logging(LogFormat.JSON, "WARNING")
    secret = "bench-secret-key-" + os.urandom(16).hex()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{workdir / 'evgw.db'}",
        admin_token="bench-admin-token-" + os.urandom(16).hex(),
        data_dir=workdir / "data", secret_key=secret, log_format="json",
        log_level="WARNING", http_host="127.0.0.1", http_port=port,
        public_url=f"http://127.0.0.1:{port}", **extra)
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    return build_deps(settings, engine, secret.encode())


async def seed_oicp(deps: Any, areas: int, connectors: int, ocpp_protocol: str) -> float:
    """ocpi_pull's network plus the OICP profile and platform; returns the seconds spent."""
    began = time.monotonic()
    await ocpi_pull._seed(deps, areas, connectors, ocpp_protocol=ocpp_protocol)
    await deps.network.create("roaming_profiles", {
        "code": "TRI-OICP", "name": "Tridens OICP CPO", "type": "CPO", "protocol": "OICP",
        "country_code": "SI", "roaming_identifier": OPERATOR_ID})
    await deps.network.create("roaming_platforms", {
        "code": PLATFORM, "name": "Hubject (bench)", "roaming_profile": "TRI-OICP",
        "type": "HUB", "protocol": "OICP", "url": "https://127.0.0.1:9/api/oicp",
        "country": "DE", "roaming_identifier": "DE*HBS"})
    return time.monotonic() - began


# === part 1: EVSE data ======================================================================


@dataclass
class Message:
    id: int
    body: str

    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value


async def evse_data_messages(deps: Any, after: int = 0) -> list[Message]:
    from sqlalchemy import select

    from gateway.db.outbox_tables import outbox_messages as m

    async with deps.engine.connect() as conn:
        rows = (await conn.execute(select(m.c.id, m.c.body).where(
            m.c.partner == PLATFORM, m.c.kind == "evse_data", m.c.id > after)
            .order_by(m.c.id))).all()
    return [Message(row[0], row[1] or "") for row in rows]


def records_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = body["OperatorEvseData"]["EvseDataRecord"]
    return records


def schema_problems(body: dict[str, Any], sample: int = 40) -> list[str]:
    """Hubject's CPO OpenAPI on the envelope with a sample of the records (first, last,
    random): validating 40 000 records would take minutes."""
    from tests.unit.oicp.oicp_openapi import schema_errors

    records = records_of(body)
    picked = [*records[:1], *records[-1:],
              *random.Random(1).sample(records, min(sample, len(records)))]
    reduced = {**body, "OperatorEvseData": {**body["OperatorEvseData"],
                                            "EvseDataRecord": picked}}
    return [f"eRoamingPushEvseData schema: {e}"
            for e in schema_errors("eRoamingPushEvseData", reduced)[:5]]


async def change_connectors(deps: Any, percent: float) -> dict[str, int]:
    """Every (100/percent)th connector (by id) gets 1 kW more; returns EvseID -> new W."""
    from sqlalchemy import select, update

    from gateway.db import tables as t
    from gateway.db.types import utcnow

    co = t.connectors
    step = max(1, round(100 / percent))
    async with deps.engine.begin() as conn:
        rows = (await conn.execute(select(co.c.id, co.c.roaming_id, co.c.wattage_limit_w)
                                   .order_by(co.c.id))).all()
        chosen = [row for number, row in enumerate(rows) if number % step == step - 1]
        await conn.execute(update(co).where(co.c.id.in_([row[0] for row in chosen]))
                           .values(wattage_limit_w=co.c.wattage_limit_w + 1000,
                                   updated_at=utcnow()))
    return {f"{OPERATOR_ID}*E{row[1].upper()}": row[2] + 1000 for row in chosen}


def verify_full_load(message: Message, expected: set[str]) -> list[str]:
    body = message.json()
    records = records_of(body)
    ids = [r["EvseID"] for r in records]
    problems = []
    if body.get("ActionType") != "fullLoad":
        problems.append(f"ActionType {body.get('ActionType')!r}, expected fullLoad")
    if body["OperatorEvseData"].get("OperatorID") != OPERATOR_ID:
        problems.append(f"OperatorID {body['OperatorEvseData'].get('OperatorID')!r}")
    if len(ids) != len(expected) or set(ids) != expected:
        problems.append(f"fullLoad has {len(ids)} records ({len(set(ids))} distinct), "
                        f"expected exactly the {len(expected)} seeded EvseIDs")
    return problems + schema_problems(body)


def verify_delta(messages: list[Message], changed: dict[str, int]) -> list[str]:
    problems = []
    seen: dict[str, dict[str, Any]] = {}
    for message in messages:
        body = message.json()
        records = records_of(body)
        if body.get("ActionType") != "update":
            problems.append(f"delta message {message.id}: ActionType {body.get('ActionType')}")
        if len(records) > 100:
            problems.append(f"delta message {message.id}: {len(records)} records > 100")
        for record in records:
            if record["EvseID"] in seen:
                problems.append(f"{record['EvseID']} pushed twice")
            seen[record["EvseID"]] = record
    if set(seen) != set(changed):
        problems.append(f"delta pushed {len(seen)} EvseIDs, expected the {len(changed)} "
                        f"changed ones ({len(set(seen) - set(changed))} unexpected)")
    wrong = [k for k, watts in changed.items() if k in seen and
             float(seen[k]["ChargingFacilities"][0]["Power"]) != watts / 1000]
    if wrong:
        problems.append(f"{len(wrong)} updated records lack the new power, e.g. {wrong[0]}")
    if messages:
        problems += schema_problems(messages[0].json(), sample=20)
    return problems


async def bench_evse_data(args: argparse.Namespace, workdir: Path) -> list[str]:
    from gateway.db.oicp_push_store import SqlOicpStore, outbox_message
    from oicp.evse_sync import evse_data_delta, record_digest
    from oicp.mapping import evse_data_record, push_evse_data
    from oicp.models.common import ActionType
    from oicp.outbound_ports import OicpRequest

    areas, per_area = args.areas, args.connectors_per_area
    total = areas * per_area
    print(f"[evse-data] {areas} areas x {per_area} connectors = {total} EVSEs", flush=True)
    deps = await build_gateway(workdir)
    seconds = await seed_oicp(deps, areas, per_area, "2.0.1")
    print(f"  seeded in {seconds:.1f}s", flush=True)
    outbound = deps.oicp_outbound
    store = SqlOicpStore(deps.sessions, deps.outbox, deps.clock.now)
    platform = (await store.platforms(PLATFORM))[0]
    expected = {evse_id(a, c) for a in range(areas) for c in range(1, per_area + 1)}
    problems: list[str] = []

    # 1. the fullLoad, end to end
    count, full, full_stall = await timed(outbound.full_load_evse_data(PLATFORM))
    messages = await evse_data_messages(deps)
    if count != total or len(messages) != 1:
        raise Failed(f"fullLoad: {count} records in {len(messages)} messages, expected "
                     f"{total} in one")
    stored = messages[0]
    problems += verify_full_load(stored, expected)
    # the same steps one by one (the functions full_load_evse_data calls)
    evses, t_read, _ = await timed(store.exported(platform))
    at = deps.clock.now()
    records, t_map = timed_sync(lambda: {
        r.evse_id: r for r in (evse_data_record(platform.view, e.area, e.charger, e.connector,
                                                at=at) for e in evses)})
    ordered = [records[k] for k in sorted(records)]
    body, t_body = timed_sync(lambda: push_evse_data(platform.view, ordered,
                                                     ActionType.FULL_LOAD).to_json())
    request = OicpRequest(PLATFORM, "evse-data", "evse_data", "https://x", body)
    text, t_bytes = timed_sync(lambda: outbox_message(request).body)
    _, t_digest = timed_sync(lambda: [record_digest(r) for r in records.values()])
    if json.loads(text or "{}") != stored.json():
        problems.append("the body rebuilt step by step differs from the queued fullLoad")
    # baseline: the same bytes from plain dicts
    plain = stored.json()
    floor_text, floor = timed_sync(lambda: json.dumps(plain, separators=(",", ":")))
    if floor_text != stored.body:
        problems.append("json.dumps of the plain body is not byte-identical to the queued one")
    # the weekly fullLoad (every EvseID known: updates)
    _, weekly, weekly_stall = await timed(outbound.full_load_evse_data(PLATFORM))
    # peak memory, in a pass of its own
    peak = await traced_peak(lambda: outbound.full_load_evse_data(PLATFORM))

    async def dump_plain() -> None:
        json.dumps(plain, separators=(",", ":"))

    floor_peak = await traced_peak(dump_plain)
    last = (await evse_data_messages(deps))[-1].id

    # 2. steady state, 1% changed, reconcile
    await outbound.full_load_evse_status(PLATFORM)
    changed = await change_connectors(deps, args.change_percent)
    counts, delta, delta_stall = await timed(outbound.reconcile(PLATFORM))
    wanted = {key: 0 for key in counts} | {"evse_updated": len(changed)}  # nothing else
    if counts != wanted:
        problems.append(f"reconcile counts {counts}, expected {wanted}")
    delta_messages = await evse_data_messages(deps, last)
    problems += verify_delta(delta_messages, changed)
    pushed, t_pushed, _ = await timed(store.pushed(platform.id))
    evses, t_read2, _ = await timed(store.exported(platform))
    records2, t_map2 = timed_sync(lambda: {
        r.evse_id: r for r in (evse_data_record(platform.view, e.area, e.charger, e.connector,
                                                at=at) for e in evses)})
    compared, t_compare = timed_sync(lambda: evse_data_delta(records2, pushed))
    if compared:
        problems.append(f"after the delta, {len(compared.updates)} records still differ")
    sent, event, event_stall = await timed(outbound.station_changed(station_identity(0)))
    if sent:
        problems.append(f"a station event without a change queued {sent} status pushes")
    idle_counts, idle, idle_stall = await timed(outbound.reconcile(PLATFORM))
    if any(idle_counts.values()):
        problems.append(f"unchanged reconcile queued {idle_counts}")
    idle_peak = await traced_peak(lambda: outbound.reconcile(PLATFORM))
    await deps.engine.dispose()

    size = len(stored.body)
    rest = full - t_read - t_map - t_body - t_bytes - t_digest
    print(f"  fullLoad body          {total} records in 1 message, {size / 1048576:.1f} MiB "
          "(eRoamingPushEvseData fullLoad is never split: oicp/outbound.py)")
    print(f"  fullLoad (first)       {full:.2f}s  = x {ratio(full, floor)} json.dumps floor "
          f"({ms(floor)}); loop stalled up to {full_stall:.2f}s")
    print(f"    SQL read + views     {t_read:.2f}s   mapping {t_map:.2f}s   body model->JSON "
          f"{t_body:.2f}s   bytes {t_bytes:.2f}s   digests {t_digest:.2f}s   "
          f"rest (DB writes) {rest:.2f}s")
    print(f"  fullLoad (weekly)      {weekly:.2f}s  = x {ratio(weekly, floor)} floor; "
          f"loop stalled up to {weekly_stall:.2f}s")
    print(f"  peak Python memory     fullLoad {kib(peak)}, json.dumps floor {kib(floor_peak)}"
          f" (x {ratio(peak, floor_peak)}); {peak * 1024 / total:,.0f} B per EVSE")
    print(f"  delta ({len(changed)} changed)    {delta:.2f}s  = {ratio(delta, full)} of the "
          f"first fullLoad, x {ratio(delta, floor)} floor; {len(delta_messages)} update "
          f"messages; loop stalled up to {delta_stall:.2f}s")
    print(f"    pushed() read        {t_pushed:.2f}s   SQL read + views {t_read2:.2f}s   "
          f"mapping {t_map2:.2f}s   digest compare {t_compare:.2f}s")
    print(f"  one station's event    {event:.3f}s  = {ratio(event, full)} of the first "
          f"fullLoad (station_changed of {per_area} EVSEs, nothing to push); loop stalled "
          f"up to {event_stall:.3f}s")
    print(f"  reconcile, no change   {idle:.2f}s  = {ratio(idle, full)} of the first fullLoad"
          f"; loop stalled up to {idle_stall:.2f}s; peak memory {kib(idle_peak)}")
    if not problems:
        print(f"  verified               fullLoad = the {total} seeded EvseIDs, bytes = "
              f"floor's, sample schema-valid; delta = the {len(changed)} changed, new power; "
              "unchanged reconcile queued nothing")
    print(flush=True)
    return problems


# === part 2: remote start over mutual TLS ===================================================


def listener_certificate(workdir: Path) -> str:
    """Our OICP listener's certificate for 127.0.0.1 (files in ``workdir``); its CA PEM."""
    from pki.authority import Profile, SigningPolicy, create_root_ca, sign_csr
    from pki.certificates import certificate_to_pem
    from pki.csr import SubjectAltNames, SubjectFields, generate_key_and_csr, load_csr
    from pki.keys import KeyAlgorithm, private_key_to_pem

    now = datetime.now(UTC)
    ca = create_root_ca(SubjectFields("evgw bench listener CA"), validity_days=60, now=now)
    request = generate_key_and_csr(
        SubjectFields("127.0.0.1"), SubjectAltNames(ip=(ipaddress.ip_address("127.0.0.1"),)),
        algorithm=KeyAlgorithm.EC_P256)
    cert = sign_csr(ca, load_csr(request.csr),
                    SigningPolicy(max_validity_days=30, profile=Profile.SERVER), 30, now)
    (workdir / "listener.pem").write_text(certificate_to_pem(cert))
    (workdir / "listener.key").write_text(private_key_to_pem(request.key))
    return certificate_to_pem(ca.certificate)


async def _serve_gateway(args: argparse.Namespace, workdir: Path) -> None:
    from gateway.app import build_app
    from gateway.oicp_listener import start_oicp_listener

    sock = bind_free_port()
    port = sock.getsockname()[1]
    deps = await build_gateway(workdir, port, oicp_tls_cert=workdir / "listener.pem",
                               oicp_tls_key=workdir / "listener.key", oicp_port=0)
    seconds = await seed_oicp(deps, args.remote_areas, args.connectors_per_area, args.protocol)
    # The first periodic reconcile (60 s after start) would queue the fullLoad of the whole
    # network in the middle of the measurement: queue it now.
    await deps.oicp_outbound.reconcile(PLATFORM)
    listener = await start_oicp_listener(deps, "127.0.0.1", 0)
    if listener is None:
        raise RuntimeError("the OICP listener did not start")
    try:
        await run_site(build_app(deps), sock, workdir / "gateway.ready", {
            "port": port, "oicp_port": listener.port, "seed_seconds": seconds,
            "admin_token": deps.settings.admin_token.get_secret_value()}, backlog=1024)
    finally:
        await listener.stop()


def _accept(_payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}


async def _serve_chargers(args: argparse.Namespace, workdir: Path) -> None:
    """N chargers connected to the gateway, each accepting every remote start; ``/received``
    lists what each was asked."""
    from tests.support.charger_sim import ChargerSim

    subprotocol = "ocpp1.6" if args.protocol == "1.6" else "ocpp2.0.1"
    base = f"ws://127.0.0.1:{args.gateway_port}/ocpp"
    sims = [ChargerSim(f"{base}/{station_identity(i)}", subprotocol, timeout=30.0,
                       handlers={"RemoteStartTransaction": _accept,
                                 "RequestStartTransaction": _accept})
            for i in range(args.chargers)]
    boot = ({"chargePointVendor": "evgw-bench", "chargePointModel": "oicp-1"}
            if args.protocol == "1.6" else
            {"reason": "PowerUp", "chargingStation": {"vendorName": "evgw-bench",
                                                      "model": "oicp-1"}})
    failures: list[str] = []
    gate = asyncio.Semaphore(50)

    async def bring_up(sim: ChargerSim) -> bool:
        async with gate:
            try:
                await sim.connect()
                answer = await sim.call("BootNotification", boot)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:120])
                return False
            return answer.get("status") == "Accepted"

    booted = sum(await asyncio.gather(*(bring_up(sim) for sim in sims)))

    async def received(_request: web.Request) -> web.Response:
        return web.json_response({station_identity(i): sim.received
                                  for i, sim in enumerate(sims)})

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/received", received)
    sock = bind_free_port()
    try:
        await run_site(app, sock, workdir / "chargers.ready", {
            "port": sock.getsockname()[1], "booted": booted, "failures": failures[:5]},
            backlog=128)
    finally:
        await asyncio.gather(*(sim.close() for sim in sims), return_exceptions=True)


async def _serve_bare(workdir: Path) -> None:
    """The floor: aiohttp over mTLS (same certificates), a static acknowledgement."""
    from pki.tls import ClientCertMode, server_context

    context = server_context((workdir / "listener.pem").read_text(),
                             (workdir / "listener.key").read_text(),
                             client_ca_pem=(workdir / "client-ca.pem").read_text(),
                             client_cert=ClientCertMode.REQUIRED)
    head = b'{"Result":true,"StatusCode":{"Code":"000"},"CPOPartnerSessionID":"static",'

    async def start(request: web.Request) -> web.Response:
        body = await request.json()
        tail = json.dumps({"SessionID": body.get("SessionID"),
                           "EMPPartnerSessionID": body.get("EMPPartnerSessionID")})
        return web.Response(body=head + tail[1:].encode(), content_type="application/json")

    tls_app = web.Application()
    tls_app.router.add_post(REMOTE_START.replace("{provider}", "{provider_id}"), start)
    tls_runner = web.AppRunner(tls_app, access_log=None)
    await tls_runner.setup()
    tls_sock = bind_free_port()
    await web.SockSite(tls_runner, tls_sock, ssl_context=context, backlog=1024).start()
    app = web.Application()
    app.router.add_get("/health", health)
    sock = bind_free_port()
    try:
        await run_site(app, sock, workdir / "bare.ready", {
            "port": sock.getsockname()[1], "oicp_port": tls_sock.getsockname()[1]},
            backlog=128)
    finally:
        await tls_runner.cleanup()


@dataclass
class AdminApi:
    """What ``install_partner_mtls`` needs of a gateway, over HTTP to the server process."""

    base: str
    token: str
    http: aiohttp.ClientSession

    class clock:  # what install_partner_mtls reads: gateway.clock.now()
        @staticmethod
        def now() -> datetime:
            return datetime.now(UTC)

    async def admin(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, f"{self.base}/admin/api/v1{path}", json=json,
                                     headers={"Authorization": f"Bearer {self.token}"}) as r:
            text = await r.text()
            return r.status, (_json_or_text(text) if text else None)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True)
class Target:
    area: int
    connector: int
    evse_id: str
    evco: str


def targets(chargers: int, per_area: int, wanted: int) -> list[Target]:
    """Distinct EVSEs, the station varying fastest (consecutive calls hit other chargers)."""
    found = [Target(a, c, evse_id(a, c), f"DE*ICE*{n:06d}*0")
             for n, (c, a) in enumerate((c, a) for c in range(1, per_area + 1)
                                        for a in range(chargers))]
    return found[:wanted]


def start_body(target: Target, session_id: str) -> dict[str, Any]:
    """eRoamingAuthorizeRemoteStart as Hubject sends it (unused optionals as nulls)."""
    return {
        "SessionID": session_id, "CPOPartnerSessionID": None,
        "EMPPartnerSessionID": f"emp-{target.area}-{target.connector}",
        "ProviderID": PROVIDER, "EvseID": target.evse_id, "PartnerProductID": None,
        "Identification": {"RFIDMifareFamilyIdentification": None,
                           "QRCodeIdentification": None, "PlugAndChargeIdentification": None,
                           "RFIDIdentification": None,
                           "RemoteIdentification": {"EvcoID": target.evco}}}


@dataclass
class Call:
    target: Target
    session_id: str
    status: int
    latency: float
    answer: Any


@dataclass
class Phase:
    name: str
    calls: list[Call] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = math.nan

    @property
    def latencies(self) -> list[float]:
        return [c.latency for c in self.calls]

    @property
    def per_second(self) -> float:
        return len(self.calls) / self.seconds if self.seconds else math.nan


async def _post(http: aiohttp.ClientSession, url: str, target: Target) -> Call:
    session_id = str(uuid.uuid4())
    payload = json.dumps(start_body(target, session_id))
    sent = time.perf_counter()
    async with http.post(url, data=payload,
                         headers={"Content-Type": "application/json"}) as reply:
        text = await reply.read()
        latency = time.perf_counter() - sent
        status = reply.status
    return Call(target, session_id, status, latency, _json_or_text(text.decode(errors="replace")))


async def settle(server: ServerProcess, quiet: float = 0.05, window: float = 1.0,
                 limit: float = 180.0) -> tuple[float, float]:
    """Waits until ``server`` used less than ``quiet`` of a core during ``window`` seconds
    (what connecting chargers set off is done); (seconds waited, CPU seconds it used)."""
    began, cpu = time.monotonic(), server.cpu_seconds()
    while time.monotonic() - began < limit:
        before = server.cpu_seconds()
        await asyncio.sleep(window)
        if server.cpu_seconds() - before < quiet * window:
            break
    return time.monotonic() - began, server.cpu_seconds() - cpu


def _client(context: Any, *, limit: int, new_connections: bool, timeout: float
            ) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=context, limit=limit, force_close=new_connections),
        timeout=aiohttp.ClientTimeout(total=timeout))


async def run_phases(server: ServerProcess, context: Any, pool: list[Target],
                     args: argparse.Namespace) -> list[Phase]:
    """Warm-up, sequential keep-alive, concurrent keep-alive, sequential new connections;
    each phase takes its EVSEs from ``pool``."""
    url = f"https://127.0.0.1:{server.ready['oicp_port']}" + \
        REMOTE_START.replace("{provider}", PROVIDER)
    left = list(pool)
    phases = []
    for name, workers, fresh, count in (
            ("warm-up", 1, False, WARMUP_CALLS),
            ("sequential, keep-alive", 1, False, args.requests),
            (f"{args.concurrency} concurrent, keep-alive", args.concurrency, False,
             args.requests),
            ("sequential, new connection", 1, True, args.requests)):
        phase = Phase(name)
        mine, left = left[:count], left[count:]
        queue = iter(mine)
        cpu = server.cpu_seconds()
        async with _client(context, limit=workers, new_connections=fresh,
                           timeout=args.request_timeout) as http:

            async def worker(http: aiohttp.ClientSession = http, phase: Phase = phase,
                             queue: Any = queue) -> None:
                for target in queue:
                    phase.calls.append(await _post(http, url, target))

            began = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(workers)))
            phase.seconds = time.perf_counter() - began
        phase.server_cpu = server.cpu_seconds() - cpu
        phases.append(phase)
        print(f"  {server.name}: {name}: {len(phase.calls)} calls in {phase.seconds:.2f}s",
              flush=True)
    return phases


def verify_acks(phases: list[Phase]) -> list[str]:
    from tests.unit.oicp.oicp_openapi import schema_errors

    problems = []
    for phase in phases:
        for call in phase.calls:
            answer = call.answer
            where = f"{phase.name} {call.target.evse_id}"
            if call.status != 200 or not isinstance(answer, dict):
                problems.append(f"{where}: HTTP {call.status} {str(answer)[:200]}")
                continue
            errors = schema_errors("eRoamingAcknowledgment", answer)
            code = (answer.get("StatusCode") or {}).get("Code")
            if errors or answer.get("Result") is not True or code != "000" or \
                    answer.get("SessionID") != call.session_id:
                problems.append(f"{where}: {json.dumps(answer)[:300]} {errors[:1]}")
    return problems[:10] + ([f"... {len(problems) - 10} more"] if len(problems) > 10 else [])


def verify_received(received: dict[str, list[Any]], phases: list[Phase], protocol: str
                    ) -> list[str]:
    """Each charger got exactly the starts sent to its EVSEs, with the right token."""
    expected: dict[str, list[tuple[int, str]]] = {}
    for phase in phases:
        for call in phase.calls:
            expected.setdefault(station_identity(call.target.area), []).append(
                (call.target.connector, call.target.evco))
    problems = []
    for station in sorted(set(received) | set(expected)):
        got = []
        for action, payload in received.get(station, []):
            if protocol == "1.6" and action == "RemoteStartTransaction":
                got.append((payload.get("connectorId"), payload.get("idTag")))
            elif protocol != "1.6" and action == "RequestStartTransaction":
                # one EVSE (charger) with C connectors: the connector is not in the request
                got.append((None, (payload.get("idToken") or {}).get("idToken")))
            else:
                problems.append(f"{station}: unexpected {action}")
        want = expected.get(station, [])
        if protocol != "1.6":
            want = [(None, evco) for _, evco in want]
        if sorted(got, key=str) != sorted(want, key=str):
            problems.append(f"{station}: received {got}, expected {want}")
    return problems[:10]


def print_phases(name: str, phases: list[Phase]) -> None:
    print(f"[{name}]")
    for phase in phases[1:]:
        lat = phase.latencies
        cpu = (f"; server CPU {phase.server_cpu / len(lat) * 1000:.1f} ms per call"
               if lat and phase.seconds >= 1.0 and not math.isnan(phase.server_cpu) else "")
        print(f"  {phase.name:<28} {phase.per_second:7.1f} calls/s  p50 "
              f"{ms(percentile(lat, 0.5))}  p99 {ms(percentile(lat, 0.99))}  max "
              f"{ms(max(lat, default=math.nan))}{cpu}")
    print(flush=True)


def print_remote_comparison(gw: list[Phase], bare: list[Phase]) -> None:
    print("[gateway / bare mTLS server]")
    for g, b in zip(gw[1:], bare[1:], strict=True):
        print(f"  {g.name:<28} calls/s {ratio(g.per_second, b.per_second)}   p50 "
              f"{ratio(percentile(g.latencies, 0.5), percentile(b.latencies, 0.5))}   p99 "
              f"{ratio(percentile(g.latencies, 0.99), percentile(b.latencies, 0.99))}")
    print("[TLS handshake: new connection / keep-alive, sequential]")
    for name, phases in (("gateway", gw), ("bare", bare)):
        keep, fresh = phases[1], phases[3]
        p50k, p50f = percentile(keep.latencies, 0.5), percentile(fresh.latencies, 0.5)
        print(f"  {name:<8} p50 x {ratio(p50f, p50k)} ({ms(p50f - p50k)} more per call), "
              f"calls/s {ratio(fresh.per_second, keep.per_second)}")
    print(flush=True)


async def bench_remote_start(args: argparse.Namespace, workdir: Path,
                             servers: list[ServerProcess]) -> list[str]:
    from pki.tls import client_context
    from tests.support.pki_setup import install_partner_mtls

    needed = WARMUP_CALLS + 3 * args.requests
    pool = targets(args.chargers, args.connectors_per_area, needed)
    print(f"[remote-start] {args.chargers} OCPP {args.protocol} chargers x "
          f"{args.connectors_per_area} connectors connected, {args.remote_areas} areas in the "
          f"network; {args.requests} calls per phase, {len(pool)} distinct EVSEs", flush=True)
    server_ca = listener_certificate(workdir)
    common = ["--protocol", args.protocol, "--connectors-per-area",
              str(args.connectors_per_area), "--chargers", str(args.chargers)]
    gateway = start_server("gateway", workdir, Path(__file__),
                           [*common, "--remote-areas", str(args.remote_areas)], servers,
                           args.profile)
    await wait_ready(gateway, timeout=120.0 + args.remote_areas / 50, request_timeout=5.0)
    gateway.print_ready(f", seeded in {gateway.ready['seed_seconds']:.1f}s")
    async with aiohttp.ClientSession() as http:
        partner = await install_partner_mtls(
            AdminApi(f"http://127.0.0.1:{gateway.port}", gateway.ready["admin_token"], http),
            PLATFORM)
    chargers = start_server("chargers", workdir, Path(__file__),
                            [*common, "--gateway-port", str(gateway.port)], servers)
    await wait_ready(chargers, timeout=60.0 + args.chargers / 10, request_timeout=5.0)
    booted = int(chargers.ready["booted"])
    chargers.print_ready(f", {booted} booted")
    if booted < MIN_BOOTED * args.chargers:
        raise Failed(f"{booted} of {args.chargers} chargers booted: "
                     f"{chargers.ready.get('failures')}")
    waited, busy = await settle(gateway)
    print(f"  gateway settled {waited:.1f}s after the chargers booted ({busy:.1f}s CPU: the "
          "station events, OICP status pushes queued)", flush=True)
    context = client_context(server_ca, partner.access_certificate_pem, partner.access_key_pem)
    try:
        gw = await run_phases(gateway, context, pool, args)
        async with aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{chargers.port}/received") as reply:
            received = await reply.json()
    finally:
        await asyncio.to_thread(chargers.stop)
        await asyncio.to_thread(gateway.stop)
    problems = [f"gateway: {p}" for p in verify_acks(gw)]
    problems += verify_received(received, gw, args.protocol)
    print_phases("gateway (OICP listener, remote start to a charger)", gw)
    if problems:
        return problems
    print(f"  verified: {sum(len(p.calls) for p in gw)} acknowledgements valid (Result=true, "
          "000, our SessionID); each charger got exactly its starts", flush=True)
    (workdir / "client-ca.pem").write_text(partner.system_root_pem)
    bare_server = start_server("bare", workdir, Path(__file__), [], servers)
    await wait_ready(bare_server, timeout=60.0, request_timeout=5.0)
    bare_server.print_ready()
    try:
        bare = await run_phases(bare_server, context, pool, args)
    finally:
        await asyncio.to_thread(bare_server.stop)
    problems += [f"bare: {p}" for p in verify_acks(bare)]
    print_phases("bare aiohttp mTLS server, static acknowledgement", bare)
    print_remote_comparison(gw, bare)
    return problems


# === part 3: CSR signing ====================================================================


@dataclass
class Signing:
    mode: str
    seconds: float
    lag: LoopLag
    certificates: list[Any]

    @property
    def per_second(self) -> float:
        return len(self.certificates) / self.seconds if self.seconds else math.nan


def certificate_problem(cert: Any, csr: Any, ca: Any) -> str | None:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if cert.public_key().public_bytes(*spki) != csr.public_key().public_bytes(*spki):
        return "public key differs from the CSR's"
    if cert.subject != csr.subject or cert.issuer != ca.certificate.subject:
        return "subject or issuer wrong"
    try:
        cert.verify_directly_issued_by(ca.certificate)
    except Exception as exc:
        return f"signature does not verify: {exc}"
    return None


async def bench_csr(args: argparse.Namespace) -> list[str]:
    problems: list[str] = []
    for ca_key in args.ca_keys:
        problems += await bench_csr_with(args, ca_key)
    return problems


async def bench_csr_with(args: argparse.Namespace, ca_key: str) -> list[str]:
    from pki.authority import Profile, SigningPolicy, create_root_ca, sign_csr, sign_csr_async
    from pki.csr import SubjectFields, generate_key_and_csr, load_csr
    from pki.keys import KeyAlgorithm, generate_private_key

    now = datetime.now(UTC)
    ca = create_root_ca(SubjectFields("evgw bench signing CA"),
                        key=generate_private_key(KeyAlgorithm[ca_key]), now=now)
    policy = SigningPolicy(max_validity_days=30, profile=Profile.CLIENT)
    n = args.signs
    print(f"[csr] CA key {ca_key}; {n} signatures per mode, {CSR_POOL} distinct CSRs "
          "per key type", flush=True)
    async with LoopLag() as idle:
        await asyncio.sleep(0.5)
    print(f"  idle loop (no signing)       max stall {ms(idle.max)}, p99 {ms(idle.p99)}")
    problems: list[str] = []
    for algorithm in (KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256):
        csrs = [load_csr(generate_key_and_csr(SubjectFields(f"bench {algorithm.name} {i}"),
                                              algorithm=algorithm).csr)
                for i in range(CSR_POOL)]

        async def inline(csrs: list[Any] = csrs) -> list[Any]:
            done = []
            for i in range(n):
                done.append(sign_csr(ca, csrs[i % CSR_POOL], policy, 30, now))
                await asyncio.sleep(0)  # a request handler signing inline, one per request
            return done

        async def in_thread(csrs: list[Any] = csrs) -> list[Any]:
            return [await sign_csr_async(ca, csrs[i % CSR_POOL], policy, 30, now)
                    for i in range(n)]

        async def in_threads(csrs: list[Any] = csrs) -> list[Any]:
            gate = asyncio.Semaphore(args.concurrency)

            async def one(i: int) -> Any:
                async with gate:
                    return await sign_csr_async(ca, csrs[i % CSR_POOL], policy, 30, now)

            return list(await asyncio.gather(*(one(i) for i in range(n))))

        runs = []
        for mode, work in (("sign_csr inline", inline), ("sign_csr_async", in_thread),
                           (f"sign_csr_async x{args.concurrency}", in_threads)):
            gc.collect()
            async with LoopLag() as lag:
                began = time.perf_counter()
                done = await work()
                seconds = time.perf_counter() - began
            runs.append(Signing(mode, seconds, lag, done))
            for i, cert in enumerate(done):
                problem = certificate_problem(cert, csrs[i % CSR_POOL], ca)
                if problem:
                    problems.append(f"{algorithm.name} {mode} #{i}: {problem}")
                    break
            if len(done) != n:
                problems.append(f"{algorithm.name} {mode}: {len(done)} certificates, not {n}")
        base = runs[0]
        print(f"  {algorithm.name} CSRs")
        for run in runs:
            print(f"    {run.mode:<24} {run.per_second:7.0f} signs/s (x "
                  f"{ratio(run.per_second, base.per_second)} inline)  loop stall max "
                  f"{ms(run.lag.max)} (x {ratio(run.lag.max, base.lag.max)}), p99 "
                  f"{ms(run.lag.p99)}")
    if not problems:
        print("  verified: every certificate has the CSR's subject and key, our CA as issuer, "
              "and its signature verifies")
    print(flush=True)
    return problems


# === main ===================================================================================


def serve(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    if args.serve == "gateway":
        run_profiled(lambda: _serve_gateway(args, workdir), args.profile)
    elif args.serve == "chargers":
        run_profiled(lambda: _serve_chargers(args, workdir), None)
    else:
        run_profiled(lambda: _serve_bare(workdir), None)
    return 0


async def bench(args: argparse.Namespace, workdir: Path, servers: list[ServerProcess]
                ) -> list[str]:
    problems: list[str] = []
    if "evse-data" in args.parts:
        (workdir / "evse-data").mkdir()
        problems += [f"evse-data: {p}" for p in
                     await bench_evse_data(args, workdir / "evse-data")]
    if "remote-start" in args.parts:
        problems += [f"remote-start: {p}" for p in
                     await bench_remote_start(args, workdir, servers)]
    if "csr" in args.parts:
        problems += [f"csr: {p}" for p in await bench_csr(args)]
    return problems


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--areas", type=int, default=10_000, help="evse-data: areas")
    parser.add_argument("--connectors-per-area", type=int, default=4,
                        help="connectors (EVSEs) of each area's one charger")
    parser.add_argument("--change-percent", type=float, default=1.0,
                        help="evse-data: share of connectors changed before the delta")
    parser.add_argument("--chargers", type=int, default=200,
                        help="remote-start: simulated chargers (stations) connected")
    parser.add_argument("--remote-areas", type=int, default=0,
                        help="remote-start: areas in the gateway's network (default: "
                        "--chargers; the others have no charger connected)")
    parser.add_argument("--requests", type=int, default=200,
                        help="remote-start: calls per phase (each to its own EVSE)")
    parser.add_argument("--concurrency", type=int, default=10,
                        help="concurrent remote-start clients / signing tasks")
    parser.add_argument("--protocol", choices=("1.6", "2.0.1"), default="1.6",
                        help="remote-start: OCPP version of the stations")
    parser.add_argument("--request-timeout", type=float, default=30.0,
                        help="remote-start: seconds one call may take")
    parser.add_argument("--signs", type=int, default=300, help="csr: signatures per mode")
    parser.add_argument("--ca-keys", default="EC_P384,RSA_4096",
                        help="csr: comma-separated key types of the signing CA (EC_P256, "
                        "EC_P384, RSA_2048, RSA_3072, RSA_4096)")
    parser.add_argument("--profile", metavar="PATH",
                        help="cProfile the remote-start gateway process into PATH")
    parser.add_argument("--serve", choices=("gateway", "chargers", "bare"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--gateway-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if not args.parts or set(args.parts) - set(PARTS):
        parser.error(f"--parts takes {', '.join(PARTS)}")
    if not 1 <= args.areas <= 999_999 or not 1 <= args.connectors_per_area <= 99:
        parser.error("--areas must be within 1..999999, --connectors-per-area 1..99")
    if not 0 < args.change_percent <= 100:
        parser.error("--change-percent must be within (0, 100]")
    args.remote_areas = args.remote_areas or args.chargers
    if not 1 <= args.chargers <= args.remote_areas <= 999_999:
        parser.error("--chargers must be within 1..--remote-areas")
    args.ca_keys = [k.strip() for k in args.ca_keys.split(",") if k.strip()]
    if not args.ca_keys or set(args.ca_keys) - {"EC_P256", "EC_P384", "RSA_2048", "RSA_3072",
                                                  "RSA_4096"}:
        parser.error("--ca-keys takes EC_P256, EC_P384, RSA_2048, RSA_3072, RSA_4096")
    if args.requests < 1 or args.concurrency < 1 or args.signs < 1:
        parser.error("--requests, --concurrency and --signs must be positive")
    if args.chargers * args.connectors_per_area < WARMUP_CALLS + 3 * args.requests \
            and not args.serve:
        parser.error(f"remote-start needs {WARMUP_CALLS} + 3 x --requests distinct EVSEs: "
                     "raise --chargers or --connectors-per-area")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args)
    stop_on_sigterm()
    print(f"evgw OICP benchmark: {', '.join(args.parts)}; {os.cpu_count()} CPUs, load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    began = own_cpu_seconds()
    outcome = run_bench(lambda workdir, servers: bench(args, workdir, servers), "evgw-oicp-",
                        failures=(Failed, aiohttp.ClientError, TimeoutError, ValueError,
                                  AssertionError))
    if isinstance(outcome, int):
        return outcome
    if outcome:
        print("FAILED:\n  " + "\n  ".join(outcome), file=sys.stderr)
        return 1
    print(f"OK (this process used {own_cpu_seconds() - began:.0f}s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
