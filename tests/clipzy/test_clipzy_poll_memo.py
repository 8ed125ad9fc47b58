"""A job's body is kept in its memo (lifecycle.view, lifecycle.encoded): a poll of an unchanged job reuses it, and
every change shows at once: progress within a step, moves, cancel, admin fail, scenario steps, reset."""

from __future__ import annotations

import httpx
from clipzy.support import API, job, new_job, result
from helpers import advance
from starlette.applications import Starlette

from emulator.app import create_app
from emulator.services.clipzy.mp4 import mp4_bytes
from emulator.settings import Settings

KEPT = {"view", "live", "floor", "style_json", "encoded Job retrieved", "encoded Job result retrieved"}


def app_and_client() -> tuple[Starlette, httpx.AsyncClient]:
    app = create_app(Settings(in_memory=True, time_scale=0, seed=7))
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator")


async def test_running_job_progress_and_moves_show() -> None:
    app, client = app_and_client()
    async with app.router.lifespan_context(app), client:
        created = await new_job(client, "two-minutes.mp4", mp4_bytes(120, 30))
        stored = await app.state.engine.jobs.get(created["job_id"])
        assert (await job(client, created["job_id"])) == created  # queued, unchanged
        await advance(client, 2.5)  # processing, video_analysis (1-20 %) for ~12.5 s
        first = await job(client, created["job_id"])
        assert await job(client, created["job_id"]) == first
        await advance(client, 5)
        later = await job(client, created["job_id"])
        assert later["current_stage"] == first["current_stage"] == "video_analysis"
        assert first["progress_percent"] < later["progress_percent"] <= 20
        assert later == {k: v for k, v in (await result(client, created["job_id"])).items() if k in later}
        assert set(stored.memo) <= KEPT
        await advance(client, 10)  # the next stage
        moved = await job(client, created["job_id"])
        assert moved["current_stage"] == "audio_analysis" and moved["progress_percent"] >= 21
        r = await client.post(f"{API}/jobs/{created['job_id']}/cancel")
        assert r.status_code == 200
        cancelled = await job(client, created["job_id"])
        assert cancelled["status"] == "cancelled" and cancelled["progress_percent"] == moved["progress_percent"]
        assert await job(client, created["job_id"]) == cancelled


async def test_admin_fail_scenario_steps_and_reset_show() -> None:
    app, client = app_and_client()
    async with app.router.lifespan_context(app), client:
        failing = await new_job(client, "render-failure.mp4")  # a shipped scenario's own timeline
        other = await new_job(client, "plain.mp4")
        assert (await job(client, other["job_id"]))["status"] == "queued"
        r = await client.post(f"/_emulator/jobs/{other['job_id']}/fail")
        assert r.status_code == 200, r.text
        assert (await job(client, other["job_id"]))["status"] == "failed"
        assert (await result(client, other["job_id"]))["error"]["code"] == "PROCESSING_FAILED"
        await advance(client, 3600)
        assert (await result(client, failing["job_id"]))["error"]["code"] == "RENDER_FAILED"
        assert (await job(client, failing["job_id"]))["status"] == "failed"
        await client.post("/_emulator/reset")
        r = await client.get(f"{API}/jobs/{failing['job_id']}")
        assert r.status_code == 404
