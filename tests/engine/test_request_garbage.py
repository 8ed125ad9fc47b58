"""A served request leaves no reference cycles behind. Cyclic garbage is only freed by the garbage collector,
whose collections grow with everything the server holds (100,000 stored jobs made them cost a tenth of the
server's time): under load, job polling must be freed by reference counting alone."""

from __future__ import annotations

import gc
import json
from typing import Any

from emulator.app import create_app
from emulator.settings import Settings


class ServerCycle:
    """Like uvicorn's per-request object: it holds the scope, and the app gets its bound methods."""

    def __init__(self, method: str, path: str, query: str = "", body: bytes = b"") -> None:
        self.scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "headers": [(b"host", b"127.0.0.1:8080"), (b"content-type", b"application/json")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080), "state": {},
        }
        self.body = body
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def serve(self, app: Any) -> tuple[int, bytes]:
        await app(self.scope, self.receive, self.send)
        return self.sent[0]["status"], self.sent[1]["body"]


async def test_polling_a_job_leaves_no_cyclic_garbage() -> None:
    app = create_app(Settings(in_memory=True, time_scale=0, seed=7))
    async with app.router.lifespan_context(app):
        body = json.dumps({"api_key": "k", "media": {"video": {"url": "https://example.com/v.mp4"}}}).encode()
        status, answer = await ServerCycle("POST", "/core/1.0/new_job", body=body).serve(app)
        assert status == 200
        poll = f"api_key=k&job_id={json.loads(answer)['job_id']}"
        missing = "api_key=k&job_id=00000000-0000-4000-8000-000000000000"
        await ServerCycle("GET", "/core/1.0/job_status", poll).serve(app)  # first answers fill caches
        gc.disable()
        try:
            gc.collect()
            for _ in range(200):
                assert (await ServerCycle("GET", "/core/1.0/job_status", poll).serve(app))[0] == 200
                assert (await ServerCycle("GET", "/core/1.0/job_status", missing).serve(app))[0] == 404
            unreachable = gc.collect()
        finally:
            gc.enable()
    # 400 requests: each one leaving a cycle would leave thousands of objects.
    assert unreachable < 100, f"{unreachable} objects in reference cycles after 400 polls"
