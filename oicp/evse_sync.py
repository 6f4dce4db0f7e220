"""What Hubject must be told so that its copy of our EVSEs equals ours.

EVSE data travels as deltas (``insert`` for EvseIDs Hubject does not have, ``update`` for
records whose digest changed, ``delete`` for EvseIDs we no longer publish) or as a
``fullLoad`` that replaces everything.  We remember per EvseID the digest and the JSON of
the record last pushed: an ``ActionType: delete`` repeats that record, since the schema
requires whole records.  Statuses go one change at a time; an EVSE never pushed counts as
``Unknown`` (so a newly published EVSE whose charger is offline sends nothing).

Pushes of one kind must be sequential (SPEC-01): the gateway sends every EVSE data message
of a platform on one outbox stream and every status message on another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from oicp.errors import OicpDecodeError
from oicp.models import decode
from oicp.models.evse_data import EvseDataRecord
from oicp.models.evse_status import EvseStatus, EvseStatusRecord

__all__ = [
    "MAX_RECORDS_PER_PUSH",
    "EvseDataDelta",
    "PushedEvse",
    "chunks",
    "evse_data_delta",
    "record_digest",
    "status_changes",
]

MAX_RECORDS_PER_PUSH = 100
T = TypeVar("T")


def record_digest(record: EvseDataRecord) -> str:
    """SHA-256 of the record's JSON (keys sorted): equal digests, equal records."""
    text = json.dumps(record.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PushedEvse:
    """What Hubject was last sent for one EvseID (``digest`` None: data never pushed)."""

    evse_id: str
    digest: str | None = None
    record: Mapping[str, Any] | None = None
    status: str | None = None
    data_pushed_at: datetime | None = None
    status_pushed_at: datetime | None = None


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
