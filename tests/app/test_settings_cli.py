"""Settings from flags, EMULATOR_* env vars and a YAML file; the serve command as a user runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from emulator.settings import SettingsError, build_settings


def test_precedence_flags_over_env_over_file(tmp_path: Path) -> None:
    config = tmp_path / "emulator.yaml"
    config.write_text("port: 9000\ntime_scale: 5\nseed: 3\nvalossa:\n  api_keys: [a, b]\n")
    env = {"EMULATOR_TIME_SCALE": "10", "EMULATOR_VALOSSA_UPLOAD_CHUNK_SIZE_BYTES": "1024"}
    s = build_settings({"seed": "4"}, config, env)
    assert (s.port, s.time_scale, s.seed) == (9000, 10.0, 4)
    assert s.valossa.api_keys == ["a", "b"] and s.valossa.upload_chunk_size_bytes == 1024
    s = build_settings({}, None, {"EMULATOR_VALOSSA_API_KEYS": "x, y", "EMULATOR_IN_MEMORY": "true"})
    assert s.valossa.api_keys == ["x", "y"] and s.in_memory is True


@pytest.mark.parametrize(
    ("flags", "config", "env", "text"),
    [
        ({"port": "eighty"}, None, {}, "port: Input should be a valid integer"),
        ({"time_scale": "-1"}, None, {}, "time_scale: Input should be greater than or equal to 0"),
        ({}, "tim_scale: 4\n", {}, "tim_scale: unknown setting"),
        ({}, "valossa:\n  api_key: [a]\n", {}, "valossa.api_key: unknown setting"),
        ({}, "- not a mapping\n", {}, "must hold a mapping of settings"),
        ({}, "port: [\n", {}, "is not valid YAML"),
        ({}, None, {"EMULATOR_PORTT": "1"}, "EMULATOR_PORTT: unknown setting"),
        ({"log_level": "loud"}, None, {}, "log_level: Value error, expected one of"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, flags: dict, config: str | None, env: dict, text: str) -> None:
    path = None
    if config is not None:
        path = tmp_path / "c.yaml"
        path.write_text(config)
    with pytest.raises(SettingsError) as err:
        build_settings(flags, path, env)
    assert text in str(err.value)
    assert "\n" not in str(err.value)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emulator", *args], capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("args", "env", "text"),
    [
        (["serve", "--port", "x"], {}, "port: Input should be a valid integer"),
        (["serve", "--bogus"], {}, "unrecognized arguments: --bogus"),
        (["serve"], {"EMULATOR_TIME_SCALE": "fast"}, "time_scale: Input should be a valid number"),
    ],
)
def test_cli_bad_flags_exit_2_with_one_line(args: list[str], env: dict[str, str], text: str) -> None:
    result = run_cli(*args, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr


@pytest.mark.parametrize(
    ("mapping", "text"),
    [
        ("mappings:\n  - url: https://e.com/a.mp4\n    core: missing.json\n", "mapping 1: core: no file missing.json"),
        ("mappings: [", "not readable YAML"),
    ],
)
def test_broken_fixture_mapping_stops_serve_with_one_line(tmp_path: Path, mapping: str, text: str) -> None:
    (tmp_path / "mapping.yaml").write_text(mapping)
    result = run_cli("serve", "--in-memory", "--port", "0", env={"EMULATOR_VALOSSA_FIXTURES_DIR": str(tmp_path)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "valossa.fixtures_dir: " in lines[0] and text in lines[0], result.stderr


def test_help_lists_the_flags() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    for flag in ("--host", "--port", "--data-dir", "--in-memory", "--time-scale", "--seed", "--config"):
        assert flag in result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_logs_base_urls_and_one_line_per_request(tmp_path: Path) -> None:
    port, own = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", str(port), "--data-dir", str(tmp_path / "d"),
         "--listen", f"valossa={own}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:  # wait for the port (polling a subprocess, not sleeping a test's virtual time)
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
        assert r.json()["status"] == "ok"
        r = httpx.get(f"http://127.0.0.1:{port}/core/1.0/job_status", params={"api_key": "k", "job_id": "j"})
        assert r.status_code == 404
        r = httpx.get(f"http://127.0.0.1:{own}/core/1.0/job_status", params={"api_key": "k", "job_id": "j"})
        assert r.status_code == 404 and r.json() == {"errors": [{"message": "Job not found"}]}
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    # every base URL, the service's own port included
    assert f"Valossa Core API: http://127.0.0.1:{port}/core/1.0/ and http://127.0.0.1:{own}/core/1.0/" in out
    training = f"http://127.0.0.1:{port}/training/1.0/ and http://127.0.0.1:{own}/training/1.0/"
    assert f"Valossa Training API: {training}" in out
    assert "GET /core/1.0/job_status 404" in out
    assert (tmp_path / "d" / "emulator.sqlite3").exists()
    # Graceful: the lifespan ran to its end (uvicorn re-raises SIGTERM afterwards, hence -15).
    assert "Application shutdown complete" in out
    assert proc.returncode in (0, -15)


def test_emulator_url_is_for_the_terminal_commands_not_a_setting() -> None:
    # A shell set up for `video-ai-emulator jobs` (EMULATOR_URL) must still be able to start a server.
    assert build_settings({}, None, {"EMULATOR_URL": "http://127.0.0.1:9000", "EMULATOR_PORT": "9001"}).port == 9001


def test_heavy_libraries_stay_off_the_startup_path() -> None:
    # Startup has a 0.5 s budget: Faker (results) and httpx (callbacks, loopback media) load when first used.
    code = "import sys, emulator.cli, emulator.app; print(sorted({'faker', 'httpx'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
