"""`evgw platform …`: the OCPI credentials operations of a roaming platform, like the admin
API (provide / use a registration token, register, update, invalidate, read)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ocpi.errors import OcpiError


async def _run(settings: Any, action: Callable[[Any], Any]) -> int:
    from gateway.app import build_deps
    from gateway.db.engine import create_engine
    from gateway.secrets import load_or_create_secret_key

    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    engine = create_engine(settings.database_url)
    deps = build_deps(settings, engine, load_or_create_secret_key(secret, settings.data_dir))
    try:
        result = await action(deps.ocpi.credentials)
    except OcpiError as exc:
        print(f"evgw platform: OCPI {exc.status_code}: {exc}", file=sys.stderr)
        return 2
    finally:
        await deps.partner_client.close()
        await engine.dispose()
    print(json.dumps(result, indent=2, default=str))
    return 0


def _handler(make: Callable[[argparse.Namespace], Callable[[Any], Any]]
             ) -> Callable[[Any, argparse.Namespace], Any]:
    async def handler(settings: Any, args: argparse.Namespace) -> int:
        return await _run(settings, make(args))

    return handler


def register(sub: Any, add_setting_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    platform = sub.add_parser("platform", help="OCPI credentials of a roaming platform")
    commands = platform.add_subparsers(dest="platform_command", required=True)

    def command(name: str, help_text: str, make: Callable[[argparse.Namespace], Any],
                takes_value: str | None = None) -> None:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("code", help="roaming platform code")
        if takes_value == "optional":
            parser.add_argument("--token", help="a custom token (default: generate one)")
        elif takes_value == "required":
            parser.add_argument("token", help="the partner's registration token")
        parser.set_defaults(handler=_handler(make))
        add_setting_flags(parser)

    command("registration-token", "provide a registration token for the partner",
            lambda a: lambda c: _token(c.provide_registration_token(a.code, a.token)),
            takes_value="optional")
    command("partner-registration-token", "use the partner's registration token",
            lambda a: lambda c: _done(c.use_partner_registration_token(a.code, a.token),
                                      "assigned"), takes_value="required")
    command("register", "register with the partner (POST our credentials)",
            lambda a: lambda c: c.register(a.code))
    command("update", "update credentials (PUT, new tokens both ways)",
            lambda a: lambda c: c.update(a.code))
    command("invalidate", "invalidate credentials (DELETE, revoke every token)",
            lambda a: lambda c: _done(c.invalidate(a.code), "invalidated"))
    command("credentials", "show the tokens and the partner's version, endpoints, roles",
            lambda a: lambda c: c.read(a.code))


async def _token(coro: Any) -> dict[str, str]:
    return {"token": await coro}


async def _done(coro: Any, status: str) -> dict[str, str]:
    await coro
    return {"status": status}
