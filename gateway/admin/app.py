"""Builds the admin sub-application (mounted at /admin/api/v1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.admin.auth import TOKEN_VERIFIER, bearer_auth_middleware
from gateway.admin.csms_routes import ADMIN_DEPS, add_csms_routes
from gateway.admin.openapi import openapi_document
from gateway.admin.problems import problem_middleware
from gateway.admin.resources import NETWORK, add_network_routes
from gateway.admin_token import AdminTokenVerifier

if TYPE_CHECKING:
    from gateway.app import Deps

ADMIN_PREFIX = "/admin/api/v1"


async def _openapi(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document(ADMIN_PREFIX))


def build_admin_app(deps: Deps, verifier: AdminTokenVerifier) -> web.Application:
    # problem_middleware is outermost so auth failures and route misses render the same way.
    app = web.Application(middlewares=[problem_middleware, bearer_auth_middleware])
    app[NETWORK] = deps.network
    app[ADMIN_DEPS] = deps
    app[TOKEN_VERIFIER] = verifier
    app.router.add_get("/openapi.json", _openapi, name="openapi")
    add_network_routes(app)
    add_csms_routes(app)
    return app
