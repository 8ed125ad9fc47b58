"""A transcription's result is made from the job alone: the completed webhook, two GETs and a GET after a restart
on the SQLite store carry the very same result (the poll's shortcuts and the outbox's own HTTP client kept)."""

from __future__ import annotations

from pathlib import Path

from gateway_client import advance, bearer, create, transcription
from helpers import Receiver, Wall, running

from emulator.settings import Settings


async def test_one_result_for_the_webhook_every_get_and_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=5)
    wall = Wall()
    attributes = {**transcription("https://example.com/identity.mp4", diarization=True),
                  "webhook": {"url": receiver.url}}
    async with running(settings, wall=wall) as client:
        auth = await bearer(client)
        job_id = (await create(client, auth, "transcriptions", attributes))["data"]["id"]
        await advance(client, 3600)
        assert [c["body"]["event"] for c in receiver.calls][-1] == "transcription.completed"
        hooked = receiver.calls[-1]["body"]["data"]["attributes"]["result"]
        first = await client.get(f"/v1/transcriptions/{job_id}/result", headers=auth)
        second = await client.get(f"/v1/transcriptions/{job_id}/result", headers=auth)
        polled = (await client.get(f"/v1/transcriptions/{job_id}", headers=auth)).json()["data"]["attributes"]
        assert first.content == second.content and first.json() == hooked == polled["result"]
        assert hooked["segments"] and "speaker_id" in hooked["segments"][0]
    async with running(settings, wall=wall) as client:
        again = await client.get(f"/v1/transcriptions/{job_id}/result", headers=auth)
        assert again.content == first.content
