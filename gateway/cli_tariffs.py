"""`evgw tariff …`: roaming tariffs and the CDR price checker (issue 5).

`evgw tariff price TARIFF.json CDR.json [--tz ZONE]` needs no database: anyone can check a
disputed CDR with it. The other commands work on the gateway's database."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csms.network.errors import NetworkError
from csms.pricing.catalogue import AssignmentLevel, TariffCatalogue


async def _price(_settings: Any, args: argparse.Namespace) -> int:
    from tariffs.cli import main as price_main

    argv = [args.tariff, args.cdr]
    if args.tz:
        argv += ["--tz", args.tz]
    if args.explain:
        argv.append("--explain")
    return price_main(argv)


async def _with_catalogue(settings: Any, action: Callable[[TariffCatalogue], Any]) -> int:
    from gateway.db.engine import create_engine, session_factory
    from gateway.db.tariff_store import sql_tariff_unit_of_work

    engine = create_engine(settings.database_url)
    try:
        catalogue = TariffCatalogue(sql_tariff_unit_of_work(session_factory(engine)))
        result = await action(catalogue)
    except NetworkError as exc:
        print(f"evgw tariff: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    print(json.dumps(result, indent=2, default=str))
    return 0


def _entry_json(entry: Any) -> dict[str, Any]:
    return {"id": entry.id, **entry.tariff.model_dump(mode="json", exclude={"last_updated"})}


async def _list(settings: Any, args: argparse.Namespace) -> int:
    async def run(catalogue: TariffCatalogue) -> Any:
        return [_entry_json(e) for e in await catalogue.entries(args.code)]

    return await _with_catalogue(settings, run)


async def _create(settings: Any, args: argparse.Namespace) -> int:
    try:
        body = json.loads(Path(args.file).read_text(encoding="utf-8"))  # noqa: ASYNC240 - CLI
    except (OSError, ValueError) as exc:
        print(f"evgw tariff create: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2

    async def run(catalogue: TariffCatalogue) -> Any:
        return _entry_json(await catalogue.create(body))

    return await _with_catalogue(settings, run)


async def _assign(settings: Any, args: argparse.Namespace) -> int:
    async def run(catalogue: TariffCatalogue) -> Any:
        level = AssignmentLevel(args.level.upper())
        return {"level": level.value, "target": args.target,
                "tariffs": await catalogue.assign(level, args.target, args.codes)}

    return await _with_catalogue(settings, run)


def register(sub: Any, add_setting_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    tariff = sub.add_parser("tariff", help="roaming tariffs and the CDR price checker")
    commands = tariff.add_subparsers(dest="tariff_command", required=True)
    price = commands.add_parser("price", help="price an OCPI CDR against OCPI tariff(s)")
    price.add_argument("tariff", help="OCPI 2.2.1 tariff JSON (object or list)")
    price.add_argument("cdr", help="OCPI 2.2.1 CDR JSON")
    price.add_argument("--tz", help="IANA time zone of the location (default UTC)")
    price.add_argument("--explain", action="store_true", help="explanation on stderr")
    price.set_defaults(handler=_price)
    listing = commands.add_parser("list", help="list roaming tariffs")
    listing.add_argument("--code")
    listing.set_defaults(handler=_list)
    create = commands.add_parser("create", help="create a roaming tariff from a JSON file")
    create.add_argument("file")
    create.set_defaults(handler=_create)
    assign = commands.add_parser("assign", help="assign tariff codes on a level")
    assign.add_argument("level", choices=[lvl.value.lower() for lvl in AssignmentLevel])
    assign.add_argument("target", help="site, operator, charger or platform code")
    assign.add_argument("codes", nargs="*", help="tariff codes (none clears)")
    assign.set_defaults(handler=_assign)
    for command in (price, listing, create, assign):
        add_setting_flags(command)
