"""The ``evgw`` command line: serve, migrate, seed the demo, rotate the admin token."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Any

import structlog
from aiohttp import web

from gateway.admin.app import ADMIN_PREFIX
from gateway.admin_token import ensure_admin_token, rotate_admin_token
from gateway.app import build_app, build_deps
from gateway.config import Settings
from gateway.db.engine import create_engine, session_factory
from gateway.db.migrate import current_revision, head_revision, upgrade
from gateway.db.system_store import SystemStore
from gateway.demo import demo_summary, seed_demo
from gateway.logging import configure_logging
from gateway.oicp_listener import start_oicp_listener
from gateway.secrets import load_or_create_secret_key
from gateway.tls_listener import TlsListener, server_context_from_files

log = structlog.get_logger("evgw")

_SETTING_FLAGS: list[tuple[str, str, dict[str, Any]]] = [
    ("--database-url", "database_url", {}),
    ("--host", "http_host", {}),
    ("--port", "http_port", {"type": int}),
    ("--public-url", "public_url", {}),
    ("--data-dir", "data_dir", {}),
    ("--log-format", "log_format", {"choices": ["auto", "json", "console"]}),
    ("--log-level", "log_level", {}),
    ("--tls-cert", "tls_cert", {}),
    ("--tls-key", "tls_key", {}),
    ("--https-port", "https_port", {"type": int}),
    ("--charging-station-root", "charging_station_root", {}),
    ("--charging-station-cert-days", "charging_station_cert_days", {"type": int}),
    ("--oicp-port", "oicp_port", {"type": int}),
    ("--oicp-tls-cert", "oicp_tls_cert", {}),
    ("--oicp-tls-key", "oicp_tls_key", {}),
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evgw", description="EV roaming gateway")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the gateway")
    serve.add_argument("--demo", action="store_true",
                       help="seed the demo network when the database is empty")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_sub.add_parser("upgrade", help="migrate the database to the latest schema")
    demo = sub.add_parser("demo", help="seed the demo network into an empty database")
    token = sub.add_parser("admin-token", help="the admin API token")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    rotate = token_sub.add_parser("rotate", help="issue a new admin token (printed once)")
    for command in (serve, db_upgrade, demo, rotate):
        add_setting_flags(command)
    # Later issues add command groups in their own modules.
    from gateway import cli_cert, cli_operations, cli_platform, cli_tariffs, cli_terminal

    for module in (cli_tariffs, cli_operations, cli_platform, cli_cert, cli_terminal):
        module.register(sub, add_setting_flags)
    return parser


def add_setting_flags(command: argparse.ArgumentParser) -> None:
    for flag, dest, extra in _SETTING_FLAGS:
        command.add_argument(flag, dest=dest, default=None, **extra)


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        dest: getattr(args, dest)
        for _, dest, _ in _SETTING_FLAGS
        if getattr(args, dest, None) is not None
    }
    return Settings(**overrides)


async def _db_upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        print(f"database at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()


async def _require_schema(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        revision, head = await current_revision(engine), head_revision()
    finally:
        await engine.dispose()
    if revision != head:
        raise SystemExit(
            f"database schema is at {revision}, expected {head}: run `evgw db upgrade` first"
        )


async def _demo(settings: Settings) -> None:
    await _require_schema(settings)
    engine = create_engine(settings.database_url)
    deps = build_deps(settings, engine, load_or_create_secret_key(None, settings.data_dir))
    try:
        seeded = await seed_demo(deps.network, deps.terminals)
    finally:
        await engine.dispose()
    print("demo network seeded" if seeded else "database is not empty; demo not seeded")


async def _rotate(settings: Settings) -> None:
    await _require_schema(settings)
    engine = create_engine(settings.database_url)
    try:
        token = await rotate_admin_token(SystemStore(session_factory(engine)))
    finally:
        await engine.dispose()
    if settings.admin_token:
        print("note: EVGW_ADMIN_TOKEN is set and takes precedence over the stored token")
    print(f"new admin token (shown once): {token}")


async def _serve(settings: Settings, demo: bool) -> None:
    await _require_schema(settings)
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    engine = create_engine(settings.database_url)
    deps = build_deps(settings, engine, load_or_create_secret_key(secret, settings.data_dir))
    configured = settings.admin_token.get_secret_value() if settings.admin_token else None
    new_token = await ensure_admin_token(deps.system, configured)
    seeded = await seed_demo(deps.network, deps.terminals) if demo else False
    app = build_app(deps)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    tls: TlsListener | None = None
    if settings.tls_cert and settings.tls_key:
        # wss:// for chargers (security profiles 2 and 3) and https:// for the APIs; client
        # certificates are verified against the system trust roots (gateway.tls_listener).
        tls = TlsListener(server_context_from_files(settings.tls_cert, settings.tls_key),
                          deps.certificates)
        await tls.start(runner, settings.http_host, settings.https_port)
    oicp = await start_oicp_listener(deps)  # Hubject's calls, on EVGW_OICP_PORT only
    _print_banner(settings, new_token, configured is not None, demo, seeded,
                  oicp.port if oicp is not None else None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("gateway_started", host=settings.http_host, port=settings.http_port)
    await stop.wait()
    log.info("gateway_stopping")
    if tls is not None:
        await tls.stop()
    if oicp is not None:
        await oicp.stop()
    await runner.cleanup()


def _print_banner(
    settings: Settings, new_token: str | None, configured: bool, demo: bool, seeded: bool,
    oicp_port: int | None = None,
) -> None:
    base = settings.advertised_url()
    ws = base.replace("http", "ws", 1)
    lines = [
        f"evgw serving on {settings.http_host}:{settings.http_port}",
        f"  OCPP websocket  {ws}/ocpp/{{connection_identifier}}",
        *([f"  OCPP secure     wss://{settings.http_host}:{settings.https_port}/ocpp/"
           "{connection_identifier}"] if settings.tls_cert and settings.tls_key else []),
        f"  OCPI versions   {base}/ocpi/versions",
        (f"  OICP (mTLS)     https://{settings.http_host}:{oicp_port}/api/oicp/"
         if oicp_port is not None else
         "  OICP            off (set EVGW_OICP_TLS_CERT/KEY or EVGW_TLS_CERT/KEY)"),
        f"  admin API       {base}{ADMIN_PREFIX}",
        f"  OpenAPI         {base}{ADMIN_PREFIX}/openapi.json",
        f"  health          {base}/health  {base}/ready  {base}/metrics",
    ]
    if new_token:
        lines.append(f"  admin token (shown once, stored hashed): {new_token}")
    elif configured:
        lines.append("  admin token: from EVGW_ADMIN_TOKEN")
    else:
        lines.append(
            "  admin token: issued at first start; `evgw admin-token rotate` for a new one"
        )
    if demo:
        lines.append("demo network seeded" if seeded else "demo: database not empty, kept as is")
        lines.extend(demo_summary(base))
    print("\n".join(lines), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
    except ValueError as exc:
        print(f"evgw: invalid settings: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    handler = getattr(args, "handler", None)
    if handler is not None:
        result: int = asyncio.run(handler(settings, args))
        return result
    if args.command == "serve":
        asyncio.run(_serve(settings, args.demo))
    elif args.command == "db":
        asyncio.run(_db_upgrade(settings))
    elif args.command == "demo":
        asyncio.run(_demo(settings))
    elif args.command == "admin-token":
        asyncio.run(_rotate(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
