"""Everything we send to Hubject through the persistent outbox, decided from domain events,
timers and admin requests.

Theory of operation.  The gateway implements :class:`OutboundStore`: reads of the network,
of what Hubject was last sent and of the OICP session links, and *queue* methods that
write the outbox messages and the bookkeeping that goes with them in one transaction (a
status push and the remembered status; a CDR and ``cdr_status``), so a crash never sends
without remembering or remembers without sending.  The outbox delivers them in order per
stream:

* ``evse-data`` (per platform): eRoamingPushEvseData ``fullLoad`` (weekly and on demand)
  and ``insert``/``update``/``delete`` deltas by record digest (:meth:`reconcile`, run
  periodically, heals whatever a change or a crash missed);
* ``evse-status`` (per platform): eRoamingPushEvseStatus, one record per message, only
  when the OICP status actually changed, in event order; ``fullLoad`` daily and on demand;
* ``session:{SessionID}``: eRoamingChargingNotifications Start, Progress (at least five
  minutes apart), End, Error, and finally the eRoamingChargeDetailRecord (exactly one per
  SessionID: ``cdr_status`` is claimed in the transaction that queues it);
* ``pricing`` (per platform): eRoamingPushPricingProductData then eRoamingPushEVSEPricing,
  both fullLoad; pushed on demand and whenever the tariffs that would be pushed change.

Per platform an ``asyncio.Lock`` serializes the read-compare-queue of EVSE data and
statuses (the bus handler, the periodic job and the admin API run concurrently).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import structlog

from csms.events import (
    ChargerStatusChanged,
    ConnectorStatusChanged,
    SessionEnded,
    SessionStarted,
    SessionUpdated,
    StationConnected,
    StationDisconnected,
)
from oicp.dynamic_pricing import pricing_push
from oicp.errors import OicpError, OicpMappingError
from oicp.evse_sync import PushedEvse, chunks, evse_data_delta, status_changes
from oicp.mapping import evse_data_record, evse_id_of, evse_status, push_evse_data, push_evse_status
from oicp.models.common import ActionType
from oicp.models.evse_data import EvseDataRecord
from oicp.models.evse_status import EvseStatus, EvseStatusRecord
from oicp.models.notifications import ErrorType
from oicp.paths import Operation, operation_url
from oicp.remote_ports import FAILED, ORIGIN_RESERVATION
from oicp.session_messages import (
    OicpSessionView,
    charge_detail_record,
    end_notification,
    error_notification,
    progress_due,
    progress_notification,
    start_notification,
)
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tariffs.roaming import RoamingTariff

__all__ = [
    "EVSE_DATA_FULL_LOAD_EVERY",
    "EVSE_STATUS_FULL_LOAD_EVERY",
    "ExportedEvse",
    "OicpOutbound",
    "OicpPlatform",
    "OicpRequest",
    "OutboundStore",
    "SessionLink",
]

log = structlog.get_logger("evgw.oicp")
EVSE_DATA_FULL_LOAD_EVERY = timedelta(days=7)
EVSE_STATUS_FULL_LOAD_EVERY = timedelta(days=1)
CDR_RECONCILE_WINDOW = timedelta(days=7)
# Kinds of outbox messages (rate limits and the admin API filter on them).
KIND_EVSE_DATA = "evse_data"
KIND_EVSE_STATUS = "evse_status"
KIND_NOTIFICATION = "charging_notification"
KIND_CDR = "cdr"
KIND_PRICING_PRODUCTS = "pricing_products"
KIND_EVSE_PRICING = "evse_pricing"
_FAULTED = frozenset({"Faulted"})


@dataclass(frozen=True)
class OicpRequest:
    """One POST to Hubject, as the outbox stores it."""

    platform: str
    stream: str
    kind: str
    url: str
    body: dict[str, Any]


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

    async def pushed(self, platform_id: int) -> dict[str, PushedEvse]: ...

    async def queue_evse_data(self, platform: OicpPlatform, requests: Sequence[OicpRequest],
                              records: dict[str, EvseDataRecord], removed: Sequence[str],
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


@dataclass
class _PlatformState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    unpublishable: dict[str, str] = field(default_factory=dict)  # connector -> reason logged


def _body(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.to_json()
    return data


class OicpOutbound:
    """The OICP sending side; see the module docstring."""

    def __init__(self, store: OutboundStore, now: Callable[[], datetime],
                 wake: Callable[[], None] | None = None) -> None:
        self._store = store
        self._now = now
        self._wake = wake or (lambda: None)
        self._state: dict[str, _PlatformState] = {}

    def _platform_state(self, code: str) -> _PlatformState:
        return self._state.setdefault(code, _PlatformState())

    async def _platform(self, code: str) -> OicpPlatform:
        found = await self._store.platforms(code)
        if not found:
            raise LookupError(f"roaming platform {code!r} is not an OICP platform")
        return found[0]

    # --- EVSE data ------------------------------------------------------------------------

    def _records(self, platform: OicpPlatform, evses: Sequence[ExportedEvse], *,
                 quiet: bool = False) -> dict[str, EvseDataRecord]:
        """The EvseDataRecords of the publishable EVSEs (the others are logged)."""
        at = self._now()
        records: dict[str, EvseDataRecord] = {}
        for evse in evses:
            try:
                record = evse_data_record(platform.view, evse.area, evse.charger,
                                          evse.connector, at=at)
            except OicpMappingError as exc:
                key, reason = f"{evse.charger.code}/{evse.connector.code}", str(exc)
                logged = self._platform_state(platform.code).unpublishable
                if not quiet and logged.get(key) != reason:  # once per reason, not per run
                    logged[key] = reason
                    log.warning("oicp_evse_not_publishable", platform=platform.code,
                                charger=evse.charger.code, connector=evse.connector.code,
                                reason=reason)
                continue
            records[record.evse_id] = record
        return records

    def _data_requests(self, platform: OicpPlatform, records: Sequence[EvseDataRecord],
                       action: ActionType) -> list[OicpRequest]:
        """Delta pushes of at most ``MAX_RECORDS_PER_PUSH`` records each."""
        url = platform.url(Operation.PUSH_EVSE_DATA)
        return [OicpRequest(platform.code, "evse-data", KIND_EVSE_DATA, url,
                            _body(push_evse_data(platform.view, batch, action)))
                for batch in chunks(records)]

    async def full_load_evse_data(self, platform_code: str) -> int:
        """Queues a fullLoad of every publishable EVSE; returns how many records."""
        platform = await self._platform(platform_code)
        async with self._platform_state(platform.code).lock:
            return await self._full_load_data(platform)

    async def _full_load_data(self, platform: OicpPlatform,
                              records: dict[str, EvseDataRecord] | None = None) -> int:
        if records is None:
            records = self._records(platform, await self._store.exported(platform))
        ordered = [records[k] for k in sorted(records)]
        # A fullLoad replaces Hubject's whole set, so it is one message, never split.
        request = OicpRequest(platform.code, "evse-data", KIND_EVSE_DATA,
                              platform.url(Operation.PUSH_EVSE_DATA),
                              _body(push_evse_data(platform.view, ordered,
                                                   ActionType.FULL_LOAD)))
        await self._store.queue_evse_data(platform, [request], records, (), full_load=True)
        self._wake()
        log.info("oicp_evse_data_full_load_queued", platform=platform.code,
                 records=len(records))
        return len(records)

    async def _evse_data_delta(self, platform: OicpPlatform, counts: dict[str, int]) -> None:
        pushed = await self._store.pushed(platform.id)
        records = self._records(platform, await self._store.exported(platform))
        stamps = [p.data_pushed_at for p in pushed.values() if p.digest]
        if not stamps and not records:
            return  # nothing published, nothing ever pushed
        if not stamps or _older_than(stamps, self._now() - EVSE_DATA_FULL_LOAD_EVERY):
            counts["evse_data_full_load"] += await self._full_load_data(platform, records)
            return
        delta = evse_data_delta(records, pushed)
        for evse_id in delta.undeletable:
            log.error("oicp_evse_delete_impossible", platform=platform.code, evse_id=evse_id)
        if not delta:
            return
        requests = [
            *self._data_requests(platform, delta.inserts, ActionType.INSERT),
            *self._data_requests(platform, delta.updates, ActionType.UPDATE),
            *self._data_requests(platform, delta.deletes, ActionType.DELETE),
        ]
        changed = {r.evse_id: r for r in (*delta.inserts, *delta.updates)}
        await self._store.queue_evse_data(platform, requests, changed,
                                          [r.evse_id for r in delta.deletes], full_load=False)
        counts["evse_inserted"] += len(delta.inserts)
        counts["evse_updated"] += len(delta.updates)
        counts["evse_deleted"] += len(delta.deletes)
        log.info("oicp_evse_data_delta_queued", platform=platform.code,
                 inserted=len(delta.inserts), updated=len(delta.updates),
                 deleted=len(delta.deletes))

    # --- EVSE status ----------------------------------------------------------------------

    def _statuses(self, platform: OicpPlatform, evses: Sequence[ExportedEvse]
                  ) -> dict[str, EvseStatus]:
        """The OICP status of every publishable EVSE (one Hubject can have data of)."""
        publishable = self._records(platform, evses, quiet=True)
        statuses: dict[str, EvseStatus] = {}
        for evse in evses:
            try:
                evse_id = evse_id_of(platform.view, evse.connector)
            except OicpMappingError:
                continue
            if evse_id in publishable:
                statuses[evse_id] = evse_status(evse.connector.ocpp_status,
                                                evse.charger.ocpp_status,
                                                connected=evse.charger.connected)
        return statuses

    async def station_changed(self, station: str) -> int:
        """Pushes the EVSE statuses of the station that changed, one message each."""
        sent = 0
        for platform in await self._store.platforms():
            async with self._platform_state(platform.code).lock:
                current = self._statuses(platform, await self._store.exported(platform,
                                                                              station))
                if not current:
                    continue
                changes = status_changes(current, await self._store.pushed(platform.id))
                url = platform.url(Operation.PUSH_EVSE_STATUS)
                for record in changes:  # one at a time: never bundled, never in parallel
                    request = OicpRequest(platform.code, "evse-status", KIND_EVSE_STATUS, url,
                                          _body(push_evse_status(platform.view, [record],
                                                                 ActionType.UPDATE)))
                    await self._store.queue_evse_status(
                        platform, [request], {record.evse_id: record.evse_status.value})
                    log.info("oicp_evse_status_queued", platform=platform.code,
                             evse_id=record.evse_id, status=record.evse_status.value)
                    sent += 1
        if sent:
            self._wake()
        return sent

    async def full_load_evse_status(self, platform_code: str) -> int:
        """Queues a status fullLoad of every publishable EVSE; returns how many."""
        platform = await self._platform(platform_code)
        async with self._platform_state(platform.code).lock:
            return await self._full_load_status(platform)

    async def _full_load_status(self, platform: OicpPlatform) -> int:
        current = self._statuses(platform, await self._store.exported(platform))
        records = [EvseStatusRecord(evse_id=k, evse_status=v) for k, v in sorted(current.items())]
        request = OicpRequest(platform.code, "evse-status", KIND_EVSE_STATUS,
                              platform.url(Operation.PUSH_EVSE_STATUS),
                              _body(push_evse_status(platform.view, records,
                                                     ActionType.FULL_LOAD)))
        await self._store.queue_evse_status(platform, [request],
                                            {k: v.value for k, v in current.items()})
        self._wake()
        log.info("oicp_evse_status_full_load_queued", platform=platform.code,
                 records=len(records))
        return len(records)

    # --- event handlers -------------------------------------------------------------------

    async def on_station_event(self, event: ConnectorStatusChanged | ChargerStatusChanged
                               | StationConnected | StationDisconnected) -> None:
        await self.station_changed(event.station)
        if isinstance(event, ConnectorStatusChanged | ChargerStatusChanged) and \
                event.status in _FAULTED:
            connector = event.connector if isinstance(event, ConnectorStatusChanged) else None
            await self._errors(event.station, event.charger, connector, event.error_code)

    async def _errors(self, station: str, charger: str, connector: str | None,
                      error_code: str | None) -> None:
        for link in await self._store.active_links(station, charger, connector):
            body = error_notification(link.view, ErrorType.CONNECTOR_ERROR,
                                      f"connector faulted: {error_code or 'no error code'}")
            await self._store.queue_notification(
                link, self._notification(link, body), notification=link.notification,
                progress_at=link.last_progress_at)
            log.info("oicp_charging_error_queued", platform=link.platform.code,
                     session_id=link.view.session_id)
        self._wake()

    def _notification(self, link: SessionLink, model: Any) -> OicpRequest:
        return OicpRequest(link.platform.code, f"session:{link.view.session_id}",
                           KIND_NOTIFICATION, link.platform.url(Operation.CHARGING_NOTIFICATIONS),
                           _body(model))

    async def session_started(self, event: SessionStarted) -> None:
        link = await self._store.link_session(event.session_id)
        if link is None:
            return
        log.info("oicp_session_linked", platform=link.platform.code,
                 session_id=link.view.session_id, charging_session_id=event.session_id,
                 origin=link.origin)
        if link.notification is None:
            await self._store.queue_notification(
                link, self._notification(link, start_notification(link.view)),
                notification="Start", progress_at=None)
            self._wake()

    async def session_updated(self, event: SessionUpdated) -> None:
        link = await self._store.session_link(charging_session_id=event.session_id)
        if link is None or link.ended or link.notification in (None, "End"):
            return
        if link.charging_ended:
            await self._store.queue_notification(
                link, self._notification(link, end_notification(link.view, event.at)),
                notification="End", progress_at=link.last_progress_at)
            self._wake()
            return
        if progress_due(link.view, link.last_progress_at, event.at):
            await self._store.queue_notification(
                link, self._notification(link, progress_notification(link.view, event.at)),
                notification="Progress", progress_at=event.at)
            self._wake()

    async def session_ended(self, event: SessionEnded) -> None:
        link = await self._store.session_link(charging_session_id=event.session_id)
        if link is None:
            return
        if link.notification not in (None, "End"):
            await self._store.queue_notification(
                link, self._notification(link, end_notification(link.view, event.at)),
                notification="End", progress_at=link.last_progress_at)
        await self._cdr(link)

    async def reservation_ended(self, oicp_session_id: int) -> bool:
        """Queues the CDR of a remote reservation that ended without charging (Hubject
        requires one after eRoamingAuthorizeRemoteReservationStop).  False when a CDR was
        already queued for that SessionID or none can be built."""
        link = await self._store.session_link(link_id=oicp_session_id)
        if link is None:
            raise LookupError(f"OICP session {oicp_session_id} does not exist")
        if link.charging_session_id is not None and not link.ended:
            log.info("oicp_reservation_became_session", platform=link.platform.code,
                     session_id=link.view.session_id)
            return False  # the charging session's end sends the CDR
        if link.charging_session_id is None and link.view.session_end is None:
            link = replace(link, view=replace(link.view, session_end=self._now()))
        return await self._cdr(link)

    async def _cdr(self, link: SessionLink) -> bool:
        if link.cdr_status is not None:
            return False
        skip = _no_cdr_reason(link)
        if skip is not None:
            await self._store.cdr_skipped(link, skip)
            log.info("oicp_cdr_skipped", platform=link.platform.code,
                     session_id=link.view.session_id, reason=skip)
            return False
        try:
            record = charge_detail_record(link.view)
        except (OicpError, ValueError) as exc:
            await self._store.cdr_impossible(link, str(exc))
            log.error("oicp_cdr_impossible", platform=link.platform.code,
                      session_id=link.view.session_id, reason=str(exc))
            return False
        request = OicpRequest(link.platform.code, f"session:{link.view.session_id}", KIND_CDR,
                              link.platform.url(Operation.CHARGE_DETAIL_RECORD), _body(record))
        queued = await self._store.queue_cdr(link, request)
        self._wake()
        if queued:
            log.info("oicp_cdr_queued", platform=link.platform.code,
                     session_id=link.view.session_id, energy_kwh=str(record.consumed_energy))
        return queued

    # --- pricing --------------------------------------------------------------------------

    async def push_pricing(self, platform_code: str, *, force: bool = True) -> dict[str, int]:
        """Queues PushPricingProductData then PushEVSEPricing (both fullLoad, one call
        each); without ``force`` only when the pushed content would change."""
        platform = await self._platform(platform_code)
        at = self._now()
        tariffs = await self._store.tariffs(platform, at)
        evses = await self._store.exported(platform)
        evse_tariffs: dict[str, tuple[str, ...]] = {}
        power: dict[str, Decimal] = {}
        for evse in evses:
            try:
                evse_id = evse_id_of(platform.view, evse.connector)
            except OicpMappingError:
                continue
            evse_tariffs[evse_id] = evse.tariff_codes
            power[evse_id] = _kw(evse.connector.wattage_limit_w)
        push = pricing_push(platform.operator_id, platform.view.operator_name, tariffs,
                            evse_tariffs, power, platform.currency)
        products, pricing = _body(push.products), _body(push.evse_pricing)
        digest = hashlib.sha256(json.dumps([products, pricing], sort_keys=True).encode()
                                ).hexdigest()
        counts = {"products": len(push.products.pricing_product_data.pricing_product_data_records),
                  "evses": len(push.evse_pricing.evse_pricing), "queued": 0}
        if not force:
            # The digest of what was last queued is stored, so a restart neither pushes
            # the same prices again nor forgets to push an emptied tariff set.
            last = await self._store.pricing_digest(platform.id)
            if digest == last or (last is None and not tariffs):
                return counts
        for warning in push.warnings:
            log.warning("oicp_pricing_not_expressible", platform=platform.code, detail=warning)
        await self._store.queue_pricing(platform, [
            OicpRequest(platform.code, "pricing", KIND_PRICING_PRODUCTS,
                        platform.url(Operation.PUSH_PRICING_PRODUCT_DATA), products),
            OicpRequest(platform.code, "pricing", KIND_EVSE_PRICING,
                        platform.url(Operation.PUSH_EVSE_PRICING), pricing),
        ], digest)
        counts["queued"] = 2
        self._wake()
        log.info("oicp_pricing_queued", platform=platform.code, products=counts["products"],
                 evses=counts["evses"])
        return counts

    # --- reconciliation -------------------------------------------------------------------

    async def reconcile(self, platform_code: str | None = None) -> dict[str, int]:
        """EVSE data deltas (a fullLoad when a week old), the daily status fullLoad,
        pricing when it changed, links a lost SessionStarted never made, and CDRs of ended
        sessions never queued."""
        counts = {"evse_data_full_load": 0, "evse_inserted": 0, "evse_updated": 0,
                  "evse_deleted": 0, "evse_status_full_load": 0, "pricing": 0, "linked": 0,
                  "cdrs": 0}
        for platform in await self._store.platforms(platform_code):
            try:
                async with self._platform_state(platform.code).lock:
                    await self._evse_data_delta(platform, counts)
                    pushed = await self._store.pushed(platform.id)
                    stamps = [p.status_pushed_at for p in pushed.values() if p.status]
                    if pushed and (not stamps or _older_than(
                            stamps, self._now() - EVSE_STATUS_FULL_LOAD_EVERY)):
                        counts["evse_status_full_load"] += await self._full_load_status(platform)
                pricing = await self.push_pricing(platform.code, force=False)
                counts["pricing"] += pricing["queued"]
                since = self._now() - CDR_RECONCILE_WINDOW
                for charging_id in await self._store.unlinked_sessions(platform, since):
                    if await self._store.link_session(charging_id) is not None:
                        log.warning("oicp_session_linked_late", platform=platform.code,
                                    charging_session_id=charging_id)
                        counts["linked"] += 1
                for link_id in await self._store.ended_without_cdr(platform, since):
                    link = await self._store.session_link(link_id=link_id)
                    if link is not None and await self._cdr(link):
                        counts["cdrs"] += 1
            except Exception:
                log.exception("oicp_reconcile_failed", platform=platform.code)
        if any(counts.values()):
            log.info("oicp_reconciled", platform=platform_code or "*", **counts)
        return counts


def _no_cdr_reason(link: SessionLink) -> str | None:
    """Why a link gets no CDR: Hubject holds no session for it, or nothing happened."""
    if link.status == FAILED:
        return "the remote start was refused, so Hubject holds no session to close"
    if link.origin != ORIGIN_RESERVATION and link.charging_session_id is not None and \
            link.view.charging_start is None:
        return "the charging session ended before any transaction started"
    return None


def _older_than(stamps: Sequence[datetime | None], limit: datetime) -> bool:
    known = [s for s in stamps if s is not None]
    return not known or min(known) <= limit


def _kw(watts: int) -> Decimal:
    return Decimal(watts) / 1000
