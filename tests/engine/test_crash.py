"""kill -9 under load: the real server in a subprocess (SQLite, time scale 600) takes new_job calls with callbacks
from several threads, is killed mid-load and restarted on the same data dir. Then every acknowledged job is
there, no job is there that no request asked for, and each job's end state reaches its callback URL exactly once.

What makes "exactly once" sound: a callback the receiver answered 200 just before the kill, whose "delivered" was
not yet committed, is sent again after the restart; no store can make a receiver's 200 and its own commit one
step (at-least-once is the promise). So the receiver is frozen first: it records nothing more and holds what
arrives unanswered. Once every recorded delivery shows as delivered in the outbox and one more new_job has been
acknowledged (writes commit in order, so those marks are on disk), the server is killed while the load goes on
and held deliveries are in flight. Those held ones never got an answer: they go out again after the restart and
count once. A job whose 200 was lost in the kill may exist: it must be one of the requests in flight at the kill.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

KEY = "crash-key"
CLIENTS = 6
MAX_REQUESTS = 3000  # a bound on the load whatever the machine's speed
END_STATES = ("finished", "error")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FreezableReceiver:
    """Records each callback it answers 200 (job id, status); while frozen it records nothing and holds each
    request unanswered until thawed, then drops it (its sender sees no answer)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.frozen = threading.Event()
        self.thawed = threading.Event()
        self.held = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if receiver.frozen.is_set():
                    with receiver.lock:
                        receiver.held += 1
                    receiver.thawed.wait(30)
                    self.close_connection = True
                    return
                with receiver.lock:
                    receiver.calls.append((body["job_id"], body["status"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def thaw(self) -> None:
        self.frozen.clear()
        self.thawed.set()

    def recorded(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.calls)

    def close(self) -> None:
        self.thaw()
        self.server.shutdown()
        self.server.server_close()


class Server:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.port = port
        self.log = (data_dir.parent / f"server-{port}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulator", "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1",
             "--port", str(port), "--time-scale", "600", "--log-level", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:  # a bounded wait for a real process to come up
            assert self.proc.poll() is None, f"server exited with {self.proc.returncode}"
            try:
                if self.call("GET", "/_emulator/health")[0] == 200:
                    return
            except OSError:
                pass
            assert time.monotonic() < deadline, "server did not answer /_emulator/health within 20 s"
            time.sleep(0.05)

    def call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            conn.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()


@contextmanager
def started(data_dir: Path) -> Iterator[Server]:
    server = Server(data_dir, free_port())
    try:
        yield server
    finally:
        server.kill()


class Load:
    """CLIENTS threads, each on its own keep-alive connection, posting new_job with a callback until stopped.
    Request n carries customer_media_info.id "crash-n", so a stored job can be traced to the request that made
    it. `in_flight` holds the requests sent whose answer never came."""

    def __init__(self, port: int, callback: str) -> None:
        self.port, self.callback = port, callback
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self.acked: dict[int, str] = {}
        self.in_flight: set[int] = set()
        self.refused: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def client(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            with self.lock:
                n = next(self.counter)
                if n >= MAX_REQUESTS:
                    return
                self.in_flight.add(n)
            body = {"api_key": KEY, "callback": {"url": self.callback},
                    "media": {"video": {"url": f"https://example.com/crash-{n}.mp4"},
                              "customer_media_info": {"id": f"crash-{n}"}}}
            try:
                conn.request("POST", "/core/1.0/new_job", body=json.dumps(body),
                             headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                raw = response.read()
            except OSError:
                return  # the server is gone: n stays in flight
            with self.lock:
                self.in_flight.discard(n)
                if response.status == 200:
                    self.acked[n] = json.loads(raw)["job_id"]
                else:
                    self.refused.append(f"{response.status} {raw[:200]!r}")

    def acked_count(self) -> int:
        with self.lock:
            return len(self.acked)

    def join(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)
            assert not t.is_alive()


def wait_for(what: str, condition: Any, seconds: float = 15) -> None:
    """A bounded poll on real processes (never on the emulator's own time: that moves by clock/advance)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


@pytest.fixture
def receiver() -> Iterator[FreezableReceiver]:
    r = FreezableReceiver()
    yield r
    r.close()


def test_kill_9_mid_load_loses_no_acknowledged_job_and_invents_none(
        tmp_path: Path, receiver: FreezableReceiver) -> None:
    data_dir = tmp_path / "data"
    with started(data_dir) as server:
        load = Load(server.port, receiver.url)
        try:
            # Under load, with some jobs already ended and their callbacks answered.
            wait_for("150 acknowledged jobs and 10 callbacks",
                     lambda: load.acked_count() >= 150 and len(receiver.recorded()) >= 10)
            receiver.frozen.set()
            answered = {job for job, _ in receiver.recorded()}

            def marked_delivered() -> bool:
                status, body = server.call("GET", "/_emulator/webhooks?status=delivered")
                return status == 200 and answered <= {h["job_id"] for h in body["webhooks"]}

            wait_for("the outbox to mark every answered callback delivered", marked_delivered)
            # One more acknowledged write: every write queued before it (those marks) is committed too.
            status, body = server.call("POST", "/core/1.0/new_job", {
                "api_key": KEY, "media": {"video": {"url": "https://example.com/barrier.mp4"}}})
            assert status == 200, body
            barrier = body["job_id"]
            server.kill()  # SIGKILL, mid-load: the client threads are still posting
        finally:
            load.join()
    assert not load.refused, load.refused[:5]
    acked = set(load.acked.values()) | {barrier}
    in_flight = set(load.in_flight)
    assert load.acked_count() >= 150 and len(in_flight) <= CLIENTS

    receiver.thaw()  # the held deliveries' connections died with the server
    with started(data_dir) as server:
        status, body = server.call("GET", "/_emulator/jobs")
        assert status == 200
        stored = {j["id"] for j in body["jobs"]}

        # Every acknowledged job is there.
        assert acked <= stored, f"{len(acked - stored)} acknowledged jobs lost"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for job_id in sorted(acked):
            conn.request("GET", f"/core/1.0/job_status?api_key={KEY}&job_id={job_id}")
            response = conn.getresponse()
            response.read()
            assert response.status == 200, job_id
        conn.close()

        # No job that was not acknowledged, except one per request whose answer the kill swallowed.
        from_in_flight: set[str] = set()
        for n in in_flight:
            status, body = server.call("GET", f"/core/1.0/list_jobs?api_key={KEY}&customer_media_info.id=crash-{n}")
            assert status == 200 and len(body["jobs"]) <= 1, body
            from_in_flight |= {j["job_id"] for j in body["jobs"]}
        assert stored - acked == from_in_flight, f"jobs nobody asked for: {stored - acked - from_in_flight}"
        assert len(stored) == len(acked) + len(from_in_flight)

        # Past every end state: each job's end reaches the receiver once.
        status, body = server.call("POST", "/_emulator/clock/advance", {"seconds": 100_000}, timeout=120)
        assert status == 200, body

        def outbox_settled() -> bool:
            status, body = server.call("GET", "/_emulator/webhooks?status=pending")
            return status == 200 and not body["webhooks"]

        wait_for("the outbox to deliver every callback", outbox_settled)
        status, body = server.call("GET", "/_emulator/webhooks?status=failed")
        assert status == 200 and not body["webhooks"], body["webhooks"][:3]
        status, body = server.call("GET", "/_emulator/jobs")
        states = {j["id"]: j["state"] for j in body["jobs"]}
        assert all(state in END_STATES for state in states.values()), Counter(states.values())

    calls = Counter(receiver.recorded())
    duplicates = {key: n for key, n in calls.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} callbacks delivered more than once, e.g. {list(duplicates)[:3]}"
    by_job = Counter(job for job, _ in calls)
    assert not [job for job, n in by_job.items() if n > 1], "a job reported two different end states"
    with_callback = stored - {barrier}
    assert set(by_job) == with_callback, (
        f"missing callbacks: {len(with_callback - set(by_job))}, callbacks for unknown jobs: "
        f"{len(set(by_job) - with_callback)}")
    assert all(status == states[job] for job, status in calls), "a callback's status is not the job's end state"
