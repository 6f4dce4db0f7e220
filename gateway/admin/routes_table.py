"""Admin routes declared once: the table registers them and documents them in OpenAPI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    type: str = "string"
    format: str | None = None


@dataclass(frozen=True)
class AdminRoute:
    method: str
    path: str
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    response_is_list: bool = False
    response_status: int = 200
    csv: bool = False
    query: tuple[QueryParam, ...] = ()
    errors: dict[int, str] = field(default_factory=dict)


def register(app: web.Application, routes: list[AdminRoute]) -> None:
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)


def all_route_tables() -> list[AdminRoute]:
    """Every table-declared admin route (CSMS, tariffs, operations …), for the app and the
    OpenAPI document alike."""
    from gateway.admin.csms_routes import CSMS_ROUTES
    from gateway.admin.ocpi_routes import OCPI_ROUTES
    from gateway.admin.oicp_routes import OICP_ROUTES
    from gateway.admin.operations_routes import OPERATIONS_ROUTES
    from gateway.admin.outbox_routes import OUTBOX_ROUTES
    from gateway.admin.pki_routes import PKI_ROUTES
    from gateway.admin.tariff_routes import TARIFF_ROUTES
    from gateway.admin.terminal_routes import TERMINAL_ROUTES

    return [*CSMS_ROUTES, *TARIFF_ROUTES, *OPERATIONS_ROUTES, *OUTBOX_ROUTES, *OCPI_ROUTES,
            *PKI_ROUTES, *TERMINAL_ROUTES, *OICP_ROUTES]
