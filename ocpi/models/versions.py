"""OCPI Versions objects: Version, VersionDetails, Endpoint, ModuleID, InterfaceRole.

``Version.version`` and ``Endpoint.identifier`` are plain strings: a partner may list
versions we do not know (``2.3.0``, ``3.0``) and custom modules (``nltnm-tokens``), which
we must tolerate.  Known values are in :class:`VersionNumber` and :class:`ModuleID`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from ocpi.models.base import URL, OcpiModel

__all__ = ["Endpoint", "InterfaceRole", "ModuleID", "Version", "VersionDetails", "VersionNumber"]


class VersionNumber(StrEnum):
    """OCPI versions known to us."""

    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"
    V2_3_0 = "2.3.0"


class ModuleID(StrEnum):
    """Standard OCPI module identifiers."""

    CDRS = "cdrs"
    CHARGINGPROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUBCLIENTINFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class InterfaceRole(StrEnum):
    """SENDER serves the data it owns (pull); RECEIVER accepts pushes."""

    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


_VersionText = Annotated[str, StringConstraints(min_length=1, max_length=16)]


class Version(OcpiModel):
    """An entry of a versions list."""

    version: _VersionText
    url: URL


class Endpoint(OcpiModel):
    """A module endpoint of a version."""

    identifier: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    role: InterfaceRole
    url: URL


class VersionDetails(OcpiModel):
    """Endpoints of one version."""

    version: _VersionText
    endpoints: list[Endpoint] = Field(min_length=1)
