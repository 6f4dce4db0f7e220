"""eRoamingPushPricingProductData 1.0 and eRoamingPushEVSEPricing 1.0 from the roaming
tariffs assigned to the platform (manual "Roaming Tariffs").

Products.  Each detail (time frame) of a tariff becomes one pricing product: the tariff
code when it has one detail, ``{code}-{n}`` otherwise (details by priority, highest first).
OICP prices a product in one reference unit, so:

* the energy price gives ``KILOWATT_HOUR``; without one, the charging-time price gives
  ``HOUR``; a tariff with neither is a ``FIXED FEE`` (its flat price) with a zero base price;
* a flat price beside an energy or time price is a ``START FEE``; a parking-time price a
  ``PARKING FEE`` per hour;
* what OICP cannot carry is reported in :attr:`PricingPush.warnings` and left out: a
  charging-time price beside an energy price, reservation prices, ONE_TIME frames (OICP
  availability repeats every week) and the priority between overlapping frames.

Prices go out without VAT (SPEC-02 best practice; our tariff prices exclude VAT already).
Availability: an all-day frame on every day is ``IsValid24hours``; DAILY windows become
periods on the frame's days (a window past midnight is split at ``23:59``/``00:00``);
WEEKLY frames become per-day periods.  Products are offered to every EMP (``ProviderID
"*"``); each EVSE lists the products of the tariffs assigned both to it and to the platform.
Both pushes are ``fullLoad``: the whole set replaces the previous one (Hubject accepts
6 calls a minute for each operation, so the gateway batches everything into one call each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from oicp.ids import validate_operator_id
from oicp.models.common import ActionType, Period, Weekday
from oicp.models.pricing import (
    AdditionalReference,
    AdditionalReferenceType,
    EvsePricing,
    PricingProductData,
    PricingProductDataRecord,
    ProductAvailabilityTimes,
    PushEvsePricingRequest,
    PushPricingProductDataRequest,
    ReferenceUnit,
)
from tariffs.ocpi_model import DayOfWeek
from tariffs.roaming import Recurrence, RoamingTariff, TariffDetail

__all__ = ["ALL_PROVIDERS", "PricingProduct", "PricingPush", "pricing_push", "products_of"]

ALL_PROVIDERS = "*"
_WEEK = list(DayOfWeek)
_WEEKDAY_NAMES = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY,
                  Weekday.FRIDAY, Weekday.SATURDAY, Weekday.SUNDAY]
_DAY_START, _DAY_END = "00:00", "23:59"
_ZERO = Decimal(0)


@dataclass(frozen=True)
class PricingProduct:
    """One product of a tariff detail (before the power limit of its EVSEs is known)."""

    product_id: str
    tariff_code: str
    currency: str
    reference_unit: ReferenceUnit
    price: Decimal
    is_valid_24hours: bool
    availability: tuple[ProductAvailabilityTimes, ...]
    additional: tuple[AdditionalReference, ...]


@dataclass(frozen=True)
class PricingPush:
    """The two request bodies and what could not be expressed."""

    products: PushPricingProductDataRequest
    evse_pricing: PushEvsePricingRequest
    warnings: tuple[str, ...]


def _hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _stop(value: time) -> str:
    """A stop rounded up to the minute (02:59:59 -> 03:00), ``23:59`` at midnight."""
    if value == time(0, 0):
        return _DAY_END
    if value.second or value.microsecond:
        minutes = value.hour * 60 + value.minute + 1
        return _DAY_END if minutes >= 24 * 60 else f"{minutes // 60:02d}:{minutes % 60:02d}"
    return _hhmm(value)


def _on(days: set[int]) -> list[Weekday]:
    if days == set(range(7)):
        return [Weekday.EVERYDAY]
    if days == set(range(5)):
        return [Weekday.WORKDAYS]
    if days == {5, 6}:
        return [Weekday.WEEKEND]
    return [_WEEKDAY_NAMES[d] for d in sorted(days)]


def _days(detail: TariffDetail) -> set[int]:
    if detail.days_of_week is None:
        return set(range(7))
    return {_WEEK.index(d) for d in detail.days_of_week}


def _availability(detail: TariffDetail) -> tuple[bool, tuple[ProductAvailabilityTimes, ...]]:
    """(IsValid24hours, ProductAvailabilityTimes) of a DAILY or WEEKLY detail."""
    days = _days(detail)
    if detail.start is None or detail.stop is None or (
            detail.recurrence is Recurrence.DAILY and
            detail.start.time().replace(second=0, microsecond=0) ==
            detail.stop.time().replace(second=0, microsecond=0)):
        whole = tuple(ProductAvailabilityTimes(
            periods=(Period(begin=_DAY_START, end=_DAY_END),), on=on) for on in _on(days))
        return days == set(range(7)), whole
    start, stop = detail.start, detail.stop
    if detail.recurrence is Recurrence.DAILY:
        begin, end = _hhmm(start.time()), _stop(stop.time())
        periods: tuple[Period, ...]
        if stop.time() > start.time() or stop.time() == time(0, 0):
            periods = (Period(begin=begin, end=end),)
        else:  # past midnight
            periods = (Period(begin=_DAY_START, end=end), Period(begin=begin, end=_DAY_END))
        return False, tuple(ProductAvailabilityTimes(periods=periods, on=on)
                            for on in _on(days))
    # WEEKLY: from start's weekday and time to stop's weekday and time, every week.
    pieces: dict[int, list[Period]] = {}
    first, last = start.weekday(), stop.weekday()
    if first == last and start.time() < stop.time():
        pieces[first] = [Period(begin=_hhmm(start.time()), end=_stop(stop.time()))]
    elif first == last and start.time() == stop.time():
        pieces = {d: [Period(begin=_DAY_START, end=_DAY_END)] for d in range(7)}
    else:
        pieces.setdefault(first, []).append(Period(begin=_hhmm(start.time()), end=_DAY_END))
        day = (first + 1) % 7
        while day != last:
            pieces.setdefault(day, []).append(Period(begin=_DAY_START, end=_DAY_END))
            day = (day + 1) % 7
        if stop.time() != time(0, 0):
            pieces.setdefault(last, []).insert(0, Period(begin=_DAY_START,
                                                         end=_stop(stop.time())))
    return False, tuple(ProductAvailabilityTimes(periods=tuple(periods), on=_WEEKDAY_NAMES[d])
                        for d, periods in sorted(pieces.items()) if d in days)


def products_of(tariff: RoamingTariff) -> tuple[list[PricingProduct], list[str]]:
    """The tariff's products and the warnings about what they cannot express."""
    details = sorted(enumerate(tariff.details), key=lambda item: (-item[1].priority, item[0]))
    products: list[PricingProduct] = []
    warnings: list[str] = []
    if len(details) > 1 and len({d.priority for _, d in details}) > 1:
        warnings.append(f"tariff {tariff.code}: OICP has no priority between overlapping "
                        "frames; each frame is its own product")
    for n, (_, detail) in enumerate(details, start=1):
        product_id = tariff.code if len(details) == 1 else f"{tariff.code}-{n}"
        if detail.recurrence is Recurrence.ONE_TIME:
            warnings.append(f"tariff {tariff.code}: product {product_id} skipped, a ONE_TIME "
                            "frame cannot be expressed (OICP availability repeats weekly)")
            continue
        additional: list[AdditionalReference] = []
        if detail.energy.is_set:
            unit, price = ReferenceUnit.KILOWATT_HOUR, detail.energy.amount
            if detail.charge_time.amount > _ZERO:
                warnings.append(f"tariff {tariff.code}: product {product_id} is priced per "
                                "kWh; its charging-time price cannot be added in OICP")
        elif detail.charge_time.is_set:
            unit, price = ReferenceUnit.HOUR, detail.charge_time.amount
        else:
            unit, price = ReferenceUnit.KILOWATT_HOUR, _ZERO
        if detail.flat.amount > _ZERO:
            fee = (AdditionalReferenceType.START_FEE
                   if detail.energy.is_set or detail.charge_time.is_set
                   else AdditionalReferenceType.FIXED_FEE)
            additional.append(AdditionalReference(
                additional_reference=fee, additional_reference_unit=unit,
                price_per_additional_reference_unit=detail.flat.amount))
        if detail.park_time.amount > _ZERO:
            additional.append(AdditionalReference(
                additional_reference=AdditionalReferenceType.PARKING_FEE,
                additional_reference_unit=ReferenceUnit.HOUR,
                price_per_additional_reference_unit=detail.park_time.amount))
        if detail.prices_reservation:
            warnings.append(f"tariff {tariff.code}: reservation prices of product "
                            f"{product_id} cannot be expressed in OICP")
        valid_24h, availability = _availability(detail)
        products.append(PricingProduct(
            product_id=product_id, tariff_code=tariff.code, currency=tariff.currency,
            reference_unit=unit, price=price, is_valid_24hours=valid_24h,
            availability=availability, additional=tuple(additional)))
    return products, warnings


