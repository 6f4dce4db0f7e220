"""Use cases of payment terminals: CRUD, assignment to an area or a connector, activation,
and the terminals a Payment Terminal Provider (PTP) pushes or we pull.

Theory of operation. Our assignment is the truth; the PTP holds a copy as the OCPI lists
``location_ids`` (an area and its sub-areas, by roaming id: the manual's hierarchy puts
sub-locations under one larger location) and ``evse_uids`` (a connector, by roaming id).
Every change that alters that copy — assign, unassign, delete, a changed roaming id — is
handed to the repository's ``enqueue_roaming`` in the same unit of work, which the gateway
implements with the persistent outbox: the change and its message commit together. The
repository remembers what was last sent (``synced``); :meth:`TerminalService.reconcile`
re-sends whatever differs, so a PTP registered later, or an area whose roaming id changed,
converges too. Activation (``POST {terminals}/activate``) and deactivation (``POST
{terminals}/{id}/deactivate``) and data updates (``PUT``) travel the same way.

``synced`` is written when the message is queued, not when it arrives: the outbox retries
until the PTP answers. A PTP that *refuses* it (an OCPI 2xxx, or the outbox gives up) is
reported back through :meth:`TerminalService.roaming_outcome`: the terminal then shows
``roaming_in_sync`` false with the reason in ``roaming_refused``, and the reconcile does not
resend that same assignment (a refusal repeats; a new assignment, staff assigning again or
an admin retry of the message sends it).

Terminals pushed or pulled from a PTP are matched by (platform, terminal id), else by
(platform, reference) — the activation flow: we send the reference, the PTP then creates the
terminal. PTP-owned fields (address, coordinates, invoice data) are taken from the PTP; our
name, description, operator and assignment stay ours. A terminal new to us adopts the
assignment it arrives with only when that is exactly one of our areas or connectors;
otherwise ours (none) is sent back, so roaming and our data agree.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import structlog

from csms.network.errors import Conflict, NotFound, RuleViolation
from csms.network.terminal_ports import (
    RoamingAction,
    Target,
    TerminalRepository,
    TerminalUnitOfWork,
)
from csms.network.terminal_schemas import (
    RoamingTerminal,
    TerminalAssignment,
    TerminalCreate,
    TerminalPatch,
    TerminalRead,
)
from csms.network.types import PlatformType

# Fields the PTP holds too: a change of one of them is sent to the PTP (PUT).
ROAMING_FIELDS = ("address", "city", "postal_code", "state", "country", "latitude",
                  "longitude", "roaming_reference", "customer_reference", "invoice_base_url",
                  "invoice_creator")
_CODE_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")
RECEIVE_ATTEMPTS = 3  # a terminal received twice at once collides once, not more
log = structlog.get_logger("evgw.terminals")




def _assignment(location_ids: list[str], evse_uids: list[str]) -> dict[str, list[str]]:
    return {"location_ids": list(location_ids), "evse_uids": list(evse_uids)}


def _held(synced: dict[str, Any] | None) -> tuple[dict[str, list[str]], str | None]:
    """What the PTP holds (nothing known: an empty assignment) and why it refused the last
    assignment sent, if it did."""
    held = synced or {}
    return (_assignment(held.get("location_ids") or [], held.get("evse_uids") or []),
            held.get("refused"))


class TerminalService:
    def __init__(self, unit_of_work: TerminalUnitOfWork) -> None:
        self._uow = unit_of_work
        # (platform, terminal id) -> [lock, users]: one PTP terminal received at a time.
        self._receiving: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}

    # --- reads ---------------------------------------------------------------------------

    async def _read(self, repo: TerminalRepository, row: dict[str, Any]) -> TerminalRead:
        location_ids: list[str] = []
        evse_uids: list[str] = []
        if row.get("area"):
            location_ids = await repo.area_roaming_ids(row["area"])
        elif row.get("connector") and row.get("charger"):
            facts = await repo.connector_facts(row["charger"], row["connector"])
            if facts is not None and facts.roaming_id:
                evse_uids = [facts.roaming_id]
        in_sync = refused = None
        if row.get("platform"):
            held, refused = _held(row.get("synced"))
            in_sync = refused is None and held == _assignment(location_ids, evse_uids)
        data = {k: v for k, v in row.items() if k in TerminalRead.model_fields}
        return TerminalRead.model_validate(data | {
            "location_ids": location_ids, "evse_uids": evse_uids, "roaming_in_sync": in_sync,
            "roaming_refused": refused})

    async def _load(self, repo: TerminalRepository, code: str) -> TerminalRead:
        row = await repo.get(code)
        if row is None:
            raise NotFound(f"terminal {code!r} does not exist")
        return await self._read(repo, row)

    async def get(self, code: str) -> TerminalRead:
        async with self._uow() as repo:
            return await self._load(repo, code)

    async def page(self, filters: dict[str, str], limit: int, offset: int
                   ) -> tuple[list[TerminalRead], int]:
        async with self._uow() as repo:
            rows, total = await repo.page(filters, limit, offset)
            return [await self._read(repo, row) for row in rows], total

    async def platform_type(self, platform: str) -> str | None:
        """The type (PTP, EMSP …) of a roaming platform; None when it does not exist."""
        async with self._uow() as repo:
            return await repo.platform_type(platform)

    async def by_roaming_id(self, platform: str, roaming_id: str) -> TerminalRead | None:
        async with self._uow() as repo:
            code = await repo.find_roaming(platform, roaming_id=roaming_id)
            return None if code is None else await self._load(repo, code)

    # --- writes by CPO staff ---------------------------------------------------------------

    async def create(self, body: object) -> tuple[TerminalRead, list[str]]:
        obj = TerminalCreate.model_validate(body)
        async with self._uow() as repo:
            if await repo.get(obj.code) is not None:
                raise Conflict(f"terminal {obj.code!r} already exists", field="code")
            await self._check(repo, obj, current=None)
            # A PTP terminal without its terminal id waits for activation.
            await repo.insert(obj, active=obj.platform is None or obj.roaming_id is not None)
            return await self._load(repo, obj.code), []

    async def update(self, code: str, patch: object) -> tuple[TerminalRead, list[str]]:
        changes = TerminalPatch.model_validate(patch).model_dump(exclude_unset=True)
        async with self._uow() as repo:
            row = await repo.get(code)
            if row is None:
                raise NotFound(f"terminal {code!r} does not exist")
            current = TerminalCreate.model_validate(
                {name: row[name] for name in TerminalCreate.model_fields})
            obj = TerminalCreate.model_validate(current.model_dump() | changes)
            await self._check(repo, obj, current=current)
            await repo.update(code, obj)
            terminal = await self._load(repo, code)
            warnings = []
            roaming_changed = any(getattr(obj, f) != getattr(current, f) for f in ROAMING_FIELDS)
            if obj.platform and obj.roaming_id and roaming_changed:
                warnings += await self._send(repo, terminal, RoamingAction.UPDATE)
            if obj.roaming_id != current.roaming_id:
                warnings += await self._sync(repo, terminal)
            return await self._load(repo, code), warnings

    async def delete(self, code: str) -> list[str]:
        async with self._uow() as repo:
            terminal = await self._load(repo, code)
            warnings: list[str] = []
            if terminal.area or terminal.connector:
                await repo.set_assignment(code, None)
                warnings = await self._sync(repo, await self._load(repo, code))
            await repo.delete(code)
            return warnings

    async def assign(self, code: str, body: object) -> tuple[TerminalRead, list[str]]:
        assignment = TerminalAssignment.model_validate(body)
        async with self._uow() as repo:
            terminal = await self._load(repo, code)
            target, warnings = await self._target(repo, terminal, assignment)
            await repo.set_assignment(code, target)
            warnings += await self._sync(repo, await self._load(repo, code))
            log.info("terminal_assigned", terminal=code, area=target.area,
                     charger=target.charger, connector=target.connector, warnings=warnings)
            return await self._load(repo, code), warnings

    async def unassign(self, code: str) -> tuple[TerminalRead, list[str]]:
        async with self._uow() as repo:
            await self._load(repo, code)
            await repo.set_assignment(code, None)
            warnings = await self._sync(repo, await self._load(repo, code))
            log.info("terminal_unassigned", terminal=code, warnings=warnings)
            return await self._load(repo, code), warnings

    async def set_active(self, code: str, active: bool) -> tuple[TerminalRead, list[str]]:
        async with self._uow() as repo:
            terminal = await self._load(repo, code)
            if terminal.active == active:
                return terminal, [f"terminal {code!r} is already "
                                  f"{'active' if active else 'inactive'}"]
            if active and terminal.platform and not terminal.roaming_id:
                if not terminal.roaming_reference:
                    raise RuleViolation("activating a PTP terminal needs its roaming "
                                        "reference (e.g. the serial number)",
                                        field="roaming_reference")
                # OCPI 2.3.0 Terminal.terminal_id is required even in an activation: we
                # propose one; a PTP that picks another is matched by the reference.
                obj = TerminalCreate.model_validate(
                    {name: getattr(terminal, name) for name in TerminalCreate.model_fields}
                    | {"roaming_id": str(uuid.uuid4())})
                await repo.update(code, obj)
            await repo.set_active(code, active)
            terminal = await self._load(repo, code)
            warnings: list[str] = []
            if terminal.platform:
                action = RoamingAction.ACTIVATE if active else RoamingAction.DEACTIVATE
                warnings = await self._send(repo, terminal, action)
                if active and not warnings:
                    await repo.set_synced(code, _assignment(terminal.location_ids,
                                                            terminal.evse_uids))
            log.info("terminal_activated" if active else "terminal_deactivated",
                     terminal=code, warnings=warnings)
            return await self._load(repo, code), warnings

    # --- the PTP's side ----------------------------------------------------------------------

    async def receive(self, platform: str, data: RoamingTerminal
                      ) -> tuple[TerminalRead, bool]:
        """A terminal the PTP pushed (POST/PUT) or we pulled; (terminal, created).

        A PTP may send the same terminal twice at once (a retry after a timeout, a push
        during our pull). In this process they take turns (the second one finds the
        terminal the first created); a collision with another process's insert is tried
        again, and then finds it too."""
        key = (platform, data.roaming_id)
        lock, users = self._receiving.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                return await self._receive_retrying(platform, data)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._receiving[key]

    async def _receive_retrying(self, platform: str, data: RoamingTerminal
                                ) -> tuple[TerminalRead, bool]:
        for attempt in range(1, RECEIVE_ATTEMPTS + 1):
            try:
                return await self._receive(platform, data)
            except Conflict:
                if attempt == RECEIVE_ATTEMPTS:
                    raise
                log.info("terminal_receive_collided", platform=platform,
                         terminal_id=data.roaming_id, attempt=attempt)
        raise AssertionError("unreachable")

    async def _receive(self, platform: str, data: RoamingTerminal
                       ) -> tuple[TerminalRead, bool]:
        async with self._uow() as repo:
            if await repo.platform_type(platform) is None:
                raise NotFound(f"roaming platform {platform!r} does not exist")
            code = await repo.find_roaming(platform, roaming_id=data.roaming_id)
            activated = False
            if code is None and data.roaming_reference:
                code = await repo.find_roaming(platform, reference=data.roaming_reference)
                activated = code is not None
            sent = data.model_dump(exclude_none=True, include=set(ROAMING_FIELDS))
            created = code is None
            if code is None:
                code = await self._free_code(repo, platform, data.roaming_id)
                obj = TerminalCreate.model_validate(sent | {
                    "code": code, "name": f"Terminal {data.roaming_reference or data.roaming_id}",
                    "platform": platform, "roaming_id": data.roaming_id})
                await repo.insert(obj, active=True)
                target = await self._adoptable(repo, data)
                if target is not None:
                    await repo.set_assignment(code, target)
            else:
                row = await repo.get(code)
                assert row is not None
                current = {name: row[name] for name in TerminalCreate.model_fields}
                obj = TerminalCreate.model_validate(current | sent | {
                    "roaming_id": data.roaming_id})
                await repo.update(code, obj)
                if activated and not row["active"]:
                    await repo.set_active(code, True)
            theirs = None
            if data.location_ids is not None or data.evse_uids is not None:
                theirs = _assignment(data.location_ids or [], data.evse_uids or [])
            await repo.set_roaming_last_updated(code, data.last_updated)
            if theirs is not None:
                await repo.set_synced(code, theirs)
            await self._sync(repo, await self._load(repo, code))
            log.info("terminal_received", terminal=code, platform=platform,
                     terminal_id=data.roaming_id, created=created, activated=activated)
            return await self._load(repo, code), created

    async def reconcile(self) -> int:
        """Sends every PTP terminal's assignment the PTP does not hold yet; the count.
        An assignment the PTP refused is not sent again by itself (see the module notes)."""
        async with self._uow() as repo:
            sent = 0
            for code in await repo.codes(roaming_only=True):
                row = await repo.get(code)
                assert row is not None
                terminal = await self._read(repo, row)
                held, refused = _held(row.get("synced"))
                if refused is not None and held == _assignment(terminal.location_ids,
                                                               terminal.evse_uids):
                    continue
                if terminal.roaming_in_sync is False and not await self._sync(repo, terminal):
                    sent += 1
            return sent

    async def roaming_outcome(self, platform: str, roaming_id: str,
                              sent: dict[str, list[str]] | None, refused: str | None) -> bool:
        """The PTP's answer to a message that carried the assignment ``sent`` (None: a
        message without one, e.g. a deactivation): ``refused`` is why it refused it (None:
        delivered). Recorded only while ``sent`` is still the assignment last sent (a later
        change supersedes it); True when recorded."""
        async with self._uow() as repo:
            code = await repo.find_roaming(platform, roaming_id=roaming_id)
            row = await repo.get(code) if code is not None else None
            if code is None or row is None:
                return False
            held, was_refused = _held(row.get("synced"))
            sent = held if sent is None else _assignment(sent.get("location_ids") or [],
                                                         sent.get("evse_uids") or [])
            if held != sent or (refused is None and was_refused is None):
                return False
            await repo.set_synced(code, sent if refused is None else sent | {
                "refused": refused[:500]})
            log.warning("terminal_assignment_refused" if refused else
                        "terminal_assignment_accepted_after_refusal", terminal=code,
                        platform=platform, reason=refused, **sent)
            return True

    # --- rules ---------------------------------------------------------------------------

    async def _check(self, repo: TerminalRepository, obj: TerminalCreate,
                     current: TerminalCreate | None) -> None:
        if obj.operator is not None and not await repo.exists("operators", obj.operator):
            raise RuleViolation(f"operator {obj.operator!r} does not exist", field="operator")
        if obj.platform is not None:
            kind = await repo.platform_type(obj.platform)
            if kind is None:
                raise RuleViolation(f"roaming platform {obj.platform!r} does not exist",
                                    field="platform")
            if kind != PlatformType.PTP:
                raise RuleViolation(f"roaming platform {obj.platform!r} is a {kind}, not a "
                                    "payment terminal provider (PTP)", field="platform")
        if current is not None and current.roaming_id is not None and (
                obj.platform != current.platform or obj.roaming_id != current.roaming_id):
            raise RuleViolation("the roaming identity of a terminal known to its PTP cannot "
                                "change; create a new terminal", field="roaming_id")
        for name in ("roaming_id", "roaming_reference"):
            value = getattr(obj, name)
            if obj.platform is None or value is None:
                continue
            key = {"roaming_id" if name == "roaming_id" else "reference": value}
            other = await repo.find_roaming(obj.platform, **key)
            if other is not None and other != obj.code:
                raise Conflict(f"{name} {value!r} is already used by terminal {other!r}",
                               field=name)

    async def _target(self, repo: TerminalRepository, terminal: TerminalRead,
                      assignment: TerminalAssignment) -> tuple[Target, list[str]]:
        roaming = terminal.platform is not None
        if assignment.area is not None:
            if not await repo.exists("areas", assignment.area):
                raise RuleViolation(f"area {assignment.area!r} does not exist", field="area")
            if roaming and not await repo.area_roaming_ids(assignment.area):
                raise RuleViolation(
                    f"area {assignment.area!r} and its sub-areas have no roaming id: a PTP "
                    "terminal can only be assigned to infrastructure in roaming", field="area")
            return Target(area=assignment.area), []
        assert assignment.connector is not None
        charger = assignment.charger
        if charger is None:
            named = await repo.connectors_named(assignment.connector)
            if not named:
                raise RuleViolation(f"connector {assignment.connector!r} does not exist",
                                    field="connector")
            if len(named) > 1:
                raise RuleViolation(
                    f"connector code {assignment.connector!r} exists on chargers "
                    f"{', '.join(sorted(c for c, _ in named))}: name the charger",
                    field="charger")
            charger = named[0][0]
        facts = await repo.connector_facts(charger, assignment.connector)
        if facts is None:
            raise RuleViolation(f"connector {charger}/{assignment.connector} does not exist",
                                field="connector")
        warnings = []
        if roaming and not facts.roaming_id:
            raise RuleViolation(
                f"connector {charger}/{assignment.connector} has no roaming id: a PTP "
                "terminal can only be assigned to infrastructure in roaming", field="connector")
        if roaming and not facts.charger_roaming_enabled:
            warnings.append(f"charger {charger!r} is not roaming-enabled: the PTP does not see "
                            "its EVSEs until it is")
        return Target(charger=charger, connector=assignment.connector), warnings

    async def _adoptable(self, repo: TerminalRepository, data: RoamingTerminal
                         ) -> Target | None:
        locations, evses = list(data.location_ids or []), list(data.evse_uids or [])
        if len(evses) == 1 and not locations:
            found = await repo.connector_by_roaming_id(evses[0])
            return Target(charger=found[0], connector=found[1]) if found else None
        if locations and not evses:
            for location_id in locations:
                area = await repo.area_by_roaming_id(location_id)
                if area is not None and await repo.area_roaming_ids(area) == locations:
                    return Target(area=area)
        return None

    async def _free_code(self, repo: TerminalRepository, platform: str, roaming_id: str
                         ) -> str:
        base = _CODE_UNSAFE.sub("-", roaming_id).lstrip("-_.:") or "terminal"
        for candidate in (base, f"{platform}-{base}"[:64]):
            if await repo.get(candidate) is None:
                return candidate
        return f"{platform}-{uuid.uuid4().hex[:12]}"[:64]

    async def _send(self, repo: TerminalRepository, terminal: TerminalRead,
                    action: RoamingAction) -> list[str]:
        reason = await repo.enqueue_roaming(terminal, action)
        return [] if reason is None else [f"not sent to the PTP: {reason}"]

    async def _sync(self, repo: TerminalRepository, terminal: TerminalRead) -> list[str]:
        """Sends the assignment when the PTP does not hold it; remembers it when sent."""
        if terminal.platform is None or terminal.roaming_in_sync:
            return []
        if not terminal.roaming_id:
            return [f"not sent to the PTP: terminal {terminal.code!r} has no terminal id at "
                    "the PTP yet (activate it)"]
        warnings = await self._send(repo, terminal, RoamingAction.ASSIGNMENT)
        if not warnings:
            await repo.set_synced(terminal.code, _assignment(terminal.location_ids,
                                                             terminal.evse_uids))
        return warnings

