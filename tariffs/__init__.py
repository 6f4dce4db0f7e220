"""Pure OCPI 2.2.1 tariff engine: models, pricing, CDR building, roaming tariff catalogue.

Only the standard library and pydantic are used; money and energy are ``Decimal``.
Modules: :mod:`tariffs.ocpi_model`, :mod:`tariffs.rounding`, :mod:`tariffs.pricing`,
:mod:`tariffs.cdr`, :mod:`tariffs.roaming`, :mod:`tariffs.cli`, :mod:`tariffs.errors`.
"""

from tariffs.errors import TariffError
from tariffs.pricing import PricingResult, price_cdr, price_session

__all__ = ["PricingResult", "TariffError", "price_cdr", "price_session"]
