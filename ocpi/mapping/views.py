"""Input views of the mapping: plain frozen snapshots of the network model.

The service layer fills them from the database; the mapping never sees SQLAlchemy rows.
``last_updated`` of a view is the time of the latest change of anything the view carries
that is published (including the OCPP status), so the cascade in
:mod:`ocpi.mapping.locations` yields correct OCPI ``last_updated`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from ocpi.models.cdrs import AuthMethod, ChargingPeriod
from ocpi.models.common import Price
from ocpi.models.sessions import SessionStatus
from ocpi.models.tokens import TokenType

__all__ = ["AreaView", "ChargerView", "ConnectorView", "Party", "SessionView", "TokenRef"]


@dataclass(frozen=True, slots=True)
class Party:
    """Our roaming profile in a partner relation: country code and party id (``SI``, ``TRI``)."""

    country_code: str
    party_id: str


@dataclass(frozen=True, slots=True)
class AreaView:
    """An area (OCPI Location candidate).

    ``country`` is ISO alpha-2; ``phone`` is the area's support contact phone and
    ``operator_phone`` the operator's (either one makes the area exposable);
    ``parent_roaming_id`` is the roaming id of the parent area, if any.
    """

    code: str
    name: str
    address: str | None
    city: str | None
    postal_code: str | None
    state: str | None
    country: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    phone: str | None
    operator_name: str | None
    roaming_id: str | None
    time_zone: str | None
    last_updated: datetime
    parent_roaming_id: str | None = None
    operator_phone: str | None = None
    publish: bool = True


@dataclass(frozen=True, slots=True)
class ChargerView:
    """A charger (OCPP 2.0.1 EVSE) and what it can do.

    ``ocpp_status`` is the charger-level status (OCPP 1.6 connector 0 or the 2.0.1 EVSE);
    ``connected`` is False while the station's websocket is down (status UNKNOWN).  The
    payment fields describe an attached payment terminal.
    """

    code: str
    roaming_enabled: bool
    roaming_id: str | None
    reservable: bool
    electric_current_type: ElectricCurrentType
    last_updated: datetime
    remote_start_stop: bool = True
    unlock: bool = True
    rfid_reader: bool = True
    charging_profiles: bool = False
    credit_card_payable: bool = False
    debit_card_payable: bool = False
    chip_card_support: bool = False
    contactless_card_support: bool = False
    ped_terminal: bool = False
    ocpp_status: str | None = None
    connected: bool = True


@dataclass(frozen=True, slots=True)
class ConnectorView:
    """A connector (OCPI EVSE + Connector: one EVSE per connector)."""

    code: str
    roaming_id: str | None
    standard: ConnectorStandard
    format: ConnectorFormat
    wattage_limit_w: int
    last_updated: datetime
    electric_current_type: ElectricCurrentType | None = None
    amperage_limit_a: Decimal | None = None
    voltage_limit_v: int | None = None
    ocpp_status: str | None = None
    tariff_ids: tuple[str, ...] = ()
    # An active payment terminal serves this connector (assigned to it or to its area).
    payment_terminal: bool = False


@dataclass(frozen=True, slots=True)
class TokenRef:
    """The eMSP token a session was authorized with (OCPI CdrToken)."""

    country_code: str
    party_id: str
    uid: str
    type: TokenType
    contract_id: str


@dataclass(frozen=True, slots=True)
class SessionView:
    """A roaming session as the session engine sees it (OCPI ids already resolved)."""

    id: str
    start: datetime
    kwh: Decimal
    token: TokenRef
    auth_method: AuthMethod
    location_id: str
    evse_uid: str
    connector_id: str
    currency: str
    status: SessionStatus
    last_updated: datetime
    end: datetime | None = None
    authorization_reference: str | None = None
    meter_id: str | None = None
    charging_periods: Sequence[ChargingPeriod] = field(default_factory=tuple)
    total_cost: Price | None = None
