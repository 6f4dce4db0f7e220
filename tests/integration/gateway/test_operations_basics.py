"""Health, readiness, metrics and request ids."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from gateway.app import DEPS
from gateway.db.migrate import head_revision


async def test_health_and_ready(client: Any) -> None:
    assert (await client.get("/health")).status == 200
    ready = await client.get("/ready")
    assert ready.status == 200
    assert (await ready.json())["schema"] == head_revision()


async def test_ready_reports_unmigrated_schema(client: Any) -> None:
    engine = client.app[DEPS].engine
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    ready = await client.get("/ready")
    assert ready.status == 503
    assert "evgw db upgrade" in (await ready.json())["database"]


async def test_metrics_count_requests_by_route_and_status(sqlite_client: Any) -> None:
    await sqlite_client.get("/admin/api/v1/stations/nope")
    await sqlite_client.get("/admin/api/v1/stations", headers={"Authorization": ""})
    body = await (await sqlite_client.get("/metrics")).text()
    assert ('evgw_http_requests_total{method="GET",route="/admin/api/v1/stations/{code}",'
            'status="404"} 1.0') in body
    assert ('evgw_http_requests_total{method="GET",route="/admin/api/v1/stations",'
            'status="401"} 1.0') in body


async def test_request_id_is_echoed_or_generated(sqlite_client: Any) -> None:
    given = await sqlite_client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    hostile = await sqlite_client.get("/health", headers={"X-Request-ID": "a b;<script>"})
    assert len(hostile.headers["X-Request-ID"]) == 32
