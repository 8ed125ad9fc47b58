"""Clipzy over HTTP: the optional bearer token (an auth proxy in front of the engine), CORS, and the service on
its own port (where the real engine listens: /openapi.json and /docs at its root)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import requests
from clipzy.support import API, FILLER, OPENAPI, check, failure, new_job, upload
from helpers import running

from emulator.services.clipzy.pages import operations
from emulator.settings import Settings, build_settings
from emulator.testing import Emulator

TOKEN = "s3cret-token"


@pytest.fixture
async def guarded(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings.model_copy(update={"clipzy": settings.clipzy.model_copy(update={"token": TOKEN})})
    async with running(settings) as client:
        yield client


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_auth_proxy_mode(guarded: httpx.AsyncClient) -> None:
    unauthorized = {"detail": "Missing or invalid authentication credentials.", "code": "UNAUTHORIZED"}
    for headers in ({}, bearer("wrong"), {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
        for method, path in (("GET", "/jobs"), ("GET", "/jobs/job_000000000000"), ("POST", "/jobs"),
                             ("GET", "/videos/info/vid_000000000000"), ("POST", "/jobs/job_000000000000/cancel"),
                             ("GET", "/jobs/job_000000000000/result"), ("GET", "/jobs/job_000000000000/download")):
            r = await guarded.request(method, API + path, headers=headers, json={"video_id": "x"})
            assert failure(r, 401, "UNAUTHORIZED") == unauthorized, (headers, path)
            assert r.json()["message"] == "Unauthorized" and r.headers["www-authenticate"] == "Bearer"
        r = await guarded.post(f"{API}/videos/upload", files={"file": ("a.mp4", FILLER)}, headers=headers)
        failure(r, 401, "UNAUTHORIZED")
    assert (await guarded.get(f"{API}/health")).status_code == 200  # liveness probes need no token
    guarded.headers.update(bearer())
    created = await new_job(guarded)
    r = await guarded.get(f"{API}/jobs/{created['job_id']}", headers={"Authorization": f"bearer {TOKEN}"})
    assert r.status_code == 200  # the scheme in any case
    journal = (await guarded.get("/_emulator/requests", params={"service": "clipzy", "limit": 1})).json()
    assert journal["requests"][0]["headers"]["authorization"] == "bearer ****"  # never in the journal


async def test_no_token_by_default(client: httpx.AsyncClient) -> None:
    await upload(client)
    r = await client.get(f"{API}/jobs", headers=bearer("anything"))
    assert r.status_code == 200


def test_token_settings() -> None:
    assert build_settings({}, environ={"EMULATOR_CLIPZY_TOKEN": "abc"}).clipzy.token == "abc"
    with pytest.raises(ValueError, match="clipzy.token"):
        build_settings({}, environ={"EMULATOR_CLIPZY_TOKEN": "with space"})


async def test_cors_preflight_and_answers(client: httpx.AsyncClient) -> None:
    r = await client.options(f"{API}/videos/upload", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    r = await client.get(f"{API}/jobs", headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    r = await client.get(f"{API}/jobs/job_000000000000", headers={"Origin": "http://localhost:3000"})
    assert r.status_code == 404 and "access-control-allow-origin" in r.headers  # errors too
    journal = (await client.get("/_emulator/requests", params={"service": "clipzy"})).json()["requests"]
    assert [(e["method"], e["status"]) for e in journal] == [("OPTIONS", 200), ("GET", 200), ("GET", 404)]
    r = await client.get(f"{API}/jobs")  # no Origin: past the CORS layer (ServiceApp's wrap), answered the same
    assert r.status_code == 200 and not any(h.startswith("access-control-") for h in r.headers)
    r = await client.options(f"{API}/jobs", headers={"Access-Control-Request-Method": "GET"})
    assert r.status_code == 405  # a preflight needs an Origin


async def test_cors_origins_setting(settings: Settings) -> None:
    section = settings.clipzy.model_copy(update={"cors_origins": ["https://app.example"]})
    async with running(settings.model_copy(update={"clipzy": section})) as client:
        for origin, allowed in (("https://app.example", True), ("https://evil.example", False)):
            r = await client.options(f"{API}/jobs", headers={"Origin": origin,
                                                             "Access-Control-Request-Method": "GET"})
            assert (r.status_code == 200) is allowed
            assert (r.headers.get("access-control-allow-origin") == origin) is allowed
    async with running(settings.model_copy(update={"clipzy": settings.clipzy.model_copy(
            update={"cors_origins": []})})) as client:
        r = await client.get(f"{API}/jobs", headers={"Origin": "https://app.example"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    env = build_settings({}, environ={"EMULATOR_CLIPZY_CORS_ORIGINS": "https://a.example, https://b.example"})
    assert env.clipzy.cors_origins == ["https://a.example", "https://b.example"]
    assert Settings().clipzy.cors_origins == ["*"]


def test_own_port() -> None:
    with Emulator(listen={"clipzy": 0}, seed=1) as emu:
        own = emu.port_url("clipzy")
        assert emu.service_url("clipzy", own_port=True) == own + "/api/v1"
        assert emu.service_url("clipzy") == emu.url + "/api/v1"
        document = json.loads(OPENAPI.read_text())
        r = requests.get(own + "/openapi.json", timeout=10)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json" and r.json() == document
        r = requests.get(emu.url + "/_emulator/openapi/clipzy.json", timeout=10)
        assert r.json() == document  # always there on the main port too
        r = requests.get(own + "/docs", timeout=10)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        page = r.text
        assert "<script" not in page and "cdn" not in page.lower()  # self-contained
        for method, path, op in operations(document):
            assert f'id="{op["operationId"]}"' in page and f">{method}</span>" in page and "/api/v1" + path in page
        r = requests.get(own + "/api/v1/health", timeout=10)
        assert check("HealthEnvelope", r.json())["success"] is True
        r = requests.post(own + "/api/v1/videos/upload", files={"file": ("own.mp4", FILLER)}, timeout=10)
        video_id = r.json()["data"]["video_id"]
        r = requests.get(emu.url + f"/api/v1/videos/info/{video_id}", timeout=10)
        assert r.status_code == 200  # one engine behind both ports
        r = requests.get(own + "/core/1.0/list_jobs", timeout=10)  # another service is not on this port
        failure(r, 404, "NOT_FOUND")
        r = requests.get(own + "/", timeout=10)
        failure(r, 404, "NOT_FOUND")
        r = requests.options(own + "/openapi.json", headers={"Origin": "http://x.example",
                                                             "Access-Control-Request-Method": "GET"}, timeout=10)
        assert r.status_code == 200  # a Swagger UI elsewhere may read the document


def test_listen_clipzy_8000_setting() -> None:
    assert build_settings({"listen": ["clipzy=8000"]}, environ={}).listen == {"clipzy": 8000}


def test_serve_help_lists_the_clipzy_settings(capsys: pytest.CaptureFixture[str]) -> None:
    from emulator.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "clipzy: token, max_file_size_mb, cors_origins, webhook_payload, cpu_only, processing_timeout_seconds" in out
    assert "EMULATOR_CLIPZY_TOKEN" in out and "clipzy=8000" in out


def test_the_admin_client_runs_a_clipzy_job() -> None:
    """docs/pytest.md's Clipzy example, with requests as the client."""
    with Emulator(seed=2) as emu:
        base = emu.service_url("clipzy")
        r = requests.post(f"{base}/videos/upload", files={"file": ("clip.mp4", b"ftypisom" + bytes(1024))},
                          timeout=10)
        video_id = r.json()["data"]["video_id"]
        job_id = requests.post(f"{base}/jobs", json={"video_id": video_id}, timeout=10).json()["data"]["job_id"]
        job = emu.admin.run_until(job_id, "completed")
        assert [h["state"] for h in job["history"]] == ["queued", *["processing"] * 6, "completed"]
        assert job["status"]["style_json"]["version"] == "1.0"  # the admin view is the job's result
        detail = requests.get(f"{base}/jobs/{job_id}/result", timeout=10).json()["data"]
        assert detail == job["status"]
        emu.admin.assert_requested("POST", "/api/v1/jobs", body={"video_id": video_id})
