"""`video-ai-emulator jobs | requests | advance` against a live emulator, called in process."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from helpers import post_job

from emulator.cli import main
from emulator.testing import Emulator


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_jobs_table(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "jobs", "--url", emu.url)
    assert (code, out) == (0, "") and "no jobs" in err
    first = post_job(emu)
    emu.admin.advance("12s")
    second = post_job(emu, "https://example.com/analysis-error.mp4")
    code, out, _ = run(capsys, "jobs", "--url", emu.url)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "SERVICE", "STATE", "SINCE", "NEXT", "SCENARIO"]
    assert lines[1].startswith(second) and lines[2].startswith(first)  # newest first
    assert lines[1].split()[1:] == ["valossa", "queued", "0s", "ago", "queued", "in", "10s",
                                    "valossa-analysis-error"]
    assert lines[2].split()[1:3] == ["valossa", "queued"] and "valossa-default" in lines[2]
    code, out, _ = run(capsys, "jobs", "--url", emu.url, "--limit", "1")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == ["ID", second]
    code, out, _ = run(capsys, "jobs", "--url", emu.url, "--service", "valossa", "--status", "finished")
    assert code == 0 and out == ""
    emu.admin.run_until(first, "finished")
    code, out, _ = run(capsys, "jobs", "--url", emu.url, "--status", "finished")
    assert out.splitlines()[1].split()[:3] == [first, "valossa", "finished"] and out.splitlines()[1].split()[5] == "-"


def test_requests_lines(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    job_id = post_job(emu)
    httpx.get(emu.service_url("valossa") + "/job_status", params={"api_key": "k", "job_id": "nope"})
    code, out, _ = run(capsys, "requests", "--url", emu.url)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2
    first = lines[0].split()
    assert first[1:4] == ["valossa", "POST", "/core/1.0/new_job"] and first[4] == "200"
    assert first[5].endswith("ms") and first[-3:] == ["job", job_id, "[valossa-default]"]
    second = lines[1].split()
    assert second[2] == "GET" and second[3] == "/core/1.0/job_status?api_key=****&job_id=nope" and second[4] == "404"
    code, out, _ = run(capsys, "requests", "--url", emu.url, "--method", "GET", "--status", "404")
    assert len(out.splitlines()) == 1
    code, out, _ = run(capsys, "requests", "--url", emu.url, "--path", "/core/1.0/new_*", "--json")
    assert code == 0 and '"path": "/core/1.0/new_job"' in out


def test_requests_tail_follows(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    post_job(emu)
    result: list[int] = []

    def follow() -> None:
        result.append(main(["requests", "--url", emu.url, "--tail", "--interval", "0.05", "--max-polls", "10"]))

    thread = threading.Thread(target=follow)
    thread.start()
    try:
        time.sleep(0.15)  # real time: the follower is polling by now (every 50 ms, for 0.5 s)
        httpx.get(emu.service_url("valossa") + "/list_jobs", params={"api_key": "k"})
    finally:
        thread.join(10)
    out, _ = capsys.readouterr()
    assert result == [0]
    paths = [line.split()[3] for line in out.splitlines()]
    assert paths == ["/core/1.0/new_job", "/core/1.0/list_jobs?api_key=****"]  # each once, in order


def test_advance(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    post_job(emu)
    before = emu.admin.clock()["epoch"]
    code, out, _ = run(capsys, "advance", "10m", "--url", emu.url)
    assert code == 0 and emu.admin.clock()["epoch"] == pytest.approx(before + 600, abs=0.01)
    assert out.startswith("virtual time 20") and "(+10m)" in out and "timers fired, 0 pending" in out
    code, out, _ = run(capsys, "advance", "90", "--url", emu.url)
    assert "(+1m30s); 0 timers fired" in out
    with pytest.raises(SystemExit) as exit_:
        main(["advance", "soon", "--url", emu.url])
    assert exit_.value.code == 2 and "expected a duration like" in capsys.readouterr().err


def test_env_url_and_nothing_there(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("EMULATOR_URL", url)
    for command in (["jobs"], ["requests"], ["requests", "--tail"], ["advance", "1m"]):
        code, out, err = run(capsys, *command)
        assert code == 1 and out == ""
        assert err == f"video-ai-emulator: error: no emulator at {url} (start one with `video-ai-emulator serve`)\n"


def test_admin_errors_are_one_line(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "requests", "--url", emu.url, "--limit", "0")
    assert (code, out) == (1, "")
    assert err == "video-ai-emulator: error: 400 limit: expected a whole number of at least 1, got 0\n"


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    for command, text in (("jobs", "newest first"), ("requests", "--tail"), ("advance", "DURATION")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert text in out and "EMULATOR_URL" in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "jobs" in capsys.readouterr().out
