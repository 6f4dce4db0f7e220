"""The real command line: migrate, seed, serve on a socket, rotate the admin token, and
keep the data across a restart. Blocking process calls run in threads, off the event loop."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from gateway.db.migrate import head_revision

EVGW = [sys.executable, "-m", "gateway.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVGW_")}
    env |= {"EVGW_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'evgw.db'}",
            "EVGW_DATA_DIR": str(tmp_path / "var"), "EVGW_LOG_FORMAT": "json",
            "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    yield env


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*EVGW, *args], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [*EVGW, "serve", "--host", "127.0.0.1", "--port", str(self.port), *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.banner: list[str] = []
        assert self.process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.banner.append(line.rstrip())
            if "RFID tokens" in line or (line.startswith("  admin token") and "--demo" not in args):
                break
        assert any("evgw serving" in line for line in self.banner), self.banner
        self.url = f"http://127.0.0.1:{self.port}"

    def token(self) -> str:
        line = next(x for x in self.banner if "shown once" in x)
        return line.rsplit(" ", 1)[-1]

    def stop(self) -> None:
        self.process.terminate()
        try:
            assert self.process.wait(timeout=15) == 0
        finally:
            assert self.process.stdout is not None
            self.process.stdout.close()


def test_serve_refuses_unmigrated_database(workdir: dict[str, str]) -> None:
    done = subprocess.run([*EVGW, "serve"], env=workdir, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0
    assert "evgw db upgrade" in done.stderr


async def test_make_run_flow_end_to_end(workdir: dict[str, str]) -> None:
    upgraded = await asyncio.to_thread(_run, workdir, "db", "upgrade")
    assert f"revision {head_revision()}" in upgraded
    server = await asyncio.to_thread(Server, workdir, "--demo")
    try:
        banner = "\n".join(server.banner)
        for expected in ("/ocpp/", "/ocpi/versions", "/admin/api/v1/openapi.json",
                         "station-01", "SI*TRI*E010107", "DEMO-RFID-1"):
            assert expected in banner
        token = server.token()
        async with ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            async with http.get(f"{server.url}/admin/api/v1/stations") as response:
                assert response.status == 200
                assert [s["code"] for s in await response.json()] == ["station-01",
                                                                       "station-02"]
            async with http.post(f"{server.url}/admin/api/v1/operators",
                                 json={"code": "OP-9", "name": "Kept"}) as response:
                assert response.status == 201
        rotated = (await asyncio.to_thread(_run, workdir, "admin-token", "rotate")).split()[-1]
        async with ClientSession() as http:
            old = await http.get(f"{server.url}/admin/api/v1/sites",
                                 headers={"Authorization": f"Bearer {token}"})
            new = await http.get(f"{server.url}/admin/api/v1/sites",
                                 headers={"Authorization": f"Bearer {rotated}"})
            assert (old.status, new.status) == (401, 200)
    finally:
        await asyncio.to_thread(server.stop)

    # A restart keeps the data and never reseeds.
    again = await asyncio.to_thread(Server, workdir, "--demo")
    try:
        assert not any("shown once" in line for line in again.banner)
        assert any("database not empty" in line for line in again.banner)
        async with ClientSession(headers={"Authorization": f"Bearer {rotated}"}) as http:
            async with http.get(f"{again.url}/admin/api/v1/operators/OP-9") as response:
                assert response.status == 200
            async with http.get(f"{again.url}/ready") as response:
                assert response.status == 200
    finally:
        await asyncio.to_thread(again.stop)
    assert "not empty" in await asyncio.to_thread(_run, workdir, "demo")


def test_platform_cli_credentials_operations(workdir: dict[str, str]) -> None:
    _run(workdir, "db", "upgrade")
    _run(workdir, "demo")
    missing = subprocess.run([*EVGW, "platform", "credentials", "NOPE"], env=workdir,
                             capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 2 and "OCPI" in missing.stderr
    created = subprocess.run(
        [sys.executable, "-c", (
            "import asyncio,sys;from gateway.config import Settings;"
            "from gateway.db.engine import create_engine;from gateway.app import build_deps;"
            "s=Settings();e=create_engine(s.database_url);d=build_deps(s,e,b'k');"
            "asyncio.run(d.network.create('roaming_platforms',{'code':'EMSP-X','name':'x',"
            "'roaming_profile':'TRI-OCPI','type':'EMSP','protocol':'OCPI',"
            "'url':'https://x.example.com/ocpi/versions','country':'DE',"
            "'roaming_identifier':'EMX'}))")], env=workdir, capture_output=True, text=True,
        timeout=60, check=False)
    assert created.returncode == 0, created.stderr
    token = json.loads(_run(workdir, "platform", "registration-token", "EMSP-X",
                            "--token", "custom-registration-token"))
    assert token == {"token": "custom-registration-token"}
    shown = json.loads(_run(workdir, "platform", "credentials", "EMSP-X"))
    assert shown["registration_token"] == "custom-registration-token"
    assert shown["registered"] is False
    assert json.loads(_run(workdir, "platform", "invalidate", "EMSP-X")) == {
        "status": "invalidated"}
    assert json.loads(_run(workdir, "platform", "credentials", "EMSP-X"))[
        "registration_token"] is None
