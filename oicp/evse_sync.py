"""What Hubject must be told so that its copy of our EVSEs equals ours.

EVSE data travels as deltas (``insert`` for EvseIDs Hubject does not have, ``update`` for
records whose digest changed, ``delete`` for EvseIDs we no longer publish) or as a
``fullLoad`` that replaces everything.  We remember per EvseID the digest and the JSON of
the record last pushed: an ``ActionType: delete`` repeats that record, since the schema
requires whole records.  Statuses go one change at a time; an EVSE never pushed counts as
``Unknown`` (so a newly published EVSE whose charger is offline sends nothing).

Pushes of one kind must be sequential (SPEC-01): the gateway sends every EVSE data message
of a platform on one outbox stream and every status message on another.

A network of tens of thousands of EVSEs makes every per-record step count: a record is
serialized once (:class:`PreparedRecord`: its JSON text and digest) and that text serves
the comparison, the message body (:func:`push_evse_data_body`) and the bookkeeping.
Keeping text instead of models or dicts also keeps the garbage collector's work small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from oicp.errors import OicpDecodeError
from oicp.mapping import push_evse_data
from oicp.models import decode
from oicp.models.common import ActionType
from oicp.models.evse_data import EvseDataRecord
from oicp.models.evse_status import EvseStatus, EvseStatusRecord
from oicp.views import OicpPlatformView

__all__ = [
    "MAX_RECORDS_PER_PUSH",
    "EvseDataDelta",
    "PreparedRecord",
    "PushedEvse",
    "PushedSummary",
    "chunks",
    "evse_data_delta",
    "json_digest",
    "push_evse_data_body",
    "record_digest",
    "status_changes",
]

MAX_RECORDS_PER_PUSH = 100
_COMPACT = (",", ":")  # the separators of every JSON text we send and digest
T = TypeVar("T")


def json_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of a record's JSON object (keys sorted): equal digests, equal records."""
    text = json.dumps(document, sort_keys=True, separators=_COMPACT)
    return hashlib.sha256(text.encode()).hexdigest()


def record_digest(record: EvseDataRecord) -> str:
    """SHA-256 of the record's JSON (keys sorted): equal digests, equal records."""
    return json_digest(record.to_json())


class PreparedRecord(NamedTuple):
    """A record serialized once: its JSON text as sent (compact, the model's key order)
    and its digest (:func:`record_digest`). A tuple of strings: the garbage collector
    stops tracking it, which matters with tens of thousands alive."""

    evse_id: str
    text: str
    digest: str

    @staticmethod
    def of(record: EvseDataRecord) -> PreparedRecord:
        document = record.to_json()
        return PreparedRecord(record.evse_id, json.dumps(document, separators=_COMPACT),
                              json_digest(document))

    def document(self) -> dict[str, Any]:
        """The record's JSON object (what ``record.to_json()`` gave)."""
        value: dict[str, Any] = json.loads(self.text)
        return value


_RECORDS_SLOT = "EvseDataRecord-records-go-here"


def push_evse_data_body(platform: OicpPlatformView, records: Sequence[PreparedRecord],
                        action: ActionType) -> str:
    """The eRoamingPushEvseData body of ``records`` as compact JSON text: the bytes of
    ``json.dumps(push_evse_data(...).to_json(), separators=(",", ":"))``, joined from the
    records' texts instead of building and encoding one object of every record."""
    envelope = push_evse_data(platform, (), action).to_json()
    envelope["OperatorEvseData"]["EvseDataRecord"] = _RECORDS_SLOT
    text = json.dumps(envelope, separators=_COMPACT)
    slot = json.dumps(_RECORDS_SLOT)
    assert text.count(slot) == 1
    return text.replace(slot, "[" + ",".join(r.text for r in records) + "]")


class PushedEvse(NamedTuple):
    """What Hubject was last sent for one EvseID (``digest`` None: data never pushed).
    A tuple, so that tens of thousands of them (without ``record``) cost the garbage
    collector nothing."""

    evse_id: str
    digest: str | None = None
    record: Mapping[str, Any] | None = None
    status: str | None = None
    data_pushed_at: datetime | None = None
    status_pushed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PushedSummary:
    """Counts and oldest push times of what a platform was sent (the full-load schedule
    needs only these, not every EvseID)."""

    evses: int = 0  # EvseIDs remembered (data, status or both)
    data_records: int = 0  # of them with pushed EVSE data
    oldest_data_push: datetime | None = None
    statuses: int = 0  # of them with a pushed status
    oldest_status_push: datetime | None = None

    def data_due(self, limit: datetime) -> bool:
        """Whether a data fullLoad is due: nothing pushed yet (or no push time known), or
        the oldest push at ``limit`` or before."""
        return not self.data_records or self.oldest_data_push is None or \
            self.oldest_data_push <= limit

    def status_due(self, limit: datetime) -> bool:
        """Whether a status fullLoad is due: EvseIDs are known but no status was pushed
        (or no push time known), or the oldest push at ``limit`` or before."""
        return bool(self.evses) and (not self.statuses or self.oldest_status_push is None
                                     or self.oldest_status_push <= limit)


@dataclass(frozen=True)
class EvseDataDelta:
    """Records to insert, update and delete (deletes repeat the last pushed record)."""

    inserts: tuple[EvseDataRecord, ...] = ()
    updates: tuple[EvseDataRecord, ...] = ()
    deletes: tuple[EvseDataRecord, ...] = ()
    undeletable: tuple[str, ...] = field(default=())  # stored record unreadable

    def __bool__(self) -> bool:
        return bool(self.inserts or self.updates or self.deletes)


def evse_data_delta(current: Mapping[str, EvseDataRecord],
                    pushed: Mapping[str, PushedEvse]) -> EvseDataDelta:
    """Compare what we publish now with what Hubject was sent (both keyed by EvseID)."""
    inserts: list[EvseDataRecord] = []
    updates: list[EvseDataRecord] = []
    deletes: list[EvseDataRecord] = []
    undeletable: list[str] = []
    for evse_id, record in sorted(current.items()):
        before = pushed.get(evse_id)
        if before is None or before.digest is None:
            inserts.append(record)
        elif before.digest != record_digest(record):
            updates.append(record)
    for evse_id, before in sorted(pushed.items()):
        if evse_id in current or before.digest is None:
            continue
        try:
            deletes.append(decode(EvseDataRecord, dict(before.record or {})))
        except OicpDecodeError:
            undeletable.append(evse_id)
    return EvseDataDelta(tuple(inserts), tuple(updates), tuple(deletes), tuple(undeletable))


def status_changes(current: Mapping[str, EvseStatus],
                   pushed: Mapping[str, PushedEvse]) -> list[EvseStatusRecord]:
    """Status records that differ from what Hubject was last sent (``Unknown`` when
    nothing was sent), in EvseID order."""
    changes = []
    for evse_id, status in sorted(current.items()):
        before = pushed.get(evse_id)
        last = before.status if before is not None and before.status else EvseStatus.UNKNOWN
        if status.value != last:
            changes.append(EvseStatusRecord(evse_id=evse_id, evse_status=status))
    return changes


def chunks(items: Sequence[T] | Iterable[T], size: int = MAX_RECORDS_PER_PUSH
           ) -> Iterator[list[T]]:
    """Consecutive batches of at most ``size`` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
