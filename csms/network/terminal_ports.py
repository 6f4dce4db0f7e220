"""What the terminal service needs from the gateway (:mod:`csms.network.terminals`): the
repository port, the roaming actions it hands to the PTP and the small records it reads.
No I/O."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from csms.network.terminal_schemas import (
    TerminalCreate,
    TerminalRead,
)

__all__ = ["ConnectorFacts", "RoamingAction", "Target", "TerminalRepository",
           "TerminalUnitOfWork"]


class RoamingAction(StrEnum):
    ASSIGNMENT = "ASSIGNMENT"  # PATCH location_ids / evse_uids
    UPDATE = "UPDATE"  # PUT the terminal
    ACTIVATE = "ACTIVATE"  # POST {terminals}/activate
    DEACTIVATE = "DEACTIVATE"  # POST {terminals}/{id}/deactivate


@dataclass(frozen=True)
class Target:
    """An assignment target: an area, or a connector (charger, code)."""

    area: str | None = None
    charger: str | None = None
    connector: str | None = None


@dataclass(frozen=True)
class ConnectorFacts:
    roaming_id: str | None
    charger_roaming_enabled: bool


class TerminalRepository(Protocol):
    async def get(self, code: str) -> dict[str, Any] | None:
        """The terminal's ``TerminalRead`` fields (without location_ids, evse_uids and
        roaming_in_sync) plus ``synced`` (what the PTP was last sent, or None)."""
        ...

    async def page(self, filters: dict[str, str], limit: int, offset: int
                   ) -> tuple[list[dict[str, Any]], int]: ...

    async def codes(self, *, roaming_only: bool) -> list[str]: ...

    async def find_roaming(self, platform: str, *, roaming_id: str | None = None,
                           reference: str | None = None) -> str | None:
        """Code of the platform's terminal with this roaming id (or reference)."""
        ...

    async def insert(self, obj: TerminalCreate, *, active: bool) -> None: ...

    async def update(self, code: str, obj: TerminalCreate) -> None: ...

    async def delete(self, code: str) -> None: ...

    async def set_assignment(self, code: str, target: Target | None) -> None:
        """Also marks the connectors whose payment capabilities change as updated."""
        ...

    async def set_active(self, code: str, active: bool) -> None: ...

    async def set_synced(self, code: str, synced: dict[str, Any] | None) -> None:
        """Remembers the assignment the PTP holds (None: unknown), with ``refused``: why
        the PTP refused the last one sent."""
        ...

    async def set_roaming_last_updated(self, code: str, at: datetime | None) -> None: ...

    async def platform_type(self, code: str) -> str | None: ...

    async def exists(self, kind: str, code: str) -> bool:
        """kind: operators or areas."""
        ...

    async def area_roaming_ids(self, area: str) -> list[str]:
        """Roaming ids of the area and its sub-areas (hierarchy), the area's first."""
        ...

    async def connector_facts(self, charger: str, code: str) -> ConnectorFacts | None: ...

    async def connectors_named(self, code: str) -> list[tuple[str, str]]:
        """(charger, code) of every connector with this code."""
        ...

    async def area_by_roaming_id(self, roaming_id: str) -> str | None: ...

    async def connector_by_roaming_id(self, roaming_id: str) -> tuple[str, str] | None: ...

    async def enqueue_roaming(self, terminal: TerminalRead, action: RoamingAction
                              ) -> str | None:
        """Hands the change to the PTP in this unit of work; None when enqueued, else why
        not (PTP not registered, no payments endpoint …)."""
        ...


TerminalUnitOfWork = Callable[[], AbstractAsyncContextManager[TerminalRepository]]
