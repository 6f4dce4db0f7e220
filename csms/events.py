"""Domain events the CSMS publishes. Nothing here knows who listens: roaming adapters
subscribe through the gateway's in-process bus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class StationConnected:
    station: str
    at: datetime


@dataclass(frozen=True)
class StationDisconnected:
    station: str
    at: datetime


@dataclass(frozen=True)
class StationBooted:
    station: str
    at: datetime
    vendor: str | None
    model: str | None
    firmware_version: str | None


@dataclass(frozen=True)
class ChargerStatusChanged:
    station: str
    charger: str
    status: str
    error_code: str | None
    at: datetime


@dataclass(frozen=True)
class ConnectorStatusChanged:
    station: str
    charger: str
    connector: str
    status: str
    error_code: str | None
    at: datetime


@dataclass(frozen=True)
class SessionStarted:
    session_id: int
    station: str
    charger: str | None
    connector: str | None
    authorization_mode: str
    id_token: str | None
    at: datetime


@dataclass(frozen=True)
class SessionUpdated:
    session_id: int
    status: str
    energy_wh: Decimal
    amount: Decimal | None
    at: datetime


@dataclass(frozen=True)
class SessionEnded:
    session_id: int
    status: str
    energy_wh: Decimal
    amount: Decimal | None
    at: datetime


@dataclass(frozen=True)
class MeterValuesReceived:
    station: str
    connector_ref: int | None
    session_id: int | None
    samples: int
    at: datetime


DomainEvent = (
    StationConnected | StationDisconnected | StationBooted | ChargerStatusChanged
    | ConnectorStatusChanged | SessionStarted | SessionUpdated | SessionEnded
    | MeterValuesReceived
)


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> None:
        """Hands an event over for delivery; never blocks and never raises."""
