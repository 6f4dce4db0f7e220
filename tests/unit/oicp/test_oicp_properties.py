"""Property tests: every decoder parses or raises OicpDecodeError; mapping output is valid."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oicp.models as models
from csms.network.types import ConnectorFormat, ConnectorStandard, ElectricCurrentType
from oicp.errors import OicpDecodeError, OicpMappingError
from oicp.mapping import (
    evse_data_record,
    evse_id_of,
    evse_status_record,
    push_evse_data,
    push_evse_status,
)
from oicp.models import ActionType, OicpModel
from oicp.views import OicpAreaView, OicpChargerView, OicpConnectorView, OicpPlatformView
from tests.unit.oicp.oicp_examples import cpo_examples
from tests.unit.oicp.oicp_openapi import validate_request

DECODERS: list[Callable[[Any], OicpModel]] = [
    getattr(models, name) for name in models.__all__ if name.startswith("decode_")
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_KEYS = st.sampled_from(
    ["Type", "SessionID", "EvseID", "OperatorID", "ProviderID", "Identification",
     "ActionType", "Result", "StatusCode", "Code", "ChargingStart", "ConsumedEnergy",
     "EvseStatusRecord", "OperatorEvseData", "RemoteIdentification", "EvcoID", "UID"]
) | st.text(max_size=8)  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["Start", "Progress", "End", "Error", "000", "SI*TRI*E010107", "NaN"])
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=6),
    max_leaves=25,
)


def _check(decoder: Callable[[Any], OicpModel], data: Any) -> None:
    try:
        result = decoder(data)
    except OicpDecodeError:
        return
    assert isinstance(result, OicpModel)
    json.dumps(result.to_json())


@pytest.mark.parametrize("decoder", DECODERS, ids=lambda d: d.__name__)
@SETTINGS
@given(data=JSON_VALUES)
def test_decoder_on_arbitrary_json(decoder: Callable[[Any], OicpModel], data: Any) -> None:
    _check(decoder, data)


@pytest.mark.parametrize("decoder", DECODERS, ids=lambda d: d.__name__)
@SETTINGS
@given(data=st.binary(max_size=64) | st.text(max_size=64))
def test_decoder_on_arbitrary_bytes(decoder: Callable[[Any], OicpModel], data: Any) -> None:
    _check(decoder, data)


EXAMPLES = [(e.decoder, e.body()) for e in cpo_examples()]


def _mutations(body: Any) -> st.SearchStrategy[Any]:
    if isinstance(body, dict) and body:
        key = st.sampled_from(sorted(body))
        return st.one_of(
            key.map(lambda k: {kk: v for kk, v in body.items() if kk != k}),
            st.tuples(key, JSON_VALUES).map(lambda kv: {**body, kv[0]: kv[1]}),
            key.flatmap(lambda k: _mutations(body[k]).map(lambda sub: {**body, k: sub})),
        )
    if isinstance(body, list) and body:
        return _mutations(body[0]).map(lambda sub: [sub, *body[1:]])
    return JSON_VALUES


@pytest.mark.parametrize(("decoder", "body"), EXAMPLES, ids=[e.id for e in cpo_examples()])
@SETTINGS
@given(data=st.data())
def test_decoder_on_mutated_examples(decoder: str, body: Any, data: st.DataObject) -> None:
    _check(getattr(models, decoder), data.draw(_mutations(body)))


_ROAMING_ID = st.text(alphabet="0123456789ABCDEFabc*-", min_size=0, max_size=32)
_DEC = st.decimals(min_value=-179, max_value=179, places=8, allow_nan=False)


@SETTINGS
@given(
    roaming_id=_ROAMING_ID | st.none(),
    standard=st.sampled_from(list(ConnectorStandard)),
    fmt=st.sampled_from(list(ConnectorFormat)),
    current=st.sampled_from(list(ElectricCurrentType)),
    watts=st.integers(min_value=0, max_value=2_000_000),
    amps=st.none() | st.decimals(min_value=0, max_value=1000, places=1),
    volts=st.none() | st.integers(min_value=0, max_value=1500),
    lat=_DEC.filter(lambda d: abs(d) <= 90),
    lon=_DEC,
    country=st.sampled_from(["SI", "DE", "FR", "GB", "CH", "US", "svn"]),
    status=st.none() | st.sampled_from(["Available", "Charging", "Faulted", "Reserved", "x"]),
    reservable=st.booleans(),
    terminal=st.booleans(),
    name=st.text(min_size=1, max_size=200),
    city=st.text(min_size=1, max_size=80).filter(str.strip),
    street=st.text(min_size=1, max_size=120).filter(str.strip),
)
def test_mapping_output_is_valid_or_refused(
    roaming_id: str | None,
    standard: ConnectorStandard,
    fmt: ConnectorFormat,
    current: ElectricCurrentType,
    watts: int,
    amps: Decimal | None,
    volts: int | None,
    lat: Decimal,
    lon: Decimal,
    country: str,
    status: str | None,
    reservable: bool,
    terminal: bool,
    name: str,
    city: str,
    street: str,
) -> None:
    platform = OicpPlatformView(
        operator_id="SI*TRI", operator_name="Tridens", hotline_phone="+38612345678"
    )
    area = OicpAreaView(
        code="A", name=name, address=street, city=city, postal_code="1000", country=country,
        latitude=lat, longitude=lon, time_zone="Europe/Ljubljana",
    )  # fmt: skip
    charger = OicpChargerView(
        code="C", roaming_enabled=True, roaming_id="01", electric_current_type=current,
        reservable=reservable, payment_terminal=terminal, ocpp_status=status,
    )  # fmt: skip
    connector = OicpConnectorView(
        code="K", roaming_id=roaming_id, standard=standard, format=fmt, wattage_limit_w=watts,
        amperage_limit_a=amps, voltage_limit_v=volts, ocpp_status=status,
    )  # fmt: skip
    try:
        record = evse_data_record(platform, area, charger, connector, at=datetime.now(UTC))
    except OicpMappingError as exc:
        # refused: with exactly the mapping error (no other exception escapes), saying why
        assert type(exc) is OicpMappingError
        assert str(exc)
        return
    # published: the connector has a roaming id and the record carries its EvseID
    assert roaming_id
    assert record.evse_id == evse_id_of(platform, connector)
    data_request = push_evse_data(platform, [record], ActionType.UPDATE)
    assert data_request.operator_evse_data.evse_data_record == (record,)
    # validate_request raises SchemaError (an AssertionError) listing every schema problem
    validate_request("eRoamingPushEvseData", data_request.to_json())
    status_record = evse_status_record(platform, charger, connector)
    assert status_record.evse_id == record.evse_id
    status_request = push_evse_status(platform, [status_record], ActionType.UPDATE)
    assert status_request.operator_evse_status.evse_status_record == (status_record,)
    validate_request("eRoamingPushEvseStatus", status_request.to_json())
