"""The Docker image: builds, serves on EMULATOR_PORT, loads mounted scenarios, the shipped scenarios and fixtures, stops
gracefully on `docker stop` within about 2 s, and a new container on the same /data volume finds the jobs.

Needs a Docker engine (`../shared/tools/docker-engine` starts one); skipped otherwise. Containers run with
`--network host`. Time is frozen (EMULATOR_TIME_SCALE=0): the test moves it with /_emulator/clock/advance and
only polls for the server to come up.
"""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "video-ai-emulator:test"
CANNED = "https://media.example.org/canned/charade-first-10-minutes.mp4"  # fixtures/valossa/mapping.yaml
SCENARIO = """\
ci-mounted-instant:
  service: valossa
  description: From a folder mounted at /scenarios.
  match: {fields: {media.video.url: {contains: mounted-scenario}}}
  timeline:
    - state: queued
    - after: 1s
      state: finished
"""


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=check)


@pytest.fixture(scope="module")
def image() -> str:
    try:
        ok = docker("info", timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    if not ok:
        pytest.skip("no Docker engine (docker info failed): start one with .ci/run (DOCKER_ENGINE_TOOL, or "
                    "../shared/tools/docker-engine beside the checkout) or run that tool yourself")
    built = docker("build", "--network", "host", "-q", "-t", IMAGE, str(ROOT), timeout=900, check=False)
    assert built.returncode == 0, f"docker build failed:\n{built.stdout}\n{built.stderr}"
    return IMAGE


@pytest.fixture
def names() -> Iterator[list[str]]:
    """Containers and volumes to remove afterwards, whatever happens."""
    made: list[str] = []
    yield made
    for name in made:
        docker("rm", "-f", "-v", name, check=False)
        docker("volume", "rm", "-f", name, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(image: str, name: str, port: int, volume: str, scenarios: Path) -> httpx.Client:
    docker("run", "-d", "--name", name, "--network", "host",
           "-e", f"EMULATOR_PORT={port}", "-e", "EMULATOR_TIME_SCALE=0", "-e", "EMULATOR_SEED=42",
           "-v", f"{volume}:/data", "-v", f"{scenarios}:/scenarios:ro", image)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # server readiness only: virtual time never needs a sleep
        try:
            if client.get("/_emulator/health").status_code == 200:
                return client
        except httpx.TransportError:
            pass
        if docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip() != "true":
            break
        time.sleep(0.1)
    logs = docker("logs", name, check=False)
    pytest.fail(f"container {name} did not become healthy:\n{logs.stdout}{logs.stderr}")


def new_job(c: httpx.Client, url: str) -> str:
    r = c.post("/core/1.0/new_job", json={"api_key": "k", "media": {"video": {"url": url}}})
    assert r.status_code == 200, r.text
    return str(r.json()["job_id"])


def job_status(c: httpx.Client, job_id: str) -> dict[str, Any]:
    r = c.get("/core/1.0/job_status", params={"api_key": "k", "job_id": job_id})
    assert r.status_code == 200, r.text
    return dict(r.json())


def job_results(c: httpx.Client, job_id: str) -> bytes:
    r = c.get("/core/1.0/job_results", params={"api_key": "k", "job_id": job_id})
    assert r.status_code == 200, r.text
    return r.content


def advance(c: httpx.Client, seconds: float) -> None:
    assert c.post("/_emulator/clock/advance", json={"seconds": seconds}).status_code == 200


def test_image_serves_stops_gracefully_and_keeps_jobs(image: str, names: list[str], tmp_path: Path) -> None:
    run = f"emulator-test-{uuid.uuid4().hex[:8]}"
    first, second, volume = f"{run}-a", f"{run}-b", f"{run}-data"
    names += [first, second, volume]
    docker("volume", "create", volume)  # a fresh named volume takes the image's /data, owned by the emulator user
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir(mode=0o755)
    (scenarios / "ci.yaml").write_text(SCENARIO)
    (scenarios / "ci.yaml").chmod(0o644)
    port = free_port()

    with closing(start(image, first, port, volume, scenarios)) as c:
        # The mounted folder is loaded (before the shipped scenarios, which are in the image too).
        loaded = {s["name"]: s for s in c.get("/_emulator/scenarios").json()["scenarios"]}
        assert loaded["ci-mounted-instant"]["source"] == "/scenarios/ci.yaml"
        # The shipped ones come from the installed package (the wheel carries them, as any pip install).
        assert "/site-packages/emulator/_shipped/scenarios/" in loaded["valossa-default"]["source"]
        mounted = new_job(c, "https://example.com/mounted-scenario.mp4")
        job_id = new_job(c, "https://example.com/v.mp4")
        canned = new_job(c, CANNED)
        failing = new_job(c, "https://example.com/download-failure.mp4")  # a shipped scenario
        advance(c, 2)
        assert job_status(c, mounted)["status"] == "finished"  # the mounted scenario's 1 s timeline
        assert job_status(c, job_id)["status"] != "finished"
        advance(c, 36_000)
        before = job_status(c, job_id)
        assert before["status"] == "finished"
        assert job_status(c, failing)["status"] == "error"
        results = job_results(c, job_id)
        assert json.loads(results)["job_info"]["job_id"] == job_id
        # The shipped fixtures are in the image and used by default.
        shipped = json.loads(gzip.decompress((ROOT / "fixtures/valossa/charade-600s/core.json.gz").read_bytes()))
        core = json.loads(job_results(c, canned))
        assert core["media_info"] == shipped["media_info"]
        assert len(core["detections"]) == len(shipped["detections"])
        # Docker's own HEALTHCHECK (on EMULATOR_PORT) reports healthy.
        deadline = time.monotonic() + 30
        while (health := docker("inspect", "-f", "{{.State.Health.Status}}", first).stdout.strip()) != "healthy":
            assert health == "starting" and time.monotonic() < deadline, f"health: {health}"
            time.sleep(0.2)

    started = time.monotonic()
    docker("stop", "-t", "10", first, timeout=30)
    stopped_in = time.monotonic() - started
    assert stopped_in < 4, f"docker stop took {stopped_in:.1f} s (SIGTERM not handled by PID 1?)"
    assert docker("inspect", "-f", "{{.State.ExitCode}}", first).stdout.strip() == "0"

    with closing(start(image, second, port, volume, scenarios)) as c:
        assert job_status(c, job_id) == before
        assert job_results(c, job_id) == results
        assert job_status(c, mounted)["status"] == "finished"
