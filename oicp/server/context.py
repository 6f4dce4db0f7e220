"""Dependencies of the OICP sub-app and the per-request caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from oicp.remote import RemoteBridge
from oicp.remote_ports import OicpPlatform


class PlatformDirectory(Protocol):
    async def oicp_platforms(self) -> list[OicpPlatform]:
        """Every OICP roaming platform, in the order admission tries them."""
        ...


class Admission(Protocol):
    """The certificate service's inbound check (``gateway.certificates``)."""

    async def admits(self, platform_code: str, peer_certificate_der: bytes) -> bool: ...


@dataclass
class OicpServerDeps:
    bridge: RemoteBridge
    platforms: PlatformDirectory
    admission: Admission


OICP_SERVER_DEPS = web.AppKey("oicp_server_deps", OicpServerDeps)
CALLER = web.RequestKey("oicp_caller", OicpPlatform)


def deps(request: web.Request) -> OicpServerDeps:
    return request.app[OICP_SERVER_DEPS]


def caller(request: web.Request) -> OicpPlatform:
    found: OicpPlatform = request[CALLER]
    return found
