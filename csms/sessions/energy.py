"""Energy reading type detection and energy report validation.

Theory of operation
-------------------
Chargers report the session's energy in three ways (manual, "Energy Reading Type
Detection"): ABSOLUTE (the connector's cumulative register at start, intermediate and stop),
RELATIVE (zero-based session energy throughout) and MIXED (absolute at start and stop,
session-relative in between). The state starts UNKNOWN at the session's start reading, whose
value is the meter start ``S``, and the session energy is 0 Wh.

Every later reading value ``v`` has two candidate meanings: the absolute candidate ``v - S``
and the relative candidate ``v``. A reading is first checked for time: older than the last
*valid* reading → rejected as ``deprecated_time`` (an equal timestamp is allowed). Then each
candidate is valid when it does not go below the current session energy and its increase
fits the connector: ``candidate - energy ≤ max_power_w * elapsed * tolerance`` where elapsed
runs from the last valid reading (zero elapsed therefore allows only a zero increase).

Among the valid candidates the one matching the detected type wins (RELATIVE → relative,
ABSOLUTE → absolute, MIXED → relative for intermediate readings and absolute for stop/start
readings), otherwise the absolute one, otherwise the relative one. An UNKNOWN type is set by
the first *unambiguous* accepted reading: exactly one candidate valid and the two candidates
different (with ``S = 0`` they coincide, so a zero-based charger stays UNKNOWN, which is
harmless: both meanings agree). Absolute intermediate → ABSOLUTE, relative intermediate →
MIXED (the start was absolute and non-zero), absolute stop → ABSOLUTE, relative stop →
RELATIVE. A detected type is never changed afterwards.

An accepted reading moves the session energy to the chosen candidate and the last valid
time to the reading's time; a rejected reading leaves the state exactly as it was. The
rejection reason is the failure of the *preferred* interpretation (the type's one, or the
absolute one when the type is unknown): ``energy_decreased`` or ``exceeds_connector_power``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Final

from csms.sessions._time import require_aware

DEPRECATED_TIME: Final = "deprecated_time"
ENERGY_DECREASED: Final = "energy_decreased"
EXCEEDS_CONNECTOR_POWER: Final = "exceeds_connector_power"

DEFAULT_TOLERANCE: Final = Decimal("1.10")
_MICROSECONDS_PER_HOUR: Final = Decimal(3_600_000_000)


class ReadingType(StrEnum):
    """How a charger reports session energy."""

    UNKNOWN = "UNKNOWN"
    ABSOLUTE = "ABSOLUTE"
    RELATIVE = "RELATIVE"
    MIXED = "MIXED"


class ReadingPhase(StrEnum):
    """Which session event carried a meter reading."""

    START = "START"
    INTERMEDIATE = "INTERMEDIATE"
    STOP = "STOP"


def _check_wh(value: Decimal, name: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{name} must be a finite Decimal, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


@dataclass(frozen=True)
class EnergyReading:
    """One meter reading in Wh as the charger sent it, with its phase in the session."""

    at: datetime
    wh: Decimal
    phase: ReadingPhase

    def __post_init__(self) -> None:
        require_aware(self.at, "EnergyReading.at")
        _check_wh(self.wh, "EnergyReading.wh")


@dataclass(frozen=True)
class EnergyState:
    """What is known about a session's energy after its valid readings."""

    meter_start_wh: Decimal
    reading_type: ReadingType
    energy_wh: Decimal
    last_valid_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.last_valid_at, "EnergyState.last_valid_at")
        _check_wh(self.meter_start_wh, "EnergyState.meter_start_wh")
        _check_wh(self.energy_wh, "EnergyState.energy_wh")


@dataclass(frozen=True)
class ReadingVerdict:
    """Outcome of applying one reading: the (possibly unchanged) state and why not."""

    accepted: bool
    state: EnergyState
    reason: str | None


def start_energy(reading: EnergyReading) -> EnergyState:
    """The state at a session's start reading: meter start = its value, energy 0 Wh, UNKNOWN.

    The reading's phase is not checked, so a session whose first report is not a START
    reading can be anchored on that first reading.
    """
    return EnergyState(
        meter_start_wh=reading.wh,
        reading_type=ReadingType.UNKNOWN,
        energy_wh=Decimal(0),
        last_valid_at=reading.at,
    )


