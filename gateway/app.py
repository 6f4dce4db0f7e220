"""The application factory: one aiohttp server, one sub-application per API.

Theory of operation: ``build_deps`` wires explicit dependencies (engine, session factory,
services, the OCPP connection registry); ``build_app`` mounts the admin API and the OCPP
endpoint (later issues mount OCPI and OICP the same way). The engine connects lazily;
background work (event bus, communication-log writer, idle-session job) starts and stops
in a cleanup context, never at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import ocpp.messages
import structlog
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from csms.authorization import AuthorizerChain, LocalTokenAuthorizer
from csms.charging.remote import RemoteSessions
from csms.charging.sessions import SessionService
from csms.charging.stations import StationService
from csms.charging.tokens import RepositoryTokenDirectory
from csms.clock import Clock, SystemClock
from csms.events import SessionStarted
from csms.network.service import NetworkService
from csms.network.terminals import TerminalService
from csms.ocpp.chargepoint import OcppContext
from csms.ocpp.control import RegistryControl
from csms.ocpp.registry import ConnectionRegistry
from csms.ocpp.server import OcppServerDeps, build_ocpp_app
from csms.operations.services import OperationsServices, build_operations
from csms.pricing.catalogue import TariffCatalogue
from csms.pricing.session_pricing import TariffSessionPricer
from gateway.admin.app import ADMIN_PREFIX, build_admin_app
from gateway.admin_token import AdminTokenVerifier
from gateway.bus import EventBus
from gateway.certificate_metrics import CertificateExpiryCollector
from gateway.certificates import CertificateService
from gateway.charger_certificates import charger_certificates
from gateway.config import Settings
from gateway.db.csms_store import sql_csms_unit_of_work
from gateway.db.engine import session_factory
from gateway.db.migrate import current_revision, head_revision
from gateway.db.network_store import sql_unit_of_work
from gateway.db.ocpi_network_store import SqlNetworkQueries, SqlPlaceLookup, SqlSessionQueries
from gateway.db.ocpi_partner_store import (
    SqlClientInfoStore,
    SqlCredentialsStore,
    SqlPublishedStore,
    SqlTokenStore,
)
from gateway.db.operations_store import sql_operations_unit_of_work
from gateway.db.payment_store import SqlConfirmationStore
from gateway.db.system_store import SystemStore
from gateway.db.tariff_store import sql_tariff_unit_of_work
from gateway.db.terminal_store import sql_terminal_unit_of_work
from gateway.db.traffic_store import MeterValueWriter, TrafficLogWriter
from gateway.observability import METRICS, HttpMetrics, observe_middleware
from gateway.ocpi_wiring import OutboxPushSink, register_ocpi_delivery, subscribe_pushes
from gateway.oicp_listener import build_oicp_server
from gateway.oicp_wiring import build_oicp, reconcile_job
from gateway.outbox import Outbox
from gateway.payments_wiring import (
    GatewayPayments,
    TerminalPuller,
    TerminalRoamingSync,
    register_terminal_delivery,
)
from gateway.secrets import SecretBox
from ocpi.authorizer import OcpiTokenAuthorizer
from ocpi.client import PartnerClient
from ocpi.commands import CommandBridge
from ocpi.credentials import OcpiCredentials
from ocpi.publisher import OcpiPublisher
from ocpi.push import OcpiPush
from ocpi.server.app import build_ocpi_app
from ocpi.server.context import OcpiDeps
from ocpi.server.tariff_routes import CatalogueTariffs
from ocpi.tariff_source import CataloguePreauthorization
from oicp.outbound import OicpOutbound
from oicp.server.context import OicpServerDeps

log = structlog.get_logger("evgw")

# Validation inline, not in the default thread pool: measured faster (notes/ocpp.md §3), and
# our own routing validates inline anyway; this covers the package's own call() path.
ocpp.messages.ASYNC_VALIDATION = False


@dataclass
class Deps:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    secrets: SecretBox
    system: SystemStore
    network: NetworkService
    clock: Clock
    bus: EventBus
    stations: StationService
    charging: SessionService
    remote: RemoteSessions
    registry: ConnectionRegistry
    traffic: TrafficLogWriter
    meter_values: MeterValueWriter
    authorizers: AuthorizerChain
    tariffs: TariffCatalogue
    ocpi: OcpiDeps
    partner_client: PartnerClient
    outbox: Outbox
    certificates: CertificateService
    background: list[asyncio.Task[None]] = field(default_factory=list)
    operations: OperationsServices | None = None
    terminals: TerminalService | None = None  # payment terminals (issue 8)
    terminal_puller: TerminalPuller | None = None
    oicp_server: OicpServerDeps | None = None  # what Hubject calls (gateway.oicp_listener)
    oicp_outbound: OicpOutbound | None = None  # what we send Hubject (gateway.oicp_wiring)


DEPS = web.AppKey("deps", Deps)


def build_deps(
    settings: Settings, engine: AsyncEngine, secret_key: bytes, clock: Clock | None = None
) -> Deps:
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    bus = EventBus()
    csms_uow = sql_csms_unit_of_work(sessions)
    authorizers = AuthorizerChain([LocalTokenAuthorizer(RepositoryTokenDirectory(csms_uow))])
    charging = SessionService(csms_uow, authorizers, bus, clock)
    tariffs = TariffCatalogue(sql_tariff_unit_of_work(sessions))
    charging.pricer = TariffSessionPricer(tariffs)
    registry = ConnectionRegistry()
    charging.control = RegistryControl(registry)
    partner_client = PartnerClient()
    secret_box = SecretBox(secret_key)
    ocpi_deps = OcpiDeps(
        credentials=OcpiCredentials(SqlCredentialsStore(sessions), secret_box, partner_client,
                                    settings.advertised_url() + "/ocpi", clock.now),
        network=SqlNetworkQueries(sessions, lambda code: registry.get(code) is not None,
                                  lambda: registry.generation),
        base_url=settings.advertised_url() + "/ocpi", now=clock.now, tariffs=tariffs,
        tokens=SqlTokenStore(sessions), client_info=SqlClientInfoStore(sessions))
    authorizers.append(OcpiTokenAuthorizer(ocpi_deps.tokens, ocpi_deps.credentials,
                                           SqlPlaceLookup(sessions)))
    outbox = Outbox(sessions, clock)
    register_ocpi_delivery(outbox, ocpi_deps.credentials)
    ocpi_deps.sessions = SqlSessionQueries(sessions)
    push_sink = OutboxPushSink(outbox, sessions)
    published = SqlPublishedStore(sessions)
    ocpi_push = OcpiPush(push_sink, ocpi_deps.credentials, ocpi_deps.sessions,
                         ocpi_deps.network, published)
    subscribe_pushes(bus, ocpi_push)
    operations = build_operations(
        csms_uow, sql_operations_unit_of_work(sessions), charging.control, clock,
        call_timeout=settings.ocpp_call_timeout, station_lock=charging.station_lock)
    bus.subscribe(SessionStarted,
                  lambda event: operations.reservations.session_started(event.session_id))
    ocpi_deps.publisher = OcpiPublisher(
        ocpi_deps.credentials, ocpi_deps.network, CatalogueTariffs(tariffs, clock.now),
        push_sink, published, clock.now, sessions=ocpi_deps.sessions, push=ocpi_push)
    ocpi_deps.credentials.on_registered = ocpi_deps.publisher.spawn
    remote = RemoteSessions(csms_uow, charging, clock)
    ocpi_deps.commands = CommandBridge(remote, operations, SqlPlaceLookup(sessions),
                                       ocpi_deps.tokens, push_sink,
                                       CataloguePreauthorization(tariffs, clock.now))
    terminals = TerminalService(sql_terminal_unit_of_work(
        sessions, TerminalRoamingSync(ocpi_deps.credentials, outbox, clock.now)))
    register_terminal_delivery(outbox, ocpi_deps.credentials, terminals)
    ocpi_deps.payments = GatewayPayments(terminals, SqlConfirmationStore(sessions),
                                         ocpi_deps.credentials)
    deps = Deps(
        settings=settings, engine=engine, sessions=sessions, secrets=secret_box,
        system=SystemStore(sessions), network=NetworkService(sql_unit_of_work(sessions)),
        clock=clock, bus=bus, stations=StationService(csms_uow, bus, clock),
        charging=charging, remote=remote,
        registry=registry, traffic=TrafficLogWriter(sessions),
        meter_values=MeterValueWriter(sessions), authorizers=authorizers,
        tariffs=tariffs, operations=operations, ocpi=ocpi_deps,
        partner_client=partner_client, outbox=outbox,
        terminals=terminals, terminal_puller=TerminalPuller(terminals, ocpi_deps.credentials),
        certificates=CertificateService(sessions, secret_box, clock),
    )
    oicp = build_oicp(sessions, outbox, deps.certificates, bus, clock.now)
    authorizers.append(oicp.authorizer)  # after the local and OCPI authorizers
    deps.oicp_outbound = oicp.outbound
    deps.oicp_server = build_oicp_server(deps)
    return deps


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _ready(request: web.Request) -> web.Response:
    deps = request.app[DEPS]
    try:
        async with deps.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        revision = await current_revision(deps.engine)
    except Exception as exc:  # readiness reports, it never raises
        return web.json_response(
            {"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"},
            status=503,
        )
    head = head_revision()
    if revision != head:
        return web.json_response(
            {"status": "unavailable", "database": f"schema at {revision}, expected {head}; "
             "run `evgw db upgrade`"}, status=503,
        )
    return web.json_response({"status": "ready", "database": "ok", "schema": revision,
                              "stations_connected": len(deps.registry)})


async def _metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS].registry)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


async def _publish_job(deps: Deps, interval: float = 60.0) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await deps.ocpi.publisher.reconcile()
            if deps.terminals is not None:
                await deps.terminals.reconcile()  # PTPs registered since a change
        except Exception:
            log.exception("ocpi_publish_failed")


async def _last_seen_job(deps: Deps, interval: float = 30.0) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await deps.stations.flush_last_seen()
        except Exception:
            log.exception("last_seen_flush_failed")


async def _idle_job(deps: Deps) -> None:
    while True:
        await asyncio.sleep(deps.settings.idle_job_interval)
        try:
            await deps.remote.run_idle_check()
            if deps.operations is not None:
                await deps.operations.reservations.expire_due()
            if deps.oicp_server is not None:  # ended OICP reservations get their CDR
                await deps.oicp_server.bridge.close_ended_reservations()
        except Exception:
            log.exception("idle_job_failed")


def _ocpp_metrics(metrics: HttpMetrics, deps: Deps) -> OcppContext:
    messages = Counter("evgw_ocpp_messages_total", "OCPP CALLs by version, direction, action",
                       ["version", "direction", "action"], registry=metrics.registry)
    connected = Gauge("evgw_ocpp_stations_connected", "Stations with an open websocket",
                      registry=metrics.registry)
    connected.set_function(lambda: len(deps.registry))
    return OcppContext(
        stations=deps.stations, sessions=deps.charging, clock=deps.clock,
        traffic=deps.traffic,
        heartbeat_interval=deps.settings.heartbeat_interval,
        call_timeout=deps.settings.ocpp_call_timeout,
        on_message=lambda v, d, a: messages.labels(v, d, a).inc(),
        operations=deps.operations.inbound if deps.operations else None,
    )


def build_app(deps: Deps, *, dispose_engine: bool = True, run_jobs: bool = True
              ) -> web.Application:
    app = web.Application(middlewares=[observe_middleware])
    app[DEPS] = deps
    app[METRICS] = HttpMetrics()
    app[METRICS].registry.register(CertificateExpiryCollector(deps.certificates))
    app.router.add_get("/health", _health)
    app.router.add_get("/ready", _ready)
    app.router.add_get("/metrics", _metrics)
    verifier = AdminTokenVerifier(
        deps.system,
        deps.settings.admin_token.get_secret_value() if deps.settings.admin_token else None,
    )
    admin = build_admin_app(deps, verifier)
    admin[METRICS] = app[METRICS]
    app.add_subapp(ADMIN_PREFIX, admin)
    ocpp_ctx = _ocpp_metrics(app[METRICS], deps)
    ocpp_ctx.station_certificates, certificate_trust = charger_certificates(
        deps.certificates, deps.settings.charging_station_root,
        deps.settings.charging_station_cert_days)
    ocpp_app = build_ocpp_app(OcppServerDeps(
        ctx=ocpp_ctx, registry=deps.registry, traffic=deps.traffic,
        on_connect=deps.operations.on_connect.spawn if deps.operations else None,
        certificate_trust=certificate_trust))
    ocpp_app[METRICS] = app[METRICS]
    app.add_subapp("/ocpp", ocpp_app)
    ocpi_app = build_ocpi_app(deps.ocpi)
    ocpi_app[METRICS] = app[METRICS]
    app.add_subapp("/ocpi", ocpi_app)

    async def _lifecycle(_app: web.Application) -> AsyncIterator[None]:
        deps.bus.start()
        deps.traffic.start()
        deps.meter_values.start()
        await deps.outbox.start(background=run_jobs)
        deps.charging.general_meter_values = deps.meter_values.write
        deps.background.append(asyncio.create_task(_last_seen_job(deps)))
        if run_jobs:
            deps.background.append(asyncio.create_task(_idle_job(deps)))
            deps.background.append(asyncio.create_task(_publish_job(deps)))
            if deps.oicp_outbound is not None:
                deps.background.append(asyncio.create_task(reconcile_job(deps.oicp_outbound)))
            deps.background.append(asyncio.create_task(deps.certificates.run_background()))
        yield
        for task in deps.background:
            task.cancel()
        await asyncio.gather(*deps.background, return_exceptions=True)
        deps.background.clear()
        for identity in deps.registry.stations():
            cp = deps.registry.get(identity)
            if cp is not None:
                with contextlib.suppress(Exception):
                    await cp._connection._ws.close(code=1001, message=b"server shutdown")
        # Disconnect writes of handlers still tearing down must land before the engine goes.
        with contextlib.suppress(TimeoutError):
            await deps.registry.wait_idle(timeout=10)
        if deps.operations is not None:
            await deps.operations.on_connect.close()
        await deps.charging.wait_background()
        await deps.ocpi.commands.wait()
        await deps.ocpi.publisher.wait()
        await deps.traffic.stop()
        await deps.meter_values.stop()
        await deps.stations.flush_last_seen()
        await deps.bus.stop()
        await deps.partner_client.close()
        await deps.outbox.stop()
        if dispose_engine:
            await deps.engine.dispose()

    app.cleanup_ctx.append(_lifecycle)
    return app
