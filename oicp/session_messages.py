"""The messages of a roaming session: eRoamingChargingNotifications 1.1 and the
eRoamingChargeDetailRecord 2.2, built from a plain snapshot of the session.

Times.  OICP separates the *session* (authorization or plug-in to unplug) from *charging*
(energy flowing).  Our charging session starts with the OCPP transaction; the OICP session
may have started earlier (AuthorizeStart, a remote start or a reservation).  The record
keeps Hubject's order ``SessionStart <= ChargingStart <= ChargingEnd <= SessionEnd``:
the session bounds are widened to contain the charging period, never the other way round.
Timestamps go out in UTC (``...Z``), which Hubject accepts and stores unchanged.

Energy.  ``ConsumedEnergy`` is kWh with three decimals (rounded half up) and equals
``MeterValueEnd - MeterValueStart`` when the start reading is known.  Register readings
taken during the session become ``MeterValueInBetween`` (at most
:data:`MAX_METER_VALUES`, evenly thinned).

Progress notifications are at least :data:`PROGRESS_INTERVAL` apart (and the first one at
least that long after charging started): :func:`progress_due`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oicp.errors import OicpMappingError
from oicp.models.cdr import ChargeDetailRecord, MeterValueInBetween
from oicp.models.common import Identification
from oicp.models.notifications import (
    ChargingNotificationEnd,
    ChargingNotificationError,
    ChargingNotificationProgress,
    ChargingNotificationStart,
    ErrorType,
)

__all__ = [
    "MAX_METER_VALUES",
    "PROGRESS_INTERVAL",
    "OicpSessionView",
    "charge_detail_record",
    "end_notification",
    "error_notification",
    "kwh",
    "progress_due",
    "progress_notification",
    "start_notification",
]

PROGRESS_INTERVAL = timedelta(minutes=5)
MAX_METER_VALUES = 50
_MILLI = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class OicpSessionView:
    """A roaming session as the OICP messages need it (energy in Wh, as we store it).

    ``session_id`` is Hubject's SessionID; ``operator_id`` the hub OperatorID
    (``SI*TRI``); ``identification`` what started the session (the AuthorizeStart
    Identification or the RemoteIdentification of a remote start).
    """

    session_id: str
    operator_id: str
    evse_id: str
    identification: Identification | None
    session_start: datetime
    charging_start: datetime | None = None
    charging_end: datetime | None = None
    session_end: datetime | None = None
    meter_start_wh: Decimal | None = None
    energy_wh: Decimal = Decimal(0)
    meter_readings_wh: tuple[Decimal, ...] = ()
    cpo_partner_session_id: str | None = None
    emp_partner_session_id: str | None = None
    partner_product_id: str | None = None
    time_zone: str = "UTC"  # IANA zone of the charge point: OICP times carry its offset


def _localized(view: OicpSessionView) -> tuple[OicpSessionView, ZoneInfo]:
    """``view`` with every time in the charge point's zone (same instants; only the offset
    written changes), and that zone for the ``at`` arguments."""
    try:
        zone = ZoneInfo(view.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone) if value is not None else None

    return dataclasses.replace(
        view, session_start=view.session_start.astimezone(zone),
        charging_start=local(view.charging_start), charging_end=local(view.charging_end),
        session_end=local(view.session_end)), zone


def kwh(wh: Decimal) -> Decimal:
    """Wh -> kWh with three decimals, rounded half up."""
    return (Decimal(wh) / 1000).quantize(_MILLI, rounding=ROUND_HALF_UP)


def _thinned(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    if len(values) <= MAX_METER_VALUES:
        return values
    step = len(values) / MAX_METER_VALUES
    return tuple(values[int(i * step)] for i in range(MAX_METER_VALUES))


def _in_between(view: OicpSessionView) -> MeterValueInBetween | None:
    readings = _thinned(tuple(kwh(v) for v in view.meter_readings_wh))
    return MeterValueInBetween(meter_values=readings) if readings else None


def _consumed(view: OicpSessionView) -> Decimal:
    return max(kwh(view.energy_wh), Decimal("0.000"))


def _charging_start(view: OicpSessionView) -> datetime:
    return view.charging_start or view.session_start


def charge_detail_record(view: OicpSessionView) -> ChargeDetailRecord:
    """The CDR of an ended session (a reservation without charging has zero energy and a
    charging period of length zero at its start).  Raises :class:`OicpMappingError` when
    the session has no end or no identification."""
    view, _zone = _localized(view)
    if view.session_end is None:
        raise OicpMappingError(f"session {view.session_id} has not ended")
    if view.identification is None:
        raise OicpMappingError(f"session {view.session_id} has no identification")
    charging_start = _charging_start(view)
    if view.charging_start is None:  # nothing was charged (a reservation)
        charging_end = charging_start
    else:
        charging_end = max(view.charging_end or view.session_end, charging_start)
    session_start = min(view.session_start, charging_start)
    session_end = max(view.session_end, charging_end)
    consumed = _consumed(view)
    meter_start = kwh(view.meter_start_wh) if view.meter_start_wh is not None else None
    return ChargeDetailRecord(
        session_id=view.session_id,
        cpo_partner_session_id=view.cpo_partner_session_id,
        emp_partner_session_id=view.emp_partner_session_id,
        partner_product_id=view.partner_product_id,
        evse_id=view.evse_id,
        identification=view.identification,
        charging_start=charging_start,
        charging_end=charging_end,
        session_start=session_start,
        session_end=session_end,
        meter_value_start=meter_start,
        meter_value_end=meter_start + consumed if meter_start is not None else None,
        meter_value_in_between=_in_between(view),
        consumed_energy=consumed,
    )


def _identity(view: OicpSessionView) -> dict[str, Any]:
    """The fields every charging notification repeats: which session, EVSE and driver."""
    return {"session_id": view.session_id,
            "cpo_partner_session_id": view.cpo_partner_session_id,
            "emp_partner_session_id": view.emp_partner_session_id,
            "identification": view.identification, "evse_id": view.evse_id,
            "operator_id": view.operator_id}


def start_notification(view: OicpSessionView) -> ChargingNotificationStart:
    """``Start``: energy started flowing."""
    view, _zone = _localized(view)
    charging_start = _charging_start(view)
    return ChargingNotificationStart(
        **_identity(view),
        charging_start=charging_start,
        session_start=min(view.session_start, charging_start),
        meter_value_start=kwh(view.meter_start_wh) if view.meter_start_wh is not None else None,
        partner_product_id=view.partner_product_id,
    )


def progress_due(view: OicpSessionView, last_progress_at: datetime | None,
                 at: datetime) -> bool:
    """Whether a Progress may be sent at ``at``: :data:`PROGRESS_INTERVAL` after the last
    one, or after charging started when none was sent yet."""
    reference = last_progress_at or _charging_start(view)
    return at - reference >= PROGRESS_INTERVAL


def progress_notification(view: OicpSessionView, at: datetime) -> ChargingNotificationProgress:
    """``Progress`` at ``at``: ChargingDuration (ms since charging started) and the energy
    so far."""
    view, zone = _localized(view)
    at = at.astimezone(zone)
    charging_start = _charging_start(view)
    duration_ms = max(0, int((at - charging_start).total_seconds() * 1000))
    return ChargingNotificationProgress(
        **_identity(view),
        charging_start=charging_start,
        event_occurred=max(at, charging_start),
        charging_duration=duration_ms,
        session_start=min(view.session_start, charging_start),
        consumed_energy_progress=_consumed(view),
        meter_value_start=kwh(view.meter_start_wh) if view.meter_start_wh is not None else None,
        meter_value_in_between=_in_between(view),
        partner_product_id=view.partner_product_id,
    )


def end_notification(view: OicpSessionView, at: datetime) -> ChargingNotificationEnd:
    """``End``: energy stopped flowing at ``view.charging_end`` (else ``at``); the
    session end is given once the session is over."""
    view, zone = _localized(view)
    at = at.astimezone(zone)
    charging_start = _charging_start(view)
    charging_end = max(view.charging_end or view.session_end or at, charging_start)
    meter_start = kwh(view.meter_start_wh) if view.meter_start_wh is not None else None
    consumed = _consumed(view)
    session_end = max(view.session_end, charging_end) if view.session_end else None
    return ChargingNotificationEnd(
        **_identity(view),
        charging_end=charging_end,
        charging_start=charging_start,
        session_start=min(view.session_start, charging_start),
        session_end=session_end,
        consumed_energy=consumed,
        meter_value_start=meter_start,
        meter_value_end=meter_start + consumed if meter_start is not None else None,
        meter_value_in_between=_in_between(view),
        partner_product_id=view.partner_product_id,
    )


def error_notification(view: OicpSessionView, error_type: ErrorType,
                       info: str | None = None) -> ChargingNotificationError:
    """``Error`` (a connector fault during the session: ``ConnectorError``)."""
    return ChargingNotificationError(
        **_identity(view),
        error_type=error_type,
        error_additional_info=info[:250] if info else None,
    )
