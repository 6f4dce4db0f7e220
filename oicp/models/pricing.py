"""eRoamingPushPricingProductData 1.0 and eRoamingPushEVSEPricing 1.0 (dynamic pricing).

``ProductAvailabilityTimes`` elements carry ``Periods`` (OpenAPI and examples); the
AsciiDoc's ``Period`` is read as well.  Prices are without VAT (SPEC-02 best practice).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AliasChoices, Field

from oicp.models.base import (
    CurrencyStr,
    EvseIdStr,
    OicpDecimal,
    OicpModel,
    OperatorIdStr,
    ProductIdStr,
    ProviderIdAsteriskStr,
)
from oicp.models.common import ActionType, Period, Weekday

__all__ = [
    "AdditionalReference",
    "AdditionalReferenceType",
    "EvsePricing",
    "PricingProductData",
    "PricingProductDataRecord",
    "ProductAvailabilityTimes",
    "PushEvsePricingRequest",
    "PushPricingProductDataRequest",
    "ReferenceUnit",
]


class ReferenceUnit(StrEnum):
    """Unit a price refers to."""

    HOUR = "HOUR"
    KILOWATT_HOUR = "KILOWATT_HOUR"
    MINUTE = "MINUTE"


class AdditionalReferenceType(StrEnum):
    """Kind of additional fee."""

    START_FEE = "START FEE"
    FIXED_FEE = "FIXED FEE"
    PARKING_FEE = "PARKING FEE"
    MINIMUM_FEE = "MINIMUM FEE"
    MAXIMUM_FEE = "MAXIMUM FEE"


class ProductAvailabilityTimes(OicpModel):
    """When a pricing product applies."""

    periods: tuple[Period, ...] = Field(
        alias="Periods", validation_alias=AliasChoices("Periods", "Period", "periods")
    )
    on: Weekday = Field(alias="on")


class AdditionalReference(OicpModel):
    """An additional fee of a pricing product."""

    additional_reference: AdditionalReferenceType = Field(alias="AdditionalReference")
    additional_reference_unit: ReferenceUnit = Field(alias="AdditionalReferenceUnit")
    price_per_additional_reference_unit: OicpDecimal = Field(
        alias="PricePerAdditionalReferenceUnit"
    )


class PricingProductDataRecord(OicpModel):
    """One pricing product."""

    product_id: ProductIdStr = Field(alias="ProductID")
    reference_unit: ReferenceUnit = Field(alias="ReferenceUnit")
    product_price_currency: CurrencyStr = Field(alias="ProductPriceCurrency")
    price_per_reference_unit: OicpDecimal = Field(alias="PricePerReferenceUnit")
    maximum_product_charging_power: OicpDecimal = Field(alias="MaximumProductChargingPower")
    is_valid_24hours: bool = Field(alias="IsValid24hours")
    product_availability_times: tuple[ProductAvailabilityTimes, ...] = Field(
        alias="ProductAvailabilityTimes"
    )
    additional_references: tuple[AdditionalReference, ...] | None = Field(
        default=None, alias="AdditionalReferences"
    )


class PricingProductData(OicpModel):
    """Pricing products offered to one EMP (or ``*`` for all)."""

    operator_id: OperatorIdStr = Field(alias="OperatorID")
    operator_name: str | None = Field(default=None, alias="OperatorName", max_length=100)
    provider_id: ProviderIdAsteriskStr = Field(alias="ProviderID")
    pricing_default_price: OicpDecimal = Field(alias="PricingDefaultPrice")
    pricing_default_price_currency: CurrencyStr = Field(alias="PricingDefaultPriceCurrency")
    pricing_default_reference_unit: ReferenceUnit = Field(alias="PricingDefaultReferenceUnit")
    pricing_product_data_records: tuple[PricingProductDataRecord, ...] = Field(
        alias="PricingProductDataRecords"
    )


class PushPricingProductDataRequest(OicpModel):
    """eRoamingPushPricingProductData 1.0 request body."""

    action_type: ActionType = Field(alias="ActionType")
    pricing_product_data: PricingProductData = Field(alias="PricingProductData")


class EvsePricing(OicpModel):
    """Products valid at one EVSE for one EMP (or ``*``)."""

    evse_id: EvseIdStr = Field(alias="EvseID")
    provider_id: ProviderIdAsteriskStr = Field(alias="ProviderID")
    evse_id_product_list: tuple[ProductIdStr, ...] = Field(alias="EvseIDProductList")


class PushEvsePricingRequest(OicpModel):
    """eRoamingPushEVSEPricing 1.0 request body."""

    action_type: ActionType = Field(alias="ActionType")
    evse_pricing: tuple[EvsePricing, ...] = Field(alias="EVSEPricing")
