"""Energy reading type detection and energy report validation (the manual's nine scenarios
on a 30 kW connector, plus edge cases and invariants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csms.sessions.energy import (
    DEPRECATED_TIME,
    ENERGY_DECREASED,
    EXCEEDS_CONNECTOR_POWER,
    EnergyReading,
    EnergyState,
    ReadingPhase,
    ReadingType,
    apply_reading,
    max_energy_delta_wh,
    session_energy,
    start_energy,
)

P = ReadingPhase
KW30 = 30_000
BASE = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)


def at(hms: str) -> datetime:
    h, m, s = (int(part) for part in hms.split(":"))
    return datetime(2024, 5, 1, h, m, s, tzinfo=UTC)


def r(wh: int | str, hms: str, phase: ReadingPhase) -> EnergyReading:
    return EnergyReading(at(hms), Decimal(wh), phase)


@dataclass(frozen=True)
class Scenario:
    readings: list[EnergyReading]
    energy_wh: int
    rejected: dict[int, str]  # index in readings → reason
    reading_type: ReadingType


SCENARIOS: dict[str, Scenario] = {
    "S1": Scenario(
        [r(2000, "08:00:00", P.START), r(2025, "08:00:30", P.INTERMEDIATE),
         r(2050, "08:01:00", P.STOP)],
        50, {}, ReadingType.ABSOLUTE),
    "S2": Scenario(
        [r(0, "08:00:00", P.START), r(25, "08:00:30", P.INTERMEDIATE),
         r(50, "08:01:00", P.STOP)],
        50, {}, ReadingType.UNKNOWN),
    "S3": Scenario(
        [r(2000, "08:00:00", P.START), r(25, "08:00:30", P.INTERMEDIATE),
         r(50, "08:01:00", P.INTERMEDIATE), r(2075, "08:01:30", P.STOP)],
        75, {}, ReadingType.MIXED),
    "S4": Scenario(
        [r(2000, "08:00:00", P.START), r(2025, "08:00:30", P.INTERMEDIATE),
         r(2020, "08:01:00", P.INTERMEDIATE), r(2075, "08:01:30", P.STOP)],
        75, {2: ENERGY_DECREASED}, ReadingType.ABSOLUTE),
    "S5": Scenario(
        [r(2000, "08:00:00", P.START), r(2025, "08:00:30", P.INTERMEDIATE),
         r(2020, "08:01:00", P.STOP)],
        25, {2: ENERGY_DECREASED}, ReadingType.ABSOLUTE),
    "S6": Scenario(
        [r(2000, "08:00:00", P.START), r(2025, "07:59:59", P.INTERMEDIATE),
         r(2050, "08:01:00", P.INTERMEDIATE), r(2075, "08:01:30", P.STOP)],
        75, {1: DEPRECATED_TIME}, ReadingType.ABSOLUTE),
    "S7": Scenario(
        [r(2000, "08:00:00", P.START), r(2025, "08:00:30", P.INTERMEDIATE),
         r(2050, "08:00:29", P.STOP)],
        25, {2: DEPRECATED_TIME}, ReadingType.ABSOLUTE),
    "S8": Scenario(
        [r(2000, "08:00:00", P.START), r(2500, "08:00:30", P.INTERMEDIATE),
         r(2050, "08:01:00", P.STOP)],
        50, {1: EXCEEDS_CONNECTOR_POWER}, ReadingType.ABSOLUTE),
    "S9": Scenario(
        [r(2000, "08:00:00", P.START), r(2025, "08:00:30", P.INTERMEDIATE),
         r(2500, "08:01:00", P.STOP)],
        25, {2: EXCEEDS_CONNECTOR_POWER}, ReadingType.ABSOLUTE),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_manual_scenario(name: str) -> None:
    scenario = SCENARIOS[name]
    state = start_energy(scenario.readings[0])
    rejected: dict[int, str] = {}
    for index, reading in enumerate(scenario.readings[1:], start=1):
        verdict = apply_reading(state, reading, KW30)
        if verdict.accepted:
            assert verdict.reason is None
        else:
            assert verdict.state is state
            assert verdict.reason is not None
            rejected[index] = verdict.reason
        state = verdict.state
    assert rejected == scenario.rejected
    assert state.energy_wh == Decimal(scenario.energy_wh)
    assert state.reading_type is scenario.reading_type
    assert state.meter_start_wh == scenario.readings[0].wh
    folded = session_energy(scenario.readings, KW30)
    assert folded == state


def test_manual_scenario_energies() -> None:
    energies = {name: session_energy(s.readings, KW30).energy_wh for name, s in SCENARIOS.items()}
    assert energies == {
        "S1": 50, "S2": 50, "S3": 75, "S4": 75, "S5": 25, "S6": 75, "S7": 25, "S8": 50, "S9": 25,
    }


def test_rejected_reading_keeps_last_valid_time_for_the_power_check() -> None:
    # S8: after the rejected 2500 Wh the stop is checked against 08:00:00 (60 s → 550 Wh).
    s = SCENARIOS["S8"]
    state = start_energy(s.readings[0])
    state = apply_reading(state, s.readings[1], KW30).state
    assert state.last_valid_at == at("08:00:00")
    assert apply_reading(state, r(2550, "08:01:00", P.STOP), KW30).accepted
    assert not apply_reading(state, r(2551, "08:01:00", P.STOP), KW30).accepted


def test_start_energy() -> None:
    state = start_energy(r(2000, "08:00:00", P.START))
    assert state == EnergyState(Decimal(2000), ReadingType.UNKNOWN, Decimal(0), at("08:00:00"))


def test_power_bound_with_tolerance_is_inclusive() -> None:
    # 30 kW for 30 s = 250 Wh; x 1.10 = 275 Wh.
    assert max_energy_delta_wh(KW30, timedelta(seconds=30), Decimal("1.10")) == Decimal(275)
    state = start_energy(r(1000, "08:00:00", P.START))
    ok = apply_reading(state, r("1275", "08:00:30", P.INTERMEDIATE), KW30)
    assert ok.accepted and ok.state.energy_wh == Decimal(275)
    over = apply_reading(state, r("1275.001", "08:00:30", P.INTERMEDIATE), KW30)
    assert not over.accepted and over.reason == EXCEEDS_CONNECTOR_POWER
    strict = apply_reading(state, r("1251", "08:00:30", P.INTERMEDIATE), KW30, Decimal(1))
    assert not strict.accepted and strict.reason == EXCEEDS_CONNECTOR_POWER


def test_zero_elapsed_allows_only_zero_delta() -> None:
    state = start_energy(r(1000, "08:00:00", P.START))
    state = apply_reading(state, r(1010, "08:00:10", P.INTERMEDIATE), KW30).state
    same = apply_reading(state, r(1010, "08:00:10", P.INTERMEDIATE), KW30)
    assert same.accepted and same.state.energy_wh == Decimal(10)
    more = apply_reading(state, r(1011, "08:00:10", P.INTERMEDIATE), KW30)
    assert not more.accepted and more.reason == EXCEEDS_CONNECTOR_POWER


def test_no_power_check_without_max_power() -> None:
    state = start_energy(r(2000, "08:00:00", P.START))
    verdict = apply_reading(state, r(99_000, "08:00:01", P.STOP), None)
    assert verdict.accepted and verdict.state.energy_wh == Decimal(97_000)
    # time and decrease checks still apply
    assert apply_reading(verdict.state, r(99_000, "07:00:00", P.STOP), None).reason == (
        DEPRECATED_TIME
    )
    assert apply_reading(verdict.state, r(96_000, "09:00:00", P.STOP), None).reason == (
        ENERGY_DECREASED
    )


def test_mixed_prefers_relative_in_between_and_absolute_at_stop() -> None:
    state = start_energy(r(100, "08:00:00", P.START))
    state = apply_reading(state, r(25, "08:00:30", P.INTERMEDIATE), None).state
    assert state.reading_type is ReadingType.MIXED and state.energy_wh == Decimal(25)
    # 130: absolute 30 and relative 130 both valid; MIXED intermediate → relative
    mid = apply_reading(state, r(130, "08:01:00", P.INTERMEDIATE), None).state
    assert mid.energy_wh == Decimal(130)
    # 250: absolute 150 and relative 250 both valid; MIXED stop → absolute
    stop = apply_reading(mid, r(250, "08:01:30", P.STOP), None).state
    assert stop.energy_wh == Decimal(150) and stop.reading_type is ReadingType.MIXED


def test_absolute_type_keeps_absolute_when_both_valid() -> None:
    state = start_energy(r(100, "08:00:00", P.START))
    # absolute 500 <= 550 Wh (60 s at 30 kW x 1.1), relative 600 > 550 → ABSOLUTE
    state = apply_reading(state, r(600, "08:01:00", P.INTERMEDIATE), KW30).state
    assert state.reading_type is ReadingType.ABSOLUTE and state.energy_wh == Decimal(500)
    nxt = apply_reading(state, r(650, "08:02:00", P.INTERMEDIATE), None).state
    assert nxt.energy_wh == Decimal(550)


def test_ambiguous_reading_prefers_absolute_and_keeps_type_unknown() -> None:
    state = start_energy(r(10, "08:00:00", P.START))
    verdict = apply_reading(state, r(50, "08:00:30", P.INTERMEDIATE), KW30)
    assert verdict.accepted
    assert verdict.state.energy_wh == Decimal(40)
    assert verdict.state.reading_type is ReadingType.UNKNOWN


def test_relative_stop_detects_relative() -> None:
    state = start_energy(r(2000, "08:00:00", P.START))
    verdict = apply_reading(state, r(50, "08:01:00", P.STOP), KW30)
    assert verdict.accepted
    assert verdict.state.reading_type is ReadingType.RELATIVE
    assert verdict.state.energy_wh == Decimal(50)


def test_absolute_only_stop_detects_absolute() -> None:
    state = start_energy(r(2000, "08:00:00", P.START))
    verdict = apply_reading(state, r(2300, "08:01:00", P.STOP), KW30)
    assert verdict.state.reading_type is ReadingType.ABSOLUTE
    assert verdict.state.energy_wh == Decimal(300)


def test_mixed_rejection_reason_follows_relative_interpretation() -> None:
    state = start_energy(r(2000, "08:00:00", P.START))
    state = apply_reading(state, r(25, "08:00:30", P.INTERMEDIATE), KW30).state
    assert state.reading_type is ReadingType.MIXED
    # relative 20 < 25 → decreased (absolute interpretation is impossible as well)
    assert apply_reading(state, r(20, "08:01:00", P.INTERMEDIATE), KW30).reason == (
        ENERGY_DECREASED
    )
    # relative 900 - 25 > 275
    assert apply_reading(state, r(900, "08:01:00", P.INTERMEDIATE), KW30).reason == (
        EXCEEDS_CONNECTOR_POWER
    )


def test_fold_requires_a_reading() -> None:
    with pytest.raises(ValueError):
        session_energy([], KW30)


@pytest.mark.parametrize("bad", [Decimal(-1), Decimal("NaN"), Decimal("Infinity")])
def test_reading_rejects_bad_values(bad: Decimal) -> None:
    with pytest.raises(ValueError):
        EnergyReading(BASE, bad, P.START)


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        EnergyReading(datetime(2024, 5, 1, 8), Decimal(1), P.START)
    with pytest.raises(ValueError, match="timezone-aware"):
        EnergyState(Decimal(0), ReadingType.UNKNOWN, Decimal(0), datetime(2024, 5, 1))


def test_bad_power_or_tolerance() -> None:
    state = start_energy(r(0, "08:00:00", P.START))
    with pytest.raises(ValueError):
        apply_reading(state, r(1, "08:00:01", P.STOP), -1)
    with pytest.raises(ValueError):
        apply_reading(state, r(1, "08:00:01", P.STOP), KW30, Decimal(0))


# --- invariants ------------------------------------------------------------------------------

readings_strategy = st.lists(
    st.tuples(
        st.integers(min_value=-120, max_value=600),  # seconds from the session start
        st.integers(min_value=0, max_value=20_000),  # Wh as reported
        st.sampled_from([P.INTERMEDIATE, P.INTERMEDIATE, P.STOP]),
    ),
    max_size=12,
)


@given(
    start_wh=st.integers(min_value=0, max_value=20_000),
    steps=readings_strategy,
    power=st.one_of(st.none(), st.integers(min_value=0, max_value=350_000)),
    tolerance=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(2), places=2),
)
def test_invariants(
    start_wh: int, steps: list[tuple[int, int, ReadingPhase]], power: int | None,
    tolerance: Decimal,
) -> None:
    """Energy never decreases; a rejected reading leaves the state unchanged; an accepted
    increase never exceeds the power bound over the time since the last valid reading."""
    state = start_energy(EnergyReading(BASE, Decimal(start_wh), P.START))
    readings = [EnergyReading(BASE, Decimal(start_wh), P.START)]
    for offset, wh, phase in steps:
        reading = EnergyReading(BASE + timedelta(seconds=offset), Decimal(wh), phase)
        readings.append(reading)
        verdict = apply_reading(state, reading, power, tolerance)
        if verdict.accepted:
            new = verdict.state
            assert verdict.reason is None
            assert new.energy_wh >= state.energy_wh
            assert new.last_valid_at == reading.at >= state.last_valid_at
            assert new.energy_wh in (reading.wh, reading.wh - state.meter_start_wh)
            assert new.meter_start_wh == state.meter_start_wh
            if state.reading_type is not ReadingType.UNKNOWN:
                assert new.reading_type is state.reading_type
            if power is not None:
                bound = max_energy_delta_wh(power, reading.at - state.last_valid_at, tolerance)
                assert new.energy_wh - state.energy_wh <= bound
        else:
            assert verdict.state is state
            assert verdict.reason in (DEPRECATED_TIME, ENERGY_DECREASED, EXCEEDS_CONNECTOR_POWER)
        state = verdict.state
    assert session_energy(readings, power, tolerance) == state
