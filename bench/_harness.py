"""What the server benchmarks (``ocpp_load.py``, ``ocpi_pull.py``) share: the server process
they start (the script itself with ``--serve NAME``), waiting for it, reading its RSS and CPU
time from /proc, stopping it in every case, and the small figures of the report.

Importing this module also fixes ``sys.path`` for the gateway (see below), so a benchmark
imports it before anything of the gateway.

Server side (inside ``--serve``): ``bind_free_port`` + ``run_site`` serve an aiohttp app and
write a JSON "ready" file (at least ``{"port": N}``) to ``<workdir>/<name>.ready`` once
listening; ``run_profiled`` runs the server's coroutine, optionally under cProfile.

Client side: ``start_server`` + ``wait_ready`` + ``ServerProcess.print_ready``, and
``run_bench``, which runs the benchmark in a temp dir, maps Ctrl-C/SIGTERM, a server that
failed to start and client errors to exit statuses and stops every server it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
# bench/tariffs.py is named like the ``tariffs`` package the gateway imports: keep bench/ off
# the path and put the repository first (the server mode imports the gateway).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))

SERVER_MAX_LIFETIME = 3600.0  # a server process stops by itself after this, whatever happens
SERVER_STOP_GRACE = 30.0
EXIT_FAILED, EXIT_SERVER, EXIT_INTERRUPTED = 1, 2, 130

T = TypeVar("T")


# --- server side (``--serve``) ------------------------------------------------------------


def bind_free_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.replace(path)


async def run_site(app: web.Application, sock: socket.socket, ready_file: Path,
                   ready: dict[str, Any], backlog: int) -> None:
    """Serves ``app`` on ``sock`` (``ready`` goes to ``ready_file`` as JSON once listening)
    until SIGTERM or SIGINT, the parent's death, or SERVER_MAX_LIFETIME."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.SockSite(runner, sock, backlog=backlog)
    await site.start()
    write_atomically(ready_file, json.dumps(ready))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()
    try:
        for _ in range(int(SERVER_MAX_LIFETIME)):
            if stop.is_set() or os.getppid() != parent:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        await runner.cleanup()


async def health(_request: web.Request) -> web.Response:
    """``/health`` of the bare comparison servers."""
    return web.json_response({"status": "ok"})


def run_profiled(main: Callable[[], Coroutine[Any, Any, None]], profile: str | None) -> None:
    """``asyncio.run(main())``, under cProfile (dumped to ``profile``) when a path is given."""
    if not profile:
        asyncio.run(main())
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(main())
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


# --- client side: the benchmark's view of a server process --------------------------------


class ServerFailed(Exception):
    pass


def proc_rss_kib(pid: int) -> int | None:
    """VmRSS of ``pid`` in KiB; None when /proc has none (the process is gone or a zombie)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (clock-tick resolution); NaN when unreadable."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat.rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return math.nan


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class ServerProcess:
    name: str
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float  # time.monotonic() before the start
    ready: dict[str, Any] = field(default_factory=dict)  # the server's ready file

    @classmethod
    def start(cls, name: str, workdir: Path, script: Path, serve_args: Sequence[str],
              profile: str | None = None) -> ServerProcess:
        """Runs ``script --serve name --workdir workdir *serve_args [--profile PATH]``."""
        started = time.monotonic()
        log_path = workdir / f"{name}.log"
        command = [sys.executable, str(script.resolve()), "--serve", name,
                   "--workdir", str(workdir), *serve_args]
        if profile:
            command += ["--profile", str(Path(profile).resolve())]
        with log_path.open("wb") as log_file:
            # Own session: a Ctrl-C reaches only the benchmark, which stops the servers.
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       cwd=ROOT)
        return cls(name, workdir, process, log_path, started)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.ready.get("port", 0))

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def rss_kib(self) -> int:
        """The server's RSS in KiB, 0 when /proc does not tell."""
        return proc_rss_kib(self.pid) or 0

    def require_rss_kib(self) -> int:
        """The server's RSS in KiB; ServerFailed when /proc does not tell."""
        kib = proc_rss_kib(self.pid)
        if kib is None:
            raise ServerFailed(f"{self.name}: no VmRSS for pid {self.pid}")
        return kib

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid)

    def read_ready(self) -> dict[str, Any]:
        with contextlib.suppress(OSError, ValueError):
            found: dict[str, Any] = json.loads(
                (self.workdir / f"{self.name}.ready").read_text())
            return found
        return {}

    def print_ready(self, detail: str = "") -> None:
        print(f"  {self.name} ready on 127.0.0.1:{self.port} (pid {self.pid}) after "
              f"{time.monotonic() - self.started:.1f}s{detail}", flush=True)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=SERVER_STOP_GRACE)
        except subprocess.TimeoutExpired:
            print(f"  {self.name} server did not stop within {SERVER_STOP_GRACE:.0f}s; killed",
                  flush=True)
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(name: str, workdir: Path, script: Path, serve_args: Sequence[str],
                 servers: list[ServerProcess], profile: str | None = None) -> ServerProcess:
    """Prints ``starting NAME server ...``, starts it and adds it to ``servers`` (which
    ``run_bench`` stops in every case)."""
    print(f"starting {name} server ...", flush=True)
    server = ServerProcess.start(name, workdir, script, serve_args, profile)
    servers.append(server)
    return server


async def wait_ready(server: ServerProcess, timeout: float, *, request_timeout: float,
                     not_ready: str = "not ready after") -> None:
    """Waits for the ready file, then for /health to answer 200; ServerFailed (with the end
    of the server's log) when the server exits first or ``timeout`` runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=request_timeout)) as session:
        for _ in range(int(timeout / 0.2) + 1):
            if server.process.poll() is not None:
                raise ServerFailed(f"{server.name} server exited with status "
                                   f"{server.process.returncode}:\n{server.log_tail()}")
            if loop.time() > deadline:
                break
            server.ready = server.ready or server.read_ready()
            if server.port:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"http://127.0.0.1:{server.port}/health") as resp:
                        if resp.status == 200:
                            return
            await asyncio.sleep(0.2)
    raise ServerFailed(f"{server.name} server {not_ready} {timeout:.0f}s:\n"
                       f"{server.log_tail()}")


def stop_on_sigterm() -> None:
    """SIGTERM (e.g. from `timeout`) stops the run like Ctrl-C: servers stopped, temp dir
    gone."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def run_bench(bench: Callable[[Path, list[ServerProcess]], Awaitable[T]], prefix: str,
              failures: tuple[type[BaseException], ...] = ()) -> T | int:
    """Runs ``bench(workdir, servers)`` in a fresh temp dir; returns its result, or the exit
    status after printing why: 130 on Ctrl-C (or SIGTERM), 2 when a server failed
    (ServerFailed), 1 on one of ``failures``. Every server in ``servers`` is stopped."""
    servers: list[ServerProcess] = []

    async def run(workdir: Path) -> T:
        return await bench(workdir, servers)

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        try:
            return asyncio.run(run(Path(tmp)))
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except ServerFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_SERVER
        except failures as exc:
            print(f"FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        finally:
            for server in servers:
                server.stop()


# --- report -------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"
