"""What bench/run.py and bench/soak.py share: servers in their own processes (the emulator in a named
configuration, the bare Starlette app, the webhook receiver), started on free loopback ports and always killed,
and their CPU and memory read from /proc."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


@dataclass(frozen=True)
class Config:
    """A way to run the emulator: its `serve` flags (host and port are added); `sqlite` ones get a data dir."""

    name: str
    flags: tuple[str, ...]
    sqlite: bool
    about: str


# What users run (`make run`, the Docker image): SQLite store, access log on, journal of 1000 requests.
DEFAULT = Config("default", ("--log-level", "info"), True, "SQLite + access log + journal 1000")
# The fastest the emulator goes: nothing on disk, no access log, no journal.
FASTEST = Config("fastest", ("--in-memory", "--log-level", "warning", "--journal-size", "0"), False,
                 "in memory, no access log, no journal")
# The default without the access log: the two side by side give the access log's cost.
QUIET = Config("default-quiet", ("--log-level", "warning"), True, "default with --log-level warning")


def server_env() -> dict[str, str]:
    """The environment every server runs in: this one without ffprobe on PATH, as in the Docker image users run
    (python:3.11-slim has no ffmpeg). With ffprobe, each Clipzy upload spawns it (~0.1 s): uploading the videos
    the Clipzy jobs need would take minutes, and none of the calls measured (create, poll) probes anything."""
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    path = [d for d in dirs if d and not os.path.exists(os.path.join(d, "ffprobe"))]
    return {**os.environ, "PATH": os.pathsep.join(path)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def emulator_cmd(port: int, config: Config, data_dir: str | None, *extra: str) -> list[str]:
    store = ["--data-dir", data_dir] if config.sqlite and data_dir else []
    return [sys.executable, "-m", "emulator", "serve", "--host", "127.0.0.1", "--port", str(port),
            *store, *config.flags, *extra]


def bare_cmd(port: int) -> list[str]:
    return [sys.executable, str(BENCH / "bare_app.py"), str(port)]


def request(port: int, method: str, path: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    """One request on a fresh connection: (status, parsed JSON body or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None
    finally:
        conn.close()


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/_emulator/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, startup: float, log: Path) -> None:
        self.proc, self.port, self.startup, self.log = proc, port, startup, log
        self.data_dir: Path | None = None  # the emulator's, for a SQLite configuration
        self.headers: dict[str, tuple[str, ...]] = {}  # per service: what its setup said to send (run.py)

    def rss_mb(self) -> dict[str, float]:
        """VmRSS now and VmHWM (peak), in MB, from /proc."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines())
        return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited with {self.proc.returncode}; log:\n{self.log.read_text()[-3000:]}")

    def log_bytes(self) -> int:
        return self.log.stat().st_size


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A Popen preexec_fn running the child (and every thread it starts) on `cpus` only; None: anywhere."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@contextmanager
def server(cmd_for_port: Callable[[int], list[str]], name: str, timeout: float = 30.0,
           cpus: set[int] | None = None) -> Iterator[Server]:
    """Start a server on a free port (on `cpus` only, if given), wait for /_emulator/health, and always kill it
    afterwards. Its output (the access log, at --log-level info) goes to a temporary file, as a container's
    would go to a pipe."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd_for_port(port), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=server_env(),
                                preexec_fn=pinned(cpus))
    srv = Server(proc, port, 0.0, log)
    try:
        while not healthy(port):
            srv.check_alive()
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"{name}: no healthy answer within {timeout}s")
            time.sleep(0.005)
        srv.startup = time.perf_counter() - t0
        yield srv
        srv.check_alive()  # a crash during the load must not pass unnoticed
    finally:
        proc.kill()
        proc.wait()
        log.unlink(missing_ok=True)


@contextmanager
def emulator(config: Config, *extra: str, name: str | None = None,
             cmd: Callable[[int], list[str]] | None = None, cpus: set[int] | None = None) -> Iterator[Server]:
    """The emulator in `config` (a fresh temporary data dir for a SQLite one); `cmd` replaces the command
    (run.py --self-test puts the bare app in its place)."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{config.name}-") as data_dir:
        def command(port: int) -> list[str]:
            return cmd(port) if cmd else emulator_cmd(port, config, data_dir, *extra)

        with server(command, name or config.name, cpus=cpus) as srv:
            srv.data_dir = Path(data_dir) if config.sqlite else None
            yield srv


class Receiver:
    """bench/receiver.py in its own process: counts the callbacks it answers (GET /stats)."""

    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc, self.port = proc, port
        self.url = f"http://127.0.0.1:{port}/hook"

    def stats(self) -> dict[str, Any]:
        status, body = request(self.port, "GET", "/stats", timeout=10)
        assert status == 200, status
        return body

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def receiver() -> Iterator[Receiver]:
    proc = subprocess.Popen([sys.executable, str(BENCH / "receiver.py")], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # {"port": N} once it listens
        if not line:
            raise RuntimeError("the webhook receiver did not start")
        yield Receiver(proc, json.loads(line)["port"])
    finally:
        proc.kill()
        proc.wait()

