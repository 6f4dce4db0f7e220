"""Composition of payment terminals with OCPI Payments and the outbox.

* :class:`TerminalRoamingSync` is the terminals' roaming hook: in the unit of work of a
  terminal change it enqueues the request for the PTP (assignment PATCH, data PUT,
  activate / deactivate POST) in the persistent outbox, so the change and its message
  commit together. The PTP must be registered and have a payments endpoint; otherwise
  nothing is queued and the terminal stays "not in sync" until the reconcile after its
  registration sends it.
* :func:`register_terminal_delivery`: these messages are delivered by the OCPI rules
  (:mod:`gateway.ocpi_wiring`: the token resolved at send time, 2xxx = refused, 3xxx =
  retried) under their own protocol name, whose hooks tell the terminals what became of
  an assignment the PTP refused (or accepted after an admin retry), so a refusal is shown
  on the terminal instead of it reading "in sync".
* :class:`GatewayPayments` is the OCPI Payments receiver's port: terminals go through the
  network model's :class:`~csms.network.terminals.TerminalService`, confirmations to their
  store.
* :class:`TerminalPuller` pulls every terminal of a PTP on demand (paginated) and keeps
  each one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import aiohttp
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from csms.network.errors import NetworkError, NotFound, RuleViolation
from csms.network.terminal_ports import RoamingAction
from csms.network.terminal_schemas import TerminalRead
from csms.network.terminals import TerminalService
from csms.network.types import PlatformType
from gateway.db.payment_store import SqlConfirmationStore
from gateway.ocpi_wiring import ocpi_auth, ocpi_verdict
from gateway.outbox import (
    DeliveryResponse,
    Outbox,
    OutboxMessage,
    OutboxRecord,
    ProtocolHooks,
    body_classifier,
)
from ocpi.credentials import OcpiCredentials
from ocpi.errors import InvalidParameters, OcpiError, Unauthorized
from ocpi.errors import NotFound as OcpiNotFound
from ocpi.models.base import dump_ocpi, json_value
from ocpi.payments.client import pull_terminals, terminals_url
from ocpi.payments.mapping import assignment_patch, fac_record, ocpi_terminal, roaming_terminal
from ocpi.payments.models import FinancialAdviceConfirmation, Terminal
from ocpi.push import routing_headers
from ocpi.routing import RoutingHeaders

log = structlog.get_logger("evgw.terminals")
PROTOCOL = "ocpi-terminals"  # the OCPI delivery rules, with the hooks below
# Kinds whose body carries the assignment (location_ids, evse_uids) the PTP is given.
_ASSIGNING_KINDS = frozenset({"terminal_assignment", "terminal_update", "terminal_activate"})
_STREAM = "terminals:"


class TerminalRoamingSync:
    def __init__(self, credentials: OcpiCredentials, outbox: Outbox,
                 now: Callable[[], datetime]) -> None:
        self._credentials = credentials
        self._outbox = outbox
        self._now = now

    async def __call__(self, session: AsyncSession, terminal: TerminalRead,
                       action: RoamingAction) -> str | None:
        assert terminal.platform is not None
        platform = await self._credentials.store.platform(terminal.platform)
        if platform is None or not platform.registered:
            return f"platform {terminal.platform!r} is not registered in OCPI yet"
        url = terminals_url(platform.endpoints)
        if url is None:
            return f"platform {terminal.platform!r} has no payments endpoint"
        if not terminal.roaming_id:
            return f"terminal {terminal.code!r} has no terminal id at the PTP yet"
        item = f"{url.rstrip('/')}/{quote(terminal.roaming_id, safe='')}"
        body: dict[str, Any] | None
        if action is RoamingAction.ASSIGNMENT:
            method, target, body = "PATCH", item, assignment_patch(terminal, self._now())
        elif action is RoamingAction.UPDATE:
            method, target, body = "PUT", item, dump_ocpi(ocpi_terminal(terminal))
        elif action is RoamingAction.ACTIVATE:
            method, target = "POST", f"{url.rstrip('/')}/activate"
            body = dump_ocpi(ocpi_terminal(terminal))
        else:
            method, target, body = "POST", f"{item}/deactivate", None
        await self._outbox.enqueue(session, OutboxMessage(
            partner=platform.code, stream=f"{_STREAM}{terminal.roaming_id}", method=method,
            url=target, kind=f"terminal_{action.value.lower()}", protocol=PROTOCOL,
            headers={"Content-Type": "application/json", **routing_headers(platform)},
            body=json.dumps(body, default=str) if body is not None else None,
            credential=platform.code))
        log.info("terminal_roaming_change_queued", terminal=terminal.code,
                 platform=platform.code, action=action.value, method=method,
                 location_ids=terminal.location_ids, evse_uids=terminal.evse_uids)
        return None


def _sent_assignment(record: OutboxRecord) -> tuple[str, dict[str, list[str]]] | None:
    """(terminal id at the PTP, assignment the message carried), None for other messages."""
    if record.kind not in _ASSIGNING_KINDS or not record.stream.startswith(_STREAM):
        return None
    try:
        body = json.loads(record.body or "null")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return record.stream[len(_STREAM):], {"location_ids": list(body.get("location_ids") or []),
                                           "evse_uids": list(body.get("evse_uids") or [])}


def register_terminal_delivery(outbox: Outbox, credentials: OcpiCredentials,
                               terminals: TerminalService) -> None:
    """Delivers the terminal messages (:data:`PROTOCOL`) and reports refusals back."""

    async def outcome(record: OutboxRecord, refused: str | None) -> None:
        sent = _sent_assignment(record)
        if sent is not None:
            await terminals.roaming_outcome(record.partner, sent[0], sent[1], refused)

    async def delivered(record: OutboxRecord, _response: DeliveryResponse) -> None:
        await outcome(record, None)

    async def failed(record: OutboxRecord, _response: DeliveryResponse) -> None:
        reason = record.last_error or "refused"
        if record.kind == "terminal_deactivate" and record.stream.startswith(_STREAM):
            # A PTP without deactivation (or that refused it): ours stands, the PTP's
            # differs; shown on the terminal.
            await terminals.roaming_outcome(record.partner, record.stream[len(_STREAM):],
                                            None, f"deactivation refused: {reason}")
            return
        await outcome(record, reason)

    outbox.register_protocol(PROTOCOL, ProtocolHooks(
        classifier=body_classifier(ocpi_verdict), auth=ocpi_auth(credentials),
        on_delivered=delivered, on_failed=failed))


def _ocpi_error(exc: NetworkError) -> OcpiError:
    if isinstance(exc, NotFound):
        return OcpiNotFound(exc.detail)
    return InvalidParameters(exc.detail, errors=[{"field": exc.field or "$",
                                                   "error": exc.detail}])


class GatewayPayments:
    """The OCPI Payments receiver's port (``ocpi.payments.ports.PaymentsPort``)."""

    def __init__(self, terminals: TerminalService, confirmations: SqlConfirmationStore,
                 credentials: OcpiCredentials) -> None:
        self._terminals = terminals
        self._confirmations = confirmations
        self._credentials = credentials

    async def _require_ptp(self, platform_code: str) -> None:
        if await self._terminals.platform_type(platform_code) != PlatformType.PTP:
            raise Unauthorized(f"platform {platform_code} is not a payment terminal provider",
                               http_status=403)

    async def receive_terminal(self, platform_code: str, terminal: Terminal
                               ) -> tuple[Terminal, bool]:
        await self._require_ptp(platform_code)
        try:
            held, created = await self._terminals.receive(platform_code,
                                                          roaming_terminal(terminal))
        except NetworkError as exc:
            raise _ocpi_error(exc) from exc
        return ocpi_terminal(held), created

    async def terminal(self, platform_code: str, terminal_id: str) -> Terminal | None:
        await self._require_ptp(platform_code)
        held = await self._terminals.by_roaming_id(platform_code, terminal_id)
        return ocpi_terminal(held) if held is not None else None

    async def receive_confirmation(self, platform_code: str,
                                   confirmation: FinancialAdviceConfirmation,
                                   received: dict[str, Any]) -> bool:
        await self._require_ptp(platform_code)
        # Numbers arrive as Decimal; stored (and answered) as JSON numbers again.
        return await self._confirmations.put(platform_code,
                                             fac_record(confirmation, json_value(received)))

    async def confirmation(self, platform_code: str, confirmation_id: str
                           ) -> dict[str, Any] | None:
        await self._require_ptp(platform_code)
        return await self._confirmations.get(platform_code, confirmation_id)


