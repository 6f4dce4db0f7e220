"""Dependencies of the OCPI sub-app and the per-request caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ocpi.credentials import Caller, OcpiCredentials
from ocpi.ports import NetworkQueries


@dataclass
class OcpiDeps:
    credentials: OcpiCredentials
    network: NetworkQueries
    base_url: str  # e.g. https://gw.example.com/ocpi
    now: Any  # () -> datetime
    tariffs: Any = None  # () -> list of (code, RoamingTariff, updated_at) for a platform
    sessions: Any = None  # read side of roaming sessions and CDRs
    tokens: Any = None  # tokens receiver store
    commands: Any = None  # commands bridge
    client_info: Any = None  # hubclientinfo store
    publisher: Any = None  # pushes Locations and Tariffs (ocpi.publisher.OcpiPublisher)
    max_limit: int = 100
    # platform code -> (network version, exposed Locations): a full pull of N pages reads
    # the network once, not N times.
    location_cache: dict[str, Any] = field(default_factory=dict)


OCPI_DEPS = web.AppKey("ocpi_deps", OcpiDeps)
CALLER = web.RequestKey("ocpi_caller", Caller)


def caller(request: web.Request) -> Caller:
    found: Caller = request[CALLER]
    return found


def deps(request: web.Request) -> OcpiDeps:
    return request.app[OCPI_DEPS]