def pricing_push(
    operator_id: str,
    operator_name: str | None,
    tariffs: Sequence[RoamingTariff],
    evse_tariffs: Mapping[str, Sequence[str]],
    evse_power_kw: Mapping[str, Decimal],
    default_currency: str,
) -> PricingPush:
    """Both fullLoad bodies for the platform.

    ``tariffs``: the tariffs assigned to the platform and in force (active, valid now);
    ``evse_tariffs``: EvseID -> codes of the tariffs that apply at that EVSE for the
    platform; ``evse_power_kw``: EvseID -> power, for each product's maximum power.
    """
    operator = validate_operator_id(operator_id)
    by_code: dict[str, list[PricingProduct]] = {}
    warnings: list[str] = []
    for tariff in tariffs:
        if tariff.code in by_code:
            continue  # one version of a code is in force at a time
        products, notes = products_of(tariff)
        by_code[tariff.code] = products
        warnings.extend(notes)
    power: dict[str, Decimal] = {}
    entries: list[EvsePricing] = []
    for evse_id, codes in sorted(evse_tariffs.items()):
        product_ids = [p.product_id for code in codes for p in by_code.get(code, [])]
        if not product_ids:
            continue
        entries.append(EvsePricing(evse_id=evse_id, provider_id=ALL_PROVIDERS,
                                   evse_id_product_list=tuple(dict.fromkeys(product_ids))))
        for product_id in product_ids:
            power[product_id] = max(power.get(product_id, _ZERO),
                                    evse_power_kw.get(evse_id, _ZERO))
    records = [
        PricingProductDataRecord(
            product_id=p.product_id, reference_unit=p.reference_unit,
            product_price_currency=p.currency, price_per_reference_unit=p.price,
            maximum_product_charging_power=power.get(p.product_id, _ZERO),
            is_valid_24hours=p.is_valid_24hours, product_availability_times=p.availability,
            additional_references=p.additional or None)
        for products in by_code.values() for p in products
    ]
    first = records[0] if records else None
    data = PricingProductData(
        operator_id=operator,
        operator_name=operator_name[:100] if operator_name else None,
        provider_id=ALL_PROVIDERS,
        pricing_default_price=first.price_per_reference_unit if first else _ZERO,
        pricing_default_price_currency=(first.product_price_currency if first
                                        else default_currency),
        pricing_default_reference_unit=(first.reference_unit if first
                                        else ReferenceUnit.KILOWATT_HOUR),
        pricing_product_data_records=tuple(records),
    )
    return PricingPush(
        products=PushPricingProductDataRequest(action_type=ActionType.FULL_LOAD,
                                               pricing_product_data=data),
        evse_pricing=PushEvsePricingRequest(action_type=ActionType.FULL_LOAD,
                                            evse_pricing=tuple(entries)),
        warnings=tuple(warnings),
    )
