"""Pushes to eMSPs' receivers, from the CSMS's domain events.

Theory of operation. The bus hands us session and status events after the CSMS committed
them; we build the OCPI objects and hand each request to the ``PushSink`` (the gateway's
persistent outbox), keyed by a stream so one object's updates arrive in order: a session
is PUT when it starts, PATCHed as it progresses, PUT complete when it ends, and its CDR is
POSTed after it on the same stream. An EVSE status change is PATCHed to every registered
partner that has a locations receiver. Only the session's own eMSP (or payment terminal
provider) ever sees a session. Every body is written in the partner's OCPI version
(:func:`ocpi.serialization.serializer_for` of the version stored at registration).
The bus delivers after commit, so a crash between a commit and our enqueue could lose a
push: ``reconcile_sessions`` (run by the publisher every minute) pushes whatever state a
partner does not have yet, and POSTs a CDR exactly once (at-least-once overall).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

import structlog

from csms.events import ConnectorStatusChanged, SessionEnded, SessionStarted, SessionUpdated
from ocpi.credentials import OcpiCredentials
from ocpi.exposure import cdr_location, exposed_location, exposed_locations
from ocpi.ports import NetworkQueries, PlatformRecord
from ocpi.routing import RoutingHeaders
from ocpi.serialization import serializer_for
from ocpi.session_views import bundle_tariffs, ocpi_cdr, ocpi_session

log = structlog.get_logger("evgw.ocpi")


class PushSink(Protocol):
    async def push(self, *, partner: str, stream: str, method: str, url: str,
                   body: dict[str, Any] | None, kind: str, headers: dict[str, str],
                   correlation_id: str | None = None) -> None:
        """Stores the request for reliable, ordered delivery (credentials added at send);
        ``correlation_id`` continues a conversation (a command's result)."""
        ...


class SessionBundles(Protocol):
    async def bundle(self, session_id: int) -> dict[str, Any] | None: ...


def session_fingerprint(data: dict[str, Any]) -> str:
    """Fingerprint of a session as sent (its wire form: a version change re-sends it)."""
    data = {k: v for k, v in data.items() if k != "last_updated"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def routing_headers(platform: PlatformRecord, to: tuple[str, str] | None = None
                    ) -> dict[str, str]:
    """Routing headers from us to ``to``, else to the platform's first role."""
    partner = to or next(((r.get("country_code"), r.get("party_id")) for r in platform.roles),
                         (None, None))
    return RoutingHeaders(platform.party.country_code, platform.party.party_id,
                          partner[0], partner[1]).as_headers()


class OcpiPush:
    def __init__(self, sink: PushSink, credentials: OcpiCredentials, sessions: SessionBundles,
                 network: NetworkQueries, published: Any = None) -> None:
        self._sink = sink
        self._credentials = credentials
        self._sessions = sessions
        self._network = network
        self._published = published  # PublishedStore: what each partner already has

    async def _partner(self, code: str | None, module: str) -> PlatformRecord | None:
        if code is None:
            return None
        platform = await self._credentials.store.platform(code)
        if platform is None or not platform.registered or module not in platform.endpoints:
            return None
        return platform

    async def session_changed(self, event: SessionStarted | SessionUpdated | SessionEnded
                              ) -> None:
        bundle = await self._sessions.bundle(event.session_id)
        if bundle is None or bundle.get("location_id") is None or not bundle.get("evse_uid"):
            return
        platform = await self._partner(bundle.get("roaming_platform"), "sessions")
        if platform is None:
            return
        party = platform.party
        url = (f"{platform.endpoints['sessions'].rstrip('/')}/{party.country_code}/"
               f"{party.party_id}/{bundle['id']}")
        session = ocpi_session(bundle, party)
        data = serializer_for(platform.version).session(session,
                                                        tariffs=bundle_tariffs(bundle))
        to = (session.cdr_token.country_code, session.cdr_token.party_id)
        stream = f"sessions:{bundle['id']}"
        await self._mark(platform, "session", str(bundle["id"]), session_fingerprint(data))
        if isinstance(event, SessionUpdated) and bundle.get("ended_at"):
            return  # the end is pushed by SessionEnded, with the CDR after it
        if isinstance(event, SessionUpdated):
            body: dict[str, Any] = {k: v for k, v in data.items()
                                    if k in ("kwh", "status", "total_cost", "last_updated",
                                             "charging_periods")}
            await self._sink.push(partner=platform.code, stream=stream, method="PATCH",
                                  url=url, body=body, kind="session",
                                  headers=routing_headers(platform, to))
            return
        await self._sink.push(partner=platform.code, stream=stream, method="PUT", url=url,
                              body=data, kind="session",
                              headers=routing_headers(platform, to))
        if isinstance(event, SessionEnded):
            await self._push_cdr(platform, bundle, stream, to)

    async def _push_cdr(self, platform: PlatformRecord, bundle: dict[str, Any], stream: str,
                        to: tuple[str, str]) -> None:
        if "cdrs" not in platform.endpoints:
            return
        where = cdr_location(await exposed_locations(self._network, platform),
                             bundle["location_id"], bundle["evse_uid"])
        cdr = ocpi_cdr(bundle, platform.party, where,
                       cpo_issues_invoices=platform.cpo_issues_invoices) \
            if where is not None else None
        if cdr is None:
            log.info("ocpi_cdr_not_available", platform=platform.code, session_id=bundle["id"])
            return
        body = serializer_for(platform.version).cdr(cdr, tariffs=bundle_tariffs(bundle))
        await self._sink.push(partner=platform.code, stream=stream, method="POST",
                              url=platform.endpoints["cdrs"], body=body, kind="cdr",
                              headers=routing_headers(platform, to))
        await self._mark(platform, "cdr", str(bundle["id"]), "posted")

    async def _mark(self, platform: PlatformRecord, kind: str, object_id: str,
                    fingerprint: str) -> None:
        if self._published is not None:
            await self._published.mark(platform.id, kind, object_id, fingerprint, False)

    async def reconcile_sessions(self, platform: PlatformRecord, bundles: list[dict[str, Any]]
                                 ) -> tuple[int, int]:
        """Pushes sessions whose last state the partner does not have, and CDRs never
        POSTed (a crash between a commit and its push heals here; a CDR goes once)."""
        if self._published is None:
            return 0, 0
        sent = await self._published.published(platform.id, "session")
        posted = await self._published.published(platform.id, "cdr")
        sessions = cdrs = 0
        for bundle in bundles:
            if not bundle.get("evse_uid") or "sessions" not in platform.endpoints:
                continue
            session = ocpi_session(bundle, platform.party)
            data = serializer_for(platform.version).session(session,
                                                            tariffs=bundle_tariffs(bundle))
            key = str(bundle["id"])
            if sent.get(key, ("", False))[0] != session_fingerprint(data):
                to = (session.cdr_token.country_code, session.cdr_token.party_id)
                party = platform.party
                url = (f"{platform.endpoints['sessions'].rstrip('/')}/{party.country_code}/"
                       f"{party.party_id}/{key}")
                await self._sink.push(partner=platform.code, stream=f"sessions:{key}",
                                      method="PUT", url=url, body=data,
                                      kind="session", headers=routing_headers(platform, to))
                await self._mark(platform, "session", key, session_fingerprint(data))
                sessions += 1
            if bundle.get("ended_at") and bundle.get("cdr") and key not in posted:
                to = (session.cdr_token.country_code, session.cdr_token.party_id)
                await self._push_cdr(platform, bundle, f"sessions:{key}", to)
                cdrs += 1
        return sessions, cdrs

    async def status_changed(self, event: ConnectorStatusChanged) -> None:
        for platform in await self._credentials.store.platforms():
            if not platform.registered or "locations" not in platform.endpoints:
                continue
            for tree in await self._network.location_trees(platform.code):
                for charger, connectors in tree.chargers:
                    if charger.code != event.charger:
                        continue
                    for connector in connectors:
                        if connector.code == event.connector and connector.roaming_id:
                            await self._push_evse(platform, tree, connector.roaming_id)

    async def _push_evse(self, platform: PlatformRecord, tree: Any, uid: str) -> None:
        location = exposed_location(tree, platform.party)
        if location is None:
            return
        evse = next((e for e in location.evses or [] if e.uid == uid), None)
        if evse is None:
            return
        party = platform.party
        url = (f"{platform.endpoints['locations'].rstrip('/')}/{party.country_code}/"
               f"{party.party_id}/{location.id}/{uid}")
        body = {k: v for k, v in serializer_for(platform.version).evse(evse).items()
                if k in ("status", "last_updated")}
        await self._sink.push(partner=platform.code, stream=f"locations:{location.id}",
                              method="PATCH", url=url, body=body, kind="evse_status",
                              headers=routing_headers(platform, None))
