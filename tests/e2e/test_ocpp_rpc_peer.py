"""Conformance against an independent charger: the npm package ``ocpp-rpc`` in strict mode.

``tests/peers/ocpp_rpc/charger.js`` is an ``RPCClient`` with ``strictMode: true``: it
validates every call and response in both directions with ajv against the official OCPP
1.6 / 2.0.1 JSON schemas bundled with ocpp-rpc (a different language, validator and copy of
the schemas than our server's ``ocpp`` package). A ``strictValidationFailure``, a CALLERROR
to a valid call, a frame the RPC framework cannot place, or a wrong answer makes the script
print ``{"ok": false, ...}`` and exit non-zero, which fails the test.

The script runs as a subprocess awaited on the event loop that also runs the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

PEER_DIR = Path(__file__).resolve().parents[1] / "peers" / "ocpp_rpc"
SCRIPT = PEER_DIR / "charger.js"
NODE = shutil.which("node")
INSTALL = "npm ci --prefix tests/peers/ocpp_rpc --no-audit --no-fund"

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed (needed for the ocpp-rpc "
                       "conformance peer)"),
    pytest.mark.skipif(not (PEER_DIR / "node_modules" / "ocpp-rpc").is_dir(),
                       reason=f"tests/peers/ocpp_rpc/node_modules is absent: run `{INSTALL}` "
                       "(the Makefile's test target installs it)"),
]

STATIONS = {"ocpp1.6": "station-01", "ocpp2.0.1": "station-02"}
PROTOCOLS = list(STATIONS)
RUN_TIMEOUT = 40.0  # the script gives up by itself after 20 s
POLL_TIMEOUT = 15.0
# What every scenario's charger meters: start 1000 Wh, a sample at 3500, stop at 6000.
LIVE_ENERGY, FINAL_ENERGY = "2500.000", "5000.000"


class Peer:
    """One run of charger.js, its stdout read line by line as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process, argv: list[str]) -> None:
        self.proc = proc
        self.argv = argv
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self.stderr = b""
        self._changed = asyncio.Event()
        self._stdout_task = asyncio.create_task(self._read_stdout())
        self._stderr_task = asyncio.create_task(self._read_stderr())

    @classmethod
    async def start(cls, gateway: Any, protocol: str, scenario: str) -> Peer:
        identity = STATIONS[protocol]
        assert NODE is not None
        argv = [NODE, str(SCRIPT), gateway.ws_url(identity), identity, protocol, scenario]
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=PEER_DIR, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        return cls(proc, argv)

    async def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            text = line.decode("utf-8", "replace").rstrip("\n")
            self.raw.append(text)
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = {"unparsed": text}
            self.lines.append(parsed if isinstance(parsed, dict) else {"unparsed": text})
            self._changed.set()
        self._changed.set()

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = await self.proc.stderr.read()

    def transcript(self) -> str:
        out = "\n".join(self.raw)
        err = self.stderr.decode("utf-8", "replace")
        return f"$ {' '.join(self.argv[1:])}\n--- stdout\n{out}\n--- stderr\n{err}"

    def step(self, name: str) -> dict[str, Any] | None:
        return next((line for line in self.lines if line.get("step") == name), None)

    async def wait_step(self, name: str, timeout: float = POLL_TIMEOUT) -> dict[str, Any]:
        async def _wait() -> dict[str, Any]:
            while True:
                found = self.step(name)
                if found is not None:
                    return found
                if self._stdout_task.done():
                    raise AssertionError(f"peer ended before step {name!r}\n"
                                         f"{self.transcript()}")
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(_wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"no step {name!r} within {timeout} s\n"
                                 f"{self.transcript()}") from None

    async def finish(self) -> list[dict[str, Any]]:
        """Awaits the end of the run and asserts it succeeded; returns the output lines."""
        try:
            await asyncio.wait_for(self.proc.wait(), RUN_TIMEOUT)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"peer still running after {RUN_TIMEOUT} s\n"
                                 f"{self.transcript()}") from None
        await asyncio.gather(self._stdout_task, self._stderr_task)
        assert self.proc.returncode == 0, self.transcript()
        assert self.lines and self.lines[-1] == {"ok": True}, self.transcript()
        errors = [line for line in self.lines if "error" in line]
        assert not errors, self.transcript()
        return self.lines

    async def kill(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()
        await asyncio.gather(self._stdout_task, self._stderr_task, return_exceptions=True)


async def run_peer(gateway: Any, protocol: str, scenario: str) -> list[dict[str, Any]]:
    peer = await Peer.start(gateway, protocol, scenario)
    try:
        return await peer.finish()
    finally:
        await peer.kill()


def summary(lines: list[dict[str, Any]]) -> dict[str, Any]:
    found = next((line for line in lines if line.get("step") == "summary"), None)
    assert found is not None, lines
    return found


async def session_by_transaction(gateway: Any, station: str, transaction_id: Any
                                 ) -> dict[str, Any]:
    status, sessions = await gateway.admin("GET", f"/sessions?station={station}")
    assert status == 200, sessions
    matching = [s for s in sessions if s["transaction_id"] == str(transaction_id)]
    assert len(matching) == 1, sessions
    status, detail = await gateway.admin("GET", f"/sessions/{matching[0]['id']}")
    assert status == 200, detail
    return dict(detail)


async def poll(what: str, probe: Any, timeout: float = POLL_TIMEOUT) -> Any:
    """Calls ``probe()`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_strict_peer_full_session(sqlite_gateway: Any, protocol: str) -> None:
    gateway = sqlite_gateway
    station = STATIONS[protocol]
    lines = await run_peer(gateway, protocol, "session")
    await gateway.settle()
    done = summary(lines)
    session = await session_by_transaction(gateway, station, done["transactionId"])
    assert session["status"] == "CLOSED", session
    assert session["energy_wh"] == FINAL_ENERGY, session
    assert session["id_token"] == "DEMO-RFID-1" and session["customer"] == "CUST-1", session


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_strict_peer_blocked_token(sqlite_gateway: Any, protocol: str) -> None:
    lines = await run_peer(sqlite_gateway, protocol, "blocked")
    assert any(line.get("step") == "Authorize" for line in lines), lines


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_strict_peer_bad_frames(sqlite_gateway: Any, protocol: str) -> None:
    lines = await run_peer(sqlite_gateway, protocol, "badframes")
    invalid_json = next(line for line in lines if line.get("step") == "raw:invalid-json")
    unknown = next(line for line in lines if line.get("step") == "raw:unknown-action")
    assert invalid_json["response"][2] == (
        "FormationViolation" if protocol == "ocpp1.6" else "FormatViolation")
    assert unknown["response"][2] == "NotImplemented"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_strict_peer_remote_start_and_stop(sqlite_gateway: Any, protocol: str) -> None:
    gateway = sqlite_gateway
    station = STATIONS[protocol]
    peer = await Peer.start(gateway, protocol, "remote")
    try:
        await peer.wait_step("ready")

        async def connected() -> bool:
            status, body = await gateway.admin("GET", f"/stations/{station}/connection")
            assert status == 200, body
            return bool(body["connected"])

        await poll(f"{station} connected", connected)

        body: dict[str, Any] = {"id_token": "DEMO-RFID-1"}
        if protocol == "ocpp1.6":
            body["connector"] = "1"  # station-01's charger has two connectors
        status, started = await gateway.admin(
            "POST", f"/stations/{station}/operations/remote-start", json=body)
        assert status == 200, (started, peer.transcript())
        assert started["status"] == "Accepted", (started, peer.transcript())
        session_id = started["response"]["session_id"]
        assert isinstance(session_id, int), started

        async def charging() -> dict[str, Any] | None:
            code, session = await gateway.admin("GET", f"/sessions/{session_id}")
            assert code == 200, session
            live = session["status"] == "IN_PROGRESS" and session["energy_wh"] == LIVE_ENERGY
            return session if live else None

        await poll(f"session {session_id} IN_PROGRESS with {LIVE_ENERGY} Wh", charging)

        status, stopped = await gateway.admin(
            "POST", f"/stations/{station}/operations/remote-stop",
            json={"session_id": session_id})
        assert status == 200, (stopped, peer.transcript())
        assert stopped["status"] == "Accepted", (stopped, peer.transcript())

        lines = await peer.finish()
    finally:
        await peer.kill()
    await gateway.settle()
    done = summary(lines)
    status, session = await gateway.admin("GET", f"/sessions/{session_id}")
    assert status == 200, session
    assert session["status"] == "CLOSED", session
    assert session["energy_wh"] == FINAL_ENERGY, session
    assert session["transaction_id"] == str(done["transactionId"]), (session, done)
    assert session["id_token"] == "DEMO-RFID-1", session
