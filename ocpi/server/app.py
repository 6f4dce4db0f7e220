"""Builds the OCPI sub-application (mounted at /ocpi by the gateway)."""

from __future__ import annotations

from aiohttp import web

from ocpi.payments.routes import add_payment_routes
from ocpi.server.command_routes import add_command_routes
from ocpi.server.context import OCPI_DEPS, OcpiDeps
from ocpi.server.core_routes import add_core_routes
from ocpi.server.hub_routes import add_hub_routes
from ocpi.server.location_routes import add_location_routes
from ocpi.server.middleware import ocpi_middleware
from ocpi.server.session_routes import add_session_routes
from ocpi.server.tariff_routes import add_tariff_routes
from ocpi.server.token_routes import add_token_routes


def build_ocpi_app(deps: OcpiDeps) -> web.Application:
    app = web.Application(middlewares=[ocpi_middleware])
    app[OCPI_DEPS] = deps
    add_core_routes(app)
    add_location_routes(app)
    add_tariff_routes(app)
    add_token_routes(app)
    add_command_routes(app)
    add_session_routes(app)
    add_hub_routes(app)
    add_payment_routes(app)
    return app
