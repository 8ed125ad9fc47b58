"""The shipped Clipzy scenarios (scenarios/clipzy.yaml): checked with the engine's own parser against the
clipzy lifecycle and the stage plan, then each run through the API on the virtual clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from clipzy.support import API, check, create, failure, job, new_job, result, upload
from helpers import Receiver, advance

from emulator.engine.model import Step
from emulator.engine.scenario_files import Loaded, parse_text
from emulator.engine.timelines import resolve_timeline
from emulator.services import lifecycle_specs
from emulator.services.clipzy import stages
from emulator.services.clipzy.lifecycle import SPEC
from emulator.services.clipzy.mp4 import mp4_bytes
from emulator.services.clipzy.stages import PROGRESS, STAGES, TERMINAL

FILE = Path(__file__).parents[2] / "scenarios" / "clipzy.yaml"
REQUIRED = {"clipzy-default", "clipzy-render-failure", "clipzy-job-timeout", "clipzy-cpu-only",
            "clipzy-webhook-down", "clipzy-slow-queue"}


def _loaded() -> dict[str, Loaded]:
    return {s.name: s for s in parse_text(FILE.read_text(), str(FILE), lifecycle_specs())}


def _steps(name: str, media_seconds: float) -> list[Step]:
    return resolve_timeline(_loaded()[name].scenario, SPEC, media_seconds)


# --- the file


def test_parses_with_the_engine_and_has_the_named_scenarios() -> None:
    loaded = _loaded()
    assert REQUIRED <= set(loaded)
    assert all(s.scenario.service == "clipzy" and name.startswith("clipzy-") for name, s in loaded.items())
    defaults = [name for name, s in loaded.items() if s.scenario.match.default]
    assert defaults == ["clipzy-default"] and loaded["clipzy-default"].scenario.timeline is None
    for name, s in loaded.items():
        assert s.scenario.description, name
        if name != "clipzy-default":
            assert set(s.scenario.match.fields) == {"video.filename"}
            assert s.scenario.match.fields["video.filename"].contains == name.removeprefix("clipzy-")


def test_the_draft_is_gone() -> None:
    assert not (Path(stages.__file__).with_name("scenarios.draft.yaml")).exists()


@pytest.mark.parametrize("media", [5.0, 120.0, 3600.0])
@pytest.mark.parametrize("name", ["clipzy-render-failure", "clipzy-job-timeout", "clipzy-cpu-only",
                                  "clipzy-slow-queue", "clipzy-instant"])
def test_timelines_keep_the_lifecycle_invariants(name: str, media: float) -> None:
    steps = _steps(name, media)
    assert steps[0].state == "queued" and steps[0].progress == (0, 0)
    assert steps[-1].state in TERMINAL and steps[-1].seconds is None
    assert all(s.seconds is not None and s.seconds >= 0 for s in steps[:-1])
    bounds = [b for s in steps for b in (s.progress or ())]
    assert bounds == sorted(bounds)  # progress never goes backwards
    for step in steps:
        assert set(step.fields) == set(stages.FIELDS)
        if step.state == "processing":
            low, high = PROGRESS[step.fields["current_stage"]]
            assert step.progress and low <= step.progress[0] <= step.progress[1] <= high
        else:
            assert step.fields["current_stage"] is None
        assert (step.progress == (100, 100)) == (step.state == "completed")
    stages_seen = [s.fields["current_stage"] for s in steps if s.state == "processing"]
    assert stages_seen == list(STAGES[: len(stages_seen)])  # in order, none skipped
    if steps[-1].state == "failed":
        assert steps[-1].fields["error_code"] and steps[-1].fields["error_message"]
        assert steps[-1].progress == (steps[-2].progress[1],) * 2  # frozen where it was
    else:
        assert stages_seen == list(STAGES)


def test_render_failure_timeline() -> None:
    steps = _steps("clipzy-render-failure", 120)
    assert steps[-2].fields["current_stage"] == "rendering"  # error.stage
    assert steps[-1].fields["error_code"] == "RENDER_FAILED" and steps[-1].progress == (92, 92)
    gpu = {s.stage: s.seconds for s in stages.plan(120, has_template=False)}
    assert steps[-2].seconds == pytest.approx(0.4 * gpu["rendering"], abs=0.01)  # 40 % of the way through


def test_job_timeout_is_the_stage_plans() -> None:
    loaded = _loaded()["clipzy-job-timeout"]
    assert loaded.scenario.media and loaded.scenario.media.duration == 80 * 60
    steps = _steps("clipzy-job-timeout", 80 * 60)
    expected = stages.timeline(80 * 60, has_template=False, cpu_only=True)
    assert [(s.state, s.fields) for s in steps] == [(e["state"], e["fields"]) for e in expected]
    for step, exp in zip(steps, expected, strict=True):
        assert step.seconds == pytest.approx(exp["seconds"], abs=0.05)
        assert step.progress == pytest.approx(exp["progress"], abs=0.01)
    assert sum(s.seconds for s in steps if s.state == "processing") == pytest.approx(3600, abs=0.1)
    assert steps[-1].fields["error_code"] == "JOB_TIMEOUT"


@pytest.mark.parametrize("media", [30.0, 120.0, 900.0, 3600.0])
@pytest.mark.parametrize(("name", "cpu_only", "queue"), [("clipzy-cpu-only", True, 2.0),
                                                         ("clipzy-slow-queue", False, 600.0)])
def test_stage_durations_are_the_stage_plans(name: str, cpu_only: bool, queue: float, media: float) -> None:
    steps = _steps(name, media)
    expected = stages.timeline(media, has_template=False, cpu_only=cpu_only, queue_s=queue, timeout_s=None)
    assert [(s.state, s.fields, s.progress) for s in steps] == [
        (e["state"], e["fields"], e["progress"]) for e in expected]
    assert [s.seconds for s in steps] == pytest.approx([e["seconds"] for e in expected], abs=0.002)


def test_webhook_down_loses_every_attempt() -> None:
    policy = _loaded()["clipzy-webhook-down"].scenario.webhooks
    assert policy and policy.fail_attempts == policy.retries + 1 and not policy.drop
    assert _loaded()["clipzy-webhook-down"].scenario.timeline is None  # the job itself is the default one


# --- through the API


async def run_to_end(client: httpx.AsyncClient, job_id: str, step: float = 1.0, limit: float = 10_000) -> list[Any]:
    """Advance `step` seconds at a time until the job ends: every distinct (status, stage) seen, and the
    simulated seconds it took."""
    seen: list[tuple[str, str | None]] = []
    elapsed = 0.0
    while elapsed <= limit:
        data = await job(client, job_id)
        if not seen or seen[-1] != (data["status"], data["current_stage"]):
            seen.append((data["status"], data["current_stage"]))
        if data["status"] in TERMINAL:
            return [seen, elapsed]
        await advance(client, step)
        elapsed += step
    raise AssertionError(f"{job_id} did not end in {limit} s: {seen}")


EVERY_STAGE = [("queued", None), *(("processing", s) for s in STAGES)]


async def test_default_runs_every_stage(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "holiday.mp4", mp4_bytes(120, 30))
    seen, elapsed = await run_to_end(client, created["job_id"], step=0.5)
    assert seen == [*EVERY_STAGE, ("completed", None)]
    assert elapsed == pytest.approx(2 + stages.total_seconds(stages.plan(120, has_template=False)), abs=0.6)
    assert (await client.get("/_emulator/jobs/" + created["job_id"])).json()["scenario"] == "clipzy-default"


async def test_render_failure(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "my-render-failure.mp4", mp4_bytes(120, 30))
    seen, _ = await run_to_end(client, created["job_id"], step=0.5)
    assert seen == [*EVERY_STAGE, ("failed", None)]
    detail = await result(client, created["job_id"])
    assert detail["progress_percent"] == 92 and detail["style_json"] is None and detail["output_video_url"] is None
    assert detail["error"]["stage"] == "rendering" and detail["error"]["code"] == "RENDER_FAILED"
    assert detail["error"]["message"].startswith("Rendering failed")
    assert detail["render_metadata"] is None and detail["logs"][-1]["level"] == "error"
    failure(await client.get(f"{API}/jobs/{created['job_id']}/download"), 404, "RESULT_NOT_READY")


async def test_job_timeout(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "job-timeout.mp4")
    await advance(client, 3000)
    assert (await job(client, created["job_id"]))["status"] == "processing"
    seen, _ = await run_to_end(client, created["job_id"], step=30)
    assert seen[-2:] == [("processing", "rendering"), ("failed", None)]
    detail = await result(client, created["job_id"])
    assert detail["error"]["code"] == "JOB_TIMEOUT" and detail["error"]["stage"] == "rendering"
    assert detail["progress_percent"] == 88
    assert detail["processing_time_seconds"] == pytest.approx(3600, abs=0.01)  # processing, not the queue


async def test_cpu_only_is_slower(client: httpx.AsyncClient) -> None:
    video = mp4_bytes(120, 30)
    gpu = await new_job(client, "plain.mp4", video)
    cpu = await new_job(client, "cpu-only.mp4", video)
    _, gpu_s = await run_to_end(client, gpu["job_id"], step=0.5)
    _, cpu_s = await run_to_end(client, cpu["job_id"], step=0.5)
    expected = 2 + sum(stages.CPU[s].seconds(120) for s in STAGES if s != "style_extraction") \
        + stages.NO_TEMPLATE_EXTRACTION["cpu"].seconds(120)
    assert gpu_s + cpu_s == pytest.approx(expected, abs=0.6)  # cpu's clock started where gpu's ended
    assert 73 <= expected - 2 <= 124  # the docs' CPU range for 2 minutes


async def test_webhook_receiver_down(client: httpx.AsyncClient, receiver: Receiver) -> None:
    created = await new_job(client, "webhook-down.mp4", webhook_url=receiver.url)
    await advance(client, 3600)
    assert (await job(client, created["job_id"]))["status"] == "completed"
    hooks = (await client.get("/_emulator/webhooks", params={"job_id": created["job_id"]})).json()["webhooks"]
    assert [(h["status"], len(h["attempts"])) for h in hooks] == [("failed", 4)]
    assert receiver.calls == []


async def test_slow_queue(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "slow-queue.mkv")
    await advance(client, 599)
    assert (await job(client, created["job_id"]))["status"] == "queued"
    r = await client.post(f"{API}/jobs/{created['job_id']}/cancel")  # the test the scenario is for
    assert check("JobEnvelope", r.json())["data"]["status"] == "cancelled"


async def test_instant_and_the_header(client: httpx.AsyncClient) -> None:
    video = await upload(client, "anything.avi")
    created = await create(client, video["video_id"], headers={"X-Emulator-Scenario": "clipzy-instant"})
    await advance(client, 1.1)
    detail = await result(client, created["job_id"])
    assert detail["status"] == "completed" and detail["style_json"] is not None
    other = await upload(client, "other.avi")
    r = await client.post(f"{API}/jobs", json={"video_id": other["video_id"]},
                          headers={"X-Emulator-Scenario": "valossa-instant"})  # not a clipzy scenario
    failure(r, 400, "UNKNOWN_SCENARIO")


async def test_flaky_polling(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "flaky-polling.mp4")
    statuses = [(await client.get(f"{API}/jobs/{created['job_id']}")).status_code for _ in range(6)]
    assert statuses == [200, 200, 503, 200, 200, 503]
    await result(client, created["job_id"])  # the result and the download count too
    assert (await client.get(f"{API}/jobs/{created['job_id']}/download")).status_code == 404
    r = await client.get(f"{API}/jobs/{created['job_id']}/result")
    error = failure(r, 503, "SERVICE_UNAVAILABLE")
    assert error["detail"] and r.json()["message"] == "Service temporarily unavailable"
