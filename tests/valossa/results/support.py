"""The real app (frozen virtual time, in memory) and a small client for Valossa jobs and their results.
(A module of its own, not conftest: test modules import it by name.)"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx

from emulator.app import create_app
from emulator.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "fixtures" / "valossa"
API = "/core/1.0"
KEY = "k"


class Emu:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def job(self, url: str = "https://example.com/a.mp4", scenario: str | None = None,
                  analysis: dict[str, Any] | None = None, **media: Any) -> str:
        body: dict[str, Any] = {"api_key": KEY, "media": {"video": {"url": url}, **media}}
        if analysis:
            body["analysis_parameters"] = analysis
        headers = {"X-Emulator-Scenario": scenario} if scenario else {}
        r = await self.client.post(f"{API}/new_job", json=body, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()["job_id"]

    async def finish(self) -> None:
        r = await self.client.post("/_emulator/clock/advance", json={"seconds": 100000})
        assert r.status_code == 200, r.text

    async def status(self, job_id: str) -> dict[str, Any]:
        r = await self.client.get(f"{API}/job_status", params={"api_key": KEY, "job_id": job_id})
        return r.json()

    async def results(self, job_id: str, result_type: str = "core") -> httpx.Response:
        return await self.client.get(f"{API}/job_results", params={"api_key": KEY, "job_id": job_id,
                                                                   "type": result_type})

    async def finished(self, url: str = "https://example.com/a.mp4", **kwargs: Any) -> str:
        job_id = await self.job(url, **kwargs)
        await self.finish()
        return job_id

    async def scenario(self, name: str, body: dict[str, Any]) -> None:
        r = await self.client.put(f"/_emulator/scenarios/{name}", json={"service": "valossa", **body})
        assert r.status_code in (200, 201), r.text


@contextlib.asynccontextmanager
async def emulator(seed: int | None = 1, fixtures_dir: Path | None = FIXTURES) -> AsyncIterator[Emu]:
    settings = Settings(in_memory=True, time_scale=0, seed=seed, valossa={"fixtures_dir": fixtures_dir})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            yield Emu(client)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass
