"""Tokens RECEIVER: the eMSP's tokens, stored per platform (PUT, PATCH, GET)."""

from __future__ import annotations

from aiohttp import web

from ocpi.errors import InvalidParameters, UnknownToken
from ocpi.models import dump_ocpi, loads
from ocpi.server.context import VERSIONED, caller, deps, wire
from ocpi.server.core_routes import ok

DEFAULT_TYPE = "RFID"  # the spec's default for ?type=


def _key(request: web.Request) -> tuple[str, str, str, str]:
    info = request.match_info
    return (info["country_code"].upper(), info["party_id"].upper(), info["uid"],
            request.query.get("type", DEFAULT_TYPE))


async def put_token(request: web.Request) -> web.Response:
    country, party, uid, token_type = _key(request)
    token = wire(request).parse_token(loads(await request.text()))
    # str(): a 2.3.0 token type is an OpenEnum (an unknown type stays a plain string).
    if (token.country_code, token.party_id, token.uid, str(token.type)) != (
            country, party, uid, token_type):
        raise InvalidParameters("the URL and the body name different tokens")
    await deps(request).tokens.put(caller(request).platform.id, dump_ocpi(token))
    return ok()


async def patch_token(request: web.Request) -> web.Response:
    country, party, uid, token_type = _key(request)
    platform = caller(request).platform
    current = await deps(request).tokens.get(platform.id, country, party, uid, token_type)
    if current is None:
        raise UnknownToken(f"token {uid} is unknown", http_status=404)
    serializer = wire(request)
    changes = serializer.parse_token_patch(loads(await request.text()))
    merged = serializer.parse_token(current | {k: v for k, v in dump_ocpi(
        serializer.parse_token(current).model_copy(update=changes)).items()})
    if (merged.country_code, merged.party_id, merged.uid) != (country, party, uid):
        raise InvalidParameters("a PATCH cannot change the token's identity")
    await deps(request).tokens.put(platform.id, dump_ocpi(merged))
    return ok()


async def get_token(request: web.Request) -> web.Response:
    country, party, uid, token_type = _key(request)
    found = await deps(request).tokens.get(caller(request).platform.id, country, party, uid,
                                           token_type)
    if found is None:
        raise UnknownToken(f"token {uid} is unknown", http_status=404)
    return ok(found)


def add_token_routes(app: web.Application) -> None:
    path = f"{VERSIONED}/tokens/{{country_code}}/{{party_id}}/{{uid}}"
    app.router.add_put(path, put_token, name="tokens.put")
    app.router.add_patch(path, patch_token, name="tokens.patch")
    app.router.add_get(path, get_token, name="tokens.get")
