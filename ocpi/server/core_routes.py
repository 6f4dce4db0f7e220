"""versions, version details and credentials."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ocpi.envelope import envelope
from ocpi.errors import UnsupportedVersion
from ocpi.models import Credentials, dump_ocpi, loads, parse_ocpi
from ocpi.server.context import caller, deps
from ocpi.versions import our_version_details, our_versions


def ok(data: Any = None, status: int = 200, headers: dict[str, str] | None = None
       ) -> web.Response:
    return web.json_response(envelope(data), status=status, headers=headers)


async def versions(request: web.Request) -> web.Response:
    return ok([dump_ocpi(v) for v in our_versions(deps(request).base_url)])


async def details(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    if version != "2.2.1":
        raise UnsupportedVersion(f"version {version} is not offered here")
    return ok(dump_ocpi(our_version_details(deps(request).base_url)))


async def _body(request: web.Request) -> Credentials:
    return parse_ocpi(Credentials, loads(await request.text()))


async def get_credentials(request: web.Request) -> web.Response:
    return ok(dump_ocpi(deps(request).credentials.current(caller(request))))


async def post_credentials(request: web.Request) -> web.Response:
    theirs = await _body(request)
    ours = await deps(request).credentials.partner_registers(caller(request), theirs)
    return ok(dump_ocpi(ours))


async def put_credentials(request: web.Request) -> web.Response:
    theirs = await _body(request)
    ours = await deps(request).credentials.partner_updates(caller(request), theirs)
    return ok(dump_ocpi(ours))


async def delete_credentials(request: web.Request) -> web.Response:
    await deps(request).credentials.partner_deletes(caller(request))
    return ok()


def add_core_routes(app: web.Application) -> None:
    app.router.add_get("/versions", versions, name="versions")
    app.router.add_get("/{version:\\d+\\.\\d+(\\.\\d+)?}", details, name="details")
    app.router.add_get("/2.2.1/credentials", get_credentials, name="credentials.get")
    app.router.add_post("/2.2.1/credentials", post_credentials, name="credentials.post")
    app.router.add_put("/2.2.1/credentials", put_credentials, name="credentials.put")
    app.router.add_delete("/2.2.1/credentials", delete_credentials, name="credentials.delete")
