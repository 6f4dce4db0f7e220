"""Validate OCPI 2.3.0 JSON (core + Payments) against the ocpi.fyi OpenAPI 3.1 files.

Reusable by any test (unit, e2e, the fake PTP)::

    from tests.support.ocpi230_openapi import schema_errors, validate_object, validate_response

    validate_object("Tariff", body)                  # raises SchemaError on mismatch
    validate_response(body, "Session", many=True)    # envelope + data list of Sessions
    problems = schema_errors("Terminal", body)       # list of messages, [] when valid

The 2.3.0 face of :mod:`tests.unit.ocpi.ocpi_openapi` (one loader for every version): schema
names are the ``components.schemas`` keys of ``openapi-ocpi-fyi/openapi/ocpi-2.3.0``
(``Location``, ``Tariff``, ``PriceLimit``, ``Terminal``, ``FinancialAdviceConfirmation`` …).
The one spec-gap patch (the ``PTP`` role) is documented there; nothing else is relaxed: the
Payments examples' 2.2.1-style FinancialAdviceConfirmation prices (``excl_vat`` /
``incl_vat``) do NOT validate as 2.3.0 Prices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.ocpi import ocpi_openapi as _ocpi
from tests.unit.ocpi.ocpi_openapi import SchemaError

__all__ = [
    "EXAMPLES_DIR",
    "SchemaError",
    "examples_dir",
    "openapi_dir",
    "schema_errors",
    "schema_names",
    "validate_object",
    "validate_response",
]

VERSION = "2.3.0"
EXAMPLES_DIR = Path("specs") / "ocpi" / "examples-2.3.0-payments" / "examples"


def openapi_dir() -> Path:
    """Directory of the 2.3.0 OpenAPI files."""
    return _ocpi.openapi_dir(VERSION)


def examples_dir() -> Path:
    """Directory of the official 2.3.0 examples (incl. ``payment_*``)."""
    path = _ocpi.shared_dir() / EXAMPLES_DIR
    if not path.is_dir():
        pytest.fail(f"OCPI 2.3.0 examples not found at {path}")
    return path


def schema_names() -> list[str]:
    return _ocpi.schema_names(VERSION)


def schema_errors(schema_name: str, instance: Any) -> list[str]:
    return _ocpi.schema_errors(schema_name, instance, version=VERSION)


def validate_object(schema_name: str, instance: Any) -> None:
    _ocpi.validate_object(schema_name, instance, version=VERSION)


def validate_response(body: Any, data_schema: str | None = None, *, many: bool = False) -> None:
    if not isinstance(body, dict):
        raise SchemaError(f"not an OCPI envelope: {body!r}"[:200])
    _ocpi.validate_response(body, data_schema, many=many, version=VERSION)
