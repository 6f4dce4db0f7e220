"""2.2.1 prices (``excl_vat`` / ``incl_vat``) as 2.3.0 prices (``before_taxes`` + ``taxes``).

Pure. The tariff engine and every object built from it speak 2.2.1 prices: an amount
excluding VAT and one including it. 2.3.0 wants the amount before taxes and a list of
``TaxAmount {name, percentage?, amount}``. The tax amount is ``incl_vat - excl_vat``; the
name and percentage come from the VAT the roaming tariffs put on their price components
(the manual: "prices without VAT, VAT in a separate field"), so a priced object is
converted together with the tariffs that priced it:

* ``incl_vat`` absent: VAT unknown, so ``taxes`` is omitted.
* The part was priced at one VAT rate only: ``[{"name": "VAT", "percentage": rate,
  "amount": incl - excl}]`` (also when the amount is 0).
* No component had a VAT (OCPI: ``vat`` omitted = no VAT applies) and nothing was taxed:
  ``taxes`` omitted.
* Several rates (e.g. FLAT 20 %, ENERGY 10 %): a total is split into one TaxAmount per rate
  when the per-dimension costs account for the whole tax (:func:`total_price`); otherwise,
  and for a single dimension priced at several rates, one ``VAT`` TaxAmount without a
  percentage carries the whole tax (a percentage would be wrong for part of the base).

Spec gap decision: 2.3.0 does not name taxes; we use ``VAT`` (the only tax the manual's
roaming tariffs know).  Amounts keep the engine's digits (no rounding here).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from ocpi.models import v230
from tariffs import ocpi_model as engine

__all__ = [
    "RESERVATION",
    "VAT",
    "CdrCostParts",
    "price",
    "price_limit",
    "tax_included",
    "total_price",
    "vat_rates",
]

VAT = "VAT"
RESERVATION = "RESERVATION"  # rates of the elements that price reservations
_ZERO = Decimal(0)

CdrCostParts = Mapping[str, engine.Price | None]
"""A CDR's per-dimension costs by rate key (``FLAT``, ``ENERGY``, ``TIME``,
``PARKING_TIME``, ``RESERVATION``)."""


def vat_rates(tariffs: Iterable[engine.Tariff]) -> dict[str, frozenset[Decimal | None]]:
    """The VAT rates of the tariffs' price components per dimension (``None``: a component
    without VAT); components of reservation elements are gathered under ``RESERVATION``.

    Free components (price 0) are left out: they tax nothing, and a roaming tariff gives
    every metric a component (an empty price is 0, usually without a VAT), which must not
    read as a second, VAT-less rate."""
    rates: dict[str, set[Decimal | None]] = {}
    for tariff in tariffs:
        for element in tariff.elements:
            reserved = element.restrictions is not None and \
                element.restrictions.reservation is not None
            for component in element.price_components:
                if component.price == _ZERO:
                    continue
                key = RESERVATION if reserved else component.type.value
                rates.setdefault(key, set()).add(component.vat)
    return {key: frozenset(values) for key, values in rates.items()}


def _all(rates: Mapping[str, Collection[Decimal | None]]) -> frozenset[Decimal | None]:
    return frozenset(rate for values in rates.values() for rate in values)


def price(value: engine.Price, rates: Collection[Decimal | None]) -> v230.Price:
    """One 2.2.1 price as a 2.3.0 price, given the VAT rates that priced it."""
    if value.incl_vat is None:
        return v230.Price(before_taxes=value.excl_vat)
    tax = value.incl_vat - value.excl_vat
    known = {rate for rate in rates if rate is not None}
    if len(known) == 1 and None not in rates:
        return v230.Price(before_taxes=value.excl_vat, taxes=[
            v230.TaxAmount(name=VAT, percentage=next(iter(known)), amount=tax)])
    if tax == _ZERO:
        return v230.Price(before_taxes=value.excl_vat)
    return v230.Price(before_taxes=value.excl_vat, taxes=[v230.TaxAmount(name=VAT, amount=tax)])


def total_price(total: engine.Price, parts: CdrCostParts,
                rates: Mapping[str, Collection[Decimal | None]]) -> v230.Price:
    """A total as a 2.3.0 price, split per VAT rate when its parts allow it.

    ``parts`` are the per-dimension costs (keys as in :func:`vat_rates`); the split is used
    when every taxed part was priced at a single rate and the parts' taxes add up to the
    total's (a ``min_price`` / ``max_price`` adjustment breaks that: one lump then).
    """
    everything = _all(rates)
    if total.incl_vat is None:
        return v230.Price(before_taxes=total.excl_vat)
    by_rate: dict[Decimal, Decimal] = {}
    for key, part in parts.items():
        if part is None or part.incl_vat is None:
            continue
        tax = part.incl_vat - part.excl_vat
        if tax == _ZERO:
            continue
        part_rates = rates.get(key, frozenset())
        known = {rate for rate in part_rates if rate is not None}
        if len(known) != 1 or None in part_rates:
            return price(total, everything)
        rate = next(iter(known))
        by_rate[rate] = by_rate.get(rate, _ZERO) + tax
    if len(by_rate) < 2 or sum(by_rate.values(), _ZERO) != total.incl_vat - total.excl_vat:
        return price(total, everything)
    return v230.Price(before_taxes=total.excl_vat, taxes=[
        v230.TaxAmount(name=VAT, percentage=rate, amount=amount)
        for rate, amount in sorted(by_rate.items())])


def price_limit(value: engine.Price) -> v230.PriceLimit:
    """A 2.2.1 ``min_price`` / ``max_price`` as a 2.3.0 PriceLimit."""
    return v230.PriceLimit(before_taxes=value.excl_vat, after_taxes=value.incl_vat)


def tax_included(tariff: engine.Tariff) -> v230.TaxIncluded:
    """``tax_included`` of a tariff whose component prices exclude VAT (ours always do).

    ``NO`` when any component names a VAT; ``N/A`` when none does (2.2.1: an omitted
    ``vat`` means no VAT applies, which is 2.3.0's "no taxes applicable").
    """
    has_vat = any(component.vat is not None for element in tariff.elements
                  for component in element.price_components)
    return v230.TaxIncluded.NO if has_vat else v230.TaxIncluded.N_A
