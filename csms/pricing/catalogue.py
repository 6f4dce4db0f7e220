"""The roaming-tariff catalogue: create, read, update, delete, assign, resolve.

Rules from the manual: a tariff's validity is [valid_from, valid_to); the frames of one
code never overlap; an empty price is zero; the currency defaults to the site's. A tariff
is assigned by code on the session settings of a site, operator or charger (the lowest
assigned level wins) and on roaming platforms; it reaches a session only when both hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from pydantic import ValidationError

from csms.network.errors import Conflict, NotFound, RuleViolation
from csms.pricing.ports import StoredTariff, TariffUnitOfWork
from tariffs.errors import OverlappingFramesError, TariffError
from tariffs.ocpi_model import Tariff
from tariffs.roaming import (
    ChargerRef,
    RoamingTariff,
    TariffAssignments,
    parse_roaming_tariff,
    resolve_roaming_tariffs,
    to_ocpi_tariff,
    validate_catalogue,
)

log = structlog.get_logger("evgw.tariffs")


class AssignmentLevel(StrEnum):
    SITE = "SITE"
    OPERATOR = "OPERATOR"
    CHARGER = "CHARGER"
    PLATFORM = "PLATFORM"


@dataclass(frozen=True)
class CatalogueEntry:
    id: int
    tariff: RoamingTariff
    created_at: datetime
    updated_at: datetime


def _entry(stored: StoredTariff) -> CatalogueEntry:
    tariff = parse_roaming_tariff({
        "code": stored.code, "name": stored.name, "status": stored.status,
        "valid_from": stored.valid_from, "valid_to": stored.valid_to,
        "currency": stored.currency,
        "max_payment_authorization_amount": stored.max_payment_authorization_amount,
        "details": stored.details, "last_updated": stored.updated_at,
    })
    return CatalogueEntry(stored.id, tariff, stored.created_at, stored.updated_at)


def _values(tariff: RoamingTariff) -> dict[str, Any]:
    data = tariff.model_dump(mode="json", exclude={"last_updated"})
    return {
        "code": tariff.code, "name": tariff.name, "status": tariff.status.value,
        "valid_from": tariff.valid_from, "valid_to": tariff.valid_to,
        "currency": tariff.currency,
        "max_payment_authorization_amount": tariff.max_payment_authorization_amount,
        "details": data["details"],
    }


class TariffCatalogue:
    def __init__(self, uow: TariffUnitOfWork) -> None:
        self._uow = uow

    async def entries(self, code: str | None = None, status: str | None = None
                   ) -> list[CatalogueEntry]:
        async with self._uow() as repo:
            return [_entry(t) for t in await repo.tariffs(code, status)]

    async def get(self, tariff_id: int) -> CatalogueEntry:
        async with self._uow() as repo:
            stored = await repo.tariff(tariff_id)
        if stored is None:
            raise NotFound(f"roaming tariff {tariff_id} does not exist")
        return _entry(stored)

    async def _parse(self, body: dict[str, Any], repo: Any) -> RoamingTariff:
        if not isinstance(body, dict):
            raise RuleViolation("a roaming tariff is a JSON object")
        if body.get("currency") is None:
            currency = await repo.site_currency()
            if currency is None:
                raise RuleViolation("currency is required when no site exists",
                                    field="currency")
            body = body | {"currency": currency}
        try:
            return parse_roaming_tariff(body)
        except TariffError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                raise cause from None
            raise RuleViolation(str(exc)) from exc

    async def _check_frames(self, repo: Any, tariff: RoamingTariff,
                            own_id: int | None) -> None:
        others = [_entry(t).tariff for t in await repo.tariffs(tariff.code)
                  if t.id != own_id]
        try:
            validate_catalogue([*others, tariff])
        except OverlappingFramesError as exc:
            raise Conflict(str(exc), field="valid_from") from exc

    async def create(self, body: dict[str, Any]) -> CatalogueEntry:
        async with self._uow() as repo:
            tariff = await self._parse(body, repo)
            await self._check_frames(repo, tariff, None)
            tariff_id = await repo.insert_tariff(_values(tariff))
            stored = await repo.tariff(tariff_id)
        assert stored is not None
        log.info("tariff_created", tariff=tariff.code, tariff_id=tariff_id)
        return _entry(stored)

    async def update(self, tariff_id: int, changes: dict[str, Any]) -> CatalogueEntry:
        if not isinstance(changes, dict):
            raise RuleViolation("a roaming tariff update is a JSON object")
        async with self._uow() as repo:
            stored = await repo.tariff(tariff_id)
            if stored is None:
                raise NotFound(f"roaming tariff {tariff_id} does not exist")
            if "code" in changes and changes["code"] != stored.code:
                raise RuleViolation("a tariff's code cannot change", field="code")
            current = _entry(stored).tariff.model_dump(mode="json", exclude={"last_updated"})
            tariff = await self._parse(current | changes, repo)
            await self._check_frames(repo, tariff, tariff_id)
            await repo.update_tariff(tariff_id, _values(tariff))
            updated = await repo.tariff(tariff_id)
        assert updated is not None
        log.info("tariff_updated", tariff=tariff.code, tariff_id=tariff_id)
        return _entry(updated)

    async def delete(self, tariff_id: int) -> None:
        async with self._uow() as repo:
            stored = await repo.tariff(tariff_id)
            if stored is None:
                raise NotFound(f"roaming tariff {tariff_id} does not exist")
            siblings = [t for t in await repo.tariffs(stored.code) if t.id != tariff_id]
            uses = await repo.assignments(tariff_code=stored.code)
            if uses and not siblings:
                from csms.network.errors import StillReferenced

                references: dict[str, list[str]] = {}
                for level, target, _ in uses:
                    references.setdefault(level.lower(), []).append(str(target))
                raise StillReferenced(
                    f"roaming tariff {stored.code!r} is still assigned; unassign it first",
                    references)
            await repo.delete_tariff(tariff_id)
        log.info("tariff_deleted", tariff=stored.code, tariff_id=tariff_id)

    # --- assignments ----------------------------------------------------------------------

    async def assigned(self, level: AssignmentLevel, target: str) -> list[str]:
        async with self._uow() as repo:
            target_id = await self._target(repo, level, target)
            return [code for _, _, code in await repo.assignments(level.value, target_id)]

    async def assign(self, level: AssignmentLevel, target: str, codes: list[str]) -> list[str]:
        async with self._uow() as repo:
            target_id = await self._target(repo, level, target)
            unknown = [c for c in codes if not await repo.tariffs(c)]
            if unknown:
                raise RuleViolation(f"unknown roaming tariff code(s) {unknown}", field="tariffs")
            await repo.set_assignments(level.value, target_id, list(dict.fromkeys(codes)))
        log.info("tariffs_assigned", level=level.value, target=target, tariffs=codes)
        return list(dict.fromkeys(codes))

    @staticmethod
    async def _target(repo: Any, level: AssignmentLevel, target: str) -> int:
        target_id = await repo.target_id(level.value, target)
        if target_id is None:
            raise NotFound(f"{level.value.lower()} {target!r} does not exist")
        return int(target_id)

    # --- resolution ------------------------------------------------------------------------

    async def resolve(self, platform: str, charger: str, at: datetime) -> list[RoamingTariff]:
        """The tariffs that apply to a session of ``platform``'s customer on ``charger``."""
        async with self._uow() as repo:
            scope = await repo.charger_scope(charger)
            if scope is None:
                raise NotFound(f"charger {charger!r} does not exist")
            platform_id = await repo.target_id(AssignmentLevel.PLATFORM.value, platform)
            if platform_id is None:
                raise NotFound(f"roaming platform {platform!r} does not exist")
            assignments = await repo.assignments()
            catalogue = [_entry(t).tariff for t in await repo.tariffs()]
        charger_id, operator_id, site_id = scope
        table = TariffAssignments.from_rows(assignments)
        ref = ChargerRef(charger_id=str(charger_id),
                         operator_id=str(operator_id) if operator_id is not None else None,
                         site_id=str(site_id))
        return resolve_roaming_tariffs(catalogue, table, str(platform_id), ref, at)

    async def ocpi_tariff(self, tariff_id: int, country_code: str, party_id: str) -> Tariff:
        entry = await self.get(tariff_id)
        return to_ocpi_tariff(entry.tariff, country_code=country_code, party_id=party_id,
                              last_updated=entry.updated_at)
