"""The one in-process event bus: csms publishes domain events, adapters subscribe.

``publish`` never blocks or raises: events go to a queue that one dispatcher task
delivers in order to the subscribers of each event type. A failing subscriber is logged
and does not stop the others.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from csms.events import DomainEvent

log = structlog.get_logger("evgw.bus")
Subscriber = Callable[[Any], Awaitable[None]]


class EventBus:
    def __init__(self, max_queue: int = 100_000) -> None:
        self._subscribers: dict[type, list[Subscriber]] = defaultdict(list)
        self._queue: asyncio.Queue[DomainEvent] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def subscribe(self, event_type: type, subscriber: Subscriber) -> None:
        self._subscribers[event_type].append(subscriber)

    def publish(self, event: DomainEvent) -> None:
        if not self._subscribers.get(type(event)):
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            log.error("event_dropped", event=type(event).__name__, dropped=self.dropped)

    async def _dispatch(self) -> None:
        while True:
            event = await self._queue.get()
            for subscriber in self._subscribers.get(type(event), []):
                try:
                    await subscriber(event)
                except Exception:
                    log.exception("event_subscriber_failed", event=type(event).__name__)
            self._queue.task_done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._dispatch())

    async def drain(self) -> None:
        """Waits until every published event has been delivered."""
        await self._queue.join()

    async def stop(self) -> None:
        if self._task is not None:
            await self.drain()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
