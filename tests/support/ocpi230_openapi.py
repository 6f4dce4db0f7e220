"""Validate OCPI 2.3.0 JSON (core + Payments) against the ocpi.fyi OpenAPI 3.1 files.

Reusable by any test (unit, e2e, the fake PTP)::

    from tests.support.ocpi230_openapi import schema_errors, validate_object, validate_response

    validate_object("Tariff", body)                  # raises SchemaError on mismatch
    validate_response(body, "Session", many=True)    # envelope + data list of Sessions
    problems = schema_errors("Terminal", body)       # list of messages, [] when valid

Schema names are the ``components.schemas`` keys of the 2.3.0 files in
``shared/specs/ocpi/openapi-ocpi-fyi/openapi/ocpi-2.3.0`` (``Location``, ``Session``,
``CDR``, ``Tariff``, ``PriceLimit``, ``Credentials``, ``VersionDetails``, ``Terminal``,
``TerminalPatch``, ``FinancialAdviceConfirmation``, ``OcpiResponse``, ...; see
:func:`schema_names`).  ``$ref`` across files is resolved with ``referencing``; ``date-time``
must be RFC 3339 and ``uri`` an absolute http(s) URL.

Spec gap patches (documented decisions, applied to the loaded schemas, never to the files):

* ``Role`` gains ``PTP``: 2.3.0 introduces the payment terminal provider role, but its Role
  enum lists only CPO, EMSP, NAP, NSP, OTHER, SCSP (see :class:`ocpi.models.Role`).  Without
  the patch no PTP could send valid Credentials.

Nothing else is relaxed: e.g. the Payments examples' 2.2.1-style FinancialAdviceConfirmation
prices (``excl_vat`` / ``incl_vat``) do NOT validate as 2.3.0 Prices here.

The shared directory is ``$EVGW_SHARED_DIR`` or ``shared/`` beside the repository; when it
is missing the calling test FAILS (these references are required).
"""

from __future__ import annotations

import copy
import os
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

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

SHARED_ENV = "EVGW_SHARED_DIR"
VERSION = "2.3.0"
_OPENAPI = Path("specs") / "ocpi" / "openapi-ocpi-fyi" / "openapi" / f"ocpi-{VERSION}"
EXAMPLES_DIR = Path("specs") / "ocpi" / "examples-2.3.0-payments" / "examples"
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.IGNORECASE
)
# Spec gap: the PTP role (see the module doc).
_EXTRA_ROLES = ("PTP",)


class SchemaError(AssertionError):
    """An instance does not match its OCPI 2.3.0 schema (message lists every problem)."""


def _shared() -> Path:
    override = os.environ.get(SHARED_ENV)
    root = Path(override) if override else Path(__file__).resolve().parents[2].parent / "shared"
    if not (root / _OPENAPI).is_dir():
        pytest.fail(
            f"OCPI 2.3.0 OpenAPI definitions not found under {root / _OPENAPI} "
            f"(set {SHARED_ENV}); they are required, not optional"
        )
    return root


def openapi_dir() -> Path:
    """Directory of the 2.3.0 OpenAPI files."""
    return _shared() / _OPENAPI


def examples_dir() -> Path:
    """Directory of the official 2.3.0 examples (incl. ``payment_*``)."""
    path = _shared() / EXAMPLES_DIR
    if not path.is_dir():
        pytest.fail(f"OCPI 2.3.0 examples not found at {path}")
    return path


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(_DATE_TIME.match(value))

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.netloc)

    return checker


def _patch(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = (doc.get("components") or {}).get("schemas") or {}
    role = schemas.get("Role")
    if isinstance(role, dict) and isinstance(role.get("enum"), list):
        role["enum"] = [*role["enum"], *(r for r in _EXTRA_ROLES if r not in role["enum"])]
    return doc


class _Spec:
    def __init__(self) -> None:
        root = openapi_dir()
        resources: list[tuple[str, Resource[Any]]] = []
        self.index: dict[str, str] = {}
        files = sorted(root.rglob("*.yaml"), key=lambda p: (len(p.relative_to(root).parts), p.name))
        for path in files:
            doc = _patch(copy.deepcopy(yaml.safe_load(path.read_text(encoding="utf-8"))))
            uri = path.resolve().as_uri()
            resources.append((uri, Resource.from_contents(doc, default_specification=DRAFT202012)))
            for name in (doc.get("components") or {}).get("schemas") or {}:
                self.index.setdefault(name, uri)  # module files win over shared copies
        self.registry: Registry[Any] = Registry().with_resources(resources)
        self.checker = _format_checker()

    @cache  # noqa: B019 - one spec object per process
    def validator(self, name: str) -> Draft202012Validator:
        uri = self.index.get(name)
        if uri is None:
            raise KeyError(f"no 2.3.0 schema named {name!r}; known: {sorted(self.index)}")
        return Draft202012Validator(
            {"$ref": f"{uri}#/components/schemas/{name}"},
            registry=self.registry,
            format_checker=self.checker,
        )


@cache
def _spec() -> _Spec:
    return _Spec()


def schema_names() -> list[str]:
    """Every schema name :func:`validate_object` knows."""
    return sorted(_spec().index)


def schema_errors(schema_name: str, instance: Any) -> list[str]:
    """Messages (``path: problem``) of every mismatch; empty when the instance is valid."""
    validator = _spec().validator(schema_name)
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in err.absolute_path) or "$"
        out.append(f"{path}: {err.message}")
    return out


def validate_object(schema_name: str, instance: Any) -> None:
    """Raise :class:`SchemaError` unless ``instance`` matches the named 2.3.0 schema."""
    problems = schema_errors(schema_name, instance)
    if problems:
        raise SchemaError(f"{schema_name} does not match OCPI 2.3.0:\n  " + "\n  ".join(problems))


def validate_response(body: Any, data_schema: str | None = None, *, many: bool = False) -> None:
    """Validate a response envelope and, when given, its ``data`` (one object or a list)."""
    validate_object("OcpiResponse", body)
    if data_schema is None:
        return
    if not isinstance(body, dict) or "data" not in body:
        raise SchemaError(f"envelope has no data (expected {data_schema})")
    data = body["data"]
    if many:
        if not isinstance(data, list):
            raise SchemaError(f"data must be a list of {data_schema}")
        for i, item in enumerate(data):
            problems = schema_errors(data_schema, item)
            if problems:
                raise SchemaError(f"data[{i}] {data_schema}:\n  " + "\n  ".join(problems))
    else:
        validate_object(data_schema, data)
