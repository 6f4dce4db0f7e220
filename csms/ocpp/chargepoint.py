"""The base of our OCPP charge points: frame routing that answers as OCPP-J says.

Theory of operation. The ``ocpp`` package's ``ChargePoint.start()`` reads frames one at a
time and hands each to ``route_message``, which we replace: the frame is decoded by
``frames.parse_frame`` (bad frames get the version's CALLERROR instead of silence), a
repeated CALL id gets the reply already sent (never processed twice), the action is looked
up (unknown → NotImplemented, known but unhandled → NotSupported), the payload is
validated inline against the package's cached schema (a lenient station first gets known
quirks fixed), the ``@on`` handler runs, and its reply is validated before it goes out.
Work a handler registers with ``after_reply`` starts only once that reply is sent (OCPP
orders e.g. CertificateSigned after the SignCertificate answer), and only if it succeeded.
CALLRESULT/CALLERROR frames feed the package's response queue, so ``call()`` and our
``send_call()`` keep working. Handlers must not await calls to the charger (the reader
would deadlock); they spawn tasks instead.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import structlog
from jsonschema.exceptions import best_match
from ocpp.charge_point import ChargePoint, camel_to_snake_case
from ocpp.messages import CallError as LibCallError
from ocpp.messages import CallResult as LibCallResult
from ocpp.messages import get_validator

from csms.charging.errors import ChargerCallFailed
from csms.charging.records import StationInfo
from csms.charging.sessions import SessionService
from csms.charging.station_certificates import StationCertificates
from csms.charging.stations import StationService
from csms.clock import Clock
from csms.ocpp import frames
from csms.ocpp.frames import Call, CallError, CallResult, FrameError, Violation
from csms.ocpp.leniency import normalize
from csms.ocpp.traffic import TrafficLog
from csms.ocpp.validation import schema_problem
from csms.operations.inbound import OperationsInbound

log = structlog.get_logger("evgw.ocpp")
_URL_CREDENTIALS = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s\"]+:)[^@/\s\"]+@")
REPLY_CACHE_SIZE = 32  # duplicates come right after a reconnect; keep memory per socket small


@dataclass
class OcppContext:
    """Everything a connection's handlers need, built once by the composition root."""

    stations: StationService
    sessions: SessionService
    clock: Clock
    heartbeat_interval: int = 300
    call_timeout: float = 30.0
    traffic: TrafficLog | None = None  # the communication log
    on_message: Callable[[str, str, str], None] | None = None  # (version, direction, action)
    operations: OperationsInbound | None = None  # transfers, reports, reservations (issue 4)
    station_certificates: StationCertificates | None = None  # SignCertificate (issue 7)


