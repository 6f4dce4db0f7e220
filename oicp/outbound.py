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

Scale (tens of thousands of EVSEs per platform).  A station event reads only that
station's EVSEs and what was last pushed for them.  :meth:`OicpOutbound.reconcile` first
asks the store for a cheap :class:`NetworkVersion` (row counts and latest changes of what
EVSE data and pricing are made of) and reads the whole network -- once per pass -- only
when it differs from the last completed pass's, when a full load is due, or at least every
``NETWORK_RECHECK_EVERY`` (which heals a change the version cannot see, e.g. a write that
committed late with an older timestamp).  Mapping and digesting thousands of records
yields to the event loop every ``YIELD_EVERY`` records, so chargers are not stalled.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

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
from oicp.evse_sync import (
    PreparedRecord,
    PushedSummary,
    chunks,
    evse_data_delta,
    push_evse_data_body,
    record_digest,
    status_changes,
)
from oicp.mapping import (
    evse_data_record,
    evse_id_of,
    evse_status,
    push_evse_status,
    time_zone_offset,
)
from oicp.models.common import ActionType
from oicp.models.evse_data import EvseDataRecord
from oicp.models.evse_status import EvseStatus, EvseStatusRecord
from oicp.models.notifications import ErrorType
from oicp.outbound_ports import (
    ExportedEvse,
    OicpPlatform,
    OicpRequest,
    OutboundStore,
    SessionLink,
)
from oicp.paths import Operation
from oicp.remote_ports import FAILED, ORIGIN_RESERVATION
from oicp.session_messages import (
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
    "NETWORK_RECHECK_EVERY",
    "YIELD_EVERY",
    "OicpOutbound",
]

log = structlog.get_logger("evgw.oicp")
EVSE_DATA_FULL_LOAD_EVERY = timedelta(days=7)
EVSE_STATUS_FULL_LOAD_EVERY = timedelta(days=1)
CDR_RECONCILE_WINDOW = timedelta(days=7)
NETWORK_RECHECK_EVERY = timedelta(hours=1)  # a full network read at least this often
YIELD_EVERY = 200  # records mapped/digested between two yields to the event loop
# Kinds of outbox messages (rate limits and the admin API filter on them).
KIND_EVSE_DATA = "evse_data"
KIND_EVSE_STATUS = "evse_status"
KIND_NOTIFICATION = "charging_notification"
KIND_CDR = "cdr"
KIND_PRICING_PRODUCTS = "pricing_products"
KIND_EVSE_PRICING = "evse_pricing"
_FAULTED = frozenset({"Faulted"})


@dataclass
class _PlatformState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    unpublishable: dict[str, str] = field(default_factory=dict)  # connector -> reason logged
    # What the last completed reconciliation read the network at, and when.
    reconciled: tuple[Any, ...] | None = None
    reconciled_at: datetime | None = None
    # (EvseID, digest) of each EVSE's record (None: not publishable) by what the record
    # is made of, for ``digests_view``: a delta pass maps only EVSEs whose inputs changed.
    digests: dict[tuple[Any, ...], tuple[str, str] | None] = field(default_factory=dict)
    digests_view: OicpPlatformView | None = None


