"""Known deviations of real chargers, accepted with a log line when a station is lenient.

Operators ask for this instead of refusing a charger over a quirk (see notes/ocpp.md §5.10):
numbers sent where the schema wants strings, units the schema does not list, vendor error
codes outside the enum, and over-long free-text fields. Each fix is named, so the log says
exactly what was bent. Pure.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

_ERROR_CODES_16 = {
    "ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature",
    "InternalError", "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure",
    "PowerMeterFailure", "PowerSwitchFailure", "ReaderFailure", "ResetFailure",
    "UnderVoltage", "OverVoltage", "WeakSignal",
}
_UNITS_16 = {"Wh", "kWh", "varh", "kvarh", "W", "kW", "VA", "kVA", "var", "kvar", "A", "V",
             "K", "Celcius", "Celsius", "Fahrenheit", "Percent"}


_NAIVE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")


def _utc_timestamps(value: Any, fixes: list[str]) -> Any:
    """Timestamps without an offset are read as UTC (what such chargers mean)."""
    if isinstance(value, dict):
        return {k: _utc_timestamps(v, fixes) for k, v in value.items()}
    if isinstance(value, list):
        return [_utc_timestamps(v, fixes) for v in value]
    if isinstance(value, str) and _NAIVE_TIME.match(value):
        fixes.append("timestamp_without_offset")
        return value + "Z"
    return value


def normalize(version: str, action: str, payload: dict[str, Any]) -> tuple[dict[str, Any],
                                                                           list[str]]:
    """Returns a corrected copy of ``payload`` and the names of the fixes applied."""
    fixes: list[str] = []
    fixed = _utc_timestamps(copy.deepcopy(payload), fixes)
    if version == "1.6" and action in ("MeterValues", "StopTransaction"):
        key = "meterValue" if action == "MeterValues" else "transactionData"
        for meter_value in fixed.get(key, []) or []:
            for sampled in meter_value.get("sampledValue", []) or []:
                if isinstance(sampled.get("value"), int | float):
                    sampled["value"] = str(sampled["value"])
                    fixes.append("numeric_value_as_string")
                if "unit" in sampled and sampled["unit"] not in _UNITS_16:
                    fixes.append(f"unknown_unit:{sampled.pop('unit')}")
    if version == "1.6" and action == "StatusNotification":
        code = fixed.get("errorCode")
        if isinstance(code, str) and code not in _ERROR_CODES_16:
            fixed["errorCode"] = "OtherError"
            fixed.setdefault("vendorErrorCode", code[:50])
            fixes.append(f"vendor_error_code:{code[:50]}")
        for field, limit in (("info", 50), ("vendorErrorCode", 50)):
            value = fixed.get(field)
            if isinstance(value, str) and len(value) > limit:
                fixed[field] = value[:limit]
                fixes.append(f"truncated:{field}")
    if version == "1.6" and action == "BootNotification":
        for field, limit in (("firmwareVersion", 50), ("chargePointSerialNumber", 25),
                             ("chargeBoxSerialNumber", 25), ("iccid", 20), ("imsi", 20)):
            value = fixed.get(field)
            if isinstance(value, str) and len(value) > limit:
                fixed[field] = value[:limit]
                fixes.append(f"truncated:{field}")
    if version == "2.0.1" and action in ("TransactionEvent", "MeterValues"):
        for meter_value in fixed.get("meterValue", []) or []:
            for sampled in meter_value.get("sampledValue", []) or []:
                if isinstance(sampled.get("value"), str):
                    try:
                        sampled["value"] = Decimal(sampled["value"])
                        fixes.append("string_value_as_number")
                    except ArithmeticError:
                        pass
    return fixed, fixes
