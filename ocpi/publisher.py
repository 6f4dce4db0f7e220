"""Keeps partners' copies of our Locations and Tariffs equal to ours.

Theory of operation. For each registered partner with a locations (or tariffs) receiver
we compute what we expose now and compare it with fingerprints of what we last pushed
(``PublishedStore``). New or structurally changed Locations are PUT whole; an EVSE that
left roaming is PATCHed once to REMOVED (OCPI never deletes locations or EVSEs); a tariff
no longer assigned is DELETEd. EVSE status and ``last_updated`` are left out of the
location fingerprint: status changes travel as EVSE PATCHes from the status events, so a
status change never re-sends a whole Location. It runs after a registration, on a timer
and on demand, so a change made anywhere (admin API, CLI, another process) reaches every
partner, and a crash between a change and its push heals at the next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta
from typing import Any, Protocol

import structlog

from ocpi.credentials import OcpiCredentials
from ocpi.exposure import exposed_locations
from ocpi.models import format_datetime
from ocpi.ports import NetworkQueries, PlatformRecord, PublishedTariff
from ocpi.push import PushSink, routing_headers
from ocpi.serialization import serializer_for

log = structlog.get_logger("evgw.ocpi")
SESSION_WINDOW = timedelta(days=7)  # sessions changed this recently are reconciled


class PublishedStore(Protocol):
    async def published(self, platform_id: int, object_type: str
                        ) -> dict[str, tuple[str, bool]]:
        """object id -> (fingerprint, removed)."""
        ...

    async def mark(self, platform_id: int, object_type: str, object_id: str,
                   fingerprint: str, removed: bool) -> None: ...


class TariffSource(Protocol):
    async def tariffs_for(self, platform: PlatformRecord) -> list[PublishedTariff]: ...


def _fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def location_fingerprint(data: dict[str, Any]) -> str:
    """Fingerprint of a Location as sent, without EVSE status and ``last_updated``."""
    data = json.loads(json.dumps(data, default=str))  # a deep copy we may change
    data.pop("last_updated", None)
    for evse in data.get("evses", []):
        evse.pop("status", None)
        evse.pop("last_updated", None)
        for connector in evse.get("connectors", []):
            connector.pop("last_updated", None)
    return _fingerprint(data)


class OcpiPublisher:
    def __init__(self, credentials: OcpiCredentials, network: NetworkQueries,
                 tariffs: TariffSource, sink: PushSink, published: PublishedStore,
                 now: Any, sessions: Any = None, push: Any = None) -> None:
        self._credentials = credentials
        self._network = network
        self._tariffs = tariffs
        self._sink = sink
        self._published = published
        self._now = now
        self._sessions = sessions  # SessionBundles: roaming sessions of a platform
        self._push = push  # OcpiPush: session/CDR reconciliation
        self._runs: set[asyncio.Task[dict[str, int]]] = set()

    def spawn(self, platform_code: str | None = None) -> None:
        """Reconciles in the background (after a registration)."""
        task = asyncio.ensure_future(self.reconcile(platform_code))
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    async def wait(self) -> None:
        if self._runs:
            await asyncio.gather(*list(self._runs), return_exceptions=True)

    async def reconcile(self, platform_code: str | None = None) -> dict[str, int]:
        counts = {"locations": 0, "evses_removed": 0, "tariffs": 0, "tariffs_deleted": 0,
                  "sessions": 0, "cdrs": 0}
        for platform in await self._credentials.store.platforms():
            if platform_code is not None and platform.code != platform_code:
                continue
            if not platform.registered:
                continue
            if "locations" in platform.endpoints:
                await self._locations(platform, counts)
            if "tariffs" in platform.endpoints:
                await self._tariff_push(platform, counts)
            if self._push is not None and self._sessions is not None:
                since = self._now() - SESSION_WINDOW
                bundles = await self._sessions.bundles(platform.code, since, None)
                sessions, cdrs = await self._push.reconcile_sessions(platform, bundles)
                counts["sessions"] += sessions
                counts["cdrs"] += cdrs
        if any(counts.values()):
            log.info("ocpi_published", platform=platform_code or "*", **counts)
        return counts

    def _url(self, platform: PlatformRecord, module: str, *parts: str) -> str:
        party = platform.party
        return "/".join([platform.endpoints[module].rstrip("/"), party.country_code,
                         party.party_id, *parts])

    async def _locations(self, platform: PlatformRecord, counts: dict[str, int]) -> None:
        current = {location.id: location
                   for location in await exposed_locations(self._network, platform)}
        published = await self._published.published(platform.id, "location")
        evses = await self._published.published(platform.id, "evse")
        serializer = serializer_for(platform.version)
        for location_id, location in current.items():
            data = serializer.location(location)
            fingerprint = location_fingerprint(data)
            if published.get(location_id, ("", True))[0] != fingerprint:
                await self._sink.push(partner=platform.code, stream=f"locations:{location_id}",
                                      method="PUT", url=self._url(platform, "locations",
                                                                  location_id),
                                      body=data, kind="location",
                                      headers=routing_headers(platform))
                await self._published.mark(platform.id, "location", location_id, fingerprint,
                                           False)
                counts["locations"] += 1
            for evse in location.evses or []:
                key = f"{location_id}/{evse.uid}"
                if key not in evses or evses[key][1]:
                    await self._published.mark(platform.id, "evse", key, "live", False)
        live = {f"{lid}/{e.uid}" for lid, loc in current.items() for e in loc.evses or []}
        now = self._now()
        for key, (_, removed) in evses.items():
            if removed or key in live:
                continue
            location_id, uid = key.split("/", 1)
            body = {"status": "REMOVED", "last_updated": format_datetime(now)}
            await self._sink.push(partner=platform.code, stream=f"locations:{location_id}",
                                  method="PATCH",
                                  url=self._url(platform, "locations", location_id, uid),
                                  body=body, kind="evse_removed",
                                  headers=routing_headers(platform))
            await self._published.mark(platform.id, "evse", key, "removed", True)
            counts["evses_removed"] += 1

    async def _tariff_push(self, platform: PlatformRecord, counts: dict[str, int]) -> None:
        current = {t.tariff.id: t for t in await self._tariffs.tariffs_for(platform)}
        published = await self._published.published(platform.id, "tariff")
        serializer = serializer_for(platform.version)
        for tariff_id, offered in current.items():
            data = serializer.tariff(offered.tariff,
                                     preauthorize_amount=offered.preauthorize_amount)
            fingerprint = _fingerprint({k: v for k, v in data.items() if k != "last_updated"})
            if published.get(tariff_id, ("", True))[0] != fingerprint:
                await self._sink.push(partner=platform.code, stream=f"tariffs:{tariff_id}",
                                      method="PUT",
                                      url=self._url(platform, "tariffs", tariff_id), body=data,
                                      kind="tariff", headers=routing_headers(platform))
                await self._published.mark(platform.id, "tariff", tariff_id, fingerprint,
                                           False)
                counts["tariffs"] += 1
        for tariff_id, (_, removed) in published.items():
            if removed or tariff_id in current:
                continue
            await self._sink.push(partner=platform.code, stream=f"tariffs:{tariff_id}",
                                  method="DELETE",
                                  url=self._url(platform, "tariffs", tariff_id), body=None,
                                  kind="tariff_deleted", headers=routing_headers(platform))
            await self._published.mark(platform.id, "tariff", tariff_id, "deleted", True)
            counts["tariffs_deleted"] += 1
