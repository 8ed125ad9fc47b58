"""SIGTERM under load: every request in flight is answered, and the server exits promptly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_answers_in_flight_requests_and_exits(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", str(port), "--data-dir",
                             str(tmp_path / "d"), "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:  # a real server starting: a bounded poll
            try:
                httpx.get(base + "/_emulator/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
        answered: list[int] = []
        failed: list[str] = []
        stop = threading.Event()
        started = threading.Barrier(9)

        def client() -> None:
            with httpx.Client(base_url=base, timeout=10) as c:
                started.wait()
                while not stop.is_set():
                    try:
                        r = c.post("/core/1.0/new_job", json={"api_key": "k", "media": {"video": {
                            "url": "https://example.com/a.mp4"}}})
                    except httpx.TransportError:
                        return  # refused once the server stopped accepting: never a half answer
                    if r.status_code != 200:
                        failed.append(f"{r.status_code} {r.text}")
                    answered.append(r.status_code)

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        started.wait()
        while len(answered) < 50:  # under load
            time.sleep(0.01)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        exited = time.monotonic() - signalled
        stop.set()
        for t in threads:
            t.join(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert failed == []
    assert exited < 2.5, f"took {exited:.2f} s to exit"
    assert proc.returncode in (0, -15)
