"""Configuration templates: stored definitions with their area/station assignments, and
their application each time a station connects (results recorded per setting)."""

from __future__ import annotations

import structlog

from csms.charging.records import StationInfo
from csms.clock import Clock
from csms.network.errors import Conflict, NotFound, RuleViolation
from csms.operations.access import StationAccess, resolve_target
from csms.operations.dialect import Target
from csms.operations.errors import InvalidOperation
from csms.operations.parameters import ResolvedParameter, resolve
from csms.operations.ports import OperationsRepository, OperationsUnitOfWork
from csms.operations.records import SettingResult, StationPlace, TemplateRecord
from csms.operations.templates import (
    ConfigurationTemplateSpec,
    TemplateSetting,
    applicable,
    batches,
)

log = structlog.get_logger("evgw.operations")


def spec_of(record: TemplateRecord) -> ConfigurationTemplateSpec:
    return ConfigurationTemplateSpec.model_validate(
        {**record.spec, "areas": record.areas, "stations": record.stations})


class ConfigurationTemplates:
    def __init__(self, access: StationAccess, uow: OperationsUnitOfWork, clock: Clock) -> None:
        self._access = access
        self._uow = uow
        self._clock = clock

    # --- definitions ----------------------------------------------------------------------

    async def _targets(self, repo: OperationsRepository, spec: ConfigurationTemplateSpec
                       ) -> tuple[list[int], list[int]]:
        area_ids, station_ids = [], []
        for code in spec.areas:
            area_id = await repo.area_id(code)
            if area_id is None:
                raise RuleViolation(f"area {code!r} does not exist", field="areas")
            area_ids.append(area_id)
        for code in spec.stations:
            station_id = await repo.station_id(code)
            if station_id is None:
                raise RuleViolation(f"station {code!r} does not exist", field="stations")
            station_ids.append(station_id)
        return area_ids, station_ids

    @staticmethod
    def _stored(spec: ConfigurationTemplateSpec) -> dict[str, object]:
        return spec.model_dump(mode="json", exclude={"areas", "stations"})

    async def save(self, spec: ConfigurationTemplateSpec, *, create: bool) -> TemplateRecord:
        now = self._clock.now()
        async with self._uow() as repo:
            areas, stations = await self._targets(repo, spec)
            existing = await repo.template(spec.code)
            if create and existing is not None:
                raise Conflict(f"configuration template {spec.code!r} exists", field="code")
            if not create and existing is None:
                raise NotFound(f"configuration template {spec.code!r} does not exist")
            if create:
                template_id = await repo.add_template(spec.code, self._stored(spec), now)
            else:
                assert existing is not None
                template_id = existing.id
                await repo.update_template(spec.code, self._stored(spec), now)
            await repo.set_template_targets(template_id, areas, stations)
            record = await repo.template(spec.code)
        assert record is not None
        return record

    async def delete(self, code: str) -> None:
        async with self._uow() as repo:
            if not await repo.delete_template(code):
                raise NotFound(f"configuration template {code!r} does not exist")

    async def get(self, code: str) -> TemplateRecord:
        async with self._uow() as repo:
            record = await repo.template(code)
        if record is None:
            raise NotFound(f"configuration template {code!r} does not exist")
        return record

    async def all(self) -> list[TemplateRecord]:
        async with self._uow() as repo:
            return await repo.templates()

    async def results(self, station_code: str) -> list[SettingResult]:
        station = await self._access.station(station_code)
        async with self._uow() as repo:
            return await repo.setting_results(station.id)

    # --- application ----------------------------------------------------------------------

    async def apply(self, station: StationInfo, place: StationPlace,
                    records: list[TemplateRecord] | None = None) -> list[SettingResult]:
        """Applies every valid template of the station, in priority order and batches."""
        now = self._clock.now()
        if records is None:
            async with self._uow() as repo:
                records = await repo.templates_for(station.id, place.area_ids)
        chosen = applicable([spec_of(r) for r in records], protocol=station.ocpp_protocol,
                            operator=place.operator_code, now=now)
        dialect = self._access.dialect(station)
        results: list[SettingResult] = []
        for batch in batches(chosen):
            items: list[tuple[ResolvedParameter, str, Target]] = []
            ready: list[TemplateSetting] = []
            for setting in batch.settings:
                problem, resolved = self._resolve(station, setting)
                if problem is not None:
                    results.append(self._result(station, batch.template, batch.number,
                                                setting, problem))
                    continue
                assert resolved is not None
                items.append(resolved)
                ready.append(setting)
            position = 0
            for call, count in dialect.configuration_calls(items):
                try:
                    reply = await self._access.send(station, call)
                    statuses = dialect.configuration_statuses(reply, count)
                except Exception as exc:  # recorded; the next batch still goes
                    statuses = [type(exc).__name__] * count
                for setting, status in zip(ready[position:position + count], statuses,
                                           strict=False):
                    results.append(self._result(station, batch.template, batch.number,
                                                setting, status))
                position += count
        if results:
            await self._record(results)
        log.info("configuration_templates_applied", station_id=station.code,
                 templates=[t.code for t in chosen], settings=len(results),
                 accepted=sum(1 for r in results if r.status == "Accepted"))
        return results

    async def _record(self, results: list[SettingResult]) -> None:
        async with self._uow() as repo:
            await repo.add_setting_results(results)

    @staticmethod
    def _resolve(station: StationInfo, setting: TemplateSetting
                 ) -> tuple[str | None, tuple[ResolvedParameter, str, Target] | None]:
        try:
            target = resolve_target(station, setting.charger, setting.connector)
        except InvalidOperation:
            return "NotApplicable", None
        try:
            param = resolve(setting.parameter, station.ocpp_protocol)
        except RuleViolation:
            return "InvalidParameter", None
        if param.key_16 is not None:
            target = Target(None, None)  # 1.6 keys are station-wide
        return None, (param, setting.value, target)

    def _result(self, station: StationInfo, template: str, batch: int,
                setting: TemplateSetting, status: str) -> SettingResult:
        return SettingResult(station.id, template, batch, setting.parameter, setting.charger,
                             setting.connector, status, self._clock.now())
