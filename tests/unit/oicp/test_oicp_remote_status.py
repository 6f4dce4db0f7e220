"""The OCPP outcome -> Hubject StatusCode table of the remote operations, and the pure
helpers of the remote bridge (EvseID -> connector roaming id, identification -> token)."""

from __future__ import annotations

import pytest

from csms.network.types import IdTokenType
from oicp.models import Identification
from oicp.remote_ports import RemoteToken, connector_roaming_id, token_of
from oicp.remote_status import RemoteOperation, RemoteOutcome, status_code_for
from oicp.status_codes import StatusCodeValue

START, STOP = RemoteOperation.START, RemoteOperation.STOP
RESERVE, CANCEL = RemoteOperation.RESERVE, RemoteOperation.CANCEL_RESERVATION


@pytest.mark.parametrize(("operation", "outcome", "charger_status", "code"), [
    (START, RemoteOutcome.ACCEPTED, "Accepted", "000"),
    (STOP, RemoteOutcome.ACCEPTED, "Accepted", "000"),
    (RESERVE, RemoteOutcome.ACCEPTED, "Accepted", "000"),
    (CANCEL, RemoteOutcome.ACCEPTED, "Accepted", "000"),
    (START, RemoteOutcome.REJECTED, "Rejected", "602"),
    (STOP, RemoteOutcome.REJECTED, "Rejected", "021"),
    (RESERVE, RemoteOutcome.REJECTED, "Occupied", "602"),
    (RESERVE, RemoteOutcome.REJECTED, "Faulted", "700"),
    (RESERVE, RemoteOutcome.REJECTED, "Unavailable", "700"),
    (RESERVE, RemoteOutcome.REJECTED, "Rejected", "320"),
    (RESERVE, RemoteOutcome.REJECTED, None, "320"),
    (CANCEL, RemoteOutcome.REJECTED, "Rejected", "400"),
    (START, RemoteOutcome.TIMEOUT, None, "501"),
    (STOP, RemoteOutcome.CALL_FAILED, None, "501"),
    (RESERVE, RemoteOutcome.OFFLINE, None, "501"),
    (START, RemoteOutcome.UNKNOWN_EVSE, None, "603"),
    (RESERVE, RemoteOutcome.UNKNOWN_EVSE, None, "603"),
    (START, RemoteOutcome.OUT_OF_SERVICE, None, "700"),
    (START, RemoteOutcome.EVSE_OCCUPIED, None, "602"),
    (START, RemoteOutcome.EVSE_RESERVED, None, "601"),
    (RESERVE, RemoteOutcome.NOT_RESERVABLE, None, "320"),
    (STOP, RemoteOutcome.UNKNOWN_SESSION, None, "400"),
    (START, RemoteOutcome.INVALID_REQUEST, None, "022"),
    (CANCEL, RemoteOutcome.FAILED, None, "021"),
])
def test_status_code_for(operation: RemoteOperation, outcome: RemoteOutcome,
                         charger_status: str | None, code: str) -> None:
    assert status_code_for(operation, outcome, charger_status) == StatusCodeValue(code)


def test_only_acceptance_is_success() -> None:
    for operation in RemoteOperation:
        for outcome in RemoteOutcome:
            success = status_code_for(operation, outcome, "Accepted") is StatusCodeValue.SUCCESS
            assert success == (outcome is RemoteOutcome.ACCEPTED), (operation, outcome)


@pytest.mark.parametrize(("evse_id", "operator_id", "expected"), [
    ("SI*TRI*E010107", "SI*TRI", "010107"),
    ("SITRIE010107", "SI*TRI", "010107"),
    ("si*tri*e01ab07", "SITRI", "01AB07"),
    ("SI*TRI*E840*6487", "SI*TRI", "840*6487"),
    ("DE*ABC*E010107", "SI*TRI", None),  # another operator
    ("SI*TRI*010107", "SI*TRI", None),  # no E
    ("+49*810*000*438", "+49*810", None),  # DIN: we build no such EvseIDs
    ("SI*TRI*E", "SI*TRI", None),
])
def test_connector_roaming_id(evse_id: str, operator_id: str, expected: str | None) -> None:
    assert connector_roaming_id(evse_id, operator_id) == expected


def test_token_of_prefers_the_contract() -> None:
    assert token_of(Identification.of_remote("DE*ICE*I01000*6")) == RemoteToken(
        "DE*ICE*I01000*6", IdTokenType.ISO15118)
    assert token_of(Identification.of_uid("044a2daa856280")) == RemoteToken(
        "044A2DAA856280", IdTokenType.RFID)