def _body(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.to_json()
    return data


async def _breathe(count: int) -> None:
    """Yields to the event loop every ``YIELD_EVERY`` records of a long CPU-bound loop."""
    if count % YIELD_EVERY == 0:
        await asyncio.sleep(0)




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

    def _map(self, platform: OicpPlatform, evse: ExportedEvse, at: datetime, *,
             quiet: bool = False) -> EvseDataRecord | None:
        """The EVSE's record; None when it is not publishable (logged once per reason)."""
        try:
            return evse_data_record(platform.view, evse.area, evse.charger, evse.connector,
                                    at=at)
        except OicpMappingError as exc:
            key, reason = f"{evse.charger.code}/{evse.connector.code}", str(exc)
            logged = self._platform_state(platform.code).unpublishable
            if not quiet and logged.get(key) != reason:  # once per reason, not per run
                logged[key] = reason
                log.warning("oicp_evse_not_publishable", platform=platform.code,
                            charger=evse.charger.code, connector=evse.connector.code,
                            reason=reason)
            return None

    async def _mapped(self, platform: OicpPlatform, evses: Sequence[ExportedEvse], *,
                      quiet: bool = False) -> AsyncIterator[EvseDataRecord]:
        """The record of each publishable EVSE (the others are logged), one at a time: a
        caller keeps only what it needs of tens of thousands of records."""
        at = self._now()
        for count, evse in enumerate(evses, 1):
            await _breathe(count)
            record = self._map(platform, evse, at, quiet=quiet)
            if record is not None:
                yield record

    async def _digested(self, platform: OicpPlatform, evses: Sequence[ExportedEvse]
                        ) -> AsyncIterator[tuple[str, str, ExportedEvse]]:
        """(EvseID, record digest, EVSE) of each publishable EVSE. A record is a pure
        function of the views without their live status, and of the zone's UTC offset:
        what the last pass computed from equal inputs is taken as is (a status change
        touches ``updated_at`` and so makes the pass read the network, not map it)."""
        state = self._platform_state(platform.code)
        known = state.digests if state.digests_view == platform.view else {}
        current: dict[tuple[Any, ...], tuple[str, str] | None] = {}
        at = self._now()
        # Flat tuples of field values (one object per EVSE kept, not views): the parts
        # of an area and a charger are made once per pass.
        areas: dict[int, tuple[Any, ...]] = {}
        chargers: dict[int, tuple[Any, ...]] = {}
        for count, evse in enumerate(evses, 1):
            await _breathe(count)
            area = areas.get(id(evse.area))
            if area is None:
                zone = evse.area.time_zone
                area = areas[id(evse.area)] = (*_data_fields(evse.area),
                                               _zone_offset(zone, at) if zone else "")
            charger = chargers.get(id(evse.charger))
            if charger is None:
                charger = chargers[id(evse.charger)] = _data_fields(evse.charger)
            key = area + charger + _data_fields(evse.connector)
            if key in known:
                found = known[key]
            else:
                record = self._map(platform, evse, at)
                found = None if record is None else (record.evse_id, record_digest(record))
            current[key] = found
            if found is not None:
                yield found[0], found[1], evse
        state.digests, state.digests_view = current, platform.view

    async def _prepared(self, platform: OicpPlatform, evses: Sequence[ExportedEvse]
                        ) -> AsyncIterator[PreparedRecord]:
        async for record in self._mapped(platform, evses):
            yield PreparedRecord.of(record)

    async def _records(self, platform: OicpPlatform, evses: Sequence[ExportedEvse]
                       ) -> dict[str, PreparedRecord]:
        """The serialized records of the publishable EVSEs, by EvseID."""
        return {r.evse_id: r async for r in self._prepared(platform, evses)}

    def _data_requests(self, platform: OicpPlatform, records: Sequence[PreparedRecord],
                       action: ActionType) -> list[OicpRequest]:
        """Delta pushes of at most ``MAX_RECORDS_PER_PUSH`` records each."""
        url = platform.url(Operation.PUSH_EVSE_DATA)
        return [OicpRequest(platform.code, "evse-data", KIND_EVSE_DATA, url,
                            push_evse_data_body(platform.view, batch, action))
                for batch in chunks(records)]

    async def full_load_evse_data(self, platform_code: str) -> int:
        """Queues a fullLoad of every publishable EVSE; returns how many records."""
        platform = await self._platform(platform_code)
        async with self._platform_state(platform.code).lock:
            return await self._full_load_data(platform)

    async def _full_load_data(self, platform: OicpPlatform,
                              records: Mapping[str, PreparedRecord] | None = None) -> int:
        if records is None:
            records = await self._records(platform, await self._store.exported(platform))
        ordered = [records[k] for k in sorted(records)]
        # A fullLoad replaces Hubject's whole set, so it is one message, never split.
        request = OicpRequest(platform.code, "evse-data", KIND_EVSE_DATA,
                              platform.url(Operation.PUSH_EVSE_DATA),
                              push_evse_data_body(platform.view, ordered,
                                                  ActionType.FULL_LOAD))
        await self._store.queue_evse_data(platform, [request], records, (), full_load=True)
        self._wake()
        log.info("oicp_evse_data_full_load_queued", platform=platform.code,
                 records=len(records))
        return len(records)

    async def _evse_data_delta(self, platform: OicpPlatform, evses: Sequence[ExportedEvse],
                               summary: PushedSummary, counts: dict[str, int]) -> set[str]:
        """Queues the deltas (or the weekly fullLoad); returns the publishable EvseIDs."""
        if summary.data_due(self._now() - EVSE_DATA_FULL_LOAD_EVERY):
            records = await self._records(platform, evses)
            if summary.data_records or records:  # else: nothing published, nothing pushed
                counts["evse_data_full_load"] += await self._full_load_data(platform, records)
            return set(records)
        # Compared one by one with the digests last pushed; only changed records are made
        # (again) and kept.
        pushed = await self._store.pushed(platform.id, records=False)
        current: set[str] = set()
        changed: dict[str, PreparedRecord] = {}
        at = self._now()
        async for evse_id, digest, evse in self._digested(platform, evses):
            current.add(evse_id)
            before = pushed.get(evse_id)
            if before is not None and before.digest == digest:
                changed.pop(evse_id, None)  # a later duplicate EvseID wins
                continue
            record = self._map(platform, evse, at, quiet=True)
            if record is not None:
                changed[evse_id] = PreparedRecord.of(record)
        inserts = [changed[k] for k in sorted(changed)
                   if pushed.get(k) is None or pushed[k].digest is None]
        updates = [changed[k] for k in sorted(changed)
                   if pushed.get(k) is not None and pushed[k].digest is not None]
        gone = [k for k, p in pushed.items() if p.digest is not None and k not in current]
        # A delete repeats the record last pushed: read those records only.
        removal = evse_data_delta({}, await self._store.pushed(platform.id, gone)
                                  if gone else {})
        for evse_id in removal.undeletable:
            log.error("oicp_evse_delete_impossible", platform=platform.code, evse_id=evse_id)
        deletes = [PreparedRecord.of(record) for record in removal.deletes]
        if not (inserts or updates or deletes):
            return current
        requests = [
            *self._data_requests(platform, inserts, ActionType.INSERT),
            *self._data_requests(platform, updates, ActionType.UPDATE),
            *self._data_requests(platform, deletes, ActionType.DELETE),
        ]
        await self._store.queue_evse_data(platform, requests, changed,
                                          [r.evse_id for r in deletes], full_load=False)
        counts["evse_inserted"] += len(inserts)
        counts["evse_updated"] += len(updates)
        counts["evse_deleted"] += len(deletes)
        log.info("oicp_evse_data_delta_queued", platform=platform.code,
                 inserted=len(inserts), updated=len(updates), deleted=len(deletes))
        return current

    # --- EVSE status ----------------------------------------------------------------------

    async def _statuses(self, platform: OicpPlatform, evses: Sequence[ExportedEvse],
                        publishable: Collection[str] | None = None) -> dict[str, EvseStatus]:
        """The OICP status of every publishable EVSE (one Hubject can have data of);
        ``publishable``: the EvseIDs whose records were just made from ``evses``."""
        if publishable is None:
            publishable = {r.evse_id async for r in self._mapped(platform, evses, quiet=True)}
        statuses: dict[str, EvseStatus] = {}
        for count, evse in enumerate(evses, 1):
            await _breathe(count)
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
                current = await self._statuses(platform, await self._store.exported(
                    platform, station))
                if not current:
                    continue
                # what was pushed for this station's EVSEs only (one indexed query)
                changes = status_changes(current, await self._store.pushed(
                    platform.id, current.keys(), records=False))
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

    async def _full_load_status(self, platform: OicpPlatform,
                                evses: Sequence[ExportedEvse] | None = None,
                                publishable: Collection[str] | None = None) -> int:
        if evses is None:
            evses = await self._store.exported(platform)
        current = await self._statuses(platform, evses, publishable)
        body = _body(push_evse_status(platform.view, (), ActionType.FULL_LOAD))
        records: list[dict[str, Any]] = []
        # The records made and encoded a batch at a time (the loop runs in between).
        for batch in chunks(sorted(current.items()), YIELD_EVERY):
            records += _body(push_evse_status(platform.view, [
                EvseStatusRecord(evse_id=k, evse_status=v) for k, v in batch],
                ActionType.FULL_LOAD))["OperatorEvseStatus"]["EvseStatusRecord"]
            await asyncio.sleep(0)
        body["OperatorEvseStatus"]["EvseStatusRecord"] = records
        request = OicpRequest(platform.code, "evse-status", KIND_EVSE_STATUS,
                              platform.url(Operation.PUSH_EVSE_STATUS), body)
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
        tariffs = await self._store.tariffs(platform, self._now())
        return await self._pricing(platform, tariffs, await self._store.exported(platform),
                                   force=force)

    async def _pricing(self, platform: OicpPlatform, tariffs: Sequence[RoamingTariff],
                       evses: Sequence[ExportedEvse], *, force: bool) -> dict[str, int]:
        evse_tariffs: dict[str, tuple[str, ...]] = {}
        power: dict[str, Decimal] = {}
        for count, evse in enumerate(evses, 1):
            await _breathe(count)
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

    async def _network_key(self, platform: OicpPlatform, at: datetime) -> tuple[Any, ...]:
        """Equal keys, equal EVSE data and pricing pushes: the platform as loaded, the
        store's network version, the zones' UTC offsets now (DST changes every record's
        TimeZone) and the platform tariffs in force now (validity starts and ends)."""
        version = await self._store.network_version(platform)
        tariffs = await self._store.tariffs(platform, at)
        return (platform, version.stamp,
                tuple(_zone_offset(zone, at) for zone in version.time_zones), tuple(tariffs))

    async def _reconcile_evses(self, platform: OicpPlatform, counts: dict[str, int]) -> None:
        """EVSE data deltas, the weekly data and daily status full loads and pricing, with
        the network read at most once, and not at all when its version is the one the last
        completed pass saw (and no full load is due)."""
        state = self._platform_state(platform.code)
        async with state.lock:
            now = self._now()
            # Read before the network: a change committed meanwhile shows next time.
            key = await self._network_key(platform, now)
            unchanged = (key == state.reconciled and state.reconciled_at is not None
                         and state.reconciled_at <= now
                         < state.reconciled_at + NETWORK_RECHECK_EVERY)
            summary = await self._store.pushed_summary(platform.id)
            # With nothing changed since a pass that pushed nothing (nothing publishable),
            # there is still nothing to full-load.
            data_due = bool(summary.data_records) and \
                summary.data_due(now - EVSE_DATA_FULL_LOAD_EVERY)
            evses: Sequence[ExportedEvse] | None = None
            records: Collection[str] | None = None
            if not unchanged or data_due:
                evses = await self._store.exported(platform)
                records = await self._evse_data_delta(platform, evses, summary, counts)
                summary = await self._store.pushed_summary(platform.id)
            if summary.status_due(now - EVSE_STATUS_FULL_LOAD_EVERY):
                if evses is None:
                    evses = await self._store.exported(platform)
                counts["evse_status_full_load"] += await self._full_load_status(
                    platform, evses, records)
        if unchanged:
            return
        assert evses is not None
        tariffs = key[-1]
        pricing = await self._pricing(platform, tariffs, evses, force=False)
        counts["pricing"] += pricing["queued"]
        state.reconciled, state.reconciled_at = key, now

    async def reconcile(self, platform_code: str | None = None) -> dict[str, int]:
        """EVSE data deltas (a fullLoad when a week old), the daily status fullLoad,
        pricing when it changed, links a lost SessionStarted never made, and CDRs of ended
        sessions never queued."""
        counts = {"evse_data_full_load": 0, "evse_inserted": 0, "evse_updated": 0,
                  "evse_deleted": 0, "evse_status_full_load": 0, "pricing": 0, "linked": 0,
                  "cdrs": 0}
        for platform in await self._store.platforms(platform_code):
            try:
                await self._reconcile_evses(platform, counts)
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


_LIVE_FIELDS = frozenset({"ocpp_status", "connected"})  # no part of an EvseDataRecord
_DATA_FIELDS = {view: tuple(f.name for f in fields(view) if f.name not in _LIVE_FIELDS)
                for view in (OicpAreaView, OicpChargerView, OicpConnectorView)}


def _data_fields(view: OicpAreaView | OicpChargerView | OicpConnectorView) -> tuple[Any, ...]:
    """The values of the view's fields that its EVSE's record is made of."""
    return tuple(getattr(view, name) for name in _DATA_FIELDS[type(view)])


def _zone_offset(time_zone: str, at: datetime) -> str:
    try:
        return time_zone_offset(time_zone, at)
    except OicpMappingError:
        return f"unknown:{time_zone}"


def _no_cdr_reason(link: SessionLink) -> str | None:
    """Why a link gets no CDR: Hubject holds no session for it, or nothing happened."""
    if link.status == FAILED:
        return "the remote start was refused, so Hubject holds no session to close"
    if link.origin != ORIGIN_RESERVATION and link.charging_session_id is not None and \
            link.view.charging_start is None:
        return "the charging session ended before any transaction started"
    return None


def _kw(watts: int) -> Decimal:
    return Decimal(watts) / 1000
