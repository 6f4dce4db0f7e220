"""Helpers for admin API tests: seed the demo network through the HTTP API."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from csms.network.resources import BY_KIND
from gateway.demo import SEED_ORDER

API = "/admin/api/v1"
ADMIN_PREFIX = API


def collection(kind: str) -> str:
    return f"{API}/{BY_KIND[kind].path}"


async def seed_via_api(client: Any) -> None:
    for kind, objects in SEED_ORDER:
        for body in objects:
            response = await client.post(collection(kind), json=body)
            assert response.status == 201, (kind, body, await response.text())


def admin_routes(app: web.Application) -> list[tuple[str, str]]:
    admin = next(r for r in app.router.resources() if r.canonical == ADMIN_PREFIX)
    sub = admin._app  # type: ignore[attr-defined]
    routes = []
    for route in sub.router.routes():
        if route.method == "HEAD":
            continue
        # Sub-application resources already carry the mount prefix.
        path = re.sub(r"\{[^}]+\}", "X", route.resource.canonical)
        assert path.startswith(ADMIN_PREFIX + "/")
        routes.append((route.method, path))
    return routes
