"""Dependencies of the OCPI sub-app, the per-request caller and the request's version.

Modules that did not change between versions are served by one handler under
:data:`VERSIONED` (``/2.2.1/...`` and ``/2.3.0/...``); the handler writes and reads through
``wire(request)``, the serializer of the version in the URL: a partner gets the shape of
the version whose details it discovered (:mod:`ocpi.serialization`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ocpi.credentials import Caller, OcpiCredentials
from ocpi.ports import NetworkQueries
from ocpi.serialization import OcpiSerializer, serializer_for
from ocpi.versions import SUPPORTED_VERSIONS

# Path prefix of a module served in every supported version ("/{version:2\.2\.1|2\.3\.0}").
VERSIONED = "/{version:" + "|".join(v.replace(".", "\\.") for v in SUPPORTED_VERSIONS) + "}"


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
    payments: Any = None  # terminals and confirmations (ocpi.payments.ports.PaymentsPort)
    max_limit: int = 100
    # "{platform code}@{OCPI version}" -> (network version, exposed Locations): a full pull
    # of N pages reads the network once, not N times.
    location_cache: dict[str, Any] = field(default_factory=dict)


OCPI_DEPS = web.AppKey("ocpi_deps", OcpiDeps)
CALLER = web.RequestKey("ocpi_caller", Caller)


def caller(request: web.Request) -> Caller:
    found: Caller = request[CALLER]
    return found


def deps(request: web.Request) -> OcpiDeps:
    return request.app[OCPI_DEPS]



def version_of(request: web.Request) -> str:
    """The OCPI version in the request's URL (2.2.1 for routes without one)."""
    return request.match_info.get("version", "2.2.1")


def wire(request: web.Request) -> OcpiSerializer:
    """The serializer of the request's OCPI version."""
    return serializer_for(version_of(request))
