"""OCPI locations pull benchmark: a partner pulls every Location page of the real gateway,
then the identical bytes from a bare aiohttp server that serves them as static responses.

    .venv/bin/python bench/ocpi_pull.py [--locations 10000] [--evses-per-location 4]
        [--limit 100] [--rounds 1] [--budget 240] [--page-timeout 600] [--no-static]
        [--ocpi-version 2.2.1|2.3.0] [--compare-versions] [--tariffs 0]
        [--profile gateway.pstats]

What one run does:

1. Starts the full gateway (``build_deps`` + ``build_app``) in a separate process on
   127.0.0.1 with a fresh migrated SQLite database in a temp dir. The server binds its port
   first and uses ``public_url=http://127.0.0.1:<port>``. It seeds, through the network
   service, a site, an operator (with a phone), the roaming profile TRI-OCPI (OCPI, SI, TRI),
   an OCPI eMSP platform, and the first area (roaming id ``L000000``) with one station, one
   roaming-enabled charger and E connectors (alternately CCS2 DC 50 kW and Type 2 22 kW,
   roaming ids ``000000E01``...); the other N-1 areas with their station, charger and
   connectors are bulk-inserted copies of those rows (SQLAlchemy Core, unique codes and
   roaming ids). It then registers the platform (an encrypted access token plus its SHA-256
   digest, ``registered_at`` set, an eMSP role) and waits for ``/health``. With
   ``--ocpi-version 2.3.0`` the platform is a payment terminal provider (type PTP, role PTP)
   registered on 2.3.0, as ``tests/e2e/test_ocpi_230.py`` registers one. With ``--tariffs T``
   T roaming tariffs are created and assigned to the platform.
2. This process pulls ``GET /ocpi/<version>/locations?offset=0&limit=L`` with
   ``Authorization: Token <base64>`` and follows ``Link: <...>; rel="next"`` to the end,
   one request at a time on one keep-alive connection (a partner's full sync), ``--rounds``
   times. Each page is timed from sending the request to the last byte of the body; bodies
   are kept and parsed only after the pull. The first page of the first round (cold: first
   request after start) is reported apart from the rest.
3. It verifies every round: HTTP 200 and OCPI status 1000 on every page, at most X-Limit
   Locations per page, ``X-Total-Count`` = N, the expected number of pages, and the union of
   the pulled Locations is exactly N Locations and N x E EVSEs (and as many ``evse_id``s),
   none duplicated; the Locations of three pages (first, middle, last) are valid against
   the version's OpenAPI (``tests/unit/ocpi/ocpi_openapi.py`` for 2.2.1,
   ``tests/support/ocpi230_openapi.py`` for 2.3.0). Any mismatch fails the run. With
   ``--tariffs T`` it then pulls ``/ocpi/<version>/tariffs`` the same way (after the
   Locations, once) and checks T distinct tariff ids, the version's shape (``tax_included``
   in 2.3.0 only) and the first page against the OpenAPI.
4. Writes the first round's page bodies and headers to the temp dir, starts a bare aiohttp
   server in a separate process that answers the same URLs with those exact bytes (and the
   same ``X-Total-Count`` / ``X-Limit``, ``Link`` pointing at its own next page), pulls it the
   same way, checks the bytes are identical and prints gateway/static ratios. The two servers
   run one after the other, never together.
5. With ``--compare-versions``, steps 1-4 run for 2.2.1 and then for 2.3.0 (fresh servers
   each) and the 2.3.0 / 2.2.1 ratios of the gateway's figures are printed: full-pull time,
   first page, per-page p50 and p99 (and of the tariffs pull).

Time budget: a page can cost far more than its share of the network (a gateway that maps
every Location for every page request makes a full pull quadratic). When the pull's
projected time (time so far + mean page latency x pages left) exceeds ``--budget`` seconds
after at least three pages (or the time so far exceeds it), the pull stops; the figures of
the pages pulled are printed with the projection, the static server is still measured on
those pages, and the exit status is 3. Rerun with a smaller ``--locations`` (or
``--budget 0``) for a complete run.

Caching: the first page of the first round is the first OCPI request after start, so it
pays for whatever the gateway builds once (the cold cache); with ``--rounds 2`` or more,
the later rounds' first pages show the warm cost of a new full pull.

Exit status: 0 when all went well; 1 when a page failed or the verification found a
mismatch; 2 when a server failed to start; 3 when the budget stopped the gateway pull; 130
on Ctrl-C. Both server processes are stopped in every case. The figures are only comparable
on one machine: the client is Python too and shares the cores with the server under test.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from _harness import (
    EXIT_FAILED,
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

OCPI_VERSIONS = ("2.2.1", "2.3.0")
PLATFORM = "EMSP-BENCH"
MIN_PAGES_BEFORE_PROJECTION = 3
LINK_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')
EXIT_BUDGET = 3  # EXIT_FAILED (1) and EXIT_SERVER (2) come from _harness


def area_roaming_id(index: int) -> str:
    return f"L{index:06d}"


def connector_roaming_id(index: int, number: int) -> str:
    return f"{index:06d}E{number:02d}"


def expected_pages(locations: int, limit: int) -> int:
    return max(1, math.ceil(locations / limit))


def module_path(version: str, module: str) -> str:
    return f"/ocpi/{version}/{module}"


def tariff_code(index: int) -> str:
    return f"BENCH-{index:04d}"


# --- server processes (run as ``ocpi_pull.py --serve gateway|static``) ----------------------


def _connector_template(number: int) -> dict[str, Any]:
    if number % 2 == 1:
        return {"name": "CCS2 50 kW", "standard": "CCS2", "format": "CABLE",
                "electric_current_type": "DC", "wattage_limit_w": 50000,
                "amperage_limit_a": "125", "voltage_limit_v": 500, "power_factor": "1"}
    return {"name": "Type 2 22 kW", "standard": "TYPE_2", "format": "SOCKET",
            "electric_current_type": "AC_3_PHASE", "wattage_limit_w": 22000,
            "amperage_limit_a": "32", "voltage_limit_v": 400, "power_factor": "0.98"}


async def _seed(deps: Any, locations: int, evses: int, *, ocpp_protocol: str = "2.0.1",
                platform_type: str = "EMSP") -> None:
    """The network of step 1 (module doc): service-made templates, bulk-inserted copies
    (``bench/oicp.py`` seeds the same network, with its stations' OCPP version)."""
    from sqlalchemy import insert, select

    from gateway.db import tables as t
    from gateway.db.types import utcnow

    network = deps.network
    await network.create("sites", {
        "code": "SITE-PULL", "name": "Pull bench site", "country": "SI", "currency": "EUR",
        "time_zone": "Europe/Ljubljana"})
    await network.create("operators", {
        "code": "OP-PULL", "name": "Pull bench operator", "organisation": "Bench d.o.o.",
        "address": "Slovenska cesta 1", "country": "SI", "city": "Ljubljana", "zip": "1000",
        "phone": "+38640000000", "time_zone": "Europe/Ljubljana"})
    await network.create("roaming_profiles", {
        "code": "TRI-OCPI", "name": "Tridens OCPI CPO", "type": "CPO", "protocol": "OCPI",
        "country_code": "SI", "roaming_identifier": "TRI"})
    await network.create("roaming_platforms", {
        "code": PLATFORM, "name": f"Bench {platform_type}", "roaming_profile": "TRI-OCPI",
        "type": platform_type,
        "protocol": "OCPI", "url": "https://emsp.example.com/ocpi/versions", "country": "DE",
        "roaming_identifier": "EMS"})
    await network.create("areas", {
        "code": "AREA-000000", "name": "Bench location 000000", "site": "SITE-PULL",
        "operator": "OP-PULL", "address": "Slovenska cesta 1", "city": "Ljubljana",
        "postal_code": "1000", "country": "SI", "latitude": "46.0569", "longitude": "14.5058",
        "support_contact": {"name": "Bench support", "phone": "+38640000000",
                            "email": "support@example.com"},
        "roaming_id": area_roaming_id(0)})
    await network.create("stations", {
        "code": "ST-000000", "name": "Station 000000", "area": "AREA-000000",
        "connection_identifier": "ST-000000", "ocpp_protocol": ocpp_protocol,
        "connection_policy": "ws"})
    await network.create("chargers", {
        "code": "CH-000000", "name": "Charger 000000", "station": "ST-000000", "evse_id": 1,
        "reservable": True, "roaming_enabled": True, "roaming_id": "C000000",
        "electric_current_type": "AC_3_PHASE"})
    for number in range(1, evses + 1):
        await network.create("connectors", _connector_template(number) | {
            "code": str(number), "charger": "CH-000000", "ocpp_connector_id": number,
            "roaming_id": connector_roaming_id(0, number)})
    if locations <= 1:
        return
    chunk = 1000
    a, st, ch, co = t.areas, t.stations, t.chargers, t.connectors
    async with deps.engine.begin() as conn:
        area = dict((await conn.execute(
            select(a).where(a.c.code == "AREA-000000"))).mappings().one())
        station = dict((await conn.execute(
            select(st).where(st.c.code == "ST-000000"))).mappings().one())
        charger = dict((await conn.execute(
            select(ch).where(ch.c.code == "CH-000000"))).mappings().one())
        connectors = [dict(row) for row in (await conn.execute(
            select(co).where(co.c.charger_id == charger["id"]).order_by(co.c.ocpp_connector_id))
        ).mappings().all()]
        for row in (area, station, charger, *connectors):
            del row["id"]
        now = utcnow()
        stamps = {"created_at": now, "updated_at": now}
        for start in range(1, locations, chunk):
            indexes = range(start, min(start + chunk, locations))
            await conn.execute(insert(a), [area | stamps | {
                "code": f"AREA-{i:06d}", "name": f"Bench location {i:06d}",
                "roaming_id": area_roaming_id(i),
                "latitude": Decimal("45.5") + Decimal(i % 997) / 1000,
                "longitude": Decimal("13.5") + Decimal(i // 997 % 1000) / 500,
            } for i in indexes])
        area_ids = dict((await conn.execute(select(a.c.code, a.c.id))).tuples().all())
        for start in range(1, locations, chunk):
            indexes = range(start, min(start + chunk, locations))
            await conn.execute(insert(st), [station | stamps | {
                "code": f"ST-{i:06d}", "name": f"Station {i:06d}",
                "connection_identifier": f"ST-{i:06d}", "area_id": area_ids[f"AREA-{i:06d}"],
            } for i in indexes])
        station_ids = dict((await conn.execute(select(st.c.code, st.c.id))).tuples().all())
        for start in range(1, locations, chunk):
            indexes = range(start, min(start + chunk, locations))
            await conn.execute(insert(ch), [charger | stamps | {
                "code": f"CH-{i:06d}", "name": f"Charger {i:06d}", "roaming_id": f"C{i:06d}",
                "station_id": station_ids[f"ST-{i:06d}"],
            } for i in indexes])
        charger_ids = dict((await conn.execute(select(ch.c.code, ch.c.id))).tuples().all())
        per_chunk = max(1, chunk // max(evses, 1))
        for start in range(1, locations, per_chunk):
            indexes = range(start, min(start + per_chunk, locations))
            await conn.execute(insert(co), [connector | stamps | {
                "charger_id": charger_ids[f"CH-{i:06d}"],
                "roaming_id": connector_roaming_id(i, connector["ocpp_connector_id"]),
            } for i in indexes for connector in connectors])


async def _register_platform(deps: Any, version: str) -> str:
    """Registers the bench platform as if the handshake had run on ``version`` (2.3.0: a
    PTP, as tests/e2e/test_ocpi_230.py registers one); returns its access token."""
    from gateway.db.types import utcnow
    from ocpi.credentials import digest

    store = deps.ocpi.credentials.store
    record = await store.platform(PLATFORM)
    if record is None:
        raise RuntimeError(f"platform {PLATFORM} was not created")
    token = secrets.token_urlsafe(32)
    record.access_token_enc = deps.secrets.encrypt(token)
    record.registered_at = utcnow()
    record.version = version
    record.endpoints = {}
    role = "EMSP" if version == "2.2.1" else "PTP"
    record.roles = [{"role": role, "country_code": "DE", "party_id": "EMS",
                     "business_details": {"name": "x"}}]
    await store.save(record, registration_digest=None, access_digest=digest(token))
    return token


async def _seed_tariffs(deps: Any, count: int) -> None:
    """``count`` roaming tariffs (energy price, 22% VAT, a pre-authorization amount for
    the PTP) assigned to the platform."""
    from csms.pricing.catalogue import AssignmentLevel

    codes = [tariff_code(i) for i in range(count)]
    for number, code in enumerate(codes):
        await deps.tariffs.create({
            "code": code, "name": f"Bench tariff {number}",
            "max_payment_authorization_amount": "50.00",
            "details": [{"energy": {"price": f"0.{30 + number % 50}", "vat": "22"}}]})
    if codes:
        await deps.tariffs.assign(AssignmentLevel.PLATFORM, PLATFORM, codes)


async def _serve_gateway(workdir: Path, locations: int, evses: int, version: str,
                         tariffs: int) -> None:
    from gateway.app import build_app, build_deps
    from gateway.config import LogFormat, Settings
    from gateway.db.engine import create_engine
    from gateway.db.migrate import upgrade
    from gateway.logging import configure_logging

    configure_logging(LogFormat.JSON, "WARNING")
    sock = bind_free_port()
    port = sock.getsockname()[1]
    secret = "bench-secret-key-" + os.urandom(16).hex()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{workdir / 'evgw.db'}",
        admin_token="bench-admin-token-" + os.urandom(16).hex(),
        data_dir=workdir / "data", secret_key=secret, log_format="json",
        log_level="WARNING", http_host="127.0.0.1", http_port=port,
        public_url=f"http://127.0.0.1:{port}")
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    deps = build_deps(settings, engine, secret.encode())
    began = time.monotonic()
    await _seed(deps, locations, evses, platform_type="EMSP" if version == "2.2.1" else "PTP")
    await _seed_tariffs(deps, tariffs)
    token = await _register_platform(deps, version)
    seed_seconds = time.monotonic() - began
    await run_site(build_app(deps), sock, workdir / "gateway.ready",
                   {"port": port, "token": token, "seed_seconds": seed_seconds}, backlog=128)


def _load_static_pages(static_dir: Path) -> list[dict[str, Any]]:
    index: list[dict[str, Any]] = json.loads((static_dir / "index.json").read_text())
    for page in index:
        page["body"] = (static_dir / page["file"]).read_bytes()
    return index


async def _serve_static(workdir: Path) -> None:
    sock = bind_free_port()
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    pages: dict[str, tuple[bytes, dict[str, str]]] = {}
    for page in _load_static_pages(workdir / "static"):
        headers = {"Content-Type": page["content_type"], "X-Total-Count": page["total"],
                   "X-Limit": page["x_limit"]}
        if page["next"] is not None:
            headers["Link"] = f'<{base}{page["next"]}>; rel="next"'
        pages[page["path_qs"]] = (page["body"], headers)

    async def location_page(request: web.Request) -> web.Response:
        found = pages.get(request.path_qs)
        if found is None:
            raise web.HTTPNotFound()
        return web.Response(body=found[0], headers=found[1])

    app = web.Application()
    app.router.add_get("/health", health)
    app.router.add_get("/ocpi/{version}/locations", location_page)
    await run_site(app, sock, workdir / "static.ready", {"port": port}, backlog=128)


def serve(args: argparse.Namespace) -> int:
    workdir = Path(args.workdir)
    if args.serve == "gateway":
        run_profiled(lambda: _serve_gateway(workdir, args.locations, args.evses_per_location,
                                            args.ocpi_version, args.tariffs), args.profile)
    else:
        run_profiled(lambda: _serve_static(workdir), None)
    return 0


# --- the pull -------------------------------------------------------------------------------


@dataclass
class Page:
    path_qs: str
    status: int
    latency: float
    body: bytes
    content_type: str
    total: str
    x_limit: str
    next: str | None  # path and query of the next page (Link rel="next")


@dataclass
class Round:
    pages: list[Page] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str | None = None  # why the pull stopped before the last page


@dataclass
class PullResult:
    name: str
    rounds: list[Round] = field(default_factory=list)
    server_cpu: float = math.nan  # seconds during the pull
    client_cpu: float = 0.0
    rss_before_kib: int = 0
    rss_after_kib: int = 0

    @property
    def pages(self) -> list[Page]:
        return [page for r in self.rounds for page in r.pages]

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.rounds)

    @property
    def first(self) -> float:
        return self.pages[0].latency if self.pages else math.nan

    @property
    def rest(self) -> list[float]:
        return [page.latency for page in self.pages[1:]]

    @property
    def pages_per_second(self) -> float:
        return len(self.pages) / self.seconds if self.seconds else math.nan

    @property
    def warm_pages_per_second(self) -> float:
        rest = self.rest
        return len(rest) / sum(rest) if rest and sum(rest) else math.nan

    @property
    def stopped(self) -> str | None:
        return next((r.stopped for r in self.rounds if r.stopped), None)


def authorization(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def _next_path(link: str | None, base: str) -> str | None:
    if not link:
        return None
    match = LINK_NEXT.search(link)
    if match is None:
        return None
    url = match.group(1)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        raise ValueError(f"Link points away from the server: {url}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def pull_round(result: Round, session: aiohttp.ClientSession, base: str,
                     headers: dict[str, str], first_path: str, limit: int, max_pages: int,
                     budget: float | None, spent: float) -> None:
    """One full pull following Link into ``result``; stops after ``max_pages`` (a runaway Link
    chain) or when the budget (seconds, counting ``spent`` before this round) is projected to
    run out."""
    began = time.perf_counter()
    try:
        await _pull_pages(result, session, base, headers, first_path, limit, max_pages,
                          budget, spent, began)
    finally:
        result.seconds = time.perf_counter() - began


async def _pull_pages(result: Round, session: aiohttp.ClientSession, base: str,
                      headers: dict[str, str], first_path: str, limit: int, max_pages: int,
                      budget: float | None, spent: float, began: float) -> None:
    path: str | None = first_path
    for number in range(max_pages):
        if path is None:
            break
        sent = time.perf_counter()
        async with session.get(base + path, headers=headers) as resp:
            body = await resp.read()
            received = time.perf_counter()
            page = Page(path, resp.status, received - sent, body,
                        resp.headers.get("Content-Type", ""),
                        resp.headers.get("X-Total-Count", ""), resp.headers.get("X-Limit", ""),
                        _next_path(resp.headers.get("Link"), base))
        result.pages.append(page)
        if page.status != 200:
            result.stopped = f"HTTP {page.status} on {path}: {body[:200]!r}"
            break
        path = page.next
        if budget is None or path is None:
            continue
        elapsed = spent + received - began
        done = number + 1
        total = int(page.total) if page.total.isdigit() else 0
        size = min(limit, int(page.x_limit)) if page.x_limit.isdigit() else limit
        left = max(0, math.ceil((total - (done * size)) / size)) if total else 0
        mean = (sum(p.latency for p in result.pages[1:]) / (done - 1) if done > 1
                else page.latency)
        projected = elapsed + mean * left
        if elapsed > budget or (done >= MIN_PAGES_BEFORE_PROJECTION and projected > budget):
            result.stopped = (f"budget: {done} pages in {elapsed:.1f}s, {left} left, "
                              f"projected {projected:.0f}s > --budget {budget:g}s")
            break
    else:
        if path is not None:
            result.stopped = f"more than {max_pages} pages (Link chain does not end)"


async def pull(server: ServerProcess, args: argparse.Namespace, token: str | None,
               budget: float | None, max_pages: int, *, module: str = "locations",
               rounds: int | None = None) -> PullResult:
    result = PullResult(f"{server.name} {args.ocpi_version}"
                        + ("" if module == "locations" else f" {module}"))
    base = f"http://127.0.0.1:{server.port}"
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = authorization(token)
    first_path = f"{module_path(args.ocpi_version, module)}?offset=0&limit={args.limit}"
    connector = aiohttp.TCPConnector(limit=1)
    timeout = aiohttp.ClientTimeout(total=args.page_timeout)
    result.rss_before_kib = server.rss_kib()
    cpu_server, cpu_client = server.cpu_seconds(), own_cpu_seconds()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for number in range(rounds or args.rounds):
            spent = result.seconds
            one = Round()
            result.rounds.append(one)
            try:
                await pull_round(one, session, base, headers, first_path, args.limit,
                                 max_pages, budget, spent)
            except (aiohttp.ClientError, TimeoutError) as exc:
                one.stopped = (f"{type(exc).__name__} {exc} after {len(one.pages)} pages, "
                               f"{one.seconds:.1f}s")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.process.wait(timeout=2.0)
                if server.process.poll() is not None:
                    one.stopped += (f"; the {server.name} server exited with status "
                                    f"{server.process.returncode}; its log ends:\n"
                                    f"{server.log_tail()}")
            first = f", first page {ms(one.pages[0].latency)}" if one.pages else ""
            print(f"  {module} round {number + 1}: {len(one.pages)} pages in "
                  f"{one.seconds:.2f}s{first}"
                  + (f" (stopped: {one.stopped})" if one.stopped else ""), flush=True)
            if one.stopped:
                break
    result.server_cpu = server.cpu_seconds() - cpu_server
    result.client_cpu = own_cpu_seconds() - cpu_client
    result.rss_after_kib = server.rss_kib()
    return result


# --- verification -------------------------------------------------------------------------


def verify_round(one: Round, locations: int, evses: int, limit: int,
                 complete: bool = True) -> list[str]:
    """What is wrong with one pull (empty: exactly N Locations, N x E EVSEs, nothing twice).
    An incomplete pull (stopped by the budget) is checked for what it holds: every page full,
    no duplicates, the right X-Total-Count."""
    problems: list[str] = []
    location_ids: list[str] = []
    evse_uids: list[str] = []
    evse_ids: list[str] = []
    x_limits = [int(page.x_limit) for page in one.pages if page.x_limit.isdigit()]
    page_size = min([limit, *x_limits])
    for page in one.pages:
        try:
            envelope = json.loads(page.body)
            if envelope.get("status_code") != 1000:
                problems.append(f"{page.path_qs}: OCPI status {envelope.get('status_code')} "
                                f"{envelope.get('status_message')!r}")
            data = envelope.get("data") or []
            for location in data:
                location_ids.append(location["id"])
                for evse in location.get("evses") or []:
                    evse_uids.append(evse["uid"])
                    evse_ids.append(evse["evse_id"])
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            problems.append(f"{page.path_qs}: not an OCPI Location page "
                            f"({type(exc).__name__}: {exc})")
            continue
        if len(data) > page_size:
            problems.append(f"{page.path_qs}: {len(data)} Locations > page size {page_size}")
        if page.total != str(locations):
            problems.append(f"{page.path_qs}: X-Total-Count {page.total!r}, expected "
                            f"{locations}")
    wanted_pages = expected_pages(locations, page_size)
    if complete and len(one.pages) != wanted_pages:
        problems.append(f"{len(one.pages)} pages, expected {wanted_pages} "
                        f"({locations} / {page_size})")
    wanted = locations if complete else min(locations, len(one.pages) * page_size)
    for what, values, count in (("Locations", location_ids, wanted),
                                ("EVSE uids", evse_uids, wanted * evses),
                                ("EVSE ids", evse_ids, wanted * evses)):
        distinct = len(set(values))
        if len(values) != count or distinct != count:
            problems.append(f"{what}: {len(values)} pulled, {distinct} distinct, "
                            f"expected {count}")
    return problems


def page_data(one: Round) -> list[Any]:
    """The pages' ``data`` (the envelope's ``timestamp`` differs on every response)."""
    return [json.loads(page.body).get("data") for page in one.pages]


def pulled_counts(one: Round) -> tuple[int, int]:
    locations = evses = 0
    for page in one.pages:
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            data = json.loads(page.body).get("data") or []
            locations += len(data)
            evses += sum(len(loc.get("evses") or []) for loc in data)
    return locations, evses


def verify_static(static: PullResult, reference: Round) -> list[str]:
    problems = []
    for number, one in enumerate(static.rounds, 1):
        if one.stopped:
            problems.append(f"static round {number} stopped: {one.stopped}")
        if len(one.pages) != len(reference.pages):
            problems.append(f"static round {number}: {len(one.pages)} pages, "
                            f"expected {len(reference.pages)}")
        if any(got.body != want.body for got, want in zip(one.pages, reference.pages,
                                                           strict=False)):
            problems.append(f"static round {number}: bodies differ from the gateway's")
    return problems


def write_static_pages(one: Round, static_dir: Path) -> None:
    static_dir.mkdir()
    index = []
    for number, page in enumerate(one.pages):
        name = f"page-{number:05d}.json"
        (static_dir / name).write_bytes(page.body)
        index.append({"path_qs": page.path_qs, "file": name, "total": page.total,
                      "x_limit": page.x_limit, "content_type": page.content_type,
                      # the static chain ends where the captured pages end
                      "next": page.next if number + 1 < len(one.pages) else None})
    (static_dir / "index.json").write_text(json.dumps(index))


def _schema_errors(version: str) -> Any:
    """``schema_errors(name, instance)`` of the version's OCPI OpenAPI (the test helpers)."""
    if version == "2.2.1":
        from tests.unit.ocpi.ocpi_openapi import schema_errors

        return lambda name, instance: schema_errors(name, instance, version="2.2.1")
    from tests.support.ocpi230_openapi import schema_errors as errors_230

    return errors_230


def verify_schema(one: Round, version: str) -> list[str]:
    """The Locations of the first, middle and last page against the version's OpenAPI
    (every page would take minutes)."""
    errors = _schema_errors(version)
    problems: list[str] = []
    for index in sorted({0, len(one.pages) // 2, len(one.pages) - 1}):
        page = one.pages[index]
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            for location in json.loads(page.body).get("data") or []:
                for error in errors("Location", location)[:2]:
                    problems.append(f"{page.path_qs}: Location {location.get('id')} is not "
                                    f"a valid OCPI {version} Location: {error}")
    return problems[:10]


def verify_tariffs(result: PullResult, count: int, version: str) -> list[str]:
    """Exactly the ``count`` seeded tariffs, in the version's shape (``tax_included`` is
    2.3.0 only), the first page valid against the OpenAPI."""
    problems: list[str] = []
    tariffs: list[dict[str, Any]] = []
    for page in result.pages:
        try:
            envelope = json.loads(page.body)
            if page.status != 200 or envelope.get("status_code") != 1000:
                problems.append(f"{page.path_qs}: HTTP {page.status}, OCPI status "
                                f"{envelope.get('status_code')}")
            tariffs += envelope.get("data") or []
        except (ValueError, AttributeError) as exc:
            problems.append(f"{page.path_qs}: not an OCPI page ({exc})")
    ids = [t.get("id") for t in tariffs]
    if len(ids) != count or set(ids) != {tariff_code(i) for i in range(count)}:
        problems.append(f"tariffs: {len(ids)} pulled ({len(set(ids))} distinct), expected "
                        f"the {count} seeded")
    shaped = [t for t in tariffs if ("tax_included" in t) != (version == "2.3.0")]
    if shaped:
        problems.append(f"{len(shaped)} tariffs not in OCPI {version} shape (tax_included)")
    errors = _schema_errors(version)
    first = json.loads(result.pages[0].body).get("data") or [] if result.pages else []
    for tariff in first:
        problems += [f"tariff {tariff.get('id')}: {e}" for e in errors("Tariff", tariff)[:2]]
    return problems[:10]


# --- report -------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "n/a"
    value = a / b
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 0.1 or value <= 0:
        return f"{value:.2f}"
    return f"{value:.2g} (1/{1 / value:,.0f})"


def print_result(r: PullResult) -> None:
    pages = r.pages
    sizes = [len(p.body) for p in pages]
    rest = r.rest
    print(f"[{r.name}]")
    print(f"  pages pulled          {len(pages)} in {r.seconds:.2f}s over {len(r.rounds)} "
          f"round(s)")
    print(f"  pages per second      {r.pages_per_second:.2f} (all pages), "
          f"{r.warm_pages_per_second:.2f} (without the first)")
    print(f"  first page (cold)     {ms(r.first)}")
    print(f"  other pages           p50 {ms(percentile(rest, 0.5))}  "
          f"p99 {ms(percentile(rest, 0.99))}  max {ms(max(rest, default=math.nan))}  "
          f"mean {ms(sum(rest) / len(rest) if rest else math.nan)}  ({len(rest)} pages)")
    if sizes:
        total = sum(sizes)
        print(f"  bytes per page        mean {total / len(sizes) / 1024:.1f} KiB, "
              f"min {min(sizes) / 1024:.1f}, max {max(sizes) / 1024:.1f}; total "
              f"{total / 1048576:.1f} MiB ({total / 1048576 / max(r.seconds, 1e-9):.1f} MiB/s)")
    if math.isnan(r.server_cpu) or r.seconds < 1.0:
        print("  CPU during pull       n/a (pull too short for /proc's clock-tick resolution)")
    else:
        print(f"  CPU during pull       server {r.server_cpu:.1f}s "
              f"({r.server_cpu / r.seconds:.0%} of a core, "
              f"{r.server_cpu / max(len(pages), 1) * 1000:.1f} ms per page), client "
              f"{r.client_cpu:.1f}s ({r.client_cpu / r.seconds:.0%} of a core)")
    print(f"  server RSS            {mib(r.rss_before_kib)} before, "
          f"{mib(r.rss_after_kib)} after", flush=True)


def print_comparison(gw: PullResult, static: PullResult) -> None:
    print("[gateway / static]")
    print(f"  pages per second      {ratio(gw.pages_per_second, static.pages_per_second)} "
          f"(without the first page: "
          f"{ratio(gw.warm_pages_per_second, static.warm_pages_per_second)})")
    print(f"  first page latency    {ratio(gw.first, static.first)}")
    print(f"  p50 latency           "
          f"{ratio(percentile(gw.rest, 0.5), percentile(static.rest, 0.5))}")
    print(f"  p99 latency           "
          f"{ratio(percentile(gw.rest, 0.99), percentile(static.rest, 0.99))}")
    if (gw.pages and static.pages and min(gw.seconds, static.seconds) >= 1.0
            and not math.isnan(gw.server_cpu + static.server_cpu)):
        per_page = ratio(gw.server_cpu / len(gw.pages), static.server_cpu / len(static.pages))
        print(f"  server CPU per page   {per_page}")
    print(flush=True)


def print_version_comparison(old: VersionRun, new: VersionRun) -> None:
    """2.3.0 / 2.2.1 of the gateway's figures (fresh servers, same network)."""
    a, b = old.gateway, new.gateway
    assert a is not None and b is not None
    print(f"[gateway OCPI {new.version} / {old.version}]")
    print(f"  full pull time        {ratio(b.seconds, a.seconds)} ({b.seconds:.2f}s / "
          f"{a.seconds:.2f}s, {len(b.rounds)} round(s))")
    print(f"  first page (cold)     {ratio(b.first, a.first)}")
    print(f"  p50 latency per page  "
          f"{ratio(percentile(b.rest, 0.5), percentile(a.rest, 0.5))}")
    print(f"  p99 latency per page  "
          f"{ratio(percentile(b.rest, 0.99), percentile(a.rest, 0.99))}")
    if min(a.seconds, b.seconds) >= 1.0 and not math.isnan(a.server_cpu + b.server_cpu):
        print(f"  server CPU per page   "
              f"{ratio(b.server_cpu / len(b.pages), a.server_cpu / len(a.pages))}")
    if old.tariffs is not None and new.tariffs is not None:
        print(f"  tariffs pull time     {ratio(new.tariffs.seconds, old.tariffs.seconds)} "
              f"({new.tariffs.seconds * 1000:.0f} ms / {old.tariffs.seconds * 1000:.0f} ms)")
    print(flush=True)


# --- main -----------------------------------------------------------------------------------


async def launch(name: str, workdir: Path, args: argparse.Namespace,
                 servers: list[ServerProcess]) -> ServerProcess:
    server = start_server(name, workdir, Path(__file__), [
        "--locations", str(args.locations), "--evses-per-location",
        str(args.evses_per_location), "--ocpi-version", args.ocpi_version,
        "--tariffs", str(args.tariffs)], servers, args.profile if name == "gateway" else None)
    await wait_ready(server, timeout=120.0 + args.locations * args.evses_per_location / 500,
                     request_timeout=5.0)
    server.print_ready(f", seeded in {server.ready['seed_seconds']:.1f}s"
                       if "seed_seconds" in server.ready else "")
    return server


@dataclass
class VersionRun:
    """What one version's run leaves for --compare-versions."""

    version: str
    status: int
    problems: list[str]
    gateway: PullResult | None = None
    tariffs: PullResult | None = None


async def bench_version(args: argparse.Namespace, workdir: Path,
                        servers: list[ServerProcess]) -> VersionRun:
    """Steps 1-4 of the module doc for ``args.ocpi_version``."""
    version = args.ocpi_version
    run = VersionRun(version, 0, [])
    page_size = min(args.limit, 100)
    max_pages = expected_pages(args.locations, 1) + 1  # bounded even if the server misbehaves
    gateway = await launch("gateway", workdir, args, servers)
    try:
        print(f"  pulling {args.locations} Locations on OCPI {version}, limit {args.limit} "
              f"(~{expected_pages(args.locations, page_size)} pages per round) ...",
              flush=True)
        gw = await pull(gateway, args, str(gateway.ready["token"]), args.budget, max_pages)
        if args.tariffs and not gw.stopped:
            run.tariffs = await pull(gateway, args, str(gateway.ready["token"]), None,
                                     expected_pages(args.tariffs, 1) + 1, module="tariffs",
                                     rounds=1)
    finally:
        await asyncio.to_thread(gateway.stop)
    run.gateway = gw
    print_result(gw)
    problems = run.problems
    budget_stop = gw.stopped is not None and gw.stopped.startswith("budget")
    for number, one in enumerate(gw.rounds, 1):
        if one.stopped and not budget_stop:
            problems.append(f"gateway round {number} stopped: {one.stopped}")
        else:
            for problem in verify_round(one, args.locations, args.evses_per_location,
                                        args.limit, complete=not one.stopped):
                problems.append(f"gateway round {number}: {problem}")
    if gw.rounds and gw.rounds[0].pages:
        problems += verify_schema(gw.rounds[0], version)
    if not problems and not budget_stop:
        locations, evses = pulled_counts(gw.rounds[0])
        print(f"  verified              {locations} Locations, {evses} EVSEs, no duplicates; "
              f"X-Total-Count and page count match; 3 pages valid OCPI {version} Locations",
              flush=True)
        if any(page_data(r) != page_data(gw.rounds[0]) for r in gw.rounds[1:]):
            print("  note: page data differ between rounds (static serves round 1's)")
    if run.tariffs is not None:
        print_result(run.tariffs)
        tariff_problems = verify_tariffs(run.tariffs, args.tariffs, version)
        problems += tariff_problems
        if not tariff_problems:
            print(f"  verified              {args.tariffs} distinct tariffs, OCPI {version} "
                  "shape, first page valid against the OpenAPI", flush=True)
    if budget_stop:
        locations, evses = pulled_counts(gw.rounds[-1])
        print(f"  INCOMPLETE            gateway pull stopped by the budget after "
              f"{len(gw.rounds[-1].pages)} pages ({locations} Locations, {evses} EVSEs, "
              "no duplicates); the full union is not verified", flush=True)
        run.status = EXIT_BUDGET
    print(flush=True)
    if problems:
        run.status = EXIT_FAILED
        return run
    if args.no_static or not gw.rounds or not gw.rounds[0].pages:
        return run
    reference = gw.rounds[0]
    write_static_pages(reference, workdir / "static")
    static_server = await launch("static", workdir, args, servers)
    try:
        static = await pull(static_server, args, str(gateway.ready["token"]), None,
                            len(reference.pages))
    finally:
        await asyncio.to_thread(static_server.stop)
    print_result(static)
    problems += verify_static(static, reference)
    if not problems:
        print(f"  verified              {len(static.pages)} pages, bodies byte-identical to "
              "the gateway's", flush=True)
    print(flush=True)
    if budget_stop:
        print(f"note: the comparison covers only the {len(reference.pages)} pages the "
              "gateway served within the budget", flush=True)
    print_comparison(gw, static)
    if problems:
        run.status = EXIT_FAILED
    return run


async def bench(args: argparse.Namespace, workdir: Path, servers: list[ServerProcess]
                ) -> tuple[int, list[str]]:
    versions = OCPI_VERSIONS if args.compare_versions else (args.ocpi_version,)
    runs = []
    for version in versions:
        args.ocpi_version = version
        (workdir / version).mkdir()
        one = await bench_version(args, workdir / version, servers)
        runs.append(one)
        if one.problems:
            break
    problems = [f"{r.version}: {p}" for r in runs for p in r.problems]
    status = max(r.status for r in runs)
    if len(runs) == 2 and not problems:
        print_version_comparison(runs[0], runs[1])
    return status, problems


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locations", type=int, default=10_000, help="Locations (areas)")
    parser.add_argument("--evses-per-location", type=int, default=4,
                        help="EVSEs per Location (connectors of its one charger)")
    parser.add_argument("--limit", type=int, default=100,
                        help="limit query parameter (the gateway clamps it to 100)")
    parser.add_argument("--rounds", type=int, default=1, help="full pulls per server")
    parser.add_argument("--budget", type=float, default=240.0,
                        help="seconds the gateway pull may take (projected); 0: no budget")
    parser.add_argument("--page-timeout", type=float, default=600.0,
                        help="seconds one page may take")
    parser.add_argument("--no-static", action="store_true",
                        help="skip the static-response comparison")
    parser.add_argument("--profile", metavar="PATH",
                        help="cProfile the gateway process (main thread) into PATH; "
                        "read with python -m pstats (slows the gateway)")
    parser.add_argument("--ocpi-version", choices=OCPI_VERSIONS, default="2.2.1",
                        help="the partner's OCPI version: 2.2.1 (an eMSP) or 2.3.0 (a PTP)")
    parser.add_argument("--compare-versions", action="store_true",
                        help="run 2.2.1 then 2.3.0 and print the 2.3.0 / 2.2.1 ratios")
    parser.add_argument("--tariffs", type=int, default=0,
                        help="roaming tariffs assigned to the platform; > 0: pull them too")
    parser.add_argument("--serve", choices=("gateway", "static"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.locations <= 999_999:
        parser.error("--locations must be within 1..999999")
    if not 1 <= args.evses_per_location <= 99:
        parser.error("--evses-per-location must be within 1..99")
    if not 1 <= args.limit <= 10_000:
        parser.error("--limit must be within 1..10000")
    if not 1 <= args.rounds <= 100:
        parser.error("--rounds must be within 1..100")
    if not 0 <= args.tariffs <= 9999:
        parser.error("--tariffs must be within 0..9999")
    if args.budget < 0 or args.page_timeout <= 0:
        parser.error("--budget must be >= 0 and --page-timeout positive")
    args.budget = args.budget or None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve(args)
    stop_on_sigterm()
    budget = f"{args.budget:g}s" if args.budget else "none"
    versions = " and ".join(OCPI_VERSIONS) if args.compare_versions else args.ocpi_version
    print(f"evgw OCPI locations pull: OCPI {versions}, {args.locations} Locations x "
          f"{args.evses_per_location} EVSEs, limit {args.limit}, {args.rounds} round(s), "
          f"{args.tariffs} tariffs, budget {budget}; {os.cpu_count()} CPUs", flush=True)
    outcome = run_bench(lambda workdir, servers: bench(args, workdir, servers),
                        "evgw-ocpi-pull-",
                        failures=(aiohttp.ClientError, TimeoutError, ValueError))
    if isinstance(outcome, int):
        return outcome
    status, problems = outcome
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return status
    if status == EXIT_BUDGET:
        print("INCOMPLETE: the gateway pull exceeded the budget (see above)")
        return status
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
