"""Builds the OICP sub-application (mounted at /api/oicp on the OICP TLS listener only)."""

from __future__ import annotations

from aiohttp import web

from oicp.server.context import OICP_SERVER_DEPS, OicpServerDeps
from oicp.server.middleware import oicp_middleware
from oicp.server.routes import add_remote_routes

OICP_PREFIX = "/api/oicp"


def build_oicp_app(deps: OicpServerDeps) -> web.Application:
    app = web.Application(middlewares=[oicp_middleware])
    app[OICP_SERVER_DEPS] = deps
    add_remote_routes(app)
    return app
