"""Enqueueing in the caller's transaction, and the in-process wake-up of the dispatcher.

The caller passes the ``AsyncSession`` (or ``AsyncConnection``) of the unit of work that
makes the change, so the message exists exactly when the change does: a rollback leaves
neither. With a session, the dispatcher is woken after the commit; with a bare connection
the caller may call :meth:`Wakeup.set` after committing, else polling picks it up.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from csms.clock import Clock
from gateway.outbox.model import OutboxMessage
from gateway.outbox.store import Executor, insert_message


class Wakeup:
    """An asyncio.Event the dispatcher waits on between polls."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            return False
        return True


class OutboxWriter:
    def __init__(self, clock: Clock, wakeup: Wakeup | None = None) -> None:
        self._clock = clock
        self.wakeup = wakeup or Wakeup()
        # One function object, so the listener is registered once per session.
        self._after_commit = self._wake

    def _wake(self, *_args: Any) -> None:
        self.wakeup.set()

    async def enqueue(self, executor: Executor, message: OutboxMessage) -> int:
        """Writes ``message`` in the executor's transaction and returns its id. Delivery
        starts after that transaction commits; nothing is sent if it rolls back."""
        message_id = await insert_message(executor, message, self._clock.now())
        if isinstance(executor, AsyncSession):
            target = executor.sync_session
            if not event.contains(target, "after_commit", self._after_commit):
                event.listen(target, "after_commit", self._after_commit)
        return message_id
