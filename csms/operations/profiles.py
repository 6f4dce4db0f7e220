"""Charging profiles as the manual defines them, and their OCPP form. Pure.

Theory of operation. A profile (code, name, stack level, one-time or recurring daily/weekly,
purpose, optional energy limit, duration, validity, schedule start, unit W or A, periods)
is stored once and assigned to chargers. Assignment sends it with SetChargingProfile:
"charger total limit" becomes 1.6 ChargePointMaxProfile on connector 0 / 2.0.1
ChargingStationMaxProfile on EVSE 0; "session default limit" becomes TxDefaultProfile on
connector 0 (1.6, one charger per station) or on the charger's EVSE (2.0.1). A one-time
profile is ``Absolute``, a recurring one ``Recurring`` with its recurrency kind; both are
anchored at the schedule start. ``composite_schedule`` computes what a charger should
report for a window: per purpose the valid profile with the highest stack level wins at
each instant, and the lowest limit across purposes applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from csms.network.schemas import Strict
from csms.network.types import Code, Name
from csms.ocpp.frames import OCPP16

DAY_S = 86400
WEEK_S = 7 * DAY_S
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}
PURPOSE_16 = {"charger_total_limit": "ChargePointMaxProfile",
              "session_default_limit": "TxDefaultProfile"}
PURPOSE_201 = {"charger_total_limit": "ChargingStationMaxProfile",
               "session_default_limit": "TxDefaultProfile"}


class SchedulePeriod(Strict):
    start: Annotated[int, Field(ge=0, le=WEEK_S)] = Field(
        description="Start point from the schedule start, in start_unit")
    start_unit: Literal["seconds", "minutes", "hours"] = "seconds"
    limit: Annotated[Decimal, Field(gt=0, le=10_000_000, decimal_places=1)]
    number_phases: Annotated[int, Field(ge=1, le=3)] | None = None

    @property
    def start_s(self) -> int:
        return self.start * _UNIT_SECONDS[self.start_unit]


class ChargingProfileSpec(Strict):
    """A charging profile as CPO staff write it (the manual's fields)."""

    code: Code
    name: Name
    stack_level: Annotated[int, Field(ge=0, le=1000)] = 0
    type: Literal["one_time", "recurring"] = "one_time"
    recurrency: Literal["daily", "weekly"] | None = None
    purpose: Literal["charger_total_limit", "session_default_limit"]
    energy_limit_kwh: Annotated[Decimal, Field(gt=0, decimal_places=3)] | None = Field(
        default=None, description="Session default limit only: stop a session that reaches "
        "it when the profile is selected for the session")
    duration_s: Annotated[int, Field(ge=1, le=WEEK_S * 52)] | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    schedule_start: AwareDatetime
    unit: Literal["W", "A"]
    periods: list[SchedulePeriod] = Field(min_length=1, max_length=48)

    @model_validator(mode="after")
    def _rules(self) -> ChargingProfileSpec:
        problems = profile_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def profile_problems(spec: ChargingProfileSpec) -> list[str]:
    """Every rule the profile breaks (empty when it is sound)."""
    problems = []
    starts = [p.start_s for p in spec.periods]
    if starts[0] != 0:
        problems.append("the first period must start at 0")
    if any(b <= a for a, b in pairwise(starts)):
        problems.append("period start points must increase")
    if spec.type == "recurring" and spec.recurrency is None:
        problems.append("a recurring profile needs a recurrency (daily or weekly)")
    if spec.type == "one_time" and spec.recurrency is not None:
        problems.append("a one-time profile has no recurrency")
    period = {"daily": DAY_S, "weekly": WEEK_S}.get(spec.recurrency or "")
    if period is not None:
        if spec.duration_s is not None and spec.duration_s > period:
            problems.append(f"a {spec.recurrency} profile lasts at most {period} s")
        if starts[-1] >= period:
            problems.append(f"periods of a {spec.recurrency} profile start before {period} s")
    if spec.duration_s is not None and starts[-1] >= spec.duration_s:
        problems.append("every period must start within the duration")
    if spec.energy_limit_kwh is not None and spec.purpose != "session_default_limit":
        problems.append("the energy limit applies to session default limits only")
    if spec.valid_from and spec.valid_to and spec.valid_to <= spec.valid_from:
        problems.append("valid_to must be after valid_from")
    return problems


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _limit(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def ocpp_schedule(spec: ChargingProfileSpec, schedule_id: int | None = None) -> dict[str, Any]:
    """The chargingSchedule of the profile (2.0.1 adds the schedule ``id``)."""
    schedule: dict[str, Any] = {}
    if schedule_id is not None:
        schedule["id"] = schedule_id
    schedule["startSchedule"] = _iso(spec.schedule_start)
    if spec.duration_s is not None:
        schedule["duration"] = spec.duration_s
    schedule["chargingRateUnit"] = spec.unit
    periods = []
    for p in spec.periods:
        period: dict[str, Any] = {"startPeriod": p.start_s, "limit": _limit(p.limit)}
        if p.number_phases is not None:
            period["numberPhases"] = p.number_phases
        periods.append(period)
    schedule["chargingSchedulePeriod"] = periods
    return schedule


def ocpp_profile(spec: ChargingProfileSpec, profile_id: int, version: str) -> dict[str, Any]:
    """csChargingProfiles (1.6) / chargingProfile (2.0.1) of a stored profile."""
    profile: dict[str, Any] = {
        ("chargingProfileId" if version == OCPP16 else "id"): profile_id,
        "stackLevel": spec.stack_level,
        "chargingProfilePurpose": (PURPOSE_16 if version == OCPP16 else PURPOSE_201)[
            spec.purpose],
        "chargingProfileKind": "Recurring" if spec.type == "recurring" else "Absolute",
    }
    if spec.recurrency is not None:
        profile["recurrencyKind"] = spec.recurrency.capitalize()
    if spec.valid_from is not None:
        profile["validFrom"] = _iso(spec.valid_from)
    if spec.valid_to is not None:
        profile["validTo"] = _iso(spec.valid_to)
    if version == OCPP16:
        profile["chargingSchedule"] = ocpp_schedule(spec)
    else:
        profile["chargingSchedule"] = [ocpp_schedule(spec, schedule_id=profile_id)]
    return profile


# --- composite schedule ------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    start_s: int  # from the window start
    limit: Decimal
    number_phases: int | None = None


def _limit_at(spec: ChargingProfileSpec, at: datetime) -> SchedulePeriod | None:
    """The period of ``spec`` in force at ``at`` (None outside its validity/duration)."""
    if (spec.valid_from and at < spec.valid_from) or (spec.valid_to and at >= spec.valid_to):
        return None
    if at < spec.schedule_start:
        return None
    elapsed = int((at - spec.schedule_start).total_seconds())
    if spec.recurrency is not None:
        elapsed %= DAY_S if spec.recurrency == "daily" else WEEK_S
    if spec.duration_s is not None and elapsed >= spec.duration_s:
        return None
    current = None
    for p in spec.periods:
        if p.start_s <= elapsed:
            current = p
    return current


def _boundaries(spec: ChargingProfileSpec, start: datetime, end: datetime) -> set[datetime]:
    points = {t for t in (spec.valid_from, spec.valid_to, spec.schedule_start)
              if t is not None and start < t < end}
    cycle = {"daily": DAY_S, "weekly": WEEK_S}.get(spec.recurrency or "")
    offsets = [p.start_s for p in spec.periods]
    if spec.duration_s is not None:
        offsets.append(spec.duration_s)
    if cycle is None:
        points.update(spec.schedule_start + timedelta(seconds=o) for o in offsets)
    else:
        first = max(0, int((start - spec.schedule_start).total_seconds()) // cycle)
        last = int((end - spec.schedule_start).total_seconds()) // cycle
        for n in range(first, last + 1):
            base = spec.schedule_start + timedelta(seconds=n * cycle)
            points.update(base + timedelta(seconds=o) for o in offsets)
    return {t for t in points if start < t < end}


def composite_schedule(profiles: Sequence[ChargingProfileSpec], start: datetime,
                       duration_s: int) -> list[Period]:
    """The expected composite schedule of a charger over ``[start, start+duration)``:
    highest stack level per purpose, lowest limit across purposes. Profiles in another
    unit than the first one are ignored (OCPP converts with the charger's voltage)."""
    if not profiles:
        return []
    unit = profiles[0].unit
    usable = [p for p in profiles if p.unit == unit]
    end = start + timedelta(seconds=duration_s)
    instants = {start}
    for spec in usable:
        instants |= _boundaries(spec, start, end)
    periods: list[Period] = []
    for at in sorted(instants):
        limits: list[SchedulePeriod] = []
        for purpose in ("charger_total_limit", "session_default_limit"):
            best: tuple[int, SchedulePeriod] | None = None
            for candidate in (s for s in usable if s.purpose == purpose):
                period = _limit_at(candidate, at)
                if period is not None and (best is None or candidate.stack_level > best[0]):
                    best = (candidate.stack_level, period)
            if best is not None:
                limits.append(best[1])
        if not limits:
            continue
        chosen = min(limits, key=lambda p: p.limit)
        offset = int((at - start).total_seconds())
        if periods and periods[-1].limit == chosen.limit and \
                periods[-1].number_phases == chosen.number_phases:
            continue
        periods.append(Period(offset, chosen.limit, chosen.number_phases))
    return periods


def reported_schedule(reply: dict[str, Any], version: str) -> dict[str, Any] | None:
    """A GetCompositeSchedule answer in one shape for both versions."""
    if version == OCPP16:
        schedule = reply.get("chargingSchedule")
        start = reply.get("scheduleStart") or (schedule or {}).get("startSchedule")
    else:
        schedule = reply.get("schedule")
        start = (schedule or {}).get("scheduleStart")
    if not schedule:
        return None
    return {
        "schedule_start": start,
        "duration_s": schedule.get("duration"),
        "unit": schedule.get("chargingRateUnit"),
        "periods": [{"start_s": p["startPeriod"], "limit": str(p["limit"]),
                     "number_phases": p.get("numberPhases")}
                    for p in schedule.get("chargingSchedulePeriod", [])],
    }
