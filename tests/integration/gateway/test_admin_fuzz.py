"""Random malformed bodies sent to every write route get 4xx problem+json, never 500.

Each generated body is malformed by construction (not JSON, not an object, an unknown
field, a required field missing, or a field of an impossible type), so every answer
must be a client error; a 2xx or 5xx fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csms.network.resources import RESOURCES, ResourceSpec
from gateway.demo import SEED_ORDER
from tests.support.admin_api import API, seed_via_api

VALID: dict[str, dict[str, Any]] = {kind: objects[0] for kind, objects in SEED_ORDER}
VALID["assets"] = {"code": "M1", "name": "meter", "type": "SMART_METER", "area": "AREA-1"}
VALID["roaming_platforms"] = {
    "code": "P1", "name": "p", "roaming_profile": "TRI-OCPI", "type": "EMSP",
    "protocol": "OCPI", "url": "https://emsp.example.com", "country": "DE",
    "roaming_identifier": "ABC"}
# Values no field of any resource accepts: no field is a list, and dict fields hold
# strings or strict models.
IMPOSSIBLE = st.sampled_from([[[{}]], {"x": [1]}, [1, "a"], {"": {"": []}}])
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.text(max_size=20))


def _not_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return True
    return False


def malformed_bodies(spec: ResourceSpec, for_patch: bool) -> st.SearchStrategy[bytes]:
    valid = dict(VALID[spec.kind])
    if for_patch:
        valid.pop("code")
        if spec.scope:
            valid.pop(spec.scope)
    fields = sorted(valid)
    required = [n for n, f in spec.create.model_fields.items() if f.is_required()]

    def encode(value: Any) -> bytes:
        return json.dumps(value).encode()

    wrong_type = st.tuples(st.sampled_from(fields), IMPOSSIBLE).map(
        lambda pair: encode(valid | {pair[0]: pair[1]}))
    unknown_field = st.tuples(
        st.text(min_size=1, max_size=12).filter(lambda k: k not in spec.create.model_fields),
        JSON_SCALARS,
    ).map(lambda pair: encode(valid | {pair[0]: pair[1]}))
    not_an_object = st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3)).map(encode)
    garbage = st.binary(min_size=1, max_size=64).filter(_not_json)
    options = [wrong_type, unknown_field, not_an_object, garbage]
    if not for_patch:
        options.append(st.sampled_from(required).map(
            lambda name: encode({k: v for k, v in valid.items() if k != name})))
    return st.one_of(options)


def _item_url(spec: ResourceSpec) -> str:
    valid = VALID[spec.kind]
    key = "/".join(str(valid[name]) for name in spec.key_fields)
    return f"{API}/{spec.path}/{key}"


@pytest.fixture
async def seeded(sqlite_client: Any) -> Any:
    await seed_via_api(sqlite_client)
    for kind in ("assets", "roaming_platforms"):
        spec = next(s for s in RESOURCES if s.kind == kind)
        response = await sqlite_client.post(f"{API}/{spec.path}", json=VALID[kind])
        assert response.status == 201
    return sqlite_client


async def _assert_client_error(response: Any) -> None:
    text = await response.text()
    assert 400 <= response.status < 500, (response.status, text)
    assert response.content_type == "application/problem+json", text
    assert json.loads(text)["status"] == response.status


@pytest.mark.parametrize("spec", RESOURCES, ids=[s.kind for s in RESOURCES])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_malformed_bodies_get_problem_json(
    seeded: Any, spec: ResourceSpec, method: str, data: st.DataObject
) -> None:
    # The seeded client is shared by the examples; malformed bodies never change it.
    url = f"{API}/{spec.path}" if method == "POST" else _item_url(spec)
    body = data.draw(malformed_bodies(spec, for_patch=method == "PATCH"), label="body")
    response = await seeded.request(method, url, data=body,
                                    headers={"Content-Type": "application/json"})
    await _assert_client_error(response)


def _table_write_routes() -> list[Any]:
    from gateway.admin.routes_table import all_route_tables

    return [r for r in all_route_tables() if r.body is not None]


def _concrete(path: str) -> str:
    return (API + path.replace("{code}", "station-01").replace("{session_id}", "1")
            .replace("{tariff_id}", "1").replace("{level}", "site").replace("{target}", "SITE-1"))


def table_bodies(model: Any) -> st.SearchStrategy[bytes]:
    fields = sorted(model.model_fields)
    options: list[st.SearchStrategy[bytes]] = []
    if fields:
        options.append(st.sampled_from(fields).flatmap(
            lambda name: IMPOSSIBLE.map(lambda bad: json.dumps({name: bad}).encode())))
    unknown = st.text(min_size=1, max_size=12).filter(lambda k: k not in fields).map(
        lambda k: json.dumps({k: 1}).encode())
    not_an_object = st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3)).map(
        lambda v: json.dumps(v).encode())
    garbage = st.binary(min_size=1, max_size=64).filter(_not_json)
    return st.one_of(*options, unknown, not_an_object, garbage)


@pytest.mark.parametrize("route", _table_write_routes(),
                         ids=[f"{r.method} {r.path}" for r in _table_write_routes()])
@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_malformed_bodies_on_operation_routes(seeded: Any, route: Any,
                                                    data: st.DataObject) -> None:
    body = data.draw(table_bodies(route.body), label="body")
    response = await seeded.request(route.method, _concrete(route.path), data=body,
                                    headers={"Content-Type": "application/json"})
    await _assert_client_error(response)
