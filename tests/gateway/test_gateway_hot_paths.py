"""What the poll's shortcuts remember stays right: the encoded resource kept in a job's memo (progress within a
step, a worker given without a move), the base URL kept per Host header, the CORS fast path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_client import advance, bearer, body, create, get, transcription

from emulator.app import create_app
from emulator.engine import Engine
from emulator.services.gateway import auth as auth_module
from emulator.services.gateway.auth import Auth
from emulator.services.gateway.facts import GatewayFacts
from emulator.services.gateway.settings import DEFAULT_SCOPES
from emulator.settings import Settings


@pytest.fixture
async def app() -> AsyncIterator[Any]:
    app = create_app(Settings(in_memory=True, time_scale=0, seed=7, gateway={"workers": 1}))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator") as c:
        yield c


async def test_a_polled_resource_follows_progress_and_workers(app: Any, client: httpx.AsyncClient) -> None:
    auth = await bearer(client)
    first = (await create(client, auth, "transcriptions", transcription()))["data"]["id"]
    second = (await create(client, auth, "transcriptions", transcription("https://example.com/b.mp4")))["data"]["id"]
    await advance(client, 5)
    seen = []
    for _ in range(4):  # within one processing step: the same step, a new progress
        seen.append((await get(client, auth, "transcriptions", first))["attributes"]["progress"])
        await advance(client, 2)
    assert seen == sorted(seen) and len(set(seen)) == 4
    waiting = await get(client, auth, "transcriptions", second)
    assert waiting["attributes"]["status"] == "pending" and "worker_id" not in waiting["meta"]["system"]
    engine: Engine = app.state.engine
    job = await engine.jobs.get(second)
    assert job is not None
    GatewayFacts(job).worker = 2  # a fact set while the job stays in its step
    assert (await get(client, auth, "transcriptions", second))["meta"]["system"]["worker_id"] == "wk_002"


async def test_each_host_has_its_own_base_url(client: httpx.AsyncClient) -> None:
    auth = await bearer(client)
    job = await create(client, auth, "transcriptions", transcription(format="srt"),
                       extra_headers={"X-Emulator-Scenario": "gateway-instant"})
    await advance(client, 3)
    path = f"/v1/transcriptions/{job['data']['id']}"
    for host in ("emulator", "other.test:9000", "emulator"):
        r = await client.get(path, headers={**auth, "Host": host})
        assert r.json()["data"]["attributes"]["result"]["download_url"].startswith(f"http://{host}/v1/downloads/")


async def test_cors_headers_only_with_an_origin(client: httpx.AsyncClient) -> None:
    auth = await bearer(client)
    r = await client.post("/v1/transcriptions", json=body("transcriptions", transcription()), headers=auth)
    assert r.status_code == 202 and "access-control-allow-origin" not in r.headers
    r = await client.post("/v1/transcriptions", json=body("transcriptions", transcription()),
                          headers={**auth, "Origin": "http://front.test"})
    assert r.status_code == 202 and r.headers["access-control-allow-origin"] == "*"
    assert "Location" in r.headers["access-control-expose-headers"]


async def test_default_timelines_share_their_fixed_steps(app: Any, client: httpx.AsyncClient) -> None:
    auth = await bearer(client)
    ids = [(await create(client, auth, "transcriptions", transcription(f"https://example.com/{n}.mp4")))["data"]["id"]
           for n in range(2)]
    engine: Engine = app.state.engine
    first, second = [job for job in [await engine.jobs.get(i) for i in ids] if job is not None]
    assert [s.state for s in first.timeline] == ["pending", "pending"] + ["processing"] * 4 + ["completed"]
    for a, b in zip(first.timeline, second.timeline, strict=True):
        assert a.fields is b.fields and (a is b) == (a.state != "processing")


async def test_the_verified_tokens_kept_are_the_few_used_last(client: httpx.AsyncClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Clients renew their tokens while the old ones stay valid for a day: the cache must not fill with them.
    monkeypatch.setattr(auth_module, "VERIFIED_CACHE", 3)
    seen: list[Auth] = []
    remember = Auth._remember

    def spy(self: Auth, token: str, claims: Any) -> None:
        seen.append(self)
        remember(self, token, claims)

    monkeypatch.setattr(Auth, "_remember", spy)
    others = [s for s in DEFAULT_SCOPES if s != "read:providers"]
    tokens = [await bearer(client, scope=" ".join(["read:providers", *others[:n]])) for n in range(5)]  # 5 tokens
    for auth in tokens:
        assert (await client.get("/v1/providers", headers=auth)).status_code == 200
    assert (await client.get("/v1/providers", headers=tokens[2])).status_code == 200  # used last now
    kept = seen[0]._verified
    assert list(kept) == [tokens[n]["Authorization"] for n in (3, 4, 2)]  # kept by the whole header
    assert (await client.get("/v1/providers", headers=tokens[0])).status_code == 200  # verified again
    assert len(kept) == 3 and len(seen) == 6
