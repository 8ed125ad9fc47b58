"""Clipzy jobs through the API on the virtual clock: the lifecycle stage by stage, results before and after
completion, the MP4 download, pagination, the duplicate-job conflict, cancel, timeouts, the admin API, and
the error envelope on every error."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from clipzy.support import API, FILLER, check, create, document, failure, job, new_job, result, upload
from helpers import advance, running

from emulator.services.clipzy import mp4, stages
from emulator.services.clipzy.models import StyleJSON
from emulator.services.clipzy.stages import PROGRESS, STAGES
from emulator.settings import Settings

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def seconds(a: str, b: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


async def walk(client: httpx.AsyncClient, job_id: str, step: float) -> list[dict[str, Any]]:
    """The job as polled every `step` simulated seconds until it ends."""
    seen = []
    for _ in range(100_000):
        data = await job(client, job_id)
        seen.append(data)
        if data["status"] in stages.TERMINAL:
            return seen
        await advance(client, step)
    raise AssertionError("never ended")


# --- the lifecycle


async def test_stage_by_stage(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "two-minutes.mp4", mp4.mp4_bytes(120, 30))
    polls = await walk(client, created["job_id"], 0.25)
    plan = stages.plan(120, has_template=False)

    statuses = [(p["status"], p["current_stage"]) for p in polls]
    distinct = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert distinct == [("queued", None), *(("processing", s) for s in STAGES), ("completed", None)]
    progress = [p["progress_percent"] for p in polls]
    assert progress == sorted(progress)  # never backwards
    assert [p for p in progress if p == 100] == [100] and polls[-1]["status"] == "completed"
    for poll in polls:
        if poll["status"] == "queued":
            assert poll["progress_percent"] == 0 and poll["started_at"] is None
        elif poll["status"] == "processing":
            low, high = PROGRESS[poll["current_stage"]]
            assert low <= poll["progress_percent"] <= high, poll
            assert poll["started_at"] is not None and poll["completed_at"] is None
    for stage in STAGES:  # progress moves within each stage, not only at its start
        inside = {p["progress_percent"] for p in polls if p["current_stage"] == stage}
        assert len(inside) > 1 or next(s.seconds for s in plan if s.stage == stage) < 1.0, (stage, inside)

    detail = await result(client, created["job_id"])
    history = detail["stage_history"]
    assert [(h["status"], h["stage"]) for h in history] == distinct
    assert [h["progress_percent"] for h in history] == [0, 1, 21, 36, 56, 66, 86, 100]
    durations = [seconds(a["timestamp"], b["timestamp"]) for a, b in zip(history, history[1:], strict=False)]
    assert durations == pytest.approx([stages.QUEUE_SECONDS, *(s.seconds for s in plan)], abs=0.001)
    assert detail["started_at"] == history[1]["timestamp"] and detail["completed_at"] == history[-1]["timestamp"]
    assert detail["processing_time_seconds"] == pytest.approx(stages.total_seconds(plan), abs=0.001)
    assert detail["updated_at"] == detail["completed_at"] and detail["created_at"] == history[0]["timestamp"]


async def test_stages_grow_with_the_video(client: httpx.AsyncClient) -> None:
    async def stage_seconds(duration: float) -> list[float]:
        created = await new_job(client, f"{duration}.mp4", mp4.mp4_bytes(duration, 30))
        await advance(client, 3600)
        history = (await result(client, created["job_id"]))["stage_history"]
        return [seconds(a["timestamp"], b["timestamp"]) for a, b in zip(history[1:], history[2:], strict=False)]

    short, long = await stage_seconds(60), await stage_seconds(900)
    assert all(b > a for a, b in zip(short, long, strict=True)), (short, long)
    assert 12 <= sum(short) <= 18 and 180 <= sum(long) <= 300  # the docs' GPU end-to-end times


async def test_timestamps_are_the_virtual_clock(client: httpx.AsyncClient) -> None:
    now = (await client.get("/_emulator/clock")).json()["now"]
    created = await new_job(client)
    assert created["created_at"] == created["updated_at"] == now and ISO_Z.match(now)
    await advance(client, 2.5)
    data = await job(client, created["job_id"])
    assert seconds(now, data["started_at"]) == 2.0 and seconds(now, data["updated_at"]) == 2.0


async def test_seeded_ids_repeat() -> None:
    async def ids() -> list[str]:
        async with running(Settings(in_memory=True, time_scale=0, seed=42)) as client:
            a, b = await new_job(client, "a.mp4"), await new_job(client, "b.mp4")
            return [a["video_id"], a["job_id"], b["video_id"], b["job_id"]]

    first = await ids()
    assert first == await ids() and len(set(first)) == 4
    assert all(re.fullmatch(r"(vid|job)_[0-9a-f]{12}", i) for i in first)


async def test_terminal_states_never_change(client: httpx.AsyncClient) -> None:
    created = await new_job(client)
    await advance(client, 3600)
    before = await result(client, created["job_id"])
    await advance(client, 100_000)
    assert await result(client, created["job_id"]) == before
    r = await client.post(f"{API}/jobs/{created['job_id']}/cancel")
    assert failure(r, 409, "JOB_NOT_CANCELLABLE")["detail"] == (
        f"Job '{created['job_id']}' is completed; only queued or processing jobs can be cancelled.")
    r = await client.post(f"/_emulator/jobs/{created['job_id']}/fail")
    assert r.status_code == 409 and (await job(client, created["job_id"]))["status"] == "completed"


async def test_timeout_fails_with_job_timeout(settings: Settings) -> None:
    settings = settings.model_copy(update={"clipzy": settings.clipzy.model_copy(
        update={"processing_timeout_seconds": 10})})
    async with running(settings) as client:
        created = await new_job(client, "long.mp4", mp4.mp4_bytes(120, 30))  # video_analysis alone is 12.5 s
        await advance(client, 11.9)
        assert (await job(client, created["job_id"]))["current_stage"] == "video_analysis"
        await advance(client, 0.2)
        detail = await result(client, created["job_id"])
        assert detail["status"] == "failed" and detail["current_stage"] is None
        assert detail["error"]["code"] == "JOB_TIMEOUT" and detail["error"]["stage"] == "video_analysis"
        assert detail["error"]["message"] == "Job exceeded the processing timeout of 10 seconds"
        assert detail["progress_percent"] == 16  # 1 + 19 * 10 / 12.5, frozen
        assert detail["processing_time_seconds"] == 10.0 and detail["style_json"] is None


async def test_cpu_only_setting(settings: Settings) -> None:
    settings = settings.model_copy(update={"clipzy": settings.clipzy.model_copy(update={"cpu_only": True})})
    async with running(settings) as client:
        created = await new_job(client, "cpu.mp4", mp4.mp4_bytes(120, 30))
        await advance(client, 3600)
        detail = await result(client, created["job_id"])
        total = stages.total_seconds(stages.plan(120, has_template=False, cpu_only=True))
        assert detail["processing_time_seconds"] == pytest.approx(total, abs=0.001)
        assert 73 <= total <= 124  # the docs' CPU range for a 2-minute video


# --- templates and the StyleJSON


async def test_style_json_from_the_template(client: httpx.AsyncClient) -> None:
    template = await upload(client, "template.mov", mp4.mp4_bytes(600, 24))
    first = await new_job(client, "one.mp4", mp4.mp4_bytes(60, 30), template_video_id=template["video_id"])
    second = await new_job(client, "two.mp4", mp4.mp4_bytes(90, 60), template_video_id=template["video_id"])
    plain = await new_job(client, "three.mp4", mp4.mp4_bytes(60, 30))
    assert first["template_video_id"] == template["video_id"] and plain["template_video_id"] is None
    await advance(client, 3600)
    one, two, three = [await result(client, j["job_id"]) for j in (first, second, plain)]
    style = one["style_json"]
    StyleJSON.model_validate(style)
    assert set(style) == set(document()["components"]["schemas"]["StyleJSON"]["properties"])
    assert "use_subtitles" in style and style["version"] == "1.0"
    assert (style["source_duration_seconds"], style["frame_rate"], style["aspect_ratio"]) == (600.0, 24, "16:9")
    assert {**style, "created_at": None} == {**two["style_json"], "created_at": None}  # the template's style
    assert three["style_json"]["source_duration_seconds"] == 60.0 and three["style_json"] != style

    def extraction(detail: dict[str, Any]) -> float:
        history = detail["stage_history"]
        i = next(i for i, h in enumerate(history) if h["stage"] == "style_extraction")
        assert detail["style_json"]["created_at"] == history[i + 1]["timestamp"]  # when extraction ended
        return seconds(history[i]["timestamp"], history[i + 1]["timestamp"])

    assert extraction(one) == pytest.approx(stages.GPU["style_extraction"].seconds(600), abs=0.001)
    assert extraction(three) == pytest.approx(stages.NO_TEMPLATE_EXTRACTION["gpu"].seconds(60), abs=0.001)


async def test_style_json_is_deterministic_per_seed() -> None:
    async def style(seed: int) -> dict[str, Any]:
        async with running(Settings(in_memory=True, time_scale=0, seed=seed)) as client:
            created = await new_job(client, "same.mp4")
            await advance(client, 3600)
            body = (await result(client, created["job_id"]))["style_json"]
            body.pop("created_at")
            return body  # type: ignore[no-any-return]

    assert await style(5) == await style(5) != await style(6)


async def test_template_given_at_upload_applies(client: httpx.AsyncClient) -> None:
    template = await upload(client, "template.mp4")
    video = await upload(client, "source.mp4", template_video_id=template["video_id"])
    created = await create(client, video["video_id"])
    assert created["template_video_id"] == template["video_id"]
    other = await upload(client, "other-template.mp4")
    await client.post(f"{API}/jobs/{created['job_id']}/cancel")
    own = await create(client, video["video_id"], template_video_id=other["video_id"])  # the job's own wins
    assert own["template_video_id"] == other["video_id"]


# --- results and the download


async def test_result_before_and_after_completion(client: httpx.AsyncClient) -> None:
    created = await new_job(client, "r.mp4", mp4.mp4_bytes(45, 25), config={"quality": "Medium", "bitrate": "5M"})
    queued = await result(client, created["job_id"])
    assert {k: queued[k] for k in ("style_json", "output_video_url", "error", "processing_time_seconds",
                                   "render_metadata", "started_at", "completed_at")} == dict.fromkeys(
        ("style_json", "output_video_url", "error", "processing_time_seconds", "render_metadata", "started_at",
         "completed_at"))
    assert {k: queued[k] for k in created} == created  # JobResponse is the detail's first fields
    await advance(client, 8)
    running_ = await result(client, created["job_id"])
    assert running_["status"] == "processing" and running_["style_json"] is None
    assert [entry["message"] for entry in running_["logs"]][:3] == [
        f"Job created: {created['job_id']}", "Processing started", "Stage started: video_analysis"]
    await advance(client, 3600)
    done = await result(client, created["job_id"])
    assert done["status"] == "completed" and done["progress_percent"] == 100 and done["current_stage"] is None
    assert done["output_video_url"] == f"file:///storage/{created['job_id']}/output.mp4" and done["error"] is None
    StyleJSON.model_validate(done["style_json"])
    render = done["render_metadata"]
    assert (render["quality_level"], render["crf"], render["preset"], render["bitrate"]) == ("medium", 23, "medium",
                                                                                           "5M")
    assert (render["duration_seconds"], render["frame_rate"], render["resolution"]) == (45.0, 25.0, "320x180")
    r = await client.get(f"{API}/jobs/{created['job_id']}/download")
    assert render["file_size_bytes"] == len(r.content)
    assert done["logs"][-1] == {"timestamp": done["completed_at"], "level": "info",
                                "message": "Job completed: final MP4 ready", "stage": "rendering"}


async def test_download_is_a_playable_mp4(client: httpx.AsyncClient, tmp_path: Path) -> None:
    created = await new_job(client, "movie.mp4", mp4.mp4_bytes(93.5, 29.97))
    r = await client.get(f"{API}/jobs/{created['job_id']}/download")
    error = failure(r, 404, "RESULT_NOT_READY")
    assert r.json()["message"] == "Result not available yet."
    assert error["detail"] == f"Rendered output not available yet: job '{created['job_id']}' is queued."
    await advance(client, 3600)
    r = await client.get(f"{API}/jobs/{created['job_id']}/download")
    assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
    assert r.headers["content-disposition"] == 'attachment; filename="output.mp4"'
    data = r.content
    assert [kind for kind, _, _ in mp4.boxes(data)] == [b"ftyp", b"moov", b"mdat"]
    assert mp4.find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"]) is not None
    if shutil.which("ffprobe"):
        path = tmp_path / "output.mp4"
        path.write_bytes(data)
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name,"
                              "avg_frame_rate", "-of", "default=nw=1", str(path)],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        assert "codec_name=h264" in out
        num, den = re.search(r"avg_frame_rate=(\d+)/(\d+)", out).groups()  # type: ignore[union-attr]
        assert int(num) / int(den) == pytest.approx(29.97, abs=0.01)
        assert abs(float(re.search(r"duration=([\d.]+)", out).group(1)) - 93.5) < 0.01  # type: ignore[union-attr]
        decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                                 capture_output=True, text=True, timeout=60)
        assert decoded.returncode == 0 and decoded.stderr == ""


@pytest.mark.parametrize("end", ["cancel", "fail"])
async def test_no_download_for_a_job_that_did_not_complete(client: httpx.AsyncClient, end: str) -> None:
    created = await new_job(client)
    if end == "cancel":
        await client.post(f"{API}/jobs/{created['job_id']}/cancel")
    else:
        await client.post(f"/_emulator/jobs/{created['job_id']}/fail", json={"details": "GPU fell off"})
    failure(await client.get(f"{API}/jobs/{created['job_id']}/download"), 404, "RESULT_NOT_READY")


# --- listing


async def test_pagination(client: httpx.AsyncClient) -> None:
    made = [(await new_job(client, f"v{i}.mp4"))["job_id"] for i in range(12)]

    async def listed(**query: Any) -> dict[str, Any]:
        r = await client.get(f"{API}/jobs", params=query)
        assert r.status_code == 200, r.text
        body = check("JobListEnvelope", r.json())
        assert body["message"] == "Jobs retrieved"
        return body["data"]  # type: ignore[no-any-return]

    first = await listed()
    assert [j["job_id"] for j in first["jobs"]] == made[::-1][:10]  # newest first, 10 by default
    assert (first["total"], first["page"], first["page_size"]) == (12, 1, 10)
    assert [j["job_id"] for j in (await listed(page=2))["jobs"]] == made[1::-1]
    assert (await listed(page=3))["jobs"] == [] and (await listed(page=3))["total"] == 12
    assert [j["job_id"] for j in (await listed(page=12, page_size=1))["jobs"]] == [made[0]]
    assert len((await listed(page_size=100))["jobs"]) == 12
    assert len((await listed(page_size=1))["jobs"]) == 1
    for query, detail in (({"page": 0}, "query.page: Input should be greater than or equal to 1"),
                          ({"page": -3}, "query.page: Input should be greater than or equal to 1"),
                          ({"page_size": 0}, "query.page_size: Input should be greater than or equal to 1"),
                          ({"page_size": 101}, "query.page_size: Input should be less than or equal to 100"),
                          ({"page": "x"}, "query.page: Input should be a valid integer"),
                          ({"page_size": "1.5"}, "query.page_size: Input should be a valid integer"),
                          ({"page": ""}, "query.page: Input should be a valid integer")):
        r = await client.get(f"{API}/jobs", params=query)
        assert failure(r, 422, "VALIDATION_ERROR")["detail"].startswith(detail), query


# --- conflicts, cancel


async def test_duplicate_job_conflict(client: httpx.AsyncClient) -> None:
    video = await upload(client)
    first = await create(client, video["video_id"])
    r = await client.post(f"{API}/jobs", json={"video_id": video["video_id"]})
    assert failure(r, 409, "JOB_ALREADY_PROCESSING")["detail"] == (
        f"Video '{video['video_id']}' has job '{first['job_id']}' in status queued.")
    await advance(client, 3)
    r = await client.post(f"{API}/jobs", json={"video_id": video["video_id"]})
    assert "in status processing" in failure(r, 409, "JOB_ALREADY_PROCESSING")["detail"]
    await advance(client, 3600)
    second = await create(client, video["video_id"])  # the first one completed
    other = await upload(client, "other.mp4")
    await create(client, other["video_id"])  # another video is not affected
    await client.post(f"{API}/jobs/{second['job_id']}/cancel")
    third = await create(client, video["video_id"])
    await client.post(f"/_emulator/jobs/{third['job_id']}/fail")
    await create(client, video["video_id"])
    r = await client.get(f"{API}/jobs", params={"page_size": 100})
    assert r.json()["data"]["total"] == 5


async def test_concurrent_creates_make_one_job_per_video(tmp_path: Path) -> None:
    # Creates run concurrently (no lock around the store's write): the claim on a video must still hold.
    import asyncio

    for settings in (Settings(in_memory=True, time_scale=0, seed=3), Settings(data_dir=tmp_path, time_scale=0)):
        async with running(settings) as client:
            videos = [(await upload(client, f"v{n}.mp4"))["video_id"] for n in range(3)]
            answers = await asyncio.gather(*(client.post(f"{API}/jobs", json={"video_id": videos[n % 3]})
                                             for n in range(30)))
            made = [r.json()["data"] for r in answers if r.status_code == 200]
            assert sorted(d["video_id"] for d in made) == sorted(videos)
            for r in answers:
                if r.status_code != 200:
                    detail = failure(r, 409, "JOB_ALREADY_PROCESSING")["detail"]
                    assert any(f"has job '{d['job_id']}' in status queued" in detail for d in made)
            # a job failed through the admin API no longer holds its video
            gone = made[0]
            assert (await client.post(f"/_emulator/jobs/{gone['job_id']}/fail")).status_code == 200
            again = await create(client, gone["video_id"])
            r = await client.post(f"{API}/jobs", json={"video_id": gone["video_id"]})
            assert f"has job '{again['job_id']}'" in failure(r, 409, "JOB_ALREADY_PROCESSING")["detail"]


async def test_cancel(client: httpx.AsyncClient) -> None:
    queued = await new_job(client, "a.mp4", mp4.mp4_bytes(120, 30))
    r = await client.post(f"{API}/jobs/{queued['job_id']}/cancel")
    body = check("JobEnvelope", r.json())
    assert (r.status_code, body["message"]) == (200, "Job cancelled")
    assert (body["data"]["status"], body["data"]["progress_percent"], body["data"]["current_stage"]) == (
        "cancelled", 0, None)
    assert body["data"]["started_at"] is None and body["data"]["completed_at"] is not None

    running_ = await new_job(client, "b.mp4", mp4.mp4_bytes(120, 30))
    await advance(client, 2 + 12.5 + 5)  # into audio_analysis
    before = await job(client, running_["job_id"])
    assert before["current_stage"] == "audio_analysis"
    r = await client.post(f"{API}/jobs/{running_['job_id']}/cancel")
    cancelled = check("JobEnvelope", r.json())["data"]
    assert cancelled["status"] == "cancelled" and cancelled["progress_percent"] == before["progress_percent"]
    await advance(client, 3600)
    detail = await result(client, running_["job_id"])
    assert {k: detail[k] for k in cancelled} == cancelled  # it stays cancelled
    assert detail["processing_time_seconds"] == 17.5 and detail["style_json"] is None
    assert detail["logs"][-1]["level"] == "warning" and detail["logs"][-1]["stage"] == "audio_analysis"
    r = await client.post(f"{API}/jobs/{running_['job_id']}/cancel")
    failure(r, 409, "JOB_NOT_CANCELLABLE")
    r = await client.post(f"{API}/jobs/job_000000000000/cancel")
    failure(r, 404, "JOB_NOT_FOUND")


# --- the admin API sees the same body


async def test_admin_view_complete_and_fail(client: httpx.AsyncClient) -> None:
    a, b = await new_job(client, "a.mp4"), await new_job(client, "b.mp4")
    view = (await client.get(f"/_emulator/jobs/{a['job_id']}")).json()
    assert view["service"] == "clipzy" and view["status"] == await result(client, a["job_id"])
    r = await client.post(f"/_emulator/jobs/{a['job_id']}/complete")
    assert r.status_code == 200 and r.json()["status"]["status"] == "completed"
    done = await result(client, a["job_id"])
    assert done["style_json"] is not None and done["render_metadata"] is not None
    await advance(client, 5)
    r = await client.post(f"/_emulator/jobs/{b['job_id']}/fail", json={"details": "CUDA out of memory"})
    assert r.status_code == 200
    failed = await result(client, b["job_id"])
    assert failed["error"]["message"] == "CUDA out of memory" and failed["error"]["code"] == "PROCESSING_FAILED"
    assert failed["error"]["stage"] == "video_analysis" and failed["error"]["timestamp"] == failed["completed_at"]
    assert 1 <= failed["progress_percent"] <= 20


# --- every error in the envelope


async def test_create_job_errors(client: httpx.AsyncClient) -> None:
    video = await upload(client)
    cases: list[tuple[dict[str, Any], int, str, str]] = [
        ({"json": {}}, 422, "VALIDATION_ERROR", "body.video_id: Field required"),
        ({"json": {"video_id": 5}}, 422, "VALIDATION_ERROR", "body.video_id: Input should be a valid string"),
        ({"json": {"video_id": video["video_id"], "config": [1]}}, 422, "VALIDATION_ERROR", "body.config: "),
        ({"json": {"video_id": video["video_id"], "webhook_url": "ftp://x"}}, 422, "VALIDATION_ERROR",
         "body.webhook_url: expected an absolute http or https URL"),
        ({"json": [1]}, 422, "VALIDATION_ERROR", "body: "),
        ({"content": b"{", "headers": {"content-type": "application/json"}}, 422, "VALIDATION_ERROR", "body: "),
        ({"json": {"video_id": "vid_000000000000"}}, 404, "VIDEO_NOT_FOUND",
         "No video with id 'vid_000000000000' exists."),
        ({"json": {"video_id": video["video_id"], "template_video_id": "vid_111111111111"}}, 404, "VIDEO_NOT_FOUND",
         "No video with id 'vid_111111111111' exists."),
    ]
    for kwargs, status, code, detail in cases:
        r = await client.post(f"{API}/jobs", **kwargs)
        assert failure(r, status, code)["detail"].startswith(detail), (kwargs, r.text)
    r = await client.post(f"{API}/jobs", json={})
    assert r.json()["message"] == "Validation error"
    r = await client.get(f"{API}/jobs", params={"page_size": 100})
    assert r.json()["data"]["total"] == 0  # nothing was created


@pytest.mark.parametrize("path", ["/jobs/job_000000000000", "/jobs/nope", "/jobs/job_000000000000/result",
                                  "/jobs/job_000000000000/download"])
async def test_unknown_job(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(API + path)
    job_id = path.split("/")[2]
    assert failure(r, 404, "JOB_NOT_FOUND")["detail"] == f"No job with id '{job_id}' exists."
    assert r.json()["message"] == "The specified job could not be found."


async def test_unknown_routes_and_wrong_methods(client: httpx.AsyncClient) -> None:
    for path in ("/nope", "", "/", "/jobs/a/b/c", "/videos", "/videos/info"):
        failure(await client.get(API + path), 404, "NOT_FOUND")
    for method, path, allow in (("DELETE", "/jobs", "GET, HEAD, POST"), ("PUT", "/jobs/job_000000000000", "GET, HEAD"),
                                ("GET", "/videos/upload", "POST"), ("POST", "/health", "GET, HEAD"),
                                ("GET", "/jobs/job_000000000000/cancel", "POST")):
        r = await client.request(method, API + path)
        failure(r, 405, "METHOD_NOT_ALLOWED")
        assert r.headers["allow"] == allow and r.json()["message"] == "Method Not Allowed"


async def test_health(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{API}/health")
    body = check("HealthEnvelope", r.json())
    assert body["message"] == "API is healthy" and body["data"]["version"] == "0.1.0"
    assert body["data"]["timestamp"] == (await client.get("/_emulator/clock")).json()["now"]


async def test_jobs_survive_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=4)
    async with running(settings) as client:
        created = await new_job(client, "keep.mp4", FILLER)
        scripted = await new_job(client, "render-failure.mp4", FILLER)  # a scenario's own timeline
        await advance(client, 5)
        before = await result(client, created["job_id"])
    async with running(settings) as client:
        assert await result(client, created["job_id"]) == before
        # the running job is known after the restart: its video takes no second job until it ends
        r = await client.post(f"{API}/jobs", json={"video_id": before["video_id"]})
        assert failure(r, 409, "JOB_ALREADY_PROCESSING")["detail"] == (
            f"Video '{before['video_id']}' has job '{created['job_id']}' in status processing.")
        await advance(client, 3600)
        after = await result(client, created["job_id"])
        assert after["status"] == "completed"
        assert after["stage_history"][: len(before["stage_history"])] == before["stage_history"]
        assert [h["stage"] for h in after["stage_history"][1:-1]] == list(STAGES)
        failed = await result(client, scripted["job_id"])
        assert failed["error"]["stage"] == "rendering" and failed["error"]["code"] == "RENDER_FAILED"
        assert [h["stage"] for h in failed["stage_history"][1:-1]] == list(STAGES)
    async with running(settings) as client:  # ended jobs read back from the file
        assert await result(client, created["job_id"]) == after
        assert await result(client, scripted["job_id"]) == failed
