"""The roaming-tariff catalogue as OCPI sees it: the tariffs a platform is shown, and what a
payment terminal's session is pre-authorized for.

* :class:`CatalogueTariffs`: one OCPI Tariff per code assigned to the platform, from the
  frame valid now (frames of a code never overlap), with the roaming tariff's maximum
  payment authorization amount (the 2.3.0 ``preauthorize_amount``).
* :class:`CataloguePreauthorization`: for a PTP's START_SESSION, the tariff that will price
  the session (assigned to the platform and to the charger's infrastructure level, valid
  now: the same resolution the session pricer uses) and its maximum payment authorization
  amount, which becomes the session's monetary limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from csms.network.errors import NotFound
from csms.pricing.catalogue import AssignmentLevel
from ocpi.models import Tariff
from ocpi.ports import PlatformRecord, Preauthorization, PublishedTariff
from tariffs.roaming import to_ocpi_tariff

__all__ = ["CataloguePreauthorization", "CatalogueTariffs", "platform_tariffs"]


async def platform_tariffs(catalogue: Any, platform: PlatformRecord, now: datetime
                           ) -> list[PublishedTariff]:
    """The tariffs assigned to ``platform``, valid at ``now``, ordered by id."""
    codes = await catalogue.assigned(AssignmentLevel.PLATFORM, platform.code)
    if not codes:
        return []
    by_code: dict[str, list[Any]] = {}
    for entry in await catalogue.entries():  # one read for every code, not one per code
        by_code.setdefault(entry.tariff.code, []).append(entry)
    out = []
    for code in codes:
        entries = [e for e in by_code.get(code, []) if e.tariff.valid_at(now)]
        for entry in entries[:1]:
            engine_tariff = to_ocpi_tariff(entry.tariff, country_code=platform.party.country_code,
                                           party_id=platform.party.party_id,
                                           last_updated=entry.updated_at)
            out.append(PublishedTariff(
                Tariff.model_validate(engine_tariff.model_dump()),
                entry.tariff.max_payment_authorization_amount))
    return sorted(out, key=lambda published: published.tariff.id)


class CatalogueTariffs:
    """The publisher's tariff source, backed by the catalogue."""

    def __init__(self, catalogue: Any, now: Any) -> None:
        self._catalogue = catalogue
        self._now = now

    async def tariffs_for(self, platform: PlatformRecord) -> list[PublishedTariff]:
        return await platform_tariffs(self._catalogue, platform, self._now())


class CataloguePreauthorization:
    """Pre-authorization of a PTP session from the tariff that will price it."""

    def __init__(self, catalogue: Any, now: Any) -> None:
        self._catalogue = catalogue
        self._now = now

    async def preauthorization(self, platform_code: str, charger_code: str
                               ) -> Preauthorization:
        try:
            tariffs = await self._catalogue.resolve(platform_code, charger_code, self._now())
        except NotFound:
            return Preauthorization(priced=False)
        if not tariffs:
            return Preauthorization(priced=False)
        return Preauthorization(priced=True,
                                amount=tariffs[0].max_payment_authorization_amount)
