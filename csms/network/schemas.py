"""Wire and domain schemas of the charging-network objects.

Each object has a ``…Create`` model (everything CPO staff may write, validated as a
whole) and a ``…Read`` model (adds what the system reports and keeps). PATCH bodies are
derived from the create models (``patch_model_for``) and re-validated as a whole after
merging, so every rule holds after an update exactly as after a create.
References to other objects are their codes.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Self

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from csms.network.types import (
    AssetType,
    Code,
    ConnectionPolicy,
    ConnectionState,
    ConnectorFormat,
    ConnectorStandard,
    CountryCode,
    CurrencyCode,
    CustomFields,
    ElectricCurrentType,
    Email,
    IdTokenStatus,
    IdTokenType,
    Latitude,
    Longitude,
    MacAddress,
    Money,
    Name,
    OcppProtocol,
    OperationalStatus,
    PaymentAuthPolicy,
    Phone,
    PlatformType,
    PowerFactor,
    RoamingId,
    RoamingProtocol,
    RoamingRole,
    Seconds,
    TerminationStrategy,
    Text,
    TimeZone,
)


class Strict(BaseModel):
    """Unknown fields are errors: a typo must never be silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- session settings (Site < Operator < Charger; ``None`` inherits) ---------------------


class SessionRatingSettings(Strict):
    energy_step_kwh: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4)] | None = None
    charge_time_step_s: Annotated[int, Field(gt=0)] | None = None
    park_time_step_s: Annotated[int, Field(gt=0)] | None = None
    park_time_threshold_s: Seconds | None = None
    reservation_rating: bool | None = None
    termination_strategy: TerminationStrategy | None = None
    monetary_limit: Money | None = None
    energy_limit_kwh: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=4)] | None = None
    charge_time_limit_s: Annotated[int, Field(gt=0)] | None = None
    payment_auth_policy: PaymentAuthPolicy | None = None
    payment_auth_amount: Money | None = None
    charge_time_price: Money | None = None
    park_time_price: Money | None = None
    energy_price: Money | None = None
    home_roaming_energy_price: Money | None = None
    home_roaming_charge_time_price: Money | None = None
    home_roaming_park_time_price: Money | None = None
    home_roaming_reservation_time_price: Money | None = None
    home_roaming_reservation_fixed_price: Money | None = None
    start_restriction_connector_occupied: bool | None = None
    reactivation_grace_period_s: Seconds | None = None


class IdleSessionSettings(Strict):
    ready_session_expiration_s: Annotated[int, Field(gt=0)] | None = None
    ongoing_session_expiration_s: Annotated[int, Field(gt=0)] | None = None
    closed_verification_time_s: Annotated[int, Field(gt=0)] | None = None


def default_site_rating() -> SessionRatingSettings:
    return SessionRatingSettings(
        termination_strategy=TerminationStrategy.CHARGING_END,
        reservation_rating=False,
        start_restriction_connector_occupied=False,
        reactivation_grace_period_s=900,
        payment_auth_policy=PaymentAuthPolicy.NONE,
    )


def default_site_idle() -> IdleSessionSettings:
    return IdleSessionSettings(
        ready_session_expiration_s=120,
        ongoing_session_expiration_s=48 * 3600,
        closed_verification_time_s=300,
    )


class Timestamps(BaseModel):
    created_at: datetime
    updated_at: datetime


# --- Site ---------------------------------------------------------------------------------


class SiteCreate(Strict):
    code: Code
    name: Name
    country: CountryCode
    currency: CurrencyCode
    time_zone: TimeZone
    session_rating: SessionRatingSettings = Field(default_factory=default_site_rating)
    idle_session: IdleSessionSettings = Field(default_factory=default_site_idle)


class SiteRead(Timestamps, SiteCreate):
    pass


# --- Operator -------------------------------------------------------------------------------


class OperatorCreate(Strict):
    code: Code
    name: Name
    organisation: Text | None = None
    address: Text | None = None
    country: CountryCode | None = None
    state: Text | None = None
    city: Text | None = None
    zip: Annotated[str, Field(max_length=16)] | None = None
    phone: Phone | None = None
    time_zone: TimeZone | None = None
    session_rating: SessionRatingSettings | None = None
    idle_session: IdleSessionSettings | None = None


class OperatorRead(Timestamps, OperatorCreate):
    pass


# --- Area -----------------------------------------------------------------------------------


class SupportContact(Strict):
    name: Text | None = None
    phone: Phone | None = None
    email: Email | None = None


