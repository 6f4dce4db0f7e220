"""Our Payments Receiver interface (CPO side), mounted in the OCPI sub-app.

Spec: the PTP ``POST``s a Terminal (a newly shipped one, or after our activation request)
and may ``GET`` it back; it ``POST``s a FinancialAdviceConfirmation after the capture and
may ``GET`` it. Beyond the spec, for PTPs that push updates of a terminal they own the
usual OCPI way, ``PUT`` and ``PATCH`` of ``{terminals}/{terminal_id}`` are accepted too
(same effect as a POST of the whole / merged object). A repeated POST of a known id
updates it. Created objects answer HTTP 201 (as the 2.3.0 OpenAPI has it), updates 200;
both with OCPI status 1000 and the terminal as we now hold it (with our assignment).
Trailing slashes, as in the spec's example URLs, are accepted.
Each platform sees and changes only its own terminals and confirmations.
"""

from __future__ import annotations

from typing import Any

import structlog
from aiohttp import web

from ocpi.errors import InvalidParameters, NotFound
from ocpi.models.base import dump_ocpi, json_value, loads, parse_ocpi, parse_patch
from ocpi.payments.models import FinancialAdviceConfirmation, Terminal
from ocpi.payments.ports import PaymentsPort
from ocpi.server.context import caller, deps
from ocpi.server.core_routes import ok

log = structlog.get_logger("evgw.ocpi")

TERMINALS = "/2.3.0/payments/terminals"
CONFIRMATIONS = "/2.3.0/payments/financial-advice-confirmations"


def _port(request: web.Request) -> PaymentsPort:
    port: PaymentsPort | None = deps(request).payments
    if port is None:
        raise NotFound("the payments module is not available")
    return port


async def _json(request: web.Request) -> Any:
    return loads(await request.text())


async def _keep(request: web.Request, terminal: Terminal) -> web.Response:
    platform = caller(request).platform.code
    held, created = await _port(request).receive_terminal(platform, terminal)
    log.info("ocpi_terminal_received", platform=platform, terminal_id=terminal.terminal_id,
             created=created)
    return ok(dump_ocpi(held), status=201 if created else 200)


async def post_terminal(request: web.Request) -> web.Response:
    return await _keep(request, parse_ocpi(Terminal, await _json(request)))


async def put_terminal(request: web.Request) -> web.Response:
    data = await _json(request)
    terminal_id = request.match_info["terminal_id"]
    if isinstance(data, dict):
        data.setdefault("terminal_id", terminal_id)
    terminal = parse_ocpi(Terminal, data)
    if terminal.terminal_id != terminal_id:
        raise InvalidParameters("the URL and the body name different terminals")
    return await _keep(request, terminal)


async def patch_terminal(request: web.Request) -> web.Response:
    terminal_id = request.match_info["terminal_id"]
    platform = caller(request).platform.code
    current = await _port(request).terminal(platform, terminal_id)
    if current is None:
        raise NotFound(f"terminal {terminal_id} is unknown")
    changes = parse_patch(Terminal, await _json(request))
    if changes.get("terminal_id", terminal_id) != terminal_id:
        raise InvalidParameters("a PATCH cannot change the terminal id")
    # Our assignment lists in ``current`` are not what the PTP holds: only lists the PATCH
    # itself carries count as theirs.
    merged = {k: v for k, v in dump_ocpi(current).items()
              if k not in ("location_ids", "evse_uids")}
    merged.update({name: json_value(value) for name, value in changes.items()})
    return await _keep(request, parse_ocpi(Terminal, merged))


async def get_terminal(request: web.Request) -> web.Response:
    terminal_id = request.match_info["terminal_id"]
    found = await _port(request).terminal(caller(request).platform.code, terminal_id)
    if found is None:
        raise NotFound(f"terminal {terminal_id} is unknown")
    return ok(dump_ocpi(found))


async def post_confirmation(request: web.Request) -> web.Response:
    data = await _json(request)
    confirmation = parse_ocpi(FinancialAdviceConfirmation, data)
    platform = caller(request).platform.code
    created = await _port(request).receive_confirmation(platform, confirmation, data)
    log.info("ocpi_financial_advice_received", platform=platform,
             confirmation_id=confirmation.id,
             authorization_reference=confirmation.authorization_reference,
             capture_status=str(confirmation.capture_status_code), created=created)
    return ok(status=201 if created else 200)


async def get_confirmation(request: web.Request) -> web.Response:
    confirmation_id = request.match_info["confirmation_id"]
    found = await _port(request).confirmation(caller(request).platform.code, confirmation_id)
    if found is None:
        raise NotFound(f"financial advice confirmation {confirmation_id} is unknown")
    return ok(found)


def add_payment_routes(app: web.Application) -> None:
    router = app.router
    item = TERMINALS + "/{terminal_id}"
    for suffix, tag in (("", ""), ("/", ".slash")):
        router.add_post(TERMINALS + suffix, post_terminal, name=f"payments.terminals.post{tag}")
        router.add_post(CONFIRMATIONS + suffix, post_confirmation,
                        name=f"payments.confirmations.post{tag}")
    router.add_get(item, get_terminal, name="payments.terminals.get")
    router.add_put(item, put_terminal, name="payments.terminals.put")
    router.add_patch(item, patch_terminal, name="payments.terminals.patch")
    router.add_get(CONFIRMATIONS + "/{confirmation_id}", get_confirmation,
                   name="payments.confirmations.get")
