"""A Valossa job from new_job to job_results, driven by the virtual clock."""

from __future__ import annotations

import httpx
import pytest
from helpers import advance, new_job, running, status

from emulator.settings import Settings


async def test_full_lifecycle(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media={"video": {"url": "https://example.com/a.mp4"}, "title": "Ocean"})
    seen = [(s := await status(client, job_id))["status"], s["media_transfer_status"]]
    assert s == {"job_id": job_id, "status": "queued", "media_transfer_status": "queued", "details": None,
                 "poll_again_after_seconds": 60}
    # Step through every transition, one second at a time, recording each distinct state.
    states = [tuple(seen)]
    for _ in range(5000):
        await advance(client, 1)
        s = await status(client, job_id)
        if (s["status"], s["media_transfer_status"]) != states[-1]:
            states.append((s["status"], s["media_transfer_status"]))
        if s["status"] == "finished":
            break
    assert states == [
        ("queued", "queued"), ("queued", "downloading"), ("preparing_analysis", "finished"),
        ("processing", "finished"), ("finished", "finished"),
    ]
    assert s["poll_again_after_seconds"] is None and s["details"] is None
    r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    core = r.json()
    assert core["job_info"]["job_id"] == job_id
    assert core["version_info"]["metadata_format"] == "1.8.1"
    assert core["job_info"]["request"]["media"]["title"] == "Ocean"


async def test_results_before_finished_is_an_error(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    await advance(client, 40)
    r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"].startswith("Job is not finished")


async def test_processing_time_grows_with_media_duration(client: httpx.AsyncClient) -> None:
    # Durations are derived from the URL; find the finishing time of many jobs and compare with their length.
    finish: dict[str, float] = {}
    durations: dict[str, float] = {}
    ids = [await new_job(client, media={"video": {"url": f"https://example.com/{i}.mp4"}}) for i in range(6)]
    elapsed = 0
    while len(finish) < len(ids):
        await advance(client, 10)
        elapsed += 10
        for job_id in ids:
            if job_id not in finish and (await status(client, job_id))["status"] == "finished":
                finish[job_id] = elapsed
                r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
                durations[job_id] = r.json()["media_info"]["technical"]["duration_s"]
    by_length = sorted(ids, key=durations.__getitem__)
    assert [finish[i] for i in by_length] == sorted(finish[i] for i in by_length)
    assert finish[by_length[-1]] > finish[by_length[0]]


@pytest.mark.parametrize(("scale", "poll"), [(60, 1), (1, 60), (2, 30), (0, 60)])
async def test_poll_again_after_seconds_scales_with_time(scale: float, poll: int) -> None:
    async with running(Settings(in_memory=True, time_scale=scale)) as c:
        job_id = await new_job(c)
        assert (await status(c, job_id))["poll_again_after_seconds"] == poll


async def test_every_result_type_answers_after_finish(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    await advance(client, 100_000)
    kinds = {"core": "application/json", "frames_faces": "application/json", "seconds_objects": "application/json",
             "frames_objects": "application/json", "visual_captions": "application/json",
             "speech_to_text_srt": "", "speech_to_text_vtt": "", "speech_to_text_ttml": "",
             "speech_to_text_avid_txt": ""}
    for kind, ctype in kinds.items():
        r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id, "type": kind})
        assert r.status_code in (200, 400), (kind, r.text)
        if r.status_code == 400:  # a type the job has no data for: the documented error envelope
            assert r.json()["errors"][0]["message"]
            continue
        if ctype:
            assert r.headers["content-type"].startswith(ctype), kind
            assert isinstance(r.json(), dict)
        else:
            assert not r.headers["content-type"].startswith("application/json"), kind
            assert r.text


async def test_same_seed_same_ids_and_results() -> None:
    bodies = []
    for _ in range(2):
        async with running(Settings(in_memory=True, time_scale=0, seed=42)) as c:
            job_id = await new_job(c)
            await advance(c, 100_000)
            r = await c.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
            bodies.append((job_id, r.content))
    assert bodies[0] == bodies[1]
    async with running(Settings(in_memory=True, time_scale=0, seed=43)) as c:
        assert await new_job(c) != bodies[0][0]


async def test_reset_forgets_jobs(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    assert (await client.post("/_emulator/reset")).status_code == 200
    r = await client.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 404
    # With a seed, ids start over after a reset, as after a fresh start.
    assert await new_job(client) == job_id