class TerminalPuller:
    """``GET {ptp terminals}`` on demand: every page, every terminal kept."""

    def __init__(self, terminals: TerminalService, credentials: OcpiCredentials,
                 http: Callable[[], aiohttp.ClientSession] | None = None) -> None:
        self._terminals = terminals
        self._credentials = credentials
        self._http = http

    async def pull(self, platform_code: str) -> dict[str, Any]:
        platform = await self._credentials.store.platform(platform_code)
        if platform is None:
            raise NotFound(f"roaming platform {platform_code!r} does not exist or is not OCPI")
        token = self._credentials.secret(platform.remote_access_token_enc)
        url = terminals_url(platform.endpoints)
        if not platform.registered or token is None:
            raise RuleViolation(f"platform {platform_code!r} is not registered in OCPI")
        if url is None:
            raise RuleViolation(f"platform {platform_code!r} has no payments endpoint")
        partner = next(((r.get("country_code"), r.get("party_id")) for r in platform.roles),
                       (None, None))
        routing = RoutingHeaders(platform.party.country_code, platform.party.party_id,
                                 partner[0], partner[1])
        if self._http is not None:
            result = await pull_terminals(self._http(), url, token,
                                          base64_token=platform.send_base64, routing=routing)
        else:
            async with aiohttp.ClientSession() as http:
                result = await pull_terminals(http, url, token,
                                              base64_token=platform.send_base64,
                                              routing=routing)
        created = updated = 0
        refused: list[dict[str, Any]] = list(result.invalid)
        for terminal in result.terminals:
            try:
                _, new = await self._terminals.receive(platform_code,
                                                       roaming_terminal(terminal))
            except (NetworkError, ValueError) as exc:
                refused.append({"terminal_id": terminal.terminal_id, "error": str(exc)})
                continue
            created += new
            updated += not new
        sent = await self._terminals.reconcile()
        log.info("terminals_pulled", platform=platform_code, pages=result.pages,
                 created=created, updated=updated, refused=len(refused))
        return {"platform": platform_code, "pages": result.pages, "received":
                len(result.terminals) + len(result.invalid), "created": created,
                "updated": updated, "refused": refused, "assignments_sent": sent}
