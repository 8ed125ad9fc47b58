"""emulator.testing.Emulator outside pytest fixtures, driven through emulator.admin_client.AdminClient."""

from __future__ import annotations

import httpx
import pytest
from helpers import Receiver, post_job

from emulator.admin_client import AdminClient, AdminError, NotRunning, format_duration
from emulator.testing import Emulator

VIDEO = "https://example.com/ocean.mp4"


def job_status(emu: Emulator, job_id: str, key: str = "key-a") -> dict:
    r = httpx.get(emu.service_url("valossa") + "/job_status", params={"api_key": key, "job_id": job_id})
    assert r.status_code == 200, r.text
    return r.json()


def test_context_manager_serves_on_a_free_port_and_stops() -> None:
    with Emulator() as emu:
        assert emu.url.startswith("http://127.0.0.1:") and emu.port > 0
        assert emu.service_url("valossa") == emu.url + "/core/1.0"
        assert emu.admin.health()["services"] == ["valossa", "clipzy", "gateway"]
        assert emu.admin.clock()["time_scale"] == 0  # frozen by default
        with pytest.raises(KeyError, match="emulated here: valossa"):
            emu.service_url("nope")
        with pytest.raises(RuntimeError, match="already running"):
            emu.start()
        url = emu.url
    with pytest.raises(NotRunning, match="no emulator at .*video-ai-emulator serve"):
        AdminClient(url).health()


def test_settings_overrides_and_seed() -> None:
    ids = []
    for _ in range(2):
        with Emulator(seed=11, valossa={"api_keys": ["only-this"]}) as emu:
            r = httpx.post(emu.service_url("valossa") + "/new_job",
                           json={"api_key": "other", "media": {"video": {"url": VIDEO}}})
            assert r.status_code == 401
            ids.append(post_job(emu, key="only-this"))
    assert ids[0] == ids[1]
    with pytest.raises(TypeError):
        Emulator(Emulator().settings, seed=1)


def test_run_until_finished_then_journal(emu: Emulator) -> None:
    admin = emu.admin
    job_id = post_job(emu, VIDEO)
    assert job_status(emu, job_id)["status"] == "queued"
    job = admin.run_until(job_id, "processing")
    assert job["state"] == "processing" and job["next"]["state"] == "finished"
    job = admin.run_until(job_id, "finished")
    assert job["state"] == "finished" and job["next"] is None
    assert [h["state"] for h in job["history"]][-1] == "finished"
    assert job_status(emu, job_id)["status"] == "finished"
    assert admin.jobs(service="valossa", status="finished")[0]["id"] == job_id
    assert admin.jobs(status="queued") == []

    entries = admin.requests(service="valossa")
    assert [(e["method"], e["path"]) for e in entries] == [
        ("POST", "/core/1.0/new_job"), ("GET", "/core/1.0/job_status"), ("GET", "/core/1.0/job_status")]
    assert entries[0]["job_id"] == job_id and entries[0]["status"] == 200
    assert admin.requests(path="/core/1.0/job_*", after=entries[1]["id"])[0]["id"] == entries[2]["id"]
    assert admin.count(method="GET", path="/core/1.0/job_status") == 2
    assert admin.count({"job_id": job_id}) == 3

    assert admin.assert_requested("POST", "/core/1.0/new_job", body={"media.video.url": VIDEO}) == 1
    admin.assert_requested("GET", "/core/1.0/job_status", query={"job_id": job_id}, count=2)
    with pytest.raises(AssertionError) as err:
        admin.assert_requested("POST", "/core/1.0/new_job", body={"media.video.url": "https://example.com/other.mp4"})
    text = str(err.value)
    assert "expected at least 1 request(s) matching POST /core/1.0/new_job" in text and "got 0" in text
    assert "near misses:" in text and "media.video.url" in text
    assert "https://example.com/other.mp4" in text and VIDEO in text
    with pytest.raises(AssertionError, match="expected exactly 1 .* got 2"):
        admin.assert_requested("GET", "/core/1.0/job_status", count=1)

    assert admin.clear_requests() == 3
    assert admin.requests() == []


