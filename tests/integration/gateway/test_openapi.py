"""The OpenAPI 3.1 document validates and covers every admin route."""

from __future__ import annotations

import re
from typing import Any

from openapi_spec_validator import validate

from tests.support.admin_api import admin_routes


async def test_openapi_validates_and_covers_every_route(sqlite_client: Any) -> None:
    response = await sqlite_client.get("/admin/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    documented = {
        (method.upper(), re.sub(r"\{[^}]+\}", "X", path))
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    }
    served = {(m, p.removeprefix("/admin/api/v1")) for m, p in admin_routes(sqlite_client.app)}
    assert len(served) >= 1 + 5 * 11
    assert served == documented


async def test_openapi_schemas_describe_models(sqlite_client: Any) -> None:
    document = await (await sqlite_client.get("/admin/api/v1/openapi.json")).json()
    create = document["paths"]["/stations"]["post"]["requestBody"]["content"]
    ref = create["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = document["components"]["schemas"][ref]
    assert set(schema["required"]) >= {"code", "name", "area", "connection_identifier",
                                       "ocpp_protocol"}
    assert schema["additionalProperties"] is False
    assert "Problem" in document["components"]["schemas"]
