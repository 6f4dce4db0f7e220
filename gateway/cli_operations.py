"""`evgw station …`: OCPP remote operations from the command line (issue 4).

The charger's websocket lives in the serving process, so the CLI asks that process through
its admin API (``--api-url``, default the advertised URL; ``--token`` or
``EVGW_ADMIN_TOKEN``). Examples::

    evgw station operate station-01 reset type=hard
    evgw station operate station-02 get-configuration 'parameters=["heartbeat_interval"]'
    evgw station operate station-01 update-firmware location=ftp://u:p@host/fw.bin \\
        retrieve_at=2026-12-01T02:00:00Z
    evgw station operations
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import aiohttp

from gateway.admin.app import ADMIN_PREFIX
from gateway.config import Settings

OPERATION_NAMES = (
    "reset", "change-availability", "unlock-connector", "get-configuration",
    "change-configuration", "get-base-report", "trigger-message", "update-firmware",
    "get-diagnostics", "send-local-list", "get-local-list-version", "clear-cache",
    "reserve-now", "cancel-reservation", "set-charging-profile", "clear-charging-profile",
    "get-composite-schedule", "data-transfer", "remote-start", "remote-stop")


def register(sub: Any, add_setting_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    """Adds ``evgw station`` to the ``evgw`` parser."""
    station = sub.add_parser("station", help="OCPP remote operations on a station")
    station_sub = station.add_subparsers(dest="station_command", required=True)
    operate = station_sub.add_parser(
        "operate", help="run an operation: evgw station operate CODE NAME [field=value …]")
    operate.add_argument("code", help="station code")
    operate.add_argument("name", choices=OPERATION_NAMES, metavar="NAME",
                         help=f"one of: {', '.join(OPERATION_NAMES)}")
    operate.add_argument("fields", nargs="*", metavar="field=value",
                         help="body fields (snake_case); values are JSON when they parse")
    operate.add_argument("--body", help="the whole JSON body instead of field=value pairs")
    operate.add_argument("--api-url", help="base URL of the serving gateway")
    operate.add_argument("--token", help="admin token (default: EVGW_ADMIN_TOKEN)")
    operate.set_defaults(handler=run_operation)
    names = station_sub.add_parser("operations", help="list the operation names")
    names.set_defaults(handler=list_operations)
    for command in (operate, names):
        add_setting_flags(command)


def body_from(fields: list[str], raw: str | None) -> dict[str, Any]:
    """``field=value`` pairs (JSON values when they parse) or a whole JSON body."""
    if raw is not None:
        parsed = json.loads(raw)
        if not isinstance(parsed, dict):
            raise ValueError("--body must be a JSON object")
        return parsed
    body: dict[str, Any] = {}
    for field in fields:
        name, sep, value = field.partition("=")
        if not sep or not name:
            raise ValueError(f"expected field=value, got {field!r}")
        try:
            body[name] = json.loads(value)
        except json.JSONDecodeError:
            body[name] = value
    return body


async def list_operations(settings: Settings, args: argparse.Namespace) -> int:
    print("\n".join(OPERATION_NAMES))
    return 0


async def run_operation(settings: Settings, args: argparse.Namespace) -> int:
    try:
        body = body_from(args.fields, args.body)
    except ValueError as exc:
        print(f"evgw station: {exc}", file=sys.stderr)
        return 2
    token = args.token or os.environ.get("EVGW_ADMIN_TOKEN") or (
        settings.admin_token.get_secret_value() if settings.admin_token else None)
    if not token:
        print("evgw station: an admin token is needed (--token or EVGW_ADMIN_TOKEN)",
              file=sys.stderr)
        return 2
    base = (args.api_url or settings.advertised_url()).rstrip("/")
    url = f"{base}{ADMIN_PREFIX}/stations/{args.code}/operations/{args.name}"
    try:
        async with aiohttp.ClientSession() as client, client.post(
                url, json=body, headers={"Authorization": f"Bearer {token}"},
                timeout=aiohttp.ClientTimeout(total=120)) as response:
            text = await response.text()
            status = response.status
    except aiohttp.ClientError as exc:
        print(f"evgw station: cannot reach the gateway at {base}: {exc}", file=sys.stderr)
        return 1
    try:
        print(json.dumps(json.loads(text), indent=2))
    except ValueError:
        print(text)
    return 0 if 200 <= status < 300 else 1
