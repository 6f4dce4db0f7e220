"""Shared fixtures: a real database (SQLite always; PostgreSQL when EVGW_TEST_POSTGRES_URL
is set) migrated with Alembic, the gateway app on a real socket, and an admin client."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import Deps, build_app, build_deps
from gateway.config import Settings
from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade
from gateway.db.schema import metadata
from gateway.demo import seed_demo
from tests.support.clock import FakeClock
from tests.support.gateway_fixtures import Gateway

ADMIN_TOKEN = "test-admin-token-0123456789"
POSTGRES_URL_ENV = "EVGW_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def _restore_logging_config() -> Iterator[None]:
    """A test that runs the CLI's ``main`` reconfigures structlog process-wide (e.g. at
    WARNING level); later tests that capture logs must see the configuration they expect."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_URL_ENV) or None


def _run_in_thread(make_coro: Any) -> None:
    """Runs a coroutine on its own loop in a thread: session fixtures are first requested
    from inside a test's running event loop, where asyncio.run is not allowed."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(make_coro())).result()


async def _admin_execute(base_url: str, statement: str) -> None:
    engine = create_engine(base_url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own for this test run, migrated once, dropped at the end."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    name = f"evgw_test_{uuid.uuid4().hex[:10]}"
    _run_in_thread(lambda: _admin_execute(base, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    async def _migrate() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    _run_in_thread(_migrate)
    yield url
    _run_in_thread(lambda: _admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_all(engine: AsyncEngine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'evgw.db'}")
        await upgrade(eng)
    else:
        url = request.getfixturevalue("postgres_database")
        eng = create_engine(url)
        await _truncate_all(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'evgw.db'}")
    await upgrade(eng)
    yield eng
    await eng.dispose()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"admin_token": ADMIN_TOKEN, "data_dir": tmp_path / "var",
                              "secret_key": "test-secret-key"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def deps(engine: AsyncEngine, tmp_path: Path) -> Deps:
    return build_deps(make_settings(tmp_path), engine, b"test-secret-key")


async def _admin_client(target: Any, aiohttp_client: Any
                        ) -> TestClient[web.Request, web.Application]:
    test_client: TestClient[web.Request, web.Application] = await aiohttp_client(
        target, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    return test_client


@pytest.fixture
async def client(
    deps: Deps, aiohttp_client: Any
) -> TestClient[web.Request, web.Application]:
    return await _admin_client(build_app(deps, dispose_engine=False, run_jobs=False),
                               aiohttp_client)


@pytest.fixture
async def sqlite_client(
    sqlite_engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any
) -> TestClient[web.Request, web.Application]:
    deps = build_deps(make_settings(tmp_path), sqlite_engine, b"test-secret-key")
    return await _admin_client(build_app(deps, dispose_engine=False, run_jobs=False),
                               aiohttp_client)


async def _seeded_gateway(engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any,
                          *, port: int | None = None) -> Gateway:
    """The demo network seeded, a fake clock; on ``port`` when the advertised URLs matter."""
    clock = FakeClock()
    public = {"public_url": f"http://127.0.0.1:{port}"} if port is not None else {}
    deps = build_deps(make_settings(tmp_path, ocpp_call_timeout=2.0, **public), engine,
                      b"test-secret-key", clock=clock)
    await seed_demo(deps.network)
    app = build_app(deps, dispose_engine=False, run_jobs=False)
    target = app if port is None else TestServer(app, host="127.0.0.1", port=port)
    return Gateway(await _admin_client(target, aiohttp_client), deps, clock)


@pytest.fixture
async def gateway(engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any) -> Gateway:
    """The whole gateway on 127.0.0.1 with the demo network seeded and a fake clock."""
    return await _seeded_gateway(engine, tmp_path, aiohttp_client)


@pytest.fixture
async def sqlite_gateway(sqlite_engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any
                         ) -> Gateway:
    return await _seeded_gateway(sqlite_engine, tmp_path, aiohttp_client)


@pytest.fixture
async def ocpi_gateway(sqlite_engine: AsyncEngine, tmp_path: Path, aiohttp_client: Any
                       ) -> Gateway:
    """The gateway on a known port, so the URLs it advertises to partners are real."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    return await _seeded_gateway(sqlite_engine, tmp_path, aiohttp_client, port=port)
