"""`evgw terminal …`: payment terminals from the command line, like the admin API.

Works on the gateway's database; a change that concerns a PTP is queued in the outbox in
the same transaction and the serving gateway delivers it. Examples::

    evgw terminal list --platform PTP-1
    evgw terminal show TERM-1
    evgw terminal assign TERM-1 --area AREA-1
    evgw terminal assign TERM-1 --connector B1C1/2
    evgw terminal unassign TERM-1
    evgw terminal deactivate TERM-1
    evgw terminal pull PTP-1
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from csms.network.errors import NetworkError
from ocpi.errors import OcpiError

Action = Callable[[Any], Awaitable[Any]]


async def _run(settings: Any, action: Action) -> int:
    from gateway.app import build_deps
    from gateway.db.engine import create_engine
    from gateway.secrets import load_or_create_secret_key

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    engine = create_engine(settings.database_url)
    deps = build_deps(settings, engine, load_or_create_secret_key(secret, settings.data_dir))
    try:
        result = await action(deps)
    except NetworkError as exc:
        print(f"evgw terminal: {exc.detail}", file=sys.stderr)
        return 2
    except OcpiError as exc:
        print(f"evgw terminal: OCPI {exc.status_code}: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a body that does not validate
        print(f"evgw terminal: {exc}", file=sys.stderr)
        return 2
    finally:
        await deps.partner_client.close()
        await engine.dispose()
    print(json.dumps(result, indent=2, default=str))
    return 0


def _written(pair: tuple[Any, list[str]]) -> dict[str, Any]:
    terminal, warnings = pair
    data: dict[str, Any] = terminal.model_dump(mode="json")
    return data | {"warnings": warnings}


def _list(args: argparse.Namespace) -> Action:
    async def run(deps: Any) -> Any:
        filters = {name: getattr(args, name) for name in ("platform", "area", "active")
                   if getattr(args, name) is not None}
        items, total = await deps.terminals.page(filters, args.limit, args.offset)
        return {"total": total, "terminals": [t.model_dump(mode="json") for t in items]}

    return run


def _show(args: argparse.Namespace) -> Action:
    async def run(deps: Any) -> Any:
        return (await deps.terminals.get(args.code)).model_dump(mode="json")

    return run


def _assign(args: argparse.Namespace) -> Action:
    async def run(deps: Any) -> Any:
        body = {"area": args.area} if args.area else {"connector": args.connector}
        if args.charger:
            body["charger"] = args.charger
        return _written(await deps.terminals.assign(args.code, body))

    return run


def _simple(method: str, *extra: Any) -> Callable[[argparse.Namespace], Action]:
    def make(args: argparse.Namespace) -> Action:
        async def run(deps: Any) -> Any:
            return _written(await getattr(deps.terminals, method)(args.code, *extra))

        return run

    return make


def _pull(args: argparse.Namespace) -> Action:
    async def run(deps: Any) -> Any:
        return await deps.terminal_puller.pull(args.platform)

    return run


def _handler(make: Callable[[argparse.Namespace], Action]
             ) -> Callable[[Any, argparse.Namespace], Awaitable[int]]:
    async def handler(settings: Any, args: argparse.Namespace) -> int:
        return await _run(settings, make(args))

    return handler


def register(sub: Any, add_setting_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    """Adds ``evgw terminal`` to the ``evgw`` parser."""
    terminal = sub.add_parser("terminal", help="payment terminals")
    commands = terminal.add_subparsers(dest="terminal_command", required=True)

    def command(name: str, help_text: str, make: Callable[[argparse.Namespace], Action],
                code: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        if code:
            parser.add_argument("code", help="terminal code")
        parser.set_defaults(handler=_handler(make))
        add_setting_flags(parser)
        return parser

    listing = command("list", "list terminals", _list, code=False)
    listing.add_argument("--platform", help="roaming platform code")
    listing.add_argument("--area", help="assigned area code")
    listing.add_argument("--active", choices=["true", "false"])
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--offset", type=int, default=0)
    command("show", "a terminal with its assignment and roaming state", _show)
    assign = command("assign", "assign to an area or a connector (sent to the PTP)", _assign)
    target = assign.add_mutually_exclusive_group(required=True)
    target.add_argument("--area", help="area code")
    target.add_argument("--connector", help="connector code, or CHARGER/CODE")
    assign.add_argument("--charger", help="charger of the connector")
    command("unassign", "remove the assignment (sent to the PTP)", _simple("unassign"))
    command("activate", "activate (PTP: activation request)", _simple("set_active", True))
    command("deactivate", "deactivate (PTP: deactivation request)",
            _simple("set_active", False))
    pull = command("pull", "pull every terminal of a PTP and keep it", _pull, code=False)
    pull.add_argument("platform", help="roaming platform code of the PTP")