def max_energy_delta_wh(max_power_w: int, elapsed: timedelta, tolerance: Decimal) -> Decimal:
    """Largest energy increase (Wh) a connector of ``max_power_w`` can deliver in ``elapsed``,
    widened by ``tolerance`` (e.g. ``1.10`` = 10 % head-room for meter jitter/rounding)."""
    micros = elapsed // timedelta(microseconds=1)
    with localcontext() as ctx:
        ctx.prec = 60
        return Decimal(max_power_w) * Decimal(micros) * tolerance / _MICROSECONDS_PER_HOUR


def _failure(
    candidate: Decimal, energy: Decimal, elapsed: timedelta, max_power_w: int | None,
    tolerance: Decimal,
) -> str | None:
    """Why ``candidate`` cannot be the new session energy, or None when it can."""
    if candidate < energy:
        return ENERGY_DECREASED
    if max_power_w is None:
        return None
    delta = candidate - energy
    with localcontext() as ctx:
        ctx.prec = 60
        # delta ≤ P * µs * tol / 3.6e9, compared without division.
        fits = delta * _MICROSECONDS_PER_HOUR <= (
            Decimal(max_power_w) * Decimal(elapsed // timedelta(microseconds=1)) * tolerance
        )
    return None if fits else EXCEEDS_CONNECTOR_POWER


def _prefers_relative(reading_type: ReadingType, phase: ReadingPhase) -> bool:
    if reading_type is ReadingType.RELATIVE:
        return True
    if reading_type is ReadingType.MIXED:
        return phase is ReadingPhase.INTERMEDIATE
    return False  # ABSOLUTE and UNKNOWN prefer the absolute meaning


def _detected(phase: ReadingPhase, relative: bool) -> ReadingType:
    if phase is ReadingPhase.INTERMEDIATE:
        return ReadingType.MIXED if relative else ReadingType.ABSOLUTE
    return ReadingType.RELATIVE if relative else ReadingType.ABSOLUTE


def apply_reading(
    state: EnergyState,
    reading: EnergyReading,
    max_power_w: int | None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> ReadingVerdict:
    """Validate ``reading`` against ``state`` and return the verdict with the next state.

    ``max_power_w`` is the connector's configured capability in W; None skips the power
    check. ``tolerance`` multiplies that capability to absorb meter jitter and timestamp
    rounding (``1.10`` lets a 30 kW connector account for up to 33 kW over the elapsed time);
    it must be positive. A rejected reading returns the very same ``state``.
    A START-phase reading here is treated like a stop reading (absolute in MIXED sessions).
    """
    if max_power_w is not None and max_power_w < 0:
        raise ValueError(f"max_power_w must not be negative, got {max_power_w}")
    if not isinstance(tolerance, Decimal) or not tolerance.is_finite() or tolerance <= 0:
        raise ValueError(f"tolerance must be a positive Decimal, got {tolerance!r}")
    if reading.at < state.last_valid_at:
        return ReadingVerdict(False, state, DEPRECATED_TIME)

    elapsed = reading.at - state.last_valid_at
    absolute = reading.wh - state.meter_start_wh
    relative = reading.wh
    abs_failure = _failure(absolute, state.energy_wh, elapsed, max_power_w, tolerance)
    rel_failure = _failure(relative, state.energy_wh, elapsed, max_power_w, tolerance)
    prefer_relative = _prefers_relative(state.reading_type, reading.phase)

    if prefer_relative and rel_failure is None:
        chosen_relative = True
    elif abs_failure is None:
        chosen_relative = False
    elif rel_failure is None:
        chosen_relative = True
    else:
        reason = rel_failure if prefer_relative else abs_failure
        return ReadingVerdict(False, state, reason)

    reading_type = state.reading_type
    unambiguous = absolute != relative and (abs_failure is None) != (rel_failure is None)
    if reading_type is ReadingType.UNKNOWN and unambiguous:
        reading_type = _detected(reading.phase, chosen_relative)
    new_state = replace(
        state,
        reading_type=reading_type,
        energy_wh=relative if chosen_relative else absolute,
        last_valid_at=reading.at,
    )
    return ReadingVerdict(True, new_state, None)


def session_energy(
    readings: Sequence[EnergyReading],
    max_power_w: int | None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> EnergyState:
    """Fold a session's readings (in arrival order): the first anchors the meter start, each
    further one goes through ``apply_reading``. Raises ``ValueError`` when empty."""
    if not readings:
        raise ValueError("a session needs at least its start reading")
    state = start_energy(readings[0])
    for reading in readings[1:]:
        state = apply_reading(state, reading, max_power_w, tolerance).state
    return state
