"""Each shipped Valossa scenario run through its whole timeline with the virtual clock."""

from __future__ import annotations

import httpx
import pytest
from helpers import Receiver, advance, live, message, new_job, status

from emulator.settings import Settings

Obs = tuple[str, str, str | None]


async def trace(client: httpx.AsyncClient, job_id: str, *, step: float = 1, limit: float = 20_000) -> list[Obs]:
    """Every distinct (status, media_transfer_status, details) seen, advancing `step` seconds at a time,
    with the simulated time at which each first appeared."""
    seen: list[Obs] = []
    elapsed = 0.0
    while elapsed <= limit:
        s = await status(client, job_id)
        obs = (s["status"], s["media_transfer_status"], s["details"])
        if not seen or seen[-1] != obs:
            seen.append(obs)
        if s["status"] in ("finished", "error"):
            return seen
        await advance(client, step)
        elapsed += step
    return seen


def url(word: str) -> dict:
    return {"video": {"url": f"https://example.com/{word}.mp4"}}


HAPPY = [("queued", "queued", None), ("queued", "downloading", None), ("preparing_analysis", "finished", None),
         ("processing", "finished", None), ("finished", "finished", None)]


async def test_default(client: httpx.AsyncClient) -> None:
    assert await trace(client, await new_job(client, media=url("anything"))) == HAPPY


async def test_download_failure(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media=url("download-failure"))
    assert await trace(client, job_id) == [
        ("queued", "queued", None), ("queued", "downloading", None),
        ("error", "error", "Media download failed: the server answered HTTP 404 Not Found")]
    r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 400


async def test_analysis_error(client: httpx.AsyncClient) -> None:
    assert await trace(client, await new_job(client, media=url("analysis-error"))) == HAPPY[:4] + [
        ("error", "finished", "Analysis failed: the video stream could not be decoded")]


async def test_long_queue_with_hold(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media=url("long-queue"))
    assert (await status(client, job_id))["status"] == "queued"
    await advance(client, 600)
    assert (await status(client, job_id))["status"] == "on_hold"
    assert (await status(client, job_id))["poll_again_after_seconds"] == 60
    await advance(client, 600)
    assert (await status(client, job_id))["status"] == "queued"
    assert await trace(client, job_id, step=5) == [("queued", "queued", None)] + HAPPY[1:]
    # cancel_job works while on hold
    other = await new_job(client, media=url("long-queue"))
    await advance(client, 700)
    assert (await status(client, other))["status"] == "on_hold"
    r = await client.post("/core/1.0/cancel_job", json={"api_key": "key-a", "job_id": other})
    assert r.status_code == 200 and (await status(client, other))["status"] == "error"


async def test_slow_job_has_two_hours_of_media(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media=url("slow-job"))
    await advance(client, 3600)
    assert (await status(client, job_id))["status"] == "processing"  # an hour in, still working
    assert await trace(client, job_id, step=30) == HAPPY[3:]
    r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
    technical = r.json()["media_info"]["technical"]
    assert technical["duration_s"] == 7200 and technical["fps"] == 25


async def test_instant(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media=url("instant"))
    assert (await status(client, job_id))["status"] == "queued"
    await advance(client, 1)
    assert (await status(client, job_id))["status"] == "finished"


async def test_never_finishes(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media=url("never-finishes"))
    assert await trace(client, job_id, limit=60) == [
        ("queued", "queued", None), ("queued", "downloading", None), ("preparing_analysis", "finished", None),
        ("processing", "finished", None)]
    await advance(client, 30 * 86400)
    s = await status(client, job_id)
    assert s["status"] == "processing" and s["poll_again_after_seconds"] == 30


async def test_flaky_polling_every_third_poll(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media=url("flaky-polling"))
    codes = []
    for _ in range(9):
        r = await client.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id})
        codes.append(r.status_code)
        if r.status_code == 503:
            assert message(r) == "Service temporarily unavailable"
    assert codes == [200, 200, 503] * 3


async def test_rate_limited(client: httpx.AsyncClient) -> None:
    body = {"api_key": "key-a", "media": url("rate-limited")}
    first = await client.post("/core/1.0/new_job", json=body)
    second = await client.post("/core/1.0/new_job", json=body)
    assert first.status_code == 200
    assert (second.status_code, message(second), second.headers["retry-after"]) == (429, "Rate limit exceeded", "2")
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
    assert len(r.json()["jobs"]) == 1  # the refused call created nothing
    job_id = first.json()["job_id"]
    polls = [(await client.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id})).status_code
             for _ in range(4)]
    assert polls == [200, 429, 200, 429]


async def test_callback_trouble(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, media=url("callback-trouble"), callback={"url": receiver.url})
    while (await status(client, job_id))["status"] != "finished":
        await advance(client, 1)
    assert receiver.calls == []  # attempt 1 lost
    await advance(client, 10)
    assert receiver.calls == []  # attempt 2 lost
    await advance(client, 20)
    assert len(receiver.calls) == 1  # attempt 3 arrives
    await advance(client, 1)
    assert len(receiver.calls) == 2  # and its duplicate a second later
    assert receiver.calls[0]["body"] == receiver.calls[1]["body"]
    await advance(client, 10_000)
    assert len(receiver.calls) == 2


def test_network_trouble_as_a_client_sees_it() -> None:
    with live(Settings(in_memory=True, time_scale=0)) as base, httpx.Client(base_url=base, timeout=10) as c:
        job_id = c.post("/core/1.0/new_job", json={"api_key": "k", "media": url("network-trouble")}).json()["job_id"]
        params = {"api_key": "k", "job_id": job_id}
        assert c.get("/core/1.0/job_status", params=params).status_code == 200
        with pytest.raises(httpx.TransportError):  # 2nd: connection reset
            c.get("/core/1.0/job_status", params=params)
        r = c.get("/core/1.0/job_status", params=params)  # 3rd: two seconds late, but fine
        assert r.status_code == 200 and r.elapsed.total_seconds() >= 1.9
        with pytest.raises(httpx.RemoteProtocolError):  # 4th: body cut in half
            c.get("/core/1.0/job_status", params=params)
        r = c.get("/core/1.0/job_status", params=params)  # 5th: not JSON though it says so
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        with pytest.raises(ValueError):
            r.json()
        assert c.get("/core/1.0/job_status", params=params).json()["job_id"] == job_id
