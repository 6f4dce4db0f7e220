"""CRUD routes for every network resource, generated from ``csms.network.resources``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from csms.network.resources import RESOURCES, ResourceSpec
from csms.network.service import Key, NetworkService
from gateway.admin.listing import filters, list_response, paging
from gateway.admin.problems import BadRequest

NETWORK = web.AppKey("network_service", NetworkService)
MAX_BODY = 256 * 1024


async def read_json(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    raw = await request.read()
    if not raw:
        raise BadRequest("a JSON body is required")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc


def _written(obj: Any, warnings: list[str], status: int) -> web.Response:
    body = obj.model_dump(mode="json") | {"warnings": warnings}
    return web.json_response(body, status=status)


def item_path(spec: ResourceSpec) -> str:
    if spec.scope:
        return f"/{spec.path}/{{{spec.scope}}}/{{code}}"
    return f"/{spec.path}/{{code}}"


def _key(spec: ResourceSpec, request: web.Request) -> Key:
    return tuple(request.match_info[name] for name in spec.key_fields)


def add_resource_routes(app: web.Application, spec: ResourceSpec) -> None:
    async def list_items(request: web.Request) -> web.Response:
        limit, offset = paging(request)
        items, total = await request.app[NETWORK].page(spec.kind, filters(request), limit, offset)
        return list_response(request, spec.read, items, total)

    async def create_item(request: web.Request) -> web.Response:
        obj, warnings = await request.app[NETWORK].create(spec.kind, await read_json(request))
        response = _written(obj, warnings, 201)
        key = "/".join(str(getattr(obj, name)) for name in spec.key_fields)
        response.headers["Location"] = f"{request.path.rstrip('/')}/{key}"
        return response

    async def get_item(request: web.Request) -> web.Response:
        obj = await request.app[NETWORK].get(spec.kind, _key(spec, request))
        return web.json_response(obj.model_dump(mode="json"))

    async def update_item(request: web.Request) -> web.Response:
        obj, warnings = await request.app[NETWORK].update(
            spec.kind, _key(spec, request), await read_json(request)
        )
        return _written(obj, warnings, 200)

    async def delete_item(request: web.Request) -> web.Response:
        await request.app[NETWORK].delete(spec.kind, _key(spec, request))
        return web.Response(status=204)

    collection = f"/{spec.path}"
    app.router.add_get(collection, list_items, name=f"{spec.kind}.list")
    app.router.add_post(collection, create_item, name=f"{spec.kind}.create")
    item = item_path(spec)
    app.router.add_get(item, get_item, name=f"{spec.kind}.get")
    app.router.add_patch(item, update_item, name=f"{spec.kind}.update")
    app.router.add_delete(item, delete_item, name=f"{spec.kind}.delete")


def add_network_routes(app: web.Application) -> None:
    for spec in RESOURCES:
        add_resource_routes(app, spec)
