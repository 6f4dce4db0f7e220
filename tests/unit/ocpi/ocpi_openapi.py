"""Validate OCPI JSON against the ocpi.fyi OpenAPI 3.1 definitions in ``shared/``.

Reusable by any test (unit, integration, e2e)::

    from tests.unit.ocpi.ocpi_openapi import validate_object, validate_response

    validate_object("Location", body)                  # raises SchemaError on mismatch
    validate_response(body, "Location", many=True)     # envelope + data list of Locations
    problems = schema_errors("CDR", body)              # list of messages, [] when valid

Schema names are the ``components.schemas`` keys of the module files (``Location``,
``EVSE``, ``Connector``, ``Session``, ``CDR``, ``Tariff``, ``Token``, ``AuthorizationInfo``,
``CommandResponse``, ``CommandResult``, ``Credentials``, ``Version``, ``VersionDetails``,
``ClientInfo``, ``OcpiResponse``, ...; see :func:`schema_names`).  ``$ref`` across files
is resolved with ``referencing``.  Formats are checked: ``date-time`` must be RFC 3339
(OCPI DateTime) and ``uri`` an absolute http(s) URL.

The shared directory is ``$EVGW_SHARED_DIR`` or ``shared/`` beside the repository; when it
is missing the calling test FAILS (these references are required).
"""

from __future__ import annotations

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
    "SchemaError",
    "openapi_dir",
    "schema_errors",
    "schema_names",
    "shared_dir",
    "validate_object",
    "validate_response",
]

SHARED_ENV = "EVGW_SHARED_DIR"
_OPENAPI = Path("specs") / "ocpi" / "openapi-ocpi-fyi" / "openapi"
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.IGNORECASE
)


class SchemaError(AssertionError):
    """An instance does not match its OCPI schema (message lists every problem)."""


def shared_dir() -> Path:
    """The shared reference directory; fails the calling test when it is missing."""
    override = os.environ.get(SHARED_ENV)
    root = Path(override) if override else Path(__file__).resolve().parents[3].parent / "shared"
    if not (root / _OPENAPI).is_dir():
        pytest.fail(
            f"OCPI OpenAPI definitions not found under {root / _OPENAPI} "
            f"(set {SHARED_ENV}); they are required, not optional"
        )
    return root


def openapi_dir(version: str = "2.2.1") -> Path:
    """Directory of the OpenAPI files of an OCPI version (``2.2.1``, ``2.3.0``, ``2.1.1``)."""
    path = shared_dir() / _OPENAPI / f"ocpi-{version}"
    if not path.is_dir():
        pytest.fail(f"no OpenAPI definitions for OCPI {version} at {path}")
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


def _add_ptp_role(doc: dict[str, Any]) -> dict[str, Any]:
    """Spec gap of 2.3.0: it introduces the payment terminal provider, but its Role enum
    lists only CPO, EMSP, NAP, NSP, OTHER, SCSP (see :class:`ocpi.models.Role`); without
    ``PTP`` no PTP could send valid Credentials. Nothing else is relaxed."""
    role = ((doc.get("components") or {}).get("schemas") or {}).get("Role")
    if isinstance(role, dict) and isinstance(role.get("enum"), list) and \
            "PTP" not in role["enum"]:
        role["enum"] = [*role["enum"], "PTP"]
    return doc


# Documented patches applied to the loaded schemas (never to the files), per version.
_PATCHES: dict[str, Any] = {"2.3.0": _add_ptp_role}


class _Spec:
    def __init__(self, version: str) -> None:
        root = openapi_dir(version)
        patch = _PATCHES.get(version, lambda doc: doc)
        resources: list[tuple[str, Resource[Any]]] = []
        self.index: dict[str, str] = {}
        files = sorted(root.rglob("*.yaml"), key=lambda p: (len(p.relative_to(root).parts), p.name))
        for path in files:
            doc = patch(yaml.safe_load(path.read_text(encoding="utf-8")))
            uri = path.resolve().as_uri()
            resources.append((uri, Resource.from_contents(doc, default_specification=DRAFT202012)))
            for name in (doc.get("components") or {}).get("schemas") or {}:
                self.index.setdefault(name, uri)  # module files win over shared copies
        self.registry: Registry[Any] = Registry().with_resources(resources)
        self.checker = _format_checker()

    @cache  # noqa: B019 - one spec object per version and process
    def validator(self, name: str) -> Draft202012Validator:
        uri = self.index.get(name)
        if uri is None:
            raise KeyError(f"no schema named {name!r}; known: {sorted(self.index)}")
        return Draft202012Validator(
            {"$ref": f"{uri}#/components/schemas/{name}"},
            registry=self.registry,
            format_checker=self.checker,
        )


@cache
def _spec(version: str) -> _Spec:
    return _Spec(version)


def schema_names(version: str = "2.2.1") -> list[str]:
    """Every schema name :func:`validate_object` knows for ``version``."""
    return sorted(_spec(version).index)


def schema_errors(schema_name: str, instance: Any, *, version: str = "2.2.1") -> list[str]:
    """Messages (``path: problem``) of every mismatch; empty when the instance is valid."""
    validator = _spec(version).validator(schema_name)
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in err.absolute_path) or "$"
        out.append(f"{path}: {err.message}")
    return out


def validate_object(schema_name: str, instance: Any, *, version: str = "2.2.1") -> None:
    """Raise :class:`SchemaError` unless ``instance`` matches the named OCPI schema."""
    problems = schema_errors(schema_name, instance, version=version)
    if problems:
        raise SchemaError(
            f"{schema_name} does not match OCPI {version}:\n  " + "\n  ".join(problems)
        )


def validate_response(
    body: Any,
    data_schema: str | None = None,
    *,
    many: bool = False,
    version: str = "2.2.1",
) -> None:
    """Validate a response envelope and, when given, its ``data`` (one object or a list)."""
    validate_object("OcpiResponse", body, version=version)
    if data_schema is None:
        return
    if "data" not in body:
        raise SchemaError(f"envelope has no data (expected {data_schema})")
    data = body["data"]
    if many:
        if not isinstance(data, list):
            raise SchemaError(f"data must be a list of {data_schema}")
        for i, item in enumerate(data):
            problems = schema_errors(data_schema, item, version=version)
            if problems:
                raise SchemaError(f"data[{i}] {data_schema}:\n  " + "\n  ".join(problems))
    else:
        validate_object(data_schema, data, version=version)
