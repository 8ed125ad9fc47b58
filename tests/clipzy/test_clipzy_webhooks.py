"""Clipzy's webhooks at a local receiver: the envelope with JobDetailResponse as data (seed 003) at completed,
failed and cancelled, retried on failure; the webhooks guide's flat body with clipzy.webhook_payload: flat; a
webhook_url given at upload."""

from __future__ import annotations

import httpx
from clipzy.support import API, check, create, new_job, result, upload
from helpers import Receiver, advance, running

from emulator.services.clipzy.mp4 import mp4_bytes
from emulator.settings import Settings


async def test_completed_envelope_with_retries(client: httpx.AsyncClient, receiver: Receiver) -> None:
    receiver.script = [500, 503]  # two failed attempts, then 200
    created = await new_job(client, "hook.mp4", mp4_bytes(30, 30), webhook_url=receiver.url)
    await advance(client, 15)  # the job ends (about 12 s in); the first attempt fails
    assert len(receiver.calls) == 1
    await advance(client, 10)  # first retry, 10 s later: fails
    assert len(receiver.calls) == 2
    await advance(client, 20)  # second retry, 20 s after that: delivered
    assert len(receiver.calls) == 3
    await advance(client, 600)
    assert len(receiver.calls) == 3  # nothing more once delivered
    detail = await result(client, created["job_id"])
    for call in receiver.calls:
        assert call["path"] == "/hook" and call["headers"]["Content-Type"] == "application/json"
        body = check("JobDetailEnvelope", call["body"])
        assert body == {"success": True, "message": "Job completed", "data": detail}
    hooks = (await client.get("/_emulator/webhooks", params={"job_id": created["job_id"]})).json()["webhooks"]
    assert [a["status_code"] for a in hooks[0]["attempts"]] == [500, 503, 200]
    assert hooks[0]["status"] == "delivered"


async def test_failed_and_cancelled(client: httpx.AsyncClient, receiver: Receiver) -> None:
    failing = await new_job(client, "render-failure.mp4", webhook_url=receiver.url)  # a shipped scenario
    cancelled = await new_job(client, "c.mp4", webhook_url=receiver.url)
    r = await client.post(f"{API}/jobs/{cancelled['job_id']}/cancel")
    assert r.status_code == 200
    await advance(client, 3600)
    bodies = {call["body"]["data"]["job_id"]: call["body"] for call in receiver.calls}
    assert len(receiver.calls) == 2 == len(bodies)
    assert bodies[cancelled["job_id"]]["message"] == "Job cancelled"
    assert bodies[cancelled["job_id"]]["data"]["status"] == "cancelled"
    failed = check("JobDetailEnvelope", bodies[failing["job_id"]])
    assert failed["message"] == "Job failed" and failed["data"]["error"]["code"] == "RENDER_FAILED"
    assert failed["data"] == await result(client, failing["job_id"])


async def test_webhook_url_given_at_upload(client: httpx.AsyncClient, receiver: Receiver) -> None:
    video = await upload(client, "u.mp4", webhook_url=receiver.url)
    created = await create(client, video["video_id"])
    await advance(client, 3600)
    assert [c["body"]["data"]["job_id"] for c in receiver.calls] == [created["job_id"]]
    other = Receiver()  # the job's own webhook_url wins
    try:
        again = await create(client, video["video_id"], webhook_url=other.url)
        await advance(client, 3600)
        assert [c["body"]["data"]["job_id"] for c in other.calls] == [again["job_id"]]
        assert len(receiver.calls) == 1
    finally:
        other.close()


async def test_no_webhook_url_no_call(client: httpx.AsyncClient) -> None:
    created = await new_job(client)
    await advance(client, 3600)
    assert (await client.get("/_emulator/webhooks", params={"job_id": created["job_id"]})).json()["webhooks"] == []


async def test_flat_payload(settings: Settings, receiver: Receiver) -> None:
    settings = settings.model_copy(update={"clipzy": settings.clipzy.model_copy(update={"webhook_payload": "flat"})})
    async with running(settings) as client:
        done = await new_job(client, "flat.mp4", webhook_url=receiver.url)
        failing = await new_job(client, "render-failure.mp4", webhook_url=receiver.url)
        await advance(client, 3600)
        bodies = {call["body"]["job_id"]: call["body"] for call in receiver.calls}
        detail = await result(client, done["job_id"])
        assert bodies[done["job_id"]] == {
            "job_id": done["job_id"], "status": "completed", "progress_percent": 100,
            "output_video_url": f"file:///storage/{done['job_id']}/output.mp4",
            "processing_time_seconds": detail["processing_time_seconds"]}
        flat = bodies[failing["job_id"]]
        assert set(flat) == {"job_id", "status", "progress_percent", "processing_time_seconds", "error"}
        assert flat["status"] == "failed" and flat["error"]["code"] == "RENDER_FAILED"


def test_payload_setting_values() -> None:
    import pytest

    from emulator.settings import SettingsError, build_settings

    assert build_settings({}, environ={}).clipzy.webhook_payload == "envelope"
    assert build_settings({}, environ={"EMULATOR_CLIPZY_WEBHOOK_PAYLOAD": "flat"}).clipzy.webhook_payload == "flat"
    with pytest.raises(SettingsError, match="clipzy.webhook_payload"):
        build_settings({}, environ={"EMULATOR_CLIPZY_WEBHOOK_PAYLOAD": "xml"})
