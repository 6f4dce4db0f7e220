"""A charging-station simulator speaking raw OCPP-J over a real websocket.

It encodes frames itself (not through the ``ocpp`` package, so it does not share our
server's codec), answers CSMS-initiated calls from per-action handlers, records every
call it receives, and can send arbitrary raw frames for bad-input tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

Handler = Callable[[dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any] | None] | None]


class CallErrorReply(Exception):
    def __init__(self, code: str, description: str, details: Any) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


@dataclass
class ChargerSim:
    url: str  # ws://host:port/ocpp/<identity>
    protocol: str = "ocpp1.6"
    headers: dict[str, str] = field(default_factory=dict)
    ssl: Any = True
    handlers: dict[str, Handler] = field(default_factory=dict)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._raw_replies: asyncio.Queue[list[Any]] = asyncio.Queue()
        self._ids = itertools.count(1)
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.close_code: int | None = None

    async def connect(self) -> ChargerSim:
        self._session = aiohttp.ClientSession()
        try:
            self._ws = await self._session.ws_connect(
                self.url, protocols=(self.protocol,), headers=self.headers, ssl=self.ssl,
                autoping=True)
        except BaseException:
            await self._session.close()
            raise
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aenter__(self) -> ChargerSim:
        return await self.connect()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            if frame[0] == 2:
                await self._answer(frame)
            elif frame[1] in self._pending:
                self._pending.pop(frame[1]).set_result(frame)
            else:
                self._raw_replies.put_nowait(frame)
        self.close_code = self._ws.close_code
        self.closed.set()

    async def _answer(self, frame: list[Any]) -> None:
        _, unique_id, action, payload = frame
        self.received.append((action, payload))
        handler = self.handlers.get(action)
        if handler is None:
            reply: Any = [4, unique_id, "NotImplemented", f"sim has no {action}", {}]
        else:
            result = handler(payload)
            if asyncio.iscoroutine(result):
                result = await result
            if result is None:
                return  # silence: the CSMS must time out
            reply = [3, unique_id, result]
        assert self._ws is not None
        await self._ws.send_str(json.dumps(reply))

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Sends a CALL; returns the CALLRESULT payload or raises ``CallErrorReply``."""
        unique_id = f"sim-{next(self._ids)}"
        frame = await self.call_raw([2, unique_id, action, payload], unique_id)
        if frame[0] == 4:
            raise CallErrorReply(frame[2], frame[3], frame[4])
        result: dict[str, Any] = frame[2]
        return result

    async def call_raw(self, frame: Any, unique_id: str) -> list[Any]:
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = future
        await self.send_text(json.dumps(frame))
        return await asyncio.wait_for(future, self.timeout)

    async def send_text(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(text)

    async def next_raw_reply(self) -> list[Any]:
        """The next reply that matched no pending call (answers to raw malformed frames)."""
        return await asyncio.wait_for(self._raw_replies.get(), self.timeout)