def test_run_until_names_the_last_state(emu: Emulator) -> None:
    job_id = post_job(emu, "https://example.com/analysis-error.mp4")
    with pytest.raises(AssertionError) as err:
        emu.admin.run_until(job_id, "finished")
    text = str(err.value)
    assert "stopped in state 'error'" in text and "'finished'" in text and "could not be decoded" in text
    assert "queued -> " in text and "-> processing -> error" in text

    job_id = post_job(emu, "https://example.com/long-queue.mp4")
    with pytest.raises(TimeoutError, match="still in state 'queued' after 1m of virtual time"):
        emu.admin.run_until(job_id, "finished", max_seconds="1m")
    job = emu.admin.run_until(job_id, "finished", step="5m", max_seconds="1d")
    assert job["state"] == "finished"


def test_job_actions(emu: Emulator) -> None:
    admin = emu.admin
    a, b, c = post_job(emu, VIDEO), post_job(emu, VIDEO), post_job(emu, VIDEO)
    moved = admin.advance_job(a)  # queued -> queued, now downloading: one step of the default timeline
    assert len(moved["history"]) == 2 and moved["status"]["media_transfer_status"] == "downloading"
    assert admin.complete_job(a)["state"] == "finished"
    failed = admin.fail_job(b, details="bad luck")
    assert failed["state"] == "error" and failed["status"]["details"] == "bad luck"
    assert admin.fail_job(c)["state"] == "error"
    with pytest.raises(AdminError) as err:
        admin.complete_job(a)
    assert err.value.status == 409
    with pytest.raises(AdminError) as err:
        admin.job("no-such-job")
    assert err.value.status == 404 and str(err.value).startswith("404 ")
    assert {j["id"] for j in admin.jobs()} == {a, b, c}
    assert [j["id"] for j in admin.jobs()] == [c, b, a]  # newest first


def test_webhooks_and_redeliver(emu: Emulator) -> None:
    receiver = Receiver()
    try:
        job_id = post_job(emu, callback={"url": receiver.url})
        emu.admin.run_until(job_id, "finished")
        hooks = emu.admin.webhooks(job_id=job_id)
        assert len(hooks) == 1 and hooks[0]["url"] == receiver.url and hooks[0]["job_id"] == job_id
        assert [a["status_code"] for a in hooks[0]["attempts"]] == [200]
        assert len(receiver.calls) == 1
        again = emu.admin.redeliver(hooks[0]["id"])
        assert [a["status_code"] for a in again["attempts"]] == [200, 200]
        assert len(receiver.calls) == 2 and receiver.calls[1]["body"] == receiver.calls[0]["body"]
        assert emu.admin.webhooks(job_id="someone-else") == []
    finally:
        receiver.close()


def test_scenarios(emu: Emulator) -> None:
    admin = emu.admin
    forced = admin.use_scenario("valossa-analysis-error", count=1)
    assert forced == {"service": "valossa", "name": "valossa-analysis-error", "count": 1}
    first, second = post_job(emu, VIDEO), post_job(emu, VIDEO)
    assert admin.job(first)["scenario"] == "valossa-analysis-error"
    assert admin.job(second)["scenario"] != "valossa-analysis-error"
    with pytest.raises(AdminError, match="no scenario named 'nope'"):
        admin.use_scenario("nope")

    made = admin.put_scenario("quick", "service: valossa\ntimeline:\n  - state: queued\n  - after: 1s\n"
                              "    state: finished\n")
    assert made["name"] == "quick"
    admin.use_scenario("quick", service="valossa")
    job_id = post_job(emu, VIDEO)
    assert admin.run_until(job_id, "finished")["scenario"] == "quick"
    with pytest.raises(AdminError, match="invalid scenario") as err:
        admin.put_scenario("broken", "service: nope\n")
    assert err.value.status == 400 and "nope" in str(err.value)


def test_advance_takes_durations(emu: Emulator) -> None:
    before = emu.admin.clock()["epoch"]
    after = emu.admin.advance("10m")
    assert after["epoch"] == pytest.approx(before + 600, abs=0.01)
    assert emu.admin.advance(30)["epoch"] == pytest.approx(before + 630, abs=0.01)
    assert emu.admin.advance("1h30m")["epoch"] == pytest.approx(before + 630 + 5400, abs=0.01)
    with pytest.raises(ValueError):
        emu.admin.advance("soon")
    assert [format_duration(s) for s in (0.25, 45, 600, 3725, 90000)] == ["0.25s", "45s", "10m", "1h2m5s", "1d1h"]
