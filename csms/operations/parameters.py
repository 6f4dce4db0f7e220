"""Live configuration parameters by the manual's readable names, mapped per OCPP version:
the 1.6 configuration key and the 2.0.1 component/variable (Part 2, appendix 3). Pure.

A name outside the table may still be used raw: a 1.6 key (``HeartbeatInterval``) on a 1.6
station, or ``Component.Variable`` / ``Component.Variable[instance]`` on a 2.0.1 station.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from csms.ocpp.frames import OCPP16, OCPP201
from csms.operations.errors import InvalidOperation, NotInThisVersion

_RAW_16 = re.compile(r"^[A-Z][A-Za-z0-9_.-]{0,49}$")
_RAW_201 = re.compile(r"^(?P<component>[A-Za-z][A-Za-z0-9_-]{0,49})\."
                      r"(?P<variable>[A-Za-z][A-Za-z0-9_-]{0,49})"
                      r"(?:\[(?P<instance>[A-Za-z0-9_-]{1,50})\])?$")


@dataclass(frozen=True)
class Parameter:
    name: str  # readable name of the API (snake_case of the manual's label)
    label: str  # the manual's label
    group: str
    key_16: str
    component: str
    variable: str
    instance: str | None = None

    def address_201(self) -> str:
        suffix = f"[{self.instance}]" if self.instance else ""
        return f"{self.component}.{self.variable}{suffix}"


def _p(name: str, label: str, group: str, key_16: str, component: str, variable: str,
       instance: str | None = None) -> Parameter:
    return Parameter(name, label, group, key_16, component, variable, instance)


PARAMETERS: tuple[Parameter, ...] = (
    # General
    _p("connector_phase_rotation", "Connector phase rotation", "general",
       "ConnectorPhaseRotation", "ChargingStation", "PhaseRotation"),
    _p("heartbeat_interval", "Heartbeat interval", "general",
       "HeartbeatInterval", "OCPPCommCtrlr", "HeartbeatInterval"),
    _p("reset_retries", "Reset retries", "general", "ResetRetries", "OCPPCommCtrlr",
       "ResetRetries"),
    _p("web_socket_ping_interval", "Web socket ping interval", "general",
       "WebSocketPingInterval", "OCPPCommCtrlr", "WebSocketPingInterval"),
    # Transactional / session
    _p("transaction_message_attempts", "Transaction message attempts", "transactional",
       "TransactionMessageAttempts", "OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
    _p("transaction_event_interval", "Transaction event interval", "transactional",
       "TransactionMessageRetryInterval", "OCPPCommCtrlr", "MessageAttemptInterval",
       "TransactionEvent"),
    _p("stop_tx_on_ev_side_disconnect", "Stop tx on ev side disconnect", "transactional",
       "StopTransactionOnEVSideDisconnect", "TxCtrlr", "StopTxOnEVSideDisconnect"),
    _p("stop_tx_on_invalid_id", "Stop tx on invalid id", "transactional",
       "StopTransactionOnInvalidId", "TxCtrlr", "StopTxOnInvalidId"),
    _p("ev_connection_timeout", "Ev connection timeout", "transactional",
       "ConnectionTimeOut", "TxCtrlr", "EVConnectionTimeOut"),
    _p("allow_offline_tx_for_unknown_id", "Allow Offline Tx For Unknown Id", "transactional",
       "AllowOfflineTxForUnknownId", "AuthCtrlr", "OfflineTxForUnknownIdEnabled"),
    # Metering
    _p("aligned_data_interval", "Aligned data interval", "metering",
       "ClockAlignedDataInterval", "AlignedDataCtrlr", "Interval"),
    _p("aligned_data_measurands", "Aligned data measurands", "metering",
       "MeterValuesAlignedData", "AlignedDataCtrlr", "Measurands"),
    _p("sampled_data_interval", "Sampled data interval", "metering",
       "MeterValueSampleInterval", "SampledDataCtrlr", "TxUpdatedInterval"),
    _p("sampled_data_measurands", "Sampled data measurands", "metering",
       "MeterValuesSampledData", "SampledDataCtrlr", "TxUpdatedMeasurands"),
    _p("aligned_data_measurands_tx_end", "Aligned data measurands at transaction end",
       "metering", "StopTxnAlignedData", "AlignedDataCtrlr", "TxEndedMeasurands"),
    _p("sampled_data_measurands_tx_end", "Sampled data measurands at transaction end",
       "metering", "StopTxnSampledData", "SampledDataCtrlr", "TxEndedMeasurands"),
    # Authorization
    _p("local_offline_authorization", "Local offline authorization", "authorization",
       "LocalAuthorizeOffline", "AuthCtrlr", "LocalAuthorizeOffline"),
    _p("local_pre_authorize", "Local pre-authorize", "authorization",
       "LocalPreAuthorize", "AuthCtrlr", "LocalPreAuthorize"),
    _p("local_auth_list_enabled", "Local auth list enabled", "authorization",
       "LocalAuthListEnabled", "LocalAuthListCtrlr", "Enabled"),
    _p("set_local_list_max_length", "Set local list max. length", "authorization",
       "SendLocalListMaxLength", "LocalAuthListCtrlr", "ItemsPerMessage"),
    _p("local_auth_list_max_length", "Local auth list", "authorization",
       "LocalAuthListMaxLength", "LocalAuthListCtrlr", "Entries"),
    # The manual lists it twice (transactional and authorization); both names map the same.
    _p("allow_offline_session_of_unknown_id", "Allow offline session of unknown id",
       "authorization", "AllowOfflineTxForUnknownId", "AuthCtrlr",
       "OfflineTxForUnknownIdEnabled"),
    _p("authorization_cache_enabled", "Authorization cache enabled", "authorization",
       "AuthorizationCacheEnabled", "AuthCacheCtrlr", "Enabled"),
    _p("authorize_remote_start", "Authorize remote start", "authorization",
       "AuthorizeRemoteTxRequests", "AuthCtrlr", "AuthorizeRemoteStart"),
    # Plug & Charge (1.6 keys of the OCA ISO 15118 application note)
    _p("plug_and_charge_enabled", "Plug & charge enabled", "plug_and_charge",
       "ISO15118PnCEnabled", "ISO15118Ctrlr", "PnCEnabled"),
    _p("central_contract_validation", "Central contract validation", "plug_and_charge",
       "CentralContractValidationAllowed", "ISO15118Ctrlr",
       "CentralContractValidationAllowed"),
    _p("offline_contract_validation", "Offline contract validation", "plug_and_charge",
       "ContractValidationOffline", "ISO15118Ctrlr", "ContractValidationOffline"),
)
BY_NAME = {p.name: p for p in PARAMETERS}


@dataclass(frozen=True)
class ResolvedParameter:
    """What one requested name means on one station."""

    name: str  # as requested (readable or raw)
    key_16: str | None = None
    component: str | None = None
    variable: str | None = None
    instance: str | None = None


def resolve(name: str, version: str) -> ResolvedParameter:
    """A readable or raw parameter name for the station's OCPP version."""
    known = BY_NAME.get(name)
    if known is not None:
        if version == OCPP16:
            return ResolvedParameter(name, key_16=known.key_16)
        return ResolvedParameter(name, component=known.component, variable=known.variable,
                                 instance=known.instance)
    raw_201 = _RAW_201.match(name)
    if version == OCPP201 and raw_201:
        return ResolvedParameter(name, component=raw_201["component"],
                                 variable=raw_201["variable"], instance=raw_201["instance"])
    if version == OCPP16 and _RAW_16.match(name) and raw_201 is None:
        return ResolvedParameter(name, key_16=name)
    if raw_201 or _RAW_16.match(name):
        raise NotInThisVersion(
            f"{name!r} is not a configuration name of OCPP {version}", field="parameters")
    raise InvalidOperation(
        f"unknown configuration parameter {name!r}; readable names: "
        f"{', '.join(sorted(BY_NAME))}", field="parameters")


def readable_name_16(key: str) -> str:
    """The readable name of a 1.6 key (the first one, for keys listed twice), else the key."""
    return next((p.name for p in PARAMETERS if p.key_16 == key), key)


def readable_name_201(component: str, variable: str, instance: str | None) -> str:
    for p in PARAMETERS:
        if (p.component.lower(), p.variable.lower()) == (component.lower(), variable.lower()) \
                and (p.instance or "").lower() == (instance or "").lower():
            return p.name
    return f"{component}.{variable}" + (f"[{instance}]" if instance else "")
