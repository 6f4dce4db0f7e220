"""EvseID / OperatorID construction and validation, path id decoding."""

from __future__ import annotations

import pytest

from oicp import ids
from oicp.errors import InvalidIdError
from tests.unit.oicp.oicp_openapi import openapi


@pytest.mark.parametrize(
    ("constant", "schema"),
    [
        (ids.EVSE_ID_PATTERN, "EvseID"),
        (ids.OPERATOR_ID_PATTERN, "OperatorID"),
        (ids.PROVIDER_ID_PATTERN, "ProviderID"),
        (ids.SESSION_ID_PATTERN, "SessionID"),
        (ids.EVCO_ID_PATTERN, "EvcoID"),
        (ids.UID_PATTERN, "UID"),
    ],
)
def test_patterns_are_hubjects(constant: str, schema: str) -> None:
    assert constant == openapi("cpo")["components"]["schemas"][schema]["pattern"]


def test_manual_table_1_example() -> None:
    assert ids.evse_id_for_connector("SI*TRI", "010107") == "SI*TRI*E010107"
    assert ids.evse_id_for_connector("SITRI", "010107") == "SI*TRI*E010107"
    assert ids.evse_id_for_connector("si*tri", "ab12") == "SI*TRI*EAB12"
    assert ids.operator_id_from_profile("SI", "TRI") == "SI*TRI"
    assert ids.operator_id_from_profile("si", "tri") == "SI*TRI"


@pytest.mark.parametrize(
    "evse_id",
    [
        "DE*AB7*E840*6487",
        "DEAB7E8406487",
        "DE*XYZ*ETEST1",
        "de*xyz*Etest1",
        "+49*810*000*438",
        "49*810*000*438",
        "SI*TRI*E010107",
        "DE*ICE*E0000TEST*9",
        "AB*C1D*E" + "1" * 30,
    ],
)
def test_valid_evse_ids(evse_id: str) -> None:
    assert ids.is_valid_evse_id(evse_id)
    assert ids.validate_evse_id(evse_id) == evse_id.upper()


@pytest.mark.parametrize(
    "evse_id",
    [
        "",
        "DE*AB7*840*6487",  # no E after the operator
        "DE*AB*E1",  # operator part too short
        "D*ABC*E1",
        "DE*ABC*E",  # empty power outlet id
        "DE*ABC*E" + "1" * 31,  # too long
        "DE*ABC*E1-2",
        "de*xyz*etest1",  # the E separator is upper case only
        "DE ABC E1",
        "+49*81*000",
        "SI*TRI*E010107\n",
        "SI*TRI*E01 0107",
    ],
)
def test_invalid_evse_ids(evse_id: str) -> None:
    assert not ids.is_valid_evse_id(evse_id)
    with pytest.raises(InvalidIdError):
        ids.validate_evse_id(evse_id)


@pytest.mark.parametrize("roaming_id", ["", "01-01", "01 01", "x" * 31, "ä1"])
def test_connector_roaming_id_must_fit(roaming_id: str) -> None:
    with pytest.raises(InvalidIdError):
        ids.evse_id_for_connector("SI*TRI", roaming_id)


@pytest.mark.parametrize("operator_id", ["SI-TRI", "SI*TR", "S*TRI", "+386*12", "", "SI**TRI"])
def test_invalid_operator_for_evse_id(operator_id: str) -> None:
    with pytest.raises(InvalidIdError):
        ids.evse_id_for_connector(operator_id, "010107")


@pytest.mark.parametrize("operator_id", ["DE*A36", "DEA36", "+49*536", "49*536", "si*tri"])
def test_valid_operator_ids(operator_id: str) -> None:
    assert ids.validate_operator_id(operator_id) == operator_id.upper()


@pytest.mark.parametrize("operator_id", ["DE*A3", "DE-A36", "DE*A36*", "+4*53", "", "DE*A36 "])
def test_invalid_operator_ids(operator_id: str) -> None:
    assert not ids.is_valid_operator_id(operator_id)
    with pytest.raises(InvalidIdError):
        ids.validate_operator_id(operator_id)


def test_parse_operator_id_refuses_din_form() -> None:
    assert ids.parse_operator_id("DEA36") == ids.OperatorId("DE", "A36")
    with pytest.raises(InvalidIdError):
        ids.parse_operator_id("+49*536")


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("DE*ICE", "DE*ICE"),
        ("DE%2AICE", "DE*ICE"),
        ("DE%2aICE", "DE*ICE"),
        ("SI%2ATRI%2AE010107", "SI*TRI*E010107"),
        ("DE-8EO", "DE-8EO"),
    ],
)
def test_decode_path_id(raw: str, decoded: str) -> None:
    assert ids.decode_path_id(raw) == decoded


def test_decode_path_id_rejects_bad_utf8() -> None:
    with pytest.raises(InvalidIdError):
        ids.decode_path_id("DE%FF")
