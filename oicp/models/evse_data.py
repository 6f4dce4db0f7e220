"""eRoamingPushEvseData 2.3: OperatorEvseData and EvseDataRecord.

The station id is written ``ChargingStationId`` (OpenAPI and AsciiDoc) and read in both
spellings (live Hubject and the spec examples send ``ChargingStationID``).
``DynamicInfoAvailable`` is a string enum; a JSON boolean is accepted and converted.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field, model_validator

from oicp.models.base import EvseIdStr, OicpDateTime, OicpDecimal, OicpModel, OperatorIdStr
from oicp.models.common import ActionType, InfoText, Period, Weekday

__all__ = [
    "Accessibility",
    "AccessibilityLocation",
    "Address",
    "AuthenticationMode",
    "CalibrationLawDataAvailability",
    "ChargingFacility",
    "ChargingMode",
    "DecimalDegree",
    "DeltaType",
    "DynamicInfoAvailable",
    "EnergySource",
    "EnergySourceType",
    "EnvironmentalImpact",
    "EvseDataRecord",
    "GeoCoordinates",
    "GoogleCoordinates",
    "OpeningTimes",
    "OperatorEvseData",
    "PaymentOption",
    "Plug",
    "PowerType",
    "PushEvseDataRequest",
    "ValueAddedService",
]

_DECIMAL_DEGREE = r"^-?1?\d{1,2}\.\d{1,6}$"
_GOOGLE = r"^-?1?\d{1,2}\.\d{1,6}\s*\,?\s*-?1?\d{1,2}\.\d{1,6}$"
_DMS = r"^-?1?\d{1,2}°[ ]?\d{1,2}'[ ]?\d{1,2}\.\d+''$"
_TIME_ZONE = r"^UTC[+,-][0-9]{2}:[0-9]{2}$"
_PHONE = r"^\+[0-9]{5,15}$"
_POOL_ID = r"^([A-Za-z]{2}\*?[A-Za-z0-9]{3}\*?P[A-Za-z0-9\*]{1,30})$"


class Plug(StrEnum):
    """PlugType (``Unspecified`` was removed in 2.3)."""

    SMALL_PADDLE_INDUCTIVE = "Small Paddle Inductive"
    LARGE_PADDLE_INDUCTIVE = "Large Paddle Inductive"
    AVCON = "AVCON Connector"
    TESLA = "Tesla Connector"
    NEMA_5_20 = "NEMA 5-20"
    TYPE_E = "Type E French Standard"
    TYPE_F = "Type F Schuko"
    TYPE_G = "Type G British Standard"
    TYPE_J = "Type J Swiss Standard"
    TYPE_1_CABLE = "Type 1 Connector (Cable Attached)"
    TYPE_2_OUTLET = "Type 2 Outlet"
    TYPE_2_CABLE = "Type 2 Connector (Cable Attached)"
    TYPE_3_OUTLET = "Type 3 Outlet"
    IEC_60309_SINGLE_PHASE = "IEC 60309 Single Phase"
    IEC_60309_THREE_PHASE = "IEC 60309 Three Phase"
    CCS_COMBO_2 = "CCS Combo 2 Plug (Cable Attached)"
    CCS_COMBO_1 = "CCS Combo 1 Plug (Cable Attached)"
    CHADEMO = "CHAdeMO"


class PowerType(StrEnum):
    """ChargingFacility.PowerType."""

    AC_1_PHASE = "AC_1_PHASE"
    AC_3_PHASE = "AC_3_PHASE"
    DC = "DC"


class ChargingMode(StrEnum):
    """IEC 61851 charging mode (or CHAdeMO)."""

    MODE_1 = "Mode_1"
    MODE_2 = "Mode_2"
    MODE_3 = "Mode_3"
    MODE_4 = "Mode_4"
    CHADEMO = "CHAdeMO"


class AuthenticationMode(StrEnum):
    """How a driver can authenticate at the EVSE."""

    NFC_RFID_CLASSIC = "NFC RFID Classic"
    NFC_RFID_DESFIRE = "NFC RFID DESFire"
    PNC = "PnC"
    REMOTE = "REMOTE"
    DIRECT_PAYMENT = "Direct Payment"
    NO_AUTHENTICATION_REQUIRED = "No Authentication Required"


class PaymentOption(StrEnum):
    """PaymentOption (``No Payment`` cannot be combined with the others)."""

    NO_PAYMENT = "No Payment"
    DIRECT = "Direct"
    CONTRACT = "Contract"


class ValueAddedService(StrEnum):
    """ValueAddedService (``None`` when the EVSE offers none)."""

    RESERVATION = "Reservation"
    DYNAMIC_PRICING = "DynamicPricing"
    PARKING_SENSORS = "ParkingSensors"
    MAXIMUM_POWER_CHARGING = "MaximumPowerCharging"
    PREDICTIVE_CHARGE_POINT_USAGE = "PredictiveChargePointUsage"
    CHARGING_PLANS = "ChargingPlans"
    ROOF_PROVIDED = "RoofProvided"
    NONE = "None"


class Accessibility(StrEnum):
    """Who may use the EVSE."""

    FREE_PUBLICLY_ACCESSIBLE = "Free publicly accessible"
    RESTRICTED_ACCESS = "Restricted access"
    PAYING_PUBLICLY_ACCESSIBLE = "Paying publicly accessible"
    TEST_STATION = "Test Station"


class AccessibilityLocation(StrEnum):
    """Where the EVSE is."""

    ON_STREET = "OnStreet"
    PARKING_LOT = "ParkingLot"
    PARKING_GARAGE = "ParkingGarage"
    UNDERGROUND_PARKING_GARAGE = "UndergroundParkingGarage"


class CalibrationLawDataAvailability(StrEnum):
    """Where metering data for calibration law (Eichrecht) can be read."""

    LOCAL = "Local"
    EXTERNAL = "External"
    NOT_AVAILABLE = "Not Available"


class DynamicInfoAvailable(StrEnum):
    """Whether the EVSE sends dynamic status (a string, not a JSON bool)."""

    TRUE = "true"
    FALSE = "false"
    AUTO = "auto"


class EnergySourceType(StrEnum):
    """EnergySource.Energy."""

    SOLAR = "Solar"
    WIND = "Wind"
    HYDRO_POWER = "HydroPower"
    GEOTHERMAL_ENERGY = "GeothermalEnergy"
    BIOMASS = "Biomass"
    COAL = "Coal"
    NUCLEAR_ENERGY = "NuclearEnergy"
    PETROLEUM = "Petroleum"
    NATURAL_GAS = "NaturalGas"


class DeltaType(StrEnum):
    """deltaType of a pulled record (set by Hubject)."""

    UPDATE = "update"
    INSERT = "insert"
    DELETE = "delete"


class Address(OicpModel):
    """AddressIso19773: Country is ISO 3166-1 alpha-3; TimeZone ``UTC+01:00``."""

    country: str = Field(alias="Country", pattern=r"^[A-Z]{3}$")
    city: str = Field(alias="City", min_length=1, max_length=50)
    street: str = Field(alias="Street", min_length=2, max_length=100)
    postal_code: str = Field(alias="PostalCode", max_length=10)
    house_num: str = Field(alias="HouseNum", max_length=10)
    floor: str | None = Field(default=None, alias="Floor", max_length=5)
    region: str | None = Field(default=None, alias="Region", max_length=50)
    parking_facility: bool | None = Field(default=None, alias="ParkingFacility")
    parking_spot: str | None = Field(default=None, alias="ParkingSpot", max_length=5)
    time_zone: str | None = Field(default=None, alias="TimeZone", pattern=_TIME_ZONE)


class GoogleCoordinates(OicpModel):
    """Google form ``"lat lon"``."""

    coordinates: str = Field(alias="Coordinates", pattern=_GOOGLE)


class DecimalDegree(OicpModel):
    """Decimal degrees as strings with at most 6 decimals."""

    longitude: str = Field(alias="Longitude", pattern=_DECIMAL_DEGREE)
    latitude: str = Field(alias="Latitude", pattern=_DECIMAL_DEGREE)


class DegreeMinuteSeconds(OicpModel):
    """Degrees, minutes, seconds."""

    longitude: str = Field(alias="Longitude", pattern=_DMS)
    latitude: str = Field(alias="Latitude", pattern=_DMS)


class GeoCoordinates(OicpModel):
    """GeoCoordinates: exactly one of Google, DecimalDegree, DegreeMinuteSeconds."""

    google: GoogleCoordinates | None = Field(default=None, alias="Google")
    decimal_degree: DecimalDegree | None = Field(default=None, alias="DecimalDegree")
    degree_minute_seconds: DegreeMinuteSeconds | None = Field(
        default=None, alias="DegreeMinuteSeconds"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> GeoCoordinates:
        present = [p for p in (self.google, self.decimal_degree, self.degree_minute_seconds) if p]
        if len(present) != 1:
            raise ValueError("GeoCoordinates needs exactly one of the three formats")
        return self


class ChargingFacility(OicpModel):
    """ChargingFacility: PowerType and Power (kW, integer), optional voltage/current."""

    power_type: PowerType = Field(alias="PowerType")
    power: int = Field(alias="Power", ge=0, le=999)
    voltage: int | None = Field(default=None, alias="Voltage", ge=0, le=999)
    amperage: int | None = Field(default=None, alias="Amperage", ge=0, le=99)
    charging_modes: tuple[ChargingMode, ...] | None = Field(default=None, alias="ChargingModes")


class EnergySource(OicpModel):
    """Share of one energy source."""

    energy: EnergySourceType | None = Field(default=None, alias="Energy")
    percentage: int | None = Field(default=None, alias="Percentage", ge=0, le=99)


class EnvironmentalImpact(OicpModel):
    """CO2 and nuclear waste in g/kWh."""

    co2_emission: OicpDecimal | None = Field(default=None, alias="CO2Emission", le=99999)
    nuclear_waste: OicpDecimal | None = Field(default=None, alias="NuclearWaste", le=99999)


class OpeningTimes(OicpModel):
    """Opening periods on given days."""

    period: tuple[Period, ...] = Field(alias="Period")
    on: Weekday = Field(alias="on")


def _dynamic_info(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class EvseDataRecord(OicpModel):
    """One EVSE (one connector) with the fields the CPO OpenAPI requires."""

    evse_id: EvseIdStr = Field(alias="EvseID")
    charging_station_id: str | None = Field(
        default=None,
        alias="ChargingStationId",
        validation_alias=AliasChoices(
            "ChargingStationId", "ChargingStationID", "charging_station_id"
        ),
        max_length=50,
    )
    charging_pool_id: str | None = Field(default=None, alias="ChargingPoolID", pattern=_POOL_ID)
    charging_station_names: tuple[InfoText, ...] = Field(alias="ChargingStationNames", min_length=1)
    hardware_manufacturer: str | None = Field(
        default=None, alias="HardwareManufacturer", max_length=50
    )
    charging_station_image: str | None = Field(
        default=None, alias="ChargingStationImage", max_length=200
    )
    sub_operator_name: str | None = Field(default=None, alias="SubOperatorName", max_length=100)
    address: Address = Field(alias="Address")
    geo_coordinates: GeoCoordinates = Field(alias="GeoCoordinates")
    plugs: tuple[Plug, ...] = Field(alias="Plugs", min_length=1)
    dynamic_power_level: bool | None = Field(default=None, alias="DynamicPowerLevel")
    charging_facilities: tuple[ChargingFacility, ...] = Field(
        alias="ChargingFacilities", min_length=1
    )
    renewable_energy: bool = Field(alias="RenewableEnergy")
    energy_source: tuple[EnergySource, ...] | None = Field(default=None, alias="EnergySource")
    environmental_impact: EnvironmentalImpact | None = Field(
        default=None, alias="EnvironmentalImpact"
    )
    calibration_law_data_availability: CalibrationLawDataAvailability = Field(
        alias="CalibrationLawDataAvailability"
    )
    authentication_modes: tuple[AuthenticationMode, ...] = Field(
        alias="AuthenticationModes", min_length=1
    )
    max_capacity: int | None = Field(default=None, alias="MaxCapacity")
    payment_options: tuple[PaymentOption, ...] = Field(alias="PaymentOptions", min_length=1)
    value_added_services: tuple[ValueAddedService, ...] = Field(
        alias="ValueAddedServices", min_length=1
    )
    accessibility: Accessibility = Field(alias="Accessibility")
    accessibility_location: AccessibilityLocation | None = Field(
        default=None, alias="AccessibilityLocation"
    )
    hotline_phone_number: str = Field(alias="HotlinePhoneNumber", pattern=_PHONE)
    additional_info: tuple[InfoText, ...] | None = Field(default=None, alias="AdditionalInfo")
    charging_station_location_reference: tuple[InfoText, ...] | None = Field(
        default=None, alias="ChargingStationLocationReference"
    )
    geo_charging_point_entrance: GeoCoordinates | None = Field(
        default=None, alias="GeoChargingPointEntrance"
    )
    is_open_24_hours: bool = Field(alias="IsOpen24Hours")
    opening_times: tuple[OpeningTimes, ...] | None = Field(default=None, alias="OpeningTimes")
    hub_operator_id: OperatorIdStr | None = Field(default=None, alias="HubOperatorID")
    clearinghouse_id: str | None = Field(default=None, alias="ClearinghouseID", max_length=20)
    is_hubject_compatible: bool = Field(alias="IsHubjectCompatible")
    dynamic_info_available: Annotated[DynamicInfoAvailable, BeforeValidator(_dynamic_info)] = Field(
        alias="DynamicInfoAvailable"
    )
    delta_type: DeltaType | None = Field(default=None, alias="deltaType")
    last_update: OicpDateTime | None = Field(default=None, alias="lastUpdate")

    @model_validator(mode="after")
    def _consistent(self) -> EvseDataRecord:
        if not self.is_open_24_hours and not self.opening_times:
            raise ValueError("OpeningTimes are required when IsOpen24Hours is false")
        if PaymentOption.NO_PAYMENT in self.payment_options and len(self.payment_options) > 1:
            raise ValueError("'No Payment' cannot be combined with other PaymentOptions")
        return self


class OperatorEvseData(OicpModel):
    """The operator and its EVSE records."""

    operator_id: OperatorIdStr = Field(alias="OperatorID")
    operator_name: str = Field(alias="OperatorName", min_length=1, max_length=100)
    evse_data_record: tuple[EvseDataRecord, ...] = Field(alias="EvseDataRecord")


class PushEvseDataRequest(OicpModel):
    """eRoamingPushEvseData 2.3 request body."""

    action_type: ActionType = Field(alias="ActionType")
    operator_evse_data: OperatorEvseData = Field(alias="OperatorEvseData")
