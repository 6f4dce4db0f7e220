"""OCPI 2.2.1 Tariff object: the tariff engine's model, tightened for what a CPO sends.

:class:`Tariff` subclasses :class:`tariffs.ocpi_model.Tariff` (so it prices directly) and
makes ``country_code``, ``party_id`` and ``last_updated`` required and ``energy_mix`` typed.
Elements, price components, restrictions and ``Price`` are the engine's models.
"""

from __future__ import annotations

from ocpi.models.base import CountryCode, DateTime, PartyId
from ocpi.models.common import EnergyMix
from tariffs import ocpi_model as engine
from tariffs.ocpi_model import (
    DayOfWeek,
    PriceComponent,
    ReservationRestrictionType,
    TariffDimensionType,
    TariffElement,
    TariffRestrictions,
    TariffType,
)

__all__ = [
    "DayOfWeek",
    "PriceComponent",
    "ReservationRestrictionType",
    "Tariff",
    "TariffDimensionType",
    "TariffElement",
    "TariffRestrictions",
    "TariffType",
]


class Tariff(engine.Tariff):
    """OCPI Tariff with the party and ``last_updated`` required (what we publish)."""

    country_code: CountryCode
    party_id: PartyId
    energy_mix: EnergyMix | None = None  # type: ignore[assignment]
    last_updated: DateTime
