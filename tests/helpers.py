"""Helpers for tests: run the real app behind httpx's ASGI transport, drive the clock, make jobs."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from emulator.app import create_app
from emulator.engine.sqlite_store import SqliteStore
from emulator.settings import Settings


@contextlib.asynccontextmanager
async def running(settings: Settings, **kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app (lifespan included) and yield a client speaking HTTP to it."""
    app = create_app(settings, **kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            yield client


@contextlib.asynccontextmanager
async def opened(path: Path) -> AsyncIterator[SqliteStore]:
    """A SqliteStore on path, open for the block and closed after it (a reopen is another block)."""
    store = SqliteStore(path)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def advance(client: httpx.AsyncClient, seconds: float) -> dict[str, Any]:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text
    return r.json()


async def new_job(client: httpx.AsyncClient, key: str = "key-a", **body: Any) -> str:
    payload = {"api_key": key, "media": {"video": {"url": "https://example.com/video.mp4"}}, **body}
    r = await client.post("/core/1.0/new_job", json=payload)
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


async def status(client: httpx.AsyncClient, job_id: str, key: str = "key-a") -> dict[str, Any]:
    r = await client.get("/core/1.0/job_status", params={"api_key": key, "job_id": job_id})
    assert r.status_code == 200, r.text
    return r.json()


def message(response: httpx.Response) -> str:
    """The single message of a Valossa error body, checking the envelope on the way."""
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    return body["errors"][0]["message"]


class Receiver:
    """A local HTTP server that records every POST and answers with the next scripted status."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.script: list[int] = []
        self.hold = 0.0  # real seconds each request is held before it is answered
        self.at_once = self.most_at_once = 0  # requests being held now, and the most ever
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.at_once += 1
                    receiver.most_at_once = max(receiver.most_at_once, receiver.at_once)
                time.sleep(receiver.hold)
                with lock:
                    receiver.at_once -= 1
                receiver.calls.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                code = receiver.script.pop(0) if receiver.script else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def live(settings: Settings) -> Iterator[str]:
    """The app under a real uvicorn on a free loopback port (for what only a socket shows: resets,
    truncated bodies); yields the base URL."""
    from emulator.testing import Emulator

    with Emulator(settings.model_copy(update={"host": "127.0.0.1", "port": 0})) as emu:
        yield emu.url


def post_job(emu: Any, url: str = "https://example.com/video.mp4", key: str = "key-a", **body: Any) -> str:
    """new_job on a live emulator.testing.Emulator (synchronously, as a user's test would); the job id."""
    r = httpx.post(emu.service_url("valossa") + "/new_job",
                   json={"api_key": key, "media": {"video": {"url": url}}, **body})
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


class Wall:
    """What the emulator reads as real time in restart tests."""

    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def faker_now(monkeypatch: Any, when: float) -> None:
    """Faker's idea of now (the end of the span its dates come from), set to the timestamp `when`: a new Faker
    then draws the weekdays and month names the emulator's anchored ones do (vocabulary.DATE_ANCHOR)."""
    import datetime as dt

    from faker.providers import date_time

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:  # type: ignore[override]
            return cls.utcfromtimestamp(when)

    monkeypatch.setattr(date_time, "datetime", Frozen)


def raw_exchange(url: str, data: bytes, wait: float) -> bytes:
    """Send raw bytes to the server at url and read until it closes (or `wait` seconds pass): for requests no
    HTTP client would send (a body shorter than its length, headers that trickle)."""
    import socket

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
        return received
