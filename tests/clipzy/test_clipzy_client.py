"""A client written the way the engine's own example script (test_api.py in the engine's repository) writes
one: `requests`, a 1 MB file of b"ftypisom" + zeros, a job, then GET /jobs/{job_id} every 2 s (at most 30
times), then the result and the list. Against the emulator at its default time scale (60), on Clipzy's own
port, it sees the job completed well within those 60 s, and the result has every StyleJSON field it prints."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from emulator.testing import Emulator

POLL_SECONDS = 2  # the script's
MAX_POLLS = 30  # the script's: a minute in all


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    # The default time scale (60 simulated seconds a real second), unlike the frozen clock of other tests.
    with Emulator(time_scale=60, seed=21, listen={"clipzy": 0}) as emu:
        yield emu.service_url("clipzy", own_port=True)  # http://127.0.0.1:PORT/api/v1, as the real engine's


def test_example_client_sees_completed_within_a_minute(base_url: str, tmp_path: Path) -> None:
    r = requests.get(f"{base_url}/health", timeout=10)
    assert r.status_code == 200

    video = tmp_path / "test_video.mp4"
    video.write_bytes(b"ftypisom" + b"\x00" * (1024 * 1024 - 8))
    with open(video, "rb") as f:
        r = requests.post(f"{base_url}/videos/upload", files={"file": f}, timeout=30)
    assert r.status_code == 200, r.text
    video_id = r.json()["data"]["video_id"]
    assert r.json()["data"]["file_size_bytes"] == 1024 * 1024

    payload = {"video_id": video_id, "template_video_id": None, "config": {"quality": "high"}, "webhook_url": None}
    r = requests.post(f"{base_url}/jobs", json=payload, timeout=10)
    assert r.status_code == 200, r.text
    job_id = r.json()["data"]["job_id"]

    started = time.monotonic()
    seen = []
    final = None
    for _ in range(MAX_POLLS):  # bounded: the script gives up after 30 polls
        r = requests.get(f"{base_url}/jobs/{job_id}", timeout=10)
        assert r.status_code == 200, r.text
        job = r.json()["data"]
        seen.append((job["status"], job["progress_percent"], job.get("current_stage", "N/A")))
        if job["status"] in ("completed", "failed", "cancelled"):
            final = job
            break
        time.sleep(POLL_SECONDS)
    elapsed = time.monotonic() - started
    assert final is not None and final["status"] == "completed", seen
    assert elapsed < MAX_POLLS * POLL_SECONDS, elapsed
    assert seen[0][0] in ("queued", "processing") and [p for _, p, _ in seen] == sorted(p for _, p, _ in seen)

    r = requests.get(f"{base_url}/jobs/{job_id}/result", timeout=10)
    assert r.status_code == 200
    job = r.json()["data"]
    assert job["status"] == "completed" and job["progress_percent"] == 100
    assert job["processing_time_seconds"] > 0 and job["output_video_url"]
    style = job["style_json"]
    # What the script prints: cut frequency, motion intensity, tempo, genre, color grade temperature.
    for key in ("cut_frequency", "motion_intensity", "tempo_bpm", "music_genre", "color_grade"):
        assert key in style, key
    assert isinstance(style["cut_frequency"], float) and 0 <= style["motion_intensity"] <= 100
    assert isinstance(style["color_grade"]["temperature"], float)
    assert (style["tempo_bpm"] is None) == (style["music_genre"] is None)  # both, or no music at all

    r = requests.get(f"{base_url}/jobs?page=1&page_size=10", timeout=10)
    assert r.status_code == 200 and r.json()["data"]["total"] == 1 and len(r.json()["data"]["jobs"]) == 1
