"""Gateway webhooks received by a local receiver (custom headers on every delivery, the full envelope, progress
events in order) and the shipped job scenarios: provider outage, AUDIO_UNREADABLE, out-of-order webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from gateway_client import advance, bearer, create, get, transcription
from helpers import Receiver, running

from emulator.settings import Settings


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with running(Settings(in_memory=True, time_scale=0, seed=9)) as c:
        yield c


@pytest.fixture
async def auth(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client)


def hooked(receiver: Receiver, url: str = "https://example.com/talk.mp4") -> dict[str, Any]:
    return {**transcription(url), "webhook": {"url": receiver.url, "headers": {
        "Authorization": "Bearer hook-secret", "X-Team": "media"}}}


async def test_progress_and_completed_webhooks_carry_the_headers_and_the_envelope(
        client: httpx.AsyncClient, auth: dict[str, str], receiver: Receiver) -> None:
    meta = {"client": {"ticket": "T-1", "tags": ["a", "b"]}}
    job = await create(client, auth, "transcriptions", hooked(receiver), meta=meta)
    job_id = job["data"]["id"]
    await advance(client, 3600)
    events = [call["body"]["event"] for call in receiver.calls]
    assert events == ["transcription.progress"] * 4 + ["transcription.completed"]
    progress = [call["body"]["data"]["attributes"]["progress"] for call in receiver.calls]
    assert progress == [0, 25, 50, 75, 100]
    for call in receiver.calls:
        assert call["headers"]["Authorization"] == "Bearer hook-secret" and call["headers"]["X-Team"] == "media"
        assert call["headers"]["Content-Type"] == "application/json"
        data = call["body"]["data"]
        assert (data["id"], data["type"]) == (job_id, "transcription-job")
        assert data["meta"]["client"] == meta["client"] and data["meta"]["system"]["worker_id"] == "wk_001"
    completed = receiver.calls[-1]["body"]["data"]
    assert completed == await get(client, auth, "transcriptions", job_id)  # the full resource, result included
    assert completed["attributes"]["result"]["segments"]
    # The create request's webhook headers are secret in the journal too.
    entry = (await client.get("/_emulator/requests", params={"path": "/v1/transcriptions"})).json()["requests"][0]
    sent = json.loads(entry["body"])
    assert sent["data"]["attributes"]["webhook"]["headers"] == {"Authorization": "****", "X-Team": "media"}
    assert entry["headers"]["authorization"] == "Bearer ****"


async def test_failed_webhook_and_audio_unreadable(client: httpx.AsyncClient, auth: dict[str, str],
                                                  receiver: Receiver) -> None:
    job = await create(client, auth, "transcriptions", hooked(receiver, "https://example.com/audio-unreadable.mp4"))
    await advance(client, 60)
    assert [c["body"]["event"] for c in receiver.calls] == ["transcription.progress", "transcription.failed"]
    data = await get(client, auth, "transcriptions", job["data"]["id"])
    attributes = data["attributes"]
    assert attributes["status"] == "failed" and attributes["progress"] == 5 and "result" not in attributes
    assert attributes["error"] == {"code": "AUDIO_UNREADABLE", "message": "Could not extract audio from the "
                                                                           "provided file."}
    assert receiver.calls[-1]["body"]["data"] == data


async def test_provider_outage_fails_with_a_provider_error(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    job = await create(client, auth, "video-analyses", {"input": {
        "url": "https://example.com/provider-outage.mp4", "features": ["labels"]}})
    await advance(client, 25)
    data = await get(client, auth, "video-analyses", job["data"]["id"])
    assert data["attributes"]["status"] == "processing" and 0 < data["attributes"]["progress"] < 30
    await advance(client, 30)
    attributes = (await get(client, auth, "video-analyses", job["data"]["id"]))["attributes"]
    assert attributes["status"] == "failed" and attributes["progress"] == 30
    assert attributes["error"]["code"] == "PROVIDER_UNAVAILABLE"
    assert attributes["error"]["message"].startswith("Provider eden-ai is unavailable")
    assert (await client.get("/_emulator/jobs", params={"service": "gateway"})).json()["jobs"][0]["scenario"] == (
        "gateway-provider-outage")


async def test_out_of_order_webhooks_arrive_newest_first(client: httpx.AsyncClient, auth: dict[str, str],
                                                        receiver: Receiver) -> None:
    await create(client, auth, "transcriptions", hooked(receiver, "https://example.com/webhooks-out-of-order.mp4"))
    await advance(client, 3600)
    assert [c["body"]["event"].split(".")[1] for c in receiver.calls] == ["completed"] + ["progress"] * 4
    assert [c["body"]["data"]["attributes"]["progress"] for c in receiver.calls] == [100, 75, 50, 25, 0]


async def test_webhook_retries_and_duplicates_go_through_the_outbox(client: httpx.AsyncClient,
                                                                   auth: dict[str, str], receiver: Receiver) -> None:
    job = await create(client, auth, "transcriptions", hooked(receiver, "https://example.com/webhooks-lost.mp4"))
    receiver.script = [500]  # the first attempt that arrives fails too: one more retry
    await advance(client, 3600)
    hooks = (await client.get("/_emulator/webhooks", params={"job_id": job["data"]["id"]})).json()["webhooks"]
    first = hooks[0]
    assert [a["status_code"] for a in first["attempts"]] == [None, None, 500, 200]
    assert sum(1 for h in hooks if h["duplicate_of"]) == 5  # one duplicate of each delivered webhook
    events = [c["body"]["event"] for c in receiver.calls]
    assert events.count("transcription.completed") == 2
