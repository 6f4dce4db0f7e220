"""What runs each time a station connects: the station's boot configuration toggles, then
its configuration templates.

Started as a task by the OCPP endpoint (never awaited by the reader: these are calls to
the charger; see ``spawn``). Each step's failure is logged and the next step still runs:
a charger that does not support TriggerMessage still gets its templates.
"""

from __future__ import annotations

import asyncio

import structlog

from csms.charging.records import StationInfo
from csms.operations.access import StationAccess
from csms.operations.charging_profiles import ChargingProfiles
from csms.operations.dialect import Target, reply_status
from csms.operations.ports import OperationsUnitOfWork
from csms.operations.records import StationPlace, TemplateRecord
from csms.operations.template_service import ConfigurationTemplates

log = structlog.get_logger("evgw.operations")
# Boot configuration toggle → message triggered (in this order).
TRIGGERS = (("trigger_boot_notification", "boot_notification"),
            ("trigger_status_notification", "status_notification"),
            ("trigger_heartbeat", "heartbeat"))


class ConnectActions:
    def __init__(self, access: StationAccess, uow: OperationsUnitOfWork,
                 templates: ConfigurationTemplates, profiles: ChargingProfiles,
                 delay: float = 1.0) -> None:
        self._delay = delay
        self._access = access
        self._uow = uow
        self._templates = templates
        self._profiles = profiles
        self._tasks: set[asyncio.Task[None]] = set()
        self._latest: dict[int, asyncio.Task[None]] = {}

    def spawn(self, station: StationInfo) -> None:
        """Starts the actions as a task of their own and returns at once. The task is not
        tied to the connection's teardown (a disconnect must not wait for it): its calls
        simply find the station gone. A reconnect cancels the actions still running for
        the previous connection, whose calls would otherwise land on the new socket and
        interleave with the new connection's own run."""
        previous = self._latest.get(station.id)
        if previous is not None and not previous.done():
            previous.cancel()
            log.info("connect_actions_superseded", station_id=station.code)
        task = asyncio.ensure_future(self.after_connect(station))
        self._tasks.add(task)
        self._latest[station.id] = task
        task.add_done_callback(lambda done: self._forget(station.id, done))

    def _forget(self, station_id: int, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._latest.get(station_id) is task:
            del self._latest[station_id]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_idle(self) -> None:
        """Waits for the running connect actions (tests, orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def after_connect(self, station: StationInfo) -> None:
        # A short pause lets a charger that boots send its own BootNotification and status
        # first (and keeps a connection's first second free for what the charger says).
        await asyncio.sleep(self._delay)
        try:
            await self._run(station)
        except Exception:
            log.exception("connect_actions_failed", station_id=station.code)

    async def _run(self, station: StationInfo) -> None:
        place, templates = await self._load(station)
        if place is None:
            return
        dialect = self._access.dialect(station)
        toggles = place.boot_configuration
        for toggle, message in TRIGGERS:
            if toggles.get(toggle):
                await self._step(station, toggle, dialect.trigger(message, Target(None, None)))
        if toggles.get("clear_charging_profiles"):
            await self._step(station, "clear_charging_profiles",
                             dialect.clear_charging_profile(None, None, None, None))
            for charger, profile, status in await self._profiles.apply_assigned(station):
                log.info("charging_profile_reapplied", station_id=station.code,
                         charger=charger, profile=profile, status=status)
        if templates:
            await self._templates.apply(station, place, templates)

    async def _load(self, station: StationInfo
                    ) -> tuple[StationPlace | None, list[TemplateRecord]]:
        async with self._uow() as repo:  # one short read when there is nothing to do
            place = await repo.station_place(station.id)
            templates = await repo.templates_for(station.id, place.area_ids) if place else []
        return place, templates

    async def _step(self, station: StationInfo, name: str, call: object) -> None:
        try:
            reply = await self._access.send(station, call)  # type: ignore[arg-type]
            log.info("boot_configuration_step", station_id=station.code, step=name,
                     status=reply_status(reply))
        except Exception as exc:
            log.warning("boot_configuration_step_failed", station_id=station.code, step=name,
                        error=type(exc).__name__)
