"""Rows written in batches off the connections' path: the OCPP communication log and the
meter values that belong to no session.

Rows are queued by the connections and inserted by one task every ``flush_interval``
seconds or ``batch_size`` rows; a full queue drops the oldest row with a counted warning
rather than growing without bound."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from csms.charging.records import MeterValueRow
from gateway.db import tables as t

log = structlog.get_logger("evgw.ocpp")


class BatchInsertWriter:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], table: Table,
                 batch_size: int = 500, flush_interval: float = 0.2,
                 max_pending: int = 200_000) -> None:
        self._sessions = sessions
        self._table = table
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._pending: deque[dict[str, Any]] = deque(maxlen=max_pending)
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.written = 0

    def add(self, row: dict[str, Any]) -> None:
        if len(self._pending) == self._pending.maxlen:
            self.dropped += 1
        self._pending.append(row)
        if len(self._pending) >= self._batch_size:
            self._wakeup.set()

    async def flush(self) -> None:
        while self._pending:
            batch = [self._pending.popleft()
                     for _ in range(min(self._batch_size, len(self._pending)))]
            try:
                async with self._sessions() as session, session.begin():
                    await session.execute(insert(self._table), batch)
                self.written += len(batch)
            except Exception:
                # Frames of a station deleted meanwhile, or the database is down: the log
                # is diagnostics, it must never take the connections down with it.
                log.exception("batch_write_failed", table=self._table.name, rows=len(batch))

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._flush_interval)
            self._wakeup.clear()
            await self.flush()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()


class TrafficLogWriter(BatchInsertWriter):
    """The OCPP communication log (``TrafficLog`` port)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions, t.ocpp_messages)

    def record(self, station_id: int, at: datetime, direction: str, message_type: int,
               unique_id: str | None, action: str | None, payload: str) -> None:
        self.add({"station_id": station_id, "at": at, "direction": direction,
                  "message_type": message_type, "unique_id": unique_id, "action": action,
                  "payload": payload})


class MeterValueWriter(BatchInsertWriter):
    """Meter values that belong to no session (general/clock-aligned values)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions, t.session_meter_values)

    def write(self, rows: Sequence[MeterValueRow]) -> None:
        for row in rows:
            self.add({"station_id": row.station_id, "session_id": None,
                      "connector_ref": row.connector_ref, "at": row.at,
                      "measurand": row.measurand, "phase": row.phase, "unit": row.unit,
                      "context": row.context, "location": row.location, "value": row.value})
