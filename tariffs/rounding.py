"""The one rounding policy of the tariff package.

Policy
------
* **Arithmetic.** Money and quantities are :class:`decimal.Decimal`, never float.  All pricing
  arithmetic runs in :data:`INTERNAL_CONTEXT` (34 significant digits, ROUND_HALF_EVEN for the
  last digit of inexact intermediate results such as ``seconds / 3600``).  Intermediate values
  are never rounded to a currency precision.
* **Output.** Every amount and every quantity the package *outputs* (CDR totals, priced period
  costs in reports, CDR dimension volumes) is rounded exactly once, by :func:`round_output`, to
  :data:`OUTPUT_PLACES` = 4 decimals with ``ROUND_HALF_UP`` (ties away from zero).  OCPI says
  numbers carry 4 decimals and leaves money rounding to contracts; the official tariff examples
  round 5.125 to 5.13 (half-up, banker's rounding would give 5.12), so half-up it is.  The same
  function with ``places=2`` gives the currency presentation used in the spec's prose.
* **Residue guard.**  Hours are ``seconds / 3600``, a non-terminating decimal; 178 s at
  0.99/h is exactly 0.04895 but computes as 0.048949999...(34 digits).  :func:`round_output`
  therefore first snaps the value to :data:`RESIDUE_PLACES` = 20 decimals, then rounds half-up,
  so results equal the rounding of the exact rational amount.
* **CDR volumes.**  Dimension volumes of the CDRs we build carry :data:`VOLUME_PLACES` = 6
  decimals (same function, ``places=6``): 4-decimal hours are 0.36 s coarse, which would turn
  "5 min at 2.40/h" into 0.2001.  Session totals (``total_energy``, ``total_time``,
  ``total_parking_time``) are output values and carry 4 decimals.
* **Totals.** Each per-dimension cost total is rounded once; ``total_cost`` is the exact sum of
  the rounded per-dimension totals, so the breakdown always adds up.  ``min_price`` /
  ``max_price`` are applied to that sum (excl. and incl. VAT independently).
* **Billing steps.** ``step_size`` rounding (:func:`ceil_to_step`) is a billing rule, not a
  money rounding: a quantity is rounded *up* to a whole multiple of the step.  Before the
  ceiling the quantity is snapped to the resolution of its step unit, so that residue never
  buys a whole extra step: time to whole seconds (the OCPI step multiplier; hour volumes
  carry 4-6 decimals, i.e. up to 0.36 s of noise: 10 min written as 0.166667 h must not bill
  11 min at step 60), energy to :data:`ENERGY_GUARD_PLACES` = 3 decimals of a Wh (the spec's
  115.2 Wh is billed as 116 Wh at step 1).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal

#: Decimal context used for all internal arithmetic.
INTERNAL_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)

#: Number of decimals of every output amount / quantity.
OUTPUT_PLACES = 4

#: Decimals kept before output rounding (absorbs residue of inexact divisions).
RESIDUE_PLACES = 20

#: Decimals of dimension volumes in CDRs we build.
VOLUME_PLACES = 6

#: Decimals of a Wh kept before an energy step ceiling; time snaps to whole seconds.
ENERGY_GUARD_PLACES = 3
TIME_GUARD_PLACES = 0

_QUANTS = {places: Decimal(1).scaleb(-places) for places in range(0, 13)}
_RESIDUE = Decimal(1).scaleb(-RESIDUE_PLACES)
ZERO = Decimal(0)


def round_output(value: Decimal, places: int = OUTPUT_PLACES) -> Decimal:
    """Round ``value`` for output: ``places`` decimals (default 4), ROUND_HALF_UP.

    This is the only function in the package that rounds money or quantities for output.
    """
    quant = _QUANTS.get(places)
    if quant is None:
        quant = Decimal(1).scaleb(-places)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RESIDUE_PLACES and value.adjusted() < 10:
        value = value.quantize(_RESIDUE, rounding=ROUND_HALF_EVEN, context=INTERNAL_CONTEXT)
    return value.quantize(quant, rounding=ROUND_HALF_UP, context=INTERNAL_CONTEXT)


def ceil_to_step(quantity: Decimal, step: int, guard_places: int) -> Decimal:
    """Round a non-negative ``quantity`` (Wh or seconds) up to a multiple of ``step``.

    ``step <= 0`` means "no step": the quantity is returned unchanged.  The quantity is first
    snapped (half-up) to ``guard_places`` decimals of its unit (:data:`TIME_GUARD_PLACES`,
    :data:`ENERGY_GUARD_PLACES`, see module docstring) to absorb representation noise.
    """
    if step <= 0:
        return quantity
    snapped = round_output(quantity, guard_places)
    steps = (snapped / step).to_integral_value(rounding=ROUND_CEILING, context=INTERNAL_CONTEXT)
    return steps * step
