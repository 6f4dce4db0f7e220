"""OCPP-J frames: parsing, validation-error mapping and CALLERROR codes per version.

The ``ocpp`` package answers nothing to an invalid frame and uses 2.0.1 spellings for 1.6
errors; we decode frames ourselves and answer exactly as the OCPP-J specification of
each version says (1.6: OCPP-J 1.6 §4.2.3 table 7; 2.0.1: OCPP-J 2.0.1 §4.3 table 8).
Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaError

OCPP16 = "1.6"
OCPP201 = "2.0.1"
SUBPROTOCOLS = {OCPP16: "ocpp1.6", OCPP201: "ocpp2.0.1"}
UNKNOWN_ID = "-1"  # OCPP-J 2.0.1: the id to use when the message id cannot be read
MAX_ID_LENGTH = 36


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


@dataclass(frozen=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallResult:
    unique_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallError:
    unique_id: str
    code: str
    description: str
    details: dict[str, Any]


Frame = Call | CallResult | CallError


class Violation:
    """The error classes of OCPP-J, spelled per version."""

    FORMATION = "formation"  # not a valid frame / payload syntax
    RPC_FRAMEWORK = "rpc_framework"  # frame readable as JSON but not an RPC frame
    MESSAGE_TYPE = "message_type"  # unknown MessageTypeId
    OCCURRENCE = "occurrence"
    TYPE = "type"
    PROPERTY = "property"
    NOT_IMPLEMENTED = "not_implemented"  # action not known
    NOT_SUPPORTED = "not_supported"  # action known, not supported
    INTERNAL = "internal"
    PROTOCOL = "protocol"
    SECURITY = "security"
    GENERIC = "generic"


_CODES: dict[str, dict[str, str]] = {
    OCPP16: {
        Violation.FORMATION: "FormationViolation",
        Violation.RPC_FRAMEWORK: "FormationViolation",
        Violation.MESSAGE_TYPE: "FormationViolation",
        Violation.OCCURRENCE: "OccurenceConstraintViolation",  # sic, OCPP-J 1.6
        Violation.TYPE: "TypeConstraintViolation",
        Violation.PROPERTY: "PropertyConstraintViolation",
        Violation.NOT_IMPLEMENTED: "NotImplemented",
        Violation.NOT_SUPPORTED: "NotSupported",
        Violation.INTERNAL: "InternalError",
        Violation.PROTOCOL: "ProtocolError",
        Violation.SECURITY: "SecurityError",
        Violation.GENERIC: "GenericError",
    },
    OCPP201: {
        Violation.FORMATION: "FormatViolation",
        Violation.RPC_FRAMEWORK: "RpcFrameworkError",
        Violation.MESSAGE_TYPE: "MessageTypeNotSupported",
        Violation.OCCURRENCE: "OccurrenceConstraintViolation",
        Violation.TYPE: "TypeConstraintViolation",
        Violation.PROPERTY: "PropertyConstraintViolation",
        Violation.NOT_IMPLEMENTED: "NotImplemented",
        Violation.NOT_SUPPORTED: "NotSupported",
        Violation.INTERNAL: "InternalError",
        Violation.PROTOCOL: "ProtocolError",
        Violation.SECURITY: "SecurityError",
        Violation.GENERIC: "GenericError",
    },
}


def error_code(version: str, violation: str) -> str:
    return _CODES[version][violation]


class FrameError(Exception):
    """A frame we must answer with a CALLERROR (when it was a CALL or unreadable)."""

    def __init__(self, violation: str, description: str, unique_id: str = UNKNOWN_ID) -> None:
        super().__init__(description)
        self.violation = violation
        self.description = description
        self.unique_id = unique_id


def parse_frame(raw: str | bytes) -> Frame:
    """Decodes one OCPP-J frame or raises ``FrameError`` saying how to answer."""
    try:
        message = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError(Violation.FORMATION, f"frame is not valid JSON: {exc}") from exc
    if not isinstance(message, list) or len(message) < 3:
        raise FrameError(Violation.RPC_FRAMEWORK, "frame is not an OCPP-J array")
    type_id, unique_id = message[0], message[1]
    if not isinstance(unique_id, str) or not 0 < len(unique_id) <= MAX_ID_LENGTH:
        raise FrameError(Violation.RPC_FRAMEWORK, "message id is not a string of 1-36 chars")
    if type_id == MessageType.CALL and not isinstance(type_id, bool):
        if len(message) != 4 or not isinstance(message[2], str):
            raise FrameError(Violation.FORMATION, "CALL is [2, id, action, payload]", unique_id)
        if not isinstance(message[3], dict):
            raise FrameError(Violation.FORMATION, "CALL payload is not an object", unique_id)
        return Call(unique_id, message[2], message[3])
    if type_id == MessageType.CALLRESULT and not isinstance(type_id, bool):
        if len(message) != 3 or not isinstance(message[2], dict):
            raise FrameError(Violation.FORMATION, "CALLRESULT is [3, id, payload]", unique_id)
        return CallResult(unique_id, message[2])
    if type_id == MessageType.CALLERROR and not isinstance(type_id, bool):
        if len(message) != 5 or not all(isinstance(x, str) for x in message[2:4]):
            raise FrameError(Violation.FORMATION, "CALLERROR is [4, id, code, text, {}]",
                             unique_id)
        details = message[4] if isinstance(message[4], dict) else {}
        return CallError(unique_id, message[2], message[3], details)
    raise FrameError(Violation.MESSAGE_TYPE, f"unknown message type id {type_id!r}", unique_id)


def violation_for(error: SchemaError) -> str:
    """Maps a JSON-schema failure to the OCPP-J error class (per the tables' definitions)."""
    validator = error.validator
    if validator == "required":
        return Violation.OCCURRENCE
    if validator in ("type", "maxLength", "minLength"):
        return Violation.TYPE  # data type constraints, e.g. CiString20Type length
    if validator in ("enum", "pattern", "minimum", "maximum", "multipleOf", "format",
                     "minItems", "maxItems", "exclusiveMinimum", "exclusiveMaximum"):
        return Violation.PROPERTY
    return Violation.FORMATION  # additionalProperties and other structural failures


def encode_call(unique_id: str, action: str, payload: dict[str, Any]) -> str:
    return json.dumps([MessageType.CALL, unique_id, action, payload], separators=(",", ":"))


def encode_result(unique_id: str, payload: dict[str, Any]) -> str:
    return json.dumps([MessageType.CALLRESULT, unique_id, payload], separators=(",", ":"))


def encode_error(
    version: str, unique_id: str, violation: str, description: str,
    details: dict[str, Any] | None = None,
) -> str:
    return json.dumps(
        [MessageType.CALLERROR, unique_id, error_code(version, violation),
         description[:255], details or {}],
        separators=(",", ":"),
    )
