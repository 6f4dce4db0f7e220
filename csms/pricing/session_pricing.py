"""Prices sessions of roaming customers and payment terminals with the roaming tariffs.

Theory of operation. A session whose customer belongs to a roaming platform (eMSP, hub,
PTP) is priced with the tariffs resolved for (platform, charger, session start). Its
meter trace is rebuilt from what the session engine stored: the energy readings are
re-validated exactly as the engine did (so rejected readings stay out), connector status
changes split charging from parking, and energy at a status change is interpolated
between readings. ``tariffs.cdr`` turns the trace into OCPI charging periods and totals;
mid-session it estimates the cost so far. Sessions with no roaming tariff return None and
keep the simple pricing of the session rating settings.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import structlog

from csms.charging.records import SessionRecord, StationInfo
from csms.pricing.catalogue import TariffCatalogue
from csms.sessions.durations import DurationScope, scope_for_status
from csms.sessions.energy import (
    EnergyReading,
    ReadingPhase,
    apply_reading,
    start_energy,
)
from csms.sessions.lifecycle import AuthorizationMode
from tariffs.cdr import ConnectorState, MeterSample, build_cdr, estimate_cost
from tariffs.errors import TariffError
from tariffs.roaming import to_ocpi_tariff

log = structlog.get_logger("evgw.tariffs")
_PRICED_MODES = {AuthorizationMode.ROAMING_CUSTOMER, AuthorizationMode.PAYMENT_TRANSACTION}
_PHASES = {"Transaction.Begin": ReadingPhase.START, "Transaction.End": ReadingPhase.STOP}


@dataclass(frozen=True)
class PricedSession:
    amount: Decimal  # incl. VAT, what the driver pays
    total_excl_vat: Decimal
    total_incl_vat: Decimal
    currency: str
    tariff_ids: list[str]
    explanation: list[str]
    cdr: dict[str, Any] | None  # OCPI CDR fields (final pricing only)


class SessionTrace(Protocol):
    """What the pricer reads about a session (the CSMS repository provides it)."""

    async def energy_readings_of(self, session_id: int
                                 ) -> list[tuple[datetime, Decimal, str | None]]: ...

    async def connector_statuses(self, connector_id: int, until: datetime
                                 ) -> list[tuple[datetime, str]]: ...

    async def platform_party(self, platform_code: str) -> tuple[str, str] | None: ...


def _interpolate(points: list[tuple[datetime, Decimal]], at: datetime) -> Decimal:
    times = [p[0] for p in points]
    index = bisect_right(times, at)
    if index == 0:
        return points[0][1]
    if index >= len(points):
        return points[-1][1]
    (t0, e0), (t1, e1) = points[index - 1], points[index]
    if t1 == t0:
        return e1
    share = Decimal((at - t0).total_seconds()) / Decimal((t1 - t0).total_seconds())
    return e0 + (e1 - e0) * share


class TariffSessionPricer:
    def __init__(self, catalogue: TariffCatalogue) -> None:
        self._catalogue = catalogue

    async def price(self, trace: SessionTrace, station: StationInfo, session: SessionRecord,
                    at: datetime, final: bool) -> PricedSession | None:
        if session.authorization_mode not in _PRICED_MODES or not session.roaming_platform \
                or session.started_at is None or session.id is None:
            return None
        charger, _ = station.locate(session.charger_id, session.connector_id)
        if charger is None:
            return None
        tariffs = await self._catalogue.resolve(session.roaming_platform, charger.code,
                                                session.started_at)
        party = await trace.platform_party(session.roaming_platform)
        if not tariffs or party is None:
            return None
        ocpi = [to_ocpi_tariff(t, country_code=party[0], party_id=party[1]) for t in tariffs]
        end = (session.ended_at or at) if final else at
        samples = await self._samples(trace, station, session, end)
        try:
            if final:
                built = build_cdr(session.started_at, end, samples, ocpi, station.time_zone)
                pricing = built.pricing
                cdr = built.to_cdr(currency=tariffs[0].currency).model_dump(
                    mode="json", exclude_unset=True)
            else:
                pricing = estimate_cost(session.started_at, end, samples, ocpi,
                                        station.time_zone)
                cdr = None
        except TariffError as exc:
            log.warning("session_pricing_failed", session_id=session.id, error=str(exc))
            return None
        return PricedSession(
            amount=pricing.total_cost.incl_vat or pricing.total_cost.excl_vat,
            total_excl_vat=pricing.total_cost.excl_vat,
            total_incl_vat=pricing.total_cost.incl_vat or pricing.total_cost.excl_vat,
            currency=pricing.currency, tariff_ids=list(pricing.tariff_ids),
            explanation=list(pricing.explanation), cdr=cdr)

    async def _samples(self, trace: SessionTrace, station: StationInfo,
                       session: SessionRecord, end: datetime) -> list[MeterSample]:
        assert session.started_at is not None and session.id is not None
        _, connector = station.locate(session.charger_id, session.connector_id)
        start = session.started_at
        points: list[tuple[datetime, Decimal]] = [(start, Decimal(0))]
        if session.meter_start_wh is not None:
            state = start_energy(EnergyReading(start, session.meter_start_wh,
                                               ReadingPhase.START))
            for at, wh, context in await trace.energy_readings_of(session.id):
                verdict = apply_reading(
                    state, EnergyReading(at, wh, _PHASES.get(context or "",
                                                             ReadingPhase.INTERMEDIATE)),
                    connector.wattage_limit_w if connector else None)
                if verdict.accepted and start <= at <= end:
                    state = verdict.state
                    points.append((at, state.energy_wh))
        final_energy = max(session.energy_wh, points[-1][1])
        points.append((end, final_energy))
        points.sort(key=lambda p: p[0])
        statuses = (await trace.connector_statuses(connector.id, end)
                    if connector is not None else [])
        times = sorted({start, end, *(p[0] for p in points if start <= p[0] <= end),
                        *(t for t, _ in statuses if start < t < end)})

        def state_at(moment: datetime) -> ConnectorState:
            current = None
            for changed, status in statuses:
                if changed <= moment:
                    current = status
            scope = scope_for_status(current) if current else DurationScope.CHARGE
            return (ConnectorState.CHARGING if scope is DurationScope.CHARGE
                    else ConnectorState.PARKING)

        samples = []
        last = Decimal(0)
        for moment in times:
            energy = max(last, _interpolate(points, moment))  # never decreasing
            last = energy
            samples.append(MeterSample(moment, energy, state_at(moment)))
        return samples