class AreaCreate(Strict):
    code: Code
    name: Name
    site: Code | None = Field(
        default=None, description="Site of the area; defaults to the only site when one exists"
    )
    operator: Code | None = None
    parent: Code | None = Field(default=None, description="Parent area (hierarchy)")
    address: Text | None = None
    city: Text | None = None
    postal_code: Annotated[str, Field(max_length=16)] | None = None
    state: Text | None = None
    country: CountryCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    support_contact: SupportContact = Field(default_factory=SupportContact)
    roaming_id: RoamingId | None = None
    custom_attributes: CustomFields = Field(default_factory=dict)

    @model_validator(mode="after")
    def _coordinates_together(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude are set together")
        if self.parent is not None and self.parent == self.code:
            raise ValueError("an area cannot be its own parent")
        return self


class AreaRead(Timestamps, AreaCreate):
    site: Code | None = None


# --- Station ----------------------------------------------------------------------------------


class BootConfiguration(Strict):
    trigger_boot_notification: bool = False
    trigger_status_notification: bool = False
    trigger_heartbeat: bool = False
    clear_charging_profiles: bool = False


class StationCreate(Strict):
    code: Code
    name: Name
    visible: bool = True
    area: Code
    physical_address: MacAddress | None = None
    connection_identifier: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9._~:@*+|-]{1,48}$",
            description="OCPP identity the charger uses in its websocket URL (unique)",
        ),
    ]
    ocpp_protocol: OcppProtocol
    connection_policy: ConnectionPolicy = ConnectionPolicy.WSS
    ocpp_leniency: bool = Field(
        default=False,
        description="Accept known off-schema deviations (numeric strings, unknown units, "
        "vendor error codes) with a log line instead of refusing the message",
    )
    boot_configuration: BootConfiguration = Field(default_factory=BootConfiguration)


class StationReported(BaseModel):
    """What the charging station itself reports (read-only through the admin API)."""

    serial_number: str | None = None
    model: str | None = None
    vendor: str | None = None
    firmware_version: str | None = None
    modem_iccid: str | None = None
    modem_imsi: str | None = None
    connection_state: ConnectionState = ConnectionState.DISCONNECTED
    operational_status: OperationalStatus = OperationalStatus.INOPERATIVE
    last_seen_at: datetime | None = None


class StationRead(Timestamps, StationReported, StationCreate):
    pass


# --- Charger (the OCPP 2.0.1 EVSE) ----------------------------------------------------------


class ChargerCreate(Strict):
    code: Code
    name: Name
    station: Code
    evse_id: Annotated[int, Field(ge=1, le=999, description="OCPP 2.0.1 EVSE id")] = 1
    physical_address: MacAddress | None = None
    reservable: bool = False
    roaming_enabled: bool = False
    roaming_id: RoamingId | None = None
    electric_current_type: ElectricCurrentType
    session_rating: SessionRatingSettings | None = None
    custom_fields: CustomFields = Field(default_factory=dict)

    @model_validator(mode="after")
    def _roaming_needs_id(self) -> Self:
        if self.roaming_enabled and self.roaming_id is None:
            raise ValueError("a charger cannot be roaming-enabled without a roaming id")
        return self


class ChargerRead(Timestamps, ChargerCreate):
    status: str | None = Field(default=None, description="Last reported OCPP status")
    operational_status: OperationalStatus = OperationalStatus.INOPERATIVE


# --- Connector ----------------------------------------------------------------------------------


class ConnectorCreate(Strict):
    code: Code = Field(description="Unique within its charger")
    name: Name
    charger: Code
    ocpp_connector_id: Annotated[int, Field(ge=1, le=99)]
    standard: ConnectorStandard
    format: ConnectorFormat
    electric_current_type: ElectricCurrentType | None = Field(
        default=None, description="Defaults to the charger's electric current type"
    )
    wattage_limit_w: Annotated[int, Field(gt=0, le=10_000_000)]
    amperage_limit_a: Annotated[Decimal, Field(gt=0, le=10_000, decimal_places=2)] | None = None
    voltage_limit_v: Annotated[int, Field(gt=0, le=10_000)] | None = None
    power_factor: PowerFactor | None = None
    roaming_id: RoamingId | None = None
    custom_fields: CustomFields = Field(default_factory=dict)


class ConnectorRead(Timestamps, ConnectorCreate):
    status: str | None = Field(default=None, description="Last reported OCPP status")
    error_code: str | None = None


# --- Asset ------------------------------------------------------------------------------------


