"""Jobs in flight share their steps' fields and progress and their plan (lifecycle._shared): one object each per
distinct value, never changed, bounded."""

from __future__ import annotations

import httpx
from clipzy.support import API, new_job, result
from helpers import advance

from emulator.app import create_app
from emulator.engine.model import Step
from emulator.services.clipzy import lifecycle, stages
from emulator.settings import Settings


async def test_jobs_share_step_parts_and_plans() -> None:
    app = create_app(Settings(in_memory=True, time_scale=0, seed=7))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
        first, second = await new_job(client, "a.mp4"), await new_job(client, "b.mp4")
        one, two = [await app.state.engine.jobs.get(j["job_id"]) for j in (first, second)]
        assert [s.seconds for s in one.timeline] != [s.seconds for s in two.timeline]  # durations differ
        for a, b in zip(one.timeline, two.timeline, strict=True):
            assert a.fields is b.fields and a.progress is b.progress
        assert one.facts["plan"] is two.facts["plan"]
        plan = [list(mark) for mark in two.facts["plan"]]
        r = await client.post(f"{API}/jobs/{first['job_id']}/cancel")
        assert r.status_code == 200
        await advance(client, 3600)
        assert two.facts["plan"] == plan  # the other's plan, unchanged by the cancel
        assert (await result(client, first["job_id"]))["status"] == "cancelled"
        assert (await result(client, second["job_id"]))["status"] == "completed"
        await client.post("/_emulator/reset")
        third = await new_job(client, "c.mp4")
        assert (await app.state.engine.jobs.get(third["job_id"])).facts["plan"] == plan


async def test_a_timeout_cut_shares_nothing_wrong() -> None:
    settings = Settings(in_memory=True, time_scale=0, seed=7, clipzy={"processing_timeout_seconds": 5})
    app = create_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://emulator") as client:
        created = await new_job(client, "long.mp4")
        await advance(client, 3600)
        body = await result(client, created["job_id"])
        assert body["status"] == "failed" and body["error"]["code"] == "JOB_TIMEOUT"


def test_equal_but_different_values_stay_apart_and_the_table_is_bounded() -> None:
    assert lifecycle._shared((0, 0)) == (0, 0)
    assert type(lifecycle._shared((0.0, 0.0))[0]) is float  # 0 == 0.0, but the stored JSON differs
    for n in range(5000):
        lifecycle._shared({"n": n})
    assert len(lifecycle._SHARED) <= 4096


def test_the_standard_plan_is_every_uncut_timelines() -> None:
    for duration, template, cpu in ((0.0, False, False), (95.5, True, False), (3000.0, False, True)):
        steps = stages.timeline(duration, has_template=template, cpu_only=cpu, template_duration_s=12.0)
        marks = [lifecycle._mark(Step(s["state"], s["seconds"], s["fields"], s["progress"])) for s in steps]
        assert marks == lifecycle._standard_plan()
