"""Meter values of both OCPP versions as version-neutral samples, and the energy register.

Pure. Values arrive as strings (1.6) or numbers (2.0.1) and become ``Decimal`` through
their string form, never through float arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

ENERGY_REGISTER = "Energy.Active.Import.Register"
_WH_FACTOR = {"wh": Decimal(1), "kwh": Decimal(1000)}


@dataclass(frozen=True)
class Sample:
    at: datetime
    measurand: str
    value: Decimal
    unit: str | None
    phase: str | None
    context: str | None
    location: str | None


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def samples_from(meter_values: Iterable[Mapping[str, Any]], parse_time: Any) -> list[Sample]:
    """Flattens 1.6 ``meterValue`` / 2.0.1 ``meterValue`` lists (snake_case keys).

    1.6 keeps unit and location on the sampled value; 2.0.1 nests the unit in
    ``unit_of_measure``. A value that is not a number is skipped (and counted by callers).
    """
    samples: list[Sample] = []
    for meter_value in meter_values:
        at = parse_time(meter_value["timestamp"])
        for sampled in meter_value.get("sampled_value", []):
            value = _decimal(sampled.get("value"))
            if value is None:
                continue
            unit = sampled.get("unit")
            unit_of_measure = sampled.get("unit_of_measure")
            multiplier = 0
            if isinstance(unit_of_measure, Mapping):
                unit = unit_of_measure.get("unit", unit)
                multiplier = int(unit_of_measure.get("multiplier", 0) or 0)
            if multiplier:
                value = value.scaleb(multiplier)
            samples.append(Sample(
                at=at,
                measurand=sampled.get("measurand") or ENERGY_REGISTER,
                value=value,
                unit=unit,
                phase=sampled.get("phase"),
                context=sampled.get("context"),
                location=sampled.get("location"),
            ))
    return samples


def energy_wh(sample: Sample) -> Decimal | None:
    """The sample in Wh when it is the (total, not per-phase) import energy register."""
    if sample.measurand != ENERGY_REGISTER or sample.phase not in (None, ""):
        return None
    factor = _WH_FACTOR.get((sample.unit or "Wh").lower())
    return None if factor is None else sample.value * factor


def energy_readings(samples: Iterable[Sample]) -> list[tuple[datetime, Decimal, str | None]]:
    """(time, Wh, context) of every energy-register sample, in arrival order."""
    readings = []
    for sample in samples:
        wh = energy_wh(sample)
        if wh is not None:
            readings.append((sample.at, wh, sample.context))
    return readings
