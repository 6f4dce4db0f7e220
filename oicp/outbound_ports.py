"""The records and the store port of the OICP sending side (:mod:`oicp.outbound`): what a
queued request, a platform, an exported EVSE, a network version and a session link are,
and what the gateway's store must offer. No I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from oicp.evse_sync import (
    PreparedRecord,
    PushedEvse,
    PushedSummary,
)
from oicp.paths import Operation, operation_url
from oicp.session_messages import (
    OicpSessionView,
)
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tariffs.roaming import RoamingTariff

__all__ = ["ExportedEvse", "NetworkVersion", "OicpPlatform", "OicpRequest", "OutboundStore",
           "SessionLink"]


@dataclass(frozen=True)
class OicpRequest:
    """One POST to Hubject, as the outbox stores it."""

    platform: str
    stream: str
    kind: str
    url: str
    body: dict[str, Any] | str  # str: already JSON (EVSE data, joined from record texts)


@dataclass(frozen=True)
class OicpPlatform:
    """An OICP roaming platform with its profile's OperatorID (``SI*TRI``)."""

    id: int
    code: str
    base_url: str
    operator_id: str
    view: OicpPlatformView
    currency: str = "EUR"

    def url(self, operation: Operation) -> str:
        return operation_url(self.base_url, operation, self.operator_id)


@dataclass(frozen=True)
class ExportedEvse:
    """A connector the platform may publish, with the platform tariffs valid there."""

    station: str
    area: OicpAreaView
    charger: OicpChargerView
    connector: OicpConnectorView
    tariff_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkVersion:
    """A cheap fingerprint of what the platform's EVSE data and pricing are made of:
    ``stamp`` changes whenever the network, the platform or the tariffs do (row counts and
    latest ``updated_at``); ``time_zones`` are the IANA zones in use, whose UTC offsets
    (DST) are part of every record."""

    stamp: tuple[Any, ...]
    time_zones: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionLink:
    """A stored OICP session (``oicp_sessions``) and the view its messages are made of."""

    id: int
    platform: OicpPlatform
    origin: str
    status: str
    charging_session_id: int | None
    notification: str | None
    last_progress_at: datetime | None
    cdr_status: str | None
    view: OicpSessionView
    charging_ended: bool = False
    ended: bool = False


class OutboundStore(Protocol):
    async def platforms(self, code: str | None = None) -> list[OicpPlatform]: ...

    async def exported(self, platform: OicpPlatform, station: str | None = None
                       ) -> list[ExportedEvse]: ...

    async def pushed(self, platform_id: int, evse_ids: Collection[str] | None = None, *,
                     records: bool = True) -> dict[str, PushedEvse]:
        """What was last pushed, of ``evse_ids`` only when given; without ``records`` the
        stored record JSON is not read (``PushedEvse.record`` None)."""
        ...

    async def pushed_summary(self, platform_id: int) -> PushedSummary: ...

    async def network_version(self, platform: OicpPlatform) -> NetworkVersion:
        """Cheap: equal versions (and equal instants' UTC offsets) mean equal exports."""
        ...

    async def queue_evse_data(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                              records: Mapping[str, PreparedRecord], removed: Sequence[str],
                              *, full_load: bool) -> None:
        """Queues the pushes and remembers ``records`` (digest and JSON) as pushed now;
        ``removed`` EvseIDs are forgotten; a full load forgets every other EvseID."""
        ...

    async def queue_evse_status(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                                statuses: dict[str, str]) -> None: ...

    async def pricing_digest(self, platform_id: int) -> str | None:
        """The digest of the pricing pushes last queued for the platform (None: never)."""
        ...

    async def queue_pricing(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                            digest: str) -> None:
        """Queues the pricing pushes and remembers their digest, in one transaction."""
        ...

    async def link_session(self, charging_session_id: int) -> SessionLink | None:
        """Links the charging session to its OICP session (by the Hubject SessionID it
        carries as authorization reference, on its roaming platform) and returns it."""
        ...

    async def session_link(self, *, charging_session_id: int | None = None,
                           link_id: int | None = None) -> SessionLink | None: ...

    async def active_links(self, station: str, charger: str, connector: str | None
                           ) -> list[SessionLink]: ...

    async def queue_notification(self, link: SessionLink, request: OicpRequest, *,
                                 notification: str | None, progress_at: datetime | None
                                 ) -> None:
        """Queues a notification and remembers the last Type sent and the last Progress."""
        ...

    async def queue_cdr(self, link: SessionLink, request: OicpRequest) -> bool:
        """Queues the CDR unless one was queued for the session; marks it ENDED."""
        ...

    async def cdr_impossible(self, link: SessionLink, reason: str) -> None: ...

    async def cdr_skipped(self, link: SessionLink, reason: str) -> None:
        """Marks a link that gets no CDR (``cdr_status`` SKIPPED), so nothing retries it."""
        ...

    async def unlinked_sessions(self, platform: OicpPlatform, since: datetime) -> list[int]:
        """Charging sessions since ``since`` that carry one of the platform's SessionIDs
        (authorization reference) although no link names them: their SessionStarted event
        was lost (the event bus lives in memory; a crash loses what it held)."""
        ...

    async def ended_without_cdr(self, platform: OicpPlatform, since: datetime) -> list[int]:
        """Link ids of ended sessions of the platform whose CDR was never queued."""
        ...

    async def tariffs(self, platform: OicpPlatform, at: datetime) -> list[RoamingTariff]:
        """The tariffs assigned to the platform that are active and valid at ``at``."""
        ...
