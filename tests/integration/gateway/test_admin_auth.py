"""Every admin route refuses a missing or wrong bearer token, before touching data."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.admin.app import ADMIN_PREFIX
from gateway.admin_token import ADMIN_TOKEN_KEY, AdminTokenVerifier, ensure_admin_token
from gateway.app import DEPS
from tests.support.admin_api import admin_routes


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dXNlcjpwYXNz"},
     {"Authorization": "Bearer "}],
    ids=["missing", "wrong", "basic", "empty"],
)
async def test_every_route_refuses_bad_token(sqlite_client: Any, headers: dict[str, str]) -> None:
    routes = admin_routes(sqlite_client.app)
    assert len(routes) > 50
    for method, path in routes:
        response = await sqlite_client.request(
            method, path, headers={"Authorization": ""} | headers, json={}
        )
        assert response.status == 401, (method, path)
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_routes_under_test_are_real(sqlite_client: Any) -> None:
    listed = [p for m, p in admin_routes(sqlite_client.app) if m == "GET" and "X" not in p]
    assert len(listed) >= 12
    for path in listed:
        # 400: the route exists but needs query parameters (e.g. tariff resolution).
        assert (await sqlite_client.get(path)).status in (200, 400), path


async def test_unknown_admin_path_needs_auth_too(sqlite_client: Any) -> None:
    response = await sqlite_client.get(f"{ADMIN_PREFIX}/nothing", headers={"Authorization": ""})
    assert response.status == 401


async def test_generated_token_is_stored_hashed_and_verifies(sqlite_client: Any) -> None:
    deps = sqlite_client.app[DEPS]
    token = await ensure_admin_token(deps.system, None)
    assert token is not None
    stored = await deps.system.get(ADMIN_TOKEN_KEY)
    assert stored is not None and token not in stored and len(stored) == 64
    assert await ensure_admin_token(deps.system, None) is None  # printed once only
    verifier = AdminTokenVerifier(deps.system, None)
    assert await verifier.verify(token)
    assert not await verifier.verify(token + "x")