class AssetCreate(Strict):
    code: Code
    name: Name
    description: Annotated[str, Field(max_length=2000)] | None = None
    type: AssetType
    electric_current_type: ElectricCurrentType | None = None
    power_factor: PowerFactor | None = None
    area: Code


class AssetRead(Timestamps, AssetCreate):
    pass


# --- Roaming -------------------------------------------------------------------------------------

OCPI_PARTY_ID = r"^[A-Z0-9]{3}$"
# OICP 2.3 OperatorID: "SI*TRI" (ISO form) or "+386*123" (DIN form).
OICP_OPERATOR_ID = r"^([A-Za-z]{2}\*?[A-Za-z0-9]{3}|\+?[0-9]{1,3}\*[0-9]{3})$"


def check_roaming_identifier(protocol: RoamingProtocol, country: str, identifier: str) -> None:
    """The roaming identifier's format depends on the protocol (OCPI party id, OICP operator id)."""

    if protocol is RoamingProtocol.OCPI:
        if not re.fullmatch(OCPI_PARTY_ID, identifier):
            raise ValueError("an OCPI roaming identifier is a party id of three upper-case letters")
    else:
        if not re.fullmatch(OICP_OPERATOR_ID, identifier):
            raise ValueError("an OICP roaming identifier is an operator id such as SI*TRI")
        if identifier[:2].isalpha() and identifier[:2].upper() != country:
            raise ValueError(f"the OICP operator id must start with the country code {country}")



def party_id_of(identifier: str) -> str:
    """The OCPI party id a roaming identifier stands for.

    An OCPI identifier already is one; an OICP operator id (SI*TRI, +386*123) carries it
    after the country part.
    """

    return identifier.split("*")[-1][-3:].upper()


class RoamingProfileCreate(Strict):
    code: Code
    name: Name
    type: RoamingRole
    protocol: RoamingProtocol
    country_code: CountryCode
    roaming_identifier: Annotated[str, Field(min_length=3, max_length=16)]
    operator: Code | None = Field(default=None, description="Operator scope (optional)")

    @model_validator(mode="after")
    def _identifier_format(self) -> Self:
        check_roaming_identifier(self.protocol, self.country_code, self.roaming_identifier)
        return self


class RoamingProfileRead(Timestamps, RoamingProfileCreate):
    pass


class RoamingPlatformCreate(Strict):
    code: Code
    name: Name
    roaming_profile: Code
    type: PlatformType
    protocol: RoamingProtocol
    url: Annotated[
        str,
        Field(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2048, description="Base API URL"),
    ]
    country: CountryCode
    roaming_identifier: Annotated[str, Field(min_length=3, max_length=16)]

    @model_validator(mode="after")
    def _identifier_format(self) -> Self:
        check_roaming_identifier(self.protocol, self.country, self.roaming_identifier)
        return self


class RoamingPlatformRead(Timestamps, RoamingPlatformCreate):
    pass


# --- Customers and identification devices --------------------------------------------------


class CustomerCreate(Strict):
    code: Code
    name: Name
    blocked: bool = False


class CustomerRead(Timestamps, CustomerCreate):
    pass


class IdTokenCreate(Strict):
    code: Code
    type: IdTokenType
    identifier: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^\S+$")]
    name: Text | None = None
    customer: Code | None = Field(default=None, description="At most one customer at a time")
    status: IdTokenStatus = IdTokenStatus.VALID


class IdTokenRead(Timestamps, IdTokenCreate):
    pass


# --- PATCH bodies -------------------------------------------------------------------------------


def patch_model_for(create: type[BaseModel]) -> type[BaseModel]:
    """A PATCH body: every field of ``create`` but ``code``, all optional.

    Absent fields are unchanged; the merged object is re-validated with ``create``, so a
    PATCH setting a required field to null fails there with a field-level error.
    """
    fields: dict[str, Any] = {}
    for name, info in create.model_fields.items():
        if name == "code":
            continue
        patched = FieldInfo.merge_field_infos(info, default=None)
        patched.default_factory = None
        fields[name] = (Optional[info.annotation], patched)  # noqa: UP045 - runtime type
    model: type[BaseModel] = create_model(
        create.__name__.replace("Create", "Patch"),
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        **fields,
    )
    return model


class Problem(BaseModel):
    """RFC 9457 problem details, with field-level errors where validation failed."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    references: dict[str, list[str]] | None = None


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


Problem.model_rebuild()

WarningList = list[str]
ChangeKind = Literal["create", "update"]
