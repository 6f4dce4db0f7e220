"""Validate OICP 2.3 JSON bodies against Hubject's bundled CPO (or EMP) OpenAPI 3.0.

Reusable by any test (unit, integration, fake Hubject)::

    from tests.unit.oicp.oicp_openapi import validate_request, schema_errors

    validate_request("eRoamingPushEvseData", body)                         # schema name
    validate_request("/evsepush/v23/operators/{operatorID}/data-records", body)  # path
    validate_request("/evsepush/v23/operators/DE*ABC/data-records", body)  # concrete path
    problems = schema_errors("eRoamingAcknowledgment", body)               # [] when valid

Charging notifications (``/notificationmgmt/v11/charging-notifications``) are declared as
``oneOf`` without a discriminator; a Progress body also satisfies Start, so the helper
picks the schema by ``Type`` instead of applying ``oneOf``.  ``$ref`` is resolved with
``referencing``; ``date-time`` must be RFC 3339 with an offset.

The shared directory is ``$EVGW_SHARED_DIR`` or ``shared/`` beside the repository; when it
is missing the calling test FAILS (the specs are required, not optional).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

__all__ = [
    "CPO_BUNDLE",
    "EMP_BUNDLE",
    "EXAMPLES",
    "SchemaError",
    "openapi",
    "schema_errors",
    "schema_for",
    "shared_dir",
    "validate_request",
]

SHARED_ENV = "EVGW_SHARED_DIR"
CPO_BUNDLE = Path("specs/oicp/hubject+oicp-cpo-2.3-api-doc/gh-pages-bundled/openapi.yaml")
EMP_BUNDLE = Path("specs/oicp/hubject+oicp-emp-2.3-api-doc/gh-pages-bundled/openapi.yaml")
EXAMPLES = Path("specs/oicp/hubject+oicp/OICP-2.3/examples-from-06_Code_Snippets")
NOTIFICATIONS_PATH = "/notificationmgmt/v11/charging-notifications"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_URI = "urn:oicp:openapi"


class SchemaError(AssertionError):
    """A body does not match its OICP schema (the message lists every problem)."""


def shared_dir() -> Path:
    """The shared reference directory; fails the calling test when it is missing."""
    override = os.environ.get(SHARED_ENV)
    root = Path(override) if override else Path(__file__).resolve().parents[3].parent / "shared"
    if not (root / CPO_BUNDLE).is_file():
        pytest.fail(
            f"OICP OpenAPI not found at {root / CPO_BUNDLE} (set {SHARED_ENV}); "
            "it is required, not optional"
        )
    return root


@cache
def openapi(side: str = "cpo") -> dict[str, Any]:
    """The bundled OpenAPI document of the ``cpo`` or ``emp`` side."""
    path = shared_dir() / (CPO_BUNDLE if side == "cpo" else EMP_BUNDLE)
    if not path.is_file():
        pytest.fail(f"OICP OpenAPI not found at {path}")
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


@cache
def _registry(side: str) -> Registry:
    resource: Resource[Any] = Resource.from_contents(openapi(side), default_specification=DRAFT4)
    return Registry().with_resource(f"{_URI}:{side}", resource)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or _DATE_TIME.match(value) is not None

    return checker


def _path_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}$")


def schema_for(operation: str, body: Any = None, side: str = "cpo") -> str:
    """Schema name of an operation path (template or concrete) or a schema name itself."""
    doc = openapi(side)
    schemas = doc["components"]["schemas"]
    if operation in schemas:
        return operation
    for template, methods in doc["paths"].items():
        if template == operation or _path_regex(template).match(operation):
            if template == NOTIFICATIONS_PATH:
                kind = body.get("Type") if isinstance(body, dict) else None
                name = f"eRoamingChargingNotification{kind}"
                if name not in schemas:
                    raise SchemaError(f"charging notification with unknown Type {kind!r}")
                return name
            ref: str = methods["post"]["requestBody"]["content"]["application/json"]["schema"][
                "$ref"
            ]
            return ref.rsplit("/", 1)[-1]
    raise KeyError(f"no OICP operation or schema {operation!r} in the {side} OpenAPI")


def schema_errors(operation: str, body: Any, side: str = "cpo") -> list[str]:
    """Every problem of ``body`` against the request schema of ``operation``."""
    name = schema_for(operation, body, side)
    validator = Draft4Validator(
        {"$ref": f"{_URI}:{side}#/components/schemas/{name}"},
        registry=_registry(side),
        format_checker=_format_checker(),
    )
    return sorted(
        f"{'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in validator.iter_errors(body)
    )


def validate_request(operation_path_or_schema_name: str, body: Any, side: str = "cpo") -> None:
    """Raise :class:`SchemaError` unless ``body`` matches the operation's request schema."""
    problems = schema_errors(operation_path_or_schema_name, body, side)
    if problems:
        raise SchemaError(
            f"{operation_path_or_schema_name}: {len(problems)} problem(s):\n  "
            + "\n  ".join(problems)
        )
