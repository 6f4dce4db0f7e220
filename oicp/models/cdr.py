"""eRoamingChargeDetailRecord 2.2 (one per SessionID).

``HubProviderID`` is also read as ``HubProviderId`` (EMP OpenAPI spelling).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AliasChoices, Field, model_validator

from oicp.models.base import (
    EvseIdStr,
    OicpDateTime,
    OicpDecimal,
    OicpModel,
    OperatorIdStr,
    PartnerSessionIdStr,
    ProductIdStr,
    ProviderIdStr,
    SessionIdStr,
)
from oicp.models.common import Identification

__all__ = [
    "CalibrationLawVerificationInfo",
    "ChargeDetailRecord",
    "MeterValueInBetween",
    "MeteringStatus",
    "SignedMeteringValue",
]


class MeteringStatus(StrEnum):
    """Position of a signed metering value in the session."""

    START = "Start"
    PROGRESS = "Progress"
    END = "End"


class MeterValueInBetween(OicpModel):
    """``{"meterValues": [...]}`` in kWh."""

    meter_values: tuple[OicpDecimal, ...] = Field(alias="meterValues")


class SignedMeteringValue(OicpModel):
    """A signed (Eichrecht) meter reading."""

    signed_metering_value: str | None = Field(
        default=None, alias="SignedMeteringValue", max_length=3000
    )
    metering_status: MeteringStatus | None = Field(default=None, alias="MeteringStatus")


class CalibrationLawVerificationInfo(OicpModel):
    """How to verify the signed metering values."""

    calibration_law_certificate_id: str | None = Field(
        default=None, alias="CalibrationLawCertificateID", max_length=100
    )
    public_key: str | None = Field(default=None, alias="PublicKey", max_length=1000)
    metering_signature_url: str | None = Field(
        default=None, alias="MeteringSignatureUrl", max_length=200
    )
    metering_signature_encoding_format: str | None = Field(
        default=None, alias="MeteringSignatureEncodingFormat", max_length=50
    )
    signed_metering_values_verification_instruction: str | None = Field(
        default=None, alias="SignedMeteringValuesVerificationInstruction", max_length=400
    )


class ChargeDetailRecord(OicpModel):
    """eRoamingChargeDetailRecord 2.2 request body; energy in kWh (Decimal)."""

    session_id: SessionIdStr = Field(alias="SessionID")
    cpo_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="CPOPartnerSessionID"
    )
    emp_partner_session_id: PartnerSessionIdStr | None = Field(
        default=None, alias="EMPPartnerSessionID"
    )
    partner_product_id: ProductIdStr | None = Field(default=None, alias="PartnerProductID")
    evse_id: EvseIdStr = Field(alias="EvseID")
    identification: Identification = Field(alias="Identification")
    charging_start: OicpDateTime = Field(alias="ChargingStart")
    charging_end: OicpDateTime = Field(alias="ChargingEnd")
    session_start: OicpDateTime = Field(alias="SessionStart")
    session_end: OicpDateTime = Field(alias="SessionEnd")
    meter_value_start: OicpDecimal | None = Field(default=None, alias="MeterValueStart")
    meter_value_end: OicpDecimal | None = Field(default=None, alias="MeterValueEnd")
    meter_value_in_between: MeterValueInBetween | None = Field(
        default=None, alias="MeterValueInBetween"
    )
    consumed_energy: OicpDecimal = Field(alias="ConsumedEnergy", ge=0)
    signed_metering_values: tuple[SignedMeteringValue, ...] | None = Field(
        default=None, alias="SignedMeteringValues", max_length=10
    )
    calibration_law_verification_info: CalibrationLawVerificationInfo | None = Field(
        default=None, alias="CalibrationLawVerificationInfo"
    )
    hub_operator_id: OperatorIdStr | None = Field(default=None, alias="HubOperatorID")
    hub_provider_id: ProviderIdStr | None = Field(
        default=None,
        alias="HubProviderID",
        validation_alias=AliasChoices("HubProviderID", "HubProviderId", "hub_provider_id"),
    )

    @model_validator(mode="after")
    def _ordered(self) -> ChargeDetailRecord:
        if self.session_end < self.session_start:
            raise ValueError("SessionEnd is before SessionStart")
        if self.charging_end < self.charging_start:
            raise ValueError("ChargingEnd is before ChargingStart")
        return self
