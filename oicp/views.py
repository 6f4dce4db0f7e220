"""Input views of the OICP mapping: plain frozen snapshots of the network model.

Same spirit as the OCPI views: the service layer fills them from the database and the
mapping never sees ORM rows.  OICP has one EvseDataRecord per connector, so a record is
built from an (area, charger, connector) triple plus the platform's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from oicp.models.evse_data import (
    Accessibility,
    AccessibilityLocation,
    CalibrationLawDataAvailability,
    DynamicInfoAvailable,
)

__all__ = ["OicpAreaView", "OicpChargerView", "OicpConnectorView", "OicpPlatformView"]


@dataclass(frozen=True, slots=True)
class OicpPlatformView:
    """The OICP roaming platform and the roaming profile behind it.

    ``operator_id`` is the profile's OperatorID (``SI*TRI``); ``hotline_phone`` the
    operator's support number (``+386...``).
    """

    operator_id: str
    operator_name: str
    hotline_phone: str | None = None
    language: str = "en"
    accessibility: Accessibility = Accessibility.FREE_PUBLICLY_ACCESSIBLE
    renewable_energy: bool = False
    is_hubject_compatible: bool = True
    dynamic_info_available: DynamicInfoAvailable = DynamicInfoAvailable.TRUE
    calibration_law_data_availability: CalibrationLawDataAvailability = (
        CalibrationLawDataAvailability.NOT_AVAILABLE
    )
    dynamic_pricing: bool = False
    intercharge_direct: bool = False
    hub_operator_id: str | None = None


@dataclass(frozen=True, slots=True)
class OicpAreaView:
    """An area (site).  ``country`` is ISO alpha-2 (alpha-3 accepted); ``time_zone`` IANA.

    ``address`` is the street line; ``house_number`` is taken from its last token when not
    given separately.  ``phone`` is the area's contact, ``operator_phone`` the operator's.
    """

    code: str
    name: str
    address: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    latitude: Decimal | None
    longitude: Decimal | None
    time_zone: str | None
    state: str | None = None
    house_number: str | None = None
    phone: str | None = None
    operator_phone: str | None = None
    opening_hours: tuple[tuple[str, str, str], ...] = ()
    accessibility_location: AccessibilityLocation | None = None
    publish: bool = True


@dataclass(frozen=True, slots=True)
class OicpChargerView:
    """A charger: capabilities and charger-level OCPP status.

    ``ocpp_status`` is the charger-level status (OCPP 1.6 connector 0 or the 2.0.1 EVSE);
    ``connected`` is False while the station's websocket is down.
    """

    code: str
    roaming_enabled: bool
    roaming_id: str | None
    electric_current_type: ElectricCurrentType
    reservable: bool = False
    remote_start_stop: bool = True
    rfid_reader: bool = True
    payment_terminal: bool = False
    manufacturer: str | None = None
    ocpp_status: str | None = None
    connected: bool = True


@dataclass(frozen=True, slots=True)
class OicpConnectorView:
    """A connector (one OICP EVSE)."""

    code: str
    roaming_id: str | None
    standard: ConnectorStandard
    format: ConnectorFormat
    wattage_limit_w: int
    electric_current_type: ElectricCurrentType | None = None
    amperage_limit_a: Decimal | None = None
    voltage_limit_v: int | None = None
    ocpp_status: str | None = None
