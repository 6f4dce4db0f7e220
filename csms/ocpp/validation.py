"""Fast schema validation of inbound CALLs and of our replies.

The ``ocpp`` package validates with ``jsonschema`` (about 180 µs for a 1.6 MeterValues on
this machine); compiling the same official schemas, shipped inside that package, with
``fastjsonschema`` takes about 7 µs. That is the hot path of every charger message, so it
uses the compiled form; CSMS-initiated calls keep the package's validator, which parses
1.6 charging-profile decimals exactly (``multipleOf 0.1``).

Note: ``fastjsonschema`` also checks ``format: date-time``; a charger sending timestamps
without a UTC offset is refused unless its station is lenient (see ``leniency``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema
import ocpp

from csms.ocpp.frames import MessageType, Violation

_SCHEMAS = Path(ocpp.__file__).parent
_RULES = {
    "required": Violation.OCCURRENCE,
    "type": Violation.TYPE, "maxLength": Violation.TYPE, "minLength": Violation.TYPE,
    **{rule: Violation.PROPERTY for rule in (
        "enum", "pattern", "minimum", "maximum", "multipleOf", "format", "minItems",
        "maxItems", "exclusiveMinimum", "exclusiveMaximum", "const", "uniqueItems")},
}
_compiled: dict[tuple[str, int, str], Callable[[Any], Any] | None] = {}


def _schema_file(version: str, message_type: int, action: str) -> Path:
    if version == "1.6":
        name = action + ("Response" if message_type == MessageType.CALLRESULT else "")
        return _SCHEMAS / "v16" / "schemas" / f"{name}.json"
    suffix = "Response" if message_type == MessageType.CALLRESULT else "Request"
    return _SCHEMAS / "v201" / "schemas" / f"{action}{suffix}.json"


def _validator(version: str, message_type: int, action: str) -> Callable[[Any], Any] | None:
    key = (version, message_type, action)
    if key not in _compiled:
        path = _schema_file(version, message_type, action)
        if not path.exists():
            _compiled[key] = None
        else:
            schema = json.loads(path.read_text(encoding="utf-8-sig"))
            schema.pop("$schema", None)  # draft-04 ids confuse nothing, but keep it plain
            _compiled[key] = fastjsonschema.compile(schema)
    return _compiled[key]


def schema_problem(version: str, message_type: int, action: str,
                   payload: Any) -> tuple[str, str] | None:
    """(violation class, detail) when ``payload`` breaks the official schema, else None."""
    validate = _validator(version, message_type, action)
    if validate is None:
        return Violation.NOT_IMPLEMENTED, f"no schema for {action}"
    try:
        validate(payload)
    except fastjsonschema.JsonSchemaValueException as error:
        where = (error.name or "data").removeprefix("data").lstrip(".") or "payload"
        detail = f"{where}: {error.message.removeprefix(str(error.name)).strip()}"
        return _RULES.get(error.rule or "", Violation.FORMATION), detail[:255]
    return None
