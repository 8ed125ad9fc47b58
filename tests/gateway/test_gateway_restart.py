"""The gateway's queue after a restart on the SQLite store: jobs waiting for a worker when the server stopped
start when one is free, in priority order, without a new request."""

from __future__ import annotations

from pathlib import Path

from gateway_client import advance, bearer, create, get, transcription
from helpers import Wall, running

from emulator.settings import Settings


async def test_waiting_jobs_resume_after_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=4, gateway={"workers": 1})
    wall = Wall()
    instant = {"X-Emulator-Scenario": "gateway-instant"}  # pending 1 s at least, processing 1 s
    async with running(settings, wall=wall) as client:
        auth = await bearer(client)
        first = (await create(client, auth, "transcriptions", transcription(), extra_headers=instant))["data"]["id"]
        low = (await create(client, auth, "transcriptions", transcription(priority="low"),
                            extra_headers=instant))["data"]["id"]
        high = (await create(client, auth, "transcriptions", transcription(priority="high"),
                             extra_headers=instant))["data"]["id"]
        await advance(client, 1.5)
        states = {j: (await get(client, auth, "transcriptions", j))["attributes"]["status"] for j in (first, low, high)}
        assert sorted(states.values()) == ["pending", "pending", "processing"] and states[high] == "processing"
    async with running(settings, wall=wall) as client:  # the token is still good: same key, wall clock
        await advance(client, 1)
        assert (await get(client, auth, "transcriptions", high))["attributes"]["status"] == "completed"
        assert (await get(client, auth, "transcriptions", first))["attributes"]["status"] == "processing"
        await advance(client, 1)
        assert (await get(client, auth, "transcriptions", low))["attributes"]["status"] == "processing"
        await advance(client, 1)
        for job_id in (first, low, high):
            assert (await get(client, auth, "transcriptions", job_id))["attributes"]["status"] == "completed"
