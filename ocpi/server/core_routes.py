"""versions, version details and credentials."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ocpi.envelope import envelope
from ocpi.errors import UnsupportedVersion
from ocpi.models import Credentials, dump_ocpi, loads
from ocpi.server.context import VERSIONED, caller, deps, version_of, wire
from ocpi.versions import SUPPORTED_VERSIONS, our_version_details, our_versions


def ok(data: Any = None, status: int = 200, headers: dict[str, str] | None = None
       ) -> web.Response:
    return web.json_response(envelope(data), status=status, headers=headers)


async def versions(request: web.Request) -> web.Response:
    return ok([dump_ocpi(v) for v in our_versions(deps(request).base_url)])


async def details(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(f"version {version} is not offered here")
    return ok(dump_ocpi(our_version_details(deps(request).base_url, version=version)))


async def _body(request: web.Request) -> Credentials:
    return wire(request).parse_credentials(loads(await request.text()))


async def get_credentials(request: web.Request) -> web.Response:
    return ok(wire(request).credentials(deps(request).credentials.current(caller(request))))


async def post_credentials(request: web.Request) -> web.Response:
    theirs = await _body(request)
    ours = await deps(request).credentials.partner_registers(caller(request), theirs,
                                                             version_of(request))
    return ok(wire(request).credentials(ours))


async def put_credentials(request: web.Request) -> web.Response:
    theirs = await _body(request)
    ours = await deps(request).credentials.partner_updates(caller(request), theirs,
                                                           version_of(request))
    return ok(wire(request).credentials(ours))


async def delete_credentials(request: web.Request) -> web.Response:
    await deps(request).credentials.partner_deletes(caller(request))
    return ok()


def add_core_routes(app: web.Application) -> None:
    app.router.add_get("/versions", versions, name="versions")
    app.router.add_get("/{version:\\d+\\.\\d+(\\.\\d+)?}", details, name="details")
    path = f"{VERSIONED}/credentials"
    app.router.add_get(path, get_credentials, name="credentials.get")
    app.router.add_post(path, post_credentials, name="credentials.post")
    app.router.add_put(path, put_credentials, name="credentials.put")
    app.router.add_delete(path, delete_credentials, name="credentials.delete")