def parse_time(value: str) -> datetime:
    """OCPP date-times; a charger that omits the offset is taken to mean UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HandlerError(Exception):
    """A handler refusing a message with a specific OCPP error class."""

    def __init__(self, violation: str, description: str) -> None:
        super().__init__(description)
        self.violation = violation
        self.description = description


class CsmsChargePoint(ChargePoint):  # type: ignore[misc]
    version: ClassVar[str]
    known_actions: ClassVar[frozenset[str]]

    def __init__(self, station: StationInfo, connection: Any, ctx: OcppContext) -> None:
        super().__init__(station.connection_identifier, connection,
                         response_timeout=ctx.call_timeout)
        self._ocpp_version = self.version
        self.station = station
        self.ctx = ctx
        self._replies: OrderedDict[str, str] = OrderedDict()
        self._pending_actions: dict[str, str] = {}  # our CALLs awaiting a reply
        self._tasks: set[asyncio.Task[Any]] = set()
        self._after_reply: list[Callable[[], Awaitable[Any]]] = []
        self.log = log.bind(station_id=station.code, ocpp=self.version)

    # --- inbound -------------------------------------------------------------------------

    def _log_frame(self, direction: str, message_type: int, unique_id: str | None,
                   action: str | None, text: str) -> None:
        if "@" in text:  # URL credentials (ftp://user:password@host) never reach the log
            text = _URL_CREDENTIALS.sub(r"\1***@", text)
        if self.ctx.traffic is not None:
            self.ctx.traffic.record(self.station.id, self.ctx.clock.now(), direction,
                                    message_type, unique_id, action, text)

    async def _reply(self, unique_id: str, action: str | None, text: str) -> None:
        message_type = frames.MessageType.CALLERROR if text.startswith("[4") else \
            frames.MessageType.CALLRESULT
        self._log_frame("OUT", message_type, unique_id, action, text)
        await self._send(text)

    async def route_message(self, raw: str) -> None:
        try:
            frame = frames.parse_frame(raw)
        except FrameError as error:
            self._log_frame("IN", 0, None, None, raw)
            self.log.warning("ocpp_frame_invalid", violation=error.violation,
                             detail=error.description)
            await self._reply(error.unique_id, None, frames.encode_error(
                self.version, error.unique_id, error.violation, error.description))
            return
        if isinstance(frame, CallResult | CallError):
            action = self._pending_actions.pop(frame.unique_id, None)
            message_type = (frames.MessageType.CALLRESULT if isinstance(frame, CallResult)
                            else frames.MessageType.CALLERROR)
            self._log_frame("IN", message_type, frame.unique_id, action, raw)
            if isinstance(frame, CallResult):
                self._response_queue.put_nowait(LibCallResult(frame.unique_id, frame.payload))
            else:
                self._response_queue.put_nowait(LibCallError(
                    frame.unique_id, frame.code, frame.description, frame.details))
            return
        self._log_frame("IN", frames.MessageType.CALL, frame.unique_id, frame.action, raw)
        cached = self._replies.get(frame.unique_id)
        if cached is not None:
            self.log.info("ocpp_duplicate_call", unique_id=frame.unique_id, action=frame.action)
            await self._reply(frame.unique_id, frame.action, cached)
            return
        self._after_reply = []
        reply = await self._dispatch(frame)
        follow_ups, self._after_reply = self._after_reply, []
        self._replies[frame.unique_id] = reply
        if len(self._replies) > REPLY_CACHE_SIZE:
            self._replies.popitem(last=False)
        await self._reply(frame.unique_id, frame.action, reply)
        if not reply.startswith("[4"):  # a CALLERROR cancels what the handler planned
            for start in follow_ups:
                self.spawn(start())

    async def _dispatch(self, call: Call) -> str:
        started = time.perf_counter()
        if self.ctx.on_message is not None:
            self.ctx.on_message(self.version, "IN", call.action)
        if call.action not in self.known_actions:
            return self._error(call, Violation.NOT_IMPLEMENTED,
                               f"{call.action} is not an OCPP {self.version} action")
        handlers = self.route_map.get(call.action, {})
        handler = handlers.get("_on_action")
        if handler is None:
            return self._error(call, Violation.NOT_SUPPORTED,
                               f"{call.action} is not supported by this central system")
        payload = call.payload
        problem = schema_problem(self.version, frames.MessageType.CALL, call.action, payload)
        if problem is not None and self.station.ocpp_leniency:
            fixed, fixes = normalize(self.version, call.action, payload)
            if fixes and schema_problem(self.version, frames.MessageType.CALL, call.action,
                                        fixed) is None:
                self.log.warning("ocpp_deviation_accepted", action=call.action, fixes=fixes)
                payload, problem = fixed, None
        if problem is not None:
            violation, detail = problem
            self.log.warning("ocpp_payload_invalid", action=call.action, violation=violation,
                             detail=detail)
            return self._error(call, violation, detail)
        try:
            response = await handler(**camel_to_snake_case(payload))
        except HandlerError as refusal:
            return self._error(call, refusal.violation, refusal.description)
        except Exception as exc:
            self.log.exception("ocpp_handler_failed", action=call.action,
                               unique_id=call.unique_id)
            return self._error(call, Violation.INTERNAL,
                               f"{call.action} failed: {type(exc).__name__}")
        problem = schema_problem(self.version, frames.MessageType.CALLRESULT, call.action,
                                 response)
        if problem is not None:
            self.log.error("ocpp_reply_invalid", action=call.action, detail=problem[1])
            return self._error(call, Violation.INTERNAL, "the central system built an invalid "
                               "reply; see its log")
        self.log.debug("ocpp_call_handled", action=call.action,
                       ms=round((time.perf_counter() - started) * 1000, 2))
        return frames.encode_result(call.unique_id, response)

    def _schema_problem(self, message_type: int, action: str, payload: dict[str, Any]
                        ) -> tuple[str, str] | None:
        validator = get_validator(message_type, action, self.version)
        error = best_match(validator.iter_errors(payload))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "payload"
        return frames.violation_for(error), f"{where}: {error.message}"[:255]

    def _error(self, call: Call, violation: str, description: str) -> str:
        return frames.encode_error(self.version, call.unique_id, violation, description)

    def after_reply(self, start: Callable[[], Awaitable[Any]]) -> None:
        """Runs ``start()`` as a background task once the current CALL's reply is sent."""
        self._after_reply.append(start)

    def spawn(self, coro: Any) -> None:
        """Work that must not hold up the reader (calls to the charger, boot follow-ups)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- outbound ------------------------------------------------------------------------

    async def send_call(self, action: str, payload: dict[str, Any],
                        timeout: float | None = None) -> dict[str, Any]:
        """Sends a CALL and returns the charger's reply payload.

        Raises ``TimeoutError`` when the charger stays silent and ``ChargerCallFailed`` on a
        CALLERROR or a reply that breaks the schema (unless the station is lenient)."""
        problem = self._schema_problem(frames.MessageType.CALL, action, payload)
        if problem is not None:
            raise ValueError(f"invalid {action} request: {problem[1]}")
        unique_id = str(uuid.uuid4())
        if self.ctx.on_message is not None:
            self.ctx.on_message(self.version, "OUT", action)
        async with self._call_lock:
            text = frames.encode_call(unique_id, action, payload)
            self._pending_actions[unique_id] = action
            self._log_frame("OUT", frames.MessageType.CALL, unique_id, action, text)
            await self._send(text)
            response = await self._get_specific_response(
                unique_id, timeout if timeout is not None else self._response_timeout)
        if isinstance(response, LibCallError):
            raise ChargerCallFailed(f"{action}: {response.error_code} "
                                    f"{response.error_description}")
        problem = self._schema_problem(frames.MessageType.CALLRESULT, action,
                                       response.payload)
        if problem is not None:
            if not self.station.ocpp_leniency:
                raise ChargerCallFailed(f"{action} reply breaks the schema: {problem[1]}")
            self.log.warning("ocpp_deviation_accepted", action=f"{action}Response",
                             detail=problem[1])
        payload_out: dict[str, Any] = response.payload
        return payload_out

    async def close_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
