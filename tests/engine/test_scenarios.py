"""Scenario matching, runtime changes, seeded faults, webhook policies, validation messages, hot reload."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from helpers import Receiver, advance, message, new_job, running, status

from emulator.engine.scenario_files import ScenarioError, parse_text
from emulator.engine.scenario_model import file_schema
from emulator.engine.timelines import resolve_timeline
from emulator.services import lifecycle_specs
from emulator.services.valossa.lifecycle import SPEC, default_timeline
from emulator.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def scenario_of(client: httpx.AsyncClient, job_id: str) -> str | None:
    store = client._transport.app.state.engine.store  # type: ignore[attr-defined]
    return (store.active.get(job_id) or store.jobs.get(job_id) or store.cold.get(job_id)).scenario


async def put(client: httpx.AsyncClient, name: str, body: str) -> httpx.Response:
    return await client.put(f"/_emulator/scenarios/{name}", content=body.encode())


URL = {"video": {"url": "https://example.com/match-me.mp4"}, "title": "Match"}


async def test_matching_precedence(client: httpx.AsyncClient) -> None:
    # field match beats the default
    by_url = "service: valossa\nmatch: {fields: {media.video.url: {glob: '*match-me*'}}}\n"
    assert (await put(client, "by-url", by_url)).status_code == 200
    by_title = "service: valossa\nmatch: {fields: {media.title: Match}}\n"
    assert (await put(client, "by-title", by_title)).status_code == 200
    job = await new_job(client, media=URL)
    assert scenario_of(client, job) == "by-url"  # both match: the one put first wins
    plain = await new_job(client)
    assert scenario_of(client, plain) == "valossa-default"
    # the header beats field matches
    r = await client.post("/core/1.0/new_job", json={"api_key": "key-a", "media": URL},
                          headers={"X-Emulator-Scenario": "valossa-instant"})
    assert scenario_of(client, r.json()["job_id"]) == "valossa-instant"
    # a forced scenario beats the header, for the next N jobs only
    r = await client.post("/_emulator/scenarios/active", json={"service": "valossa", "name": "valossa-slow-job",
                                                               "count": 2})
    assert r.status_code == 200
    forced = [await new_job(client, media=URL) for _ in range(2)]
    r = await client.post("/core/1.0/new_job", json={"api_key": "key-a", "media": URL},
                          headers={"X-Emulator-Scenario": "valossa-instant"})
    after = r.json()["job_id"]
    assert [scenario_of(client, j) for j in forced] == ["valossa-slow-job"] * 2
    assert scenario_of(client, after) == "valossa-instant"


async def test_runtime_scenarios_match_in_the_order_they_were_put(client: httpx.AsyncClient) -> None:
    await put(client, "first", "service: valossa\nmatch: {fields: {media.title: Match}}\n")
    await put(client, "second", "service: valossa\nmatch: {fields: {media.title: {regex: '^Ma'}}}\n")
    assert scenario_of(client, await new_job(client, media=URL)) == "first"
    # replacing one keeps the others, and the replacement takes effect at once
    await put(client, "first", "service: valossa\nmatch: {fields: {media.title: Nope}}\n")
    assert scenario_of(client, await new_job(client, media=URL)) == "second"


async def test_user_folder_overrides_shipped(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "valossa-instant:\n  service: valossa\n  match: {fields: {media.video.url: {contains: instant}}}\n"
        "  timeline:\n    - state: queued\n    - after: 5s\n      state: finished\n"
        "early:\n  service: valossa\n  match: {fields: {media.video.url: {contains: download-failure}}}\n")
    async with running(Settings(in_memory=True, time_scale=0, scenarios=[tmp_path])) as c:
        job = await new_job(c, media={"video": {"url": "https://e.com/instant.mp4"}})
        await advance(c, 1)
        assert (await status(c, job))["status"] == "queued"  # the user's 5 s, not the shipped 1 s
        await advance(c, 4)
        assert (await status(c, job))["status"] == "finished"
        job = await new_job(c, media={"video": {"url": "https://e.com/download-failure.mp4"}})
        assert scenario_of(c, job) == "early"  # user folders are matched before the shipped file
        listed = (await c.get("/_emulator/scenarios")).json()["scenarios"]
        sources = {s["name"]: s["source"] for s in listed}
        assert sources["valossa-instant"].endswith("mine.yaml")
        assert sources["valossa-default"].endswith("scenarios/valossa.yaml")


async def test_unknown_header_scenario_is_an_error(client: httpx.AsyncClient) -> None:
    r = await client.post("/core/1.0/new_job", json={"api_key": "k", "media": URL},
                          headers={"X-Emulator-Scenario": "nope"})
    assert (r.status_code, message(r)) == (400, "Unknown emulator scenario 'nope' in X-Emulator-Scenario")


async def test_active_scenario_errors(client: httpx.AsyncClient) -> None:
    r = await client.post("/_emulator/scenarios/active", json={"service": "valossa", "name": "nope"})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = await client.post("/_emulator/scenarios/active", json={"service": "clipzy", "name": "valossa-instant"})
    assert r.status_code == 400
    r = await client.post("/_emulator/scenarios/active", json={"name": "valossa-instant", "count": -1})
    assert r.status_code == 400
    r = await client.post("/_emulator/scenarios/active", content=b"{")
    assert r.status_code == 400


async def test_put_rejects_invalid_scenarios_with_messages(client: httpx.AsyncClient) -> None:
    r = await put(client, "broken", "service: valossa\ntimeline:\n  - state: queued\n  - after: soon\n")
    assert r.status_code == 400
    assert r.json()["errors"] == [
        "runtime:4:5 broken.timeline[1].after: expected a duration like 30s, 2m, 1h30m, 0.5x, 60s + 0.5x or "
        "forever, got 'soon'"]
    assert (await put(client, "bad name!", "service: valossa\n")).status_code == 400
    assert (await put(client, "empty", "")).status_code == 400
    names = [s["name"] for s in (await client.get("/_emulator/scenarios")).json()["scenarios"]]
    assert "broken" not in names and "valossa-default" in names


PROBABLE = ("service: valossa\nmatch: {default: true}\n"
            "faults:\n  - {path: '*/job_status', probability: 0.4, status: 503}\n")


async def fault_pattern(seed: int) -> list[int]:
    async with running(Settings(in_memory=True, time_scale=0, seed=seed)) as c:
        await put(c, "dice", PROBABLE)
        job = await new_job(c)
        return [(await c.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job})).status_code
                for _ in range(40)]


async def test_seeded_probability_faults_reproduce_exactly() -> None:
    first, again, other = await fault_pattern(1), await fault_pattern(1), await fault_pattern(2)
    assert first == again
    assert first != other
    assert 5 < first.count(503) < 30  # about 40 % of 40


async def test_fault_time_window_and_nth(client: httpx.AsyncClient) -> None:
    await put(client, "window", "service: valossa\nmatch: {default: true}\nfaults:\n"
              "  - {path: '*/job_status', after: 60s, until: 120s, status: 500, message: Down for maintenance}\n"
              "  - {path: '*/list_jobs', nth: 2, status: 502}\n")
    job = await new_job(client)
    get = {"api_key": "key-a", "job_id": job}
    assert (await client.get("/core/1.0/job_status", params=get)).status_code == 200
    await advance(client, 60)
    r = await client.get("/core/1.0/job_status", params=get)
    assert (r.status_code, message(r)) == (500, "Down for maintenance")
    await advance(client, 60)
    assert (await client.get("/core/1.0/job_status", params=get)).status_code == 200
    codes = [(await client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})).status_code for _ in range(3)]
    assert codes == [200, 502, 200]


async def test_latency_fault_delays_the_answer(client: httpx.AsyncClient) -> None:
    await put(client, "slow", "service: valossa\nmatch: {default: true}\n"
              "faults:\n  - {path: '*/list_jobs', latency: 200ms, latency_max: 300ms}\n")
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
    assert r.status_code == 200 and 0.19 <= r.elapsed.total_seconds() < 2


async def test_webhook_drop_and_body_override(client: httpx.AsyncClient, receiver: Receiver) -> None:
    await put(client, "dropped", "service: valossa\nmatch: {fields: {media.title: drop}}\nwebhooks: {drop: true}\n")
    await put(client, "rewritten", "service: valossa\nmatch: {fields: {media.title: rewrite}}\n"
              "webhooks: {delay: 30s, body: {status: processing, extra: {note: x}}}\n")
    dropped = await new_job(client, media={**URL, "title": "drop"}, callback={"url": receiver.url})
    rewritten = await new_job(client, media={**URL, "title": "rewrite"}, callback={"url": receiver.url})
    await advance(client, 5000)
    assert (await status(client, dropped))["status"] == "finished"
    assert [c["body"]["job_id"] for c in receiver.calls] == [rewritten]
    body = receiver.calls[0]["body"]
    assert body["status"] == "processing" and body["extra"] == {"note": "x"} and body["details"] is None
    hooks = await client._transport.app.state.engine.store.list_webhooks()  # type: ignore[attr-defined]
    assert {h.job_id: h.state for h in hooks} == {dropped: "dropped", rewritten: "delivered"}


async def test_webhooks_out_of_order_newest_first(client: httpx.AsyncClient, receiver: Receiver) -> None:
    """Valossa sends one callback per job, so a test lifecycle that calls back on every step shows the order."""
    engine = client._transport.app.state.engine  # type: ignore[attr-defined]
    valossa = engine.jobs.lifecycles[("valossa", "job")]

    class EveryStep:
        service, kind, spec, id_format = "chatty", "job", SPEC, None

        def timeline(self, job):  # type: ignore[no-untyped-def]
            return default_timeline(60)

        def planned(self, job):  # type: ignore[no-untyped-def]
            pass

        async def on_enter(self, job, previous):  # type: ignore[no-untyped-def]
            await engine.webhooks.enqueue("chatty", receiver.url, {"state": job.state, "n": len(job.history)},
                                          job=job)

        success_step, failure_step = valossa.success_step, valossa.failure_step

        def view(self, job):  # type: ignore[no-untyped-def]
            return {"state": job.state}

    engine.jobs.register(EveryStep())
    await put(client, "reordered", "service: valossa\nmatch: {default: true}\nwebhooks: {out_of_order: true}\n")
    choice = engine.scenarios.choose("valossa", "job", {}, None)
    job = await engine.jobs.create("chatty", "k", {}, media={"duration_s": 60}, choice=choice)
    await advance(client, 30)
    assert receiver.calls == []  # held until the job ends
    await advance(client, 10_000)
    assert [c["body"]["n"] for c in receiver.calls] == [5, 4, 3, 2, 1]
    assert job.state == "finished"


BAD = [
    ("x:\n  service: valossa\n  timeline:\n    - after: soon\n", "4:7 x.timeline[0].after: expected a duration"),
    ("x:\n  service: clipz\n", "2:3 x.service: expected one of clipzy, gateway, valossa, got 'clipz'"),
    ("x:\n  service: valossa\n  timeline:\n    - state: procesing\n",
     "4:7 x.timeline[0].state: expected one of queued, on_hold"),
    ("x:\n  service: valossa\n  timeline:\n    - state: finished\n    - after: 1s\n",
     "4:7 x.timeline[0].state: finished is an end state"),
    ("x:\n  service: valossa\n  timeline:\n    - media_transfer_status: sideways\n",
     "4:7 x.timeline[0].media_transfer_status: expected one of queued, downloading, finished, error"),
    ("x:\n  service: valossa\n  timeline:\n    - colour: red\n", "4:7 x.timeline[0].colour: unknown key"),
    ("x:\n  service: valossa\n  match: {fields: {media.title: {contains: a, equals: b}}}\n",
     "3:20 x.match.fields.media.title: expected exactly one of equals, contains, glob, regex"),
    ("x:\n  service: valossa\n  match: {fields: {media.title: {regex: '('}}}\n",
     "x.match.fields.media.title: invalid regex"),
    ("x:\n  service: valossa\n  faults:\n    - {path: '*', status: 200}\n",
     "4:19 x.faults[0].status: Input should be greater than or equal to 400, got 200"),
    ("x:\n  service: valossa\n  faults:\n    - {path: '*'}\n",
     "4:7 x.faults[0]: expected an action: status, latency, reset, truncate or malformed"),
    ("x:\n  service: valossa\n  faults:\n    - {status: 503, reset: true}\n",
     "x.faults[0]: expected at most one of status, reset, truncate, malformed, got status, reset"),
    ("x:\n  service: valossa\n  webhooks: {retries: many}\n",
     "3:14 x.webhooks.retries: Input should be a valid integer"),
    ("x:\n  service: valossa\n  mediaa: {duration: 1h}\n", "3:3 x.mediaa: unknown key"),
    ("x:\n  match: {default: true}\n", "1:1 x.service: required key is missing"),
    ("x:\n  service: valossa\n  media: {resolution: big}\n", "3:11 x.media.resolution: String should match pattern"),
    ("x:\n  service: valossa\n  timeline:\n    - state: queued\n    - goto: 3\n",
     "x: timeline[1].goto must point to an earlier entry and have no state"),
    ("bad name:\n  service: valossa\n", "1:1 bad name: a scenario name is letters"),
    ("x: [\n", "invalid YAML"),
    ("- just a list\n", "1:1 expected a mapping of scenario names to scenarios"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_validation_messages(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_text(text, "f.yaml", lifecycle_specs())
    assert any(expected in p for p in err.value.problems), err.value.problems
    assert all(p.startswith("f.yaml:") for p in err.value.problems)


def test_cli_validate_and_schema(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("x:\n  service: valossa\n  timeline:\n    - state: queued\n    - after: soon\n")
    run = [sys.executable, "-m", "emulator", "scenario"]
    r = subprocess.run([*run, "validate", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"{bad}:5:7 x.timeline[1].after: expected a duration like 30s, 2m, 1h30m, 0.5x, "
                                "60s + 0.5x or forever, got 'soon'")
    r = subprocess.run([*run, "validate", str(ROOT / "scenarios" / "valossa.yaml")], capture_output=True, text=True)
    assert r.returncode == 0 and "valossa-default" in r.stdout
    r = subprocess.run([*run, "schema"], capture_output=True, text=True)
    assert json.loads(r.stdout) == file_schema(lifecycle_specs())
    # the server refuses to start on it, with the same message
    r = subprocess.run([sys.executable, "-m", "emulator", "serve", "--in-memory", "--scenarios", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "x.yaml:5:7 x.timeline[1].after" in r.stderr


def test_shipped_schema_is_current() -> None:
    shipped = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text())
    regenerate = "regenerate: video-ai-emulator scenario schema > scenarios/scenario.schema.json"
    assert shipped == file_schema(lifecycle_specs()), regenerate


def test_shipped_default_is_the_built_in_lifecycle() -> None:
    text = (ROOT / "scenarios" / "valossa.yaml").read_text()
    loaded = parse_text(text, "v.yaml", lifecycle_specs())
    default = next(s for s in loaded if s.name == "valossa-default").scenario
    for media in (30.0, 600.0, 7200.0):
        assert resolve_timeline(default, SPEC, media) == default_timeline(media)


def test_loops_unroll(tmp_path: Path) -> None:
    text = ("x:\n  service: valossa\n  timeline:\n    - state: queued\n    - after: 1m\n      state: on_hold\n"
            "    - after: 2m\n      goto: 0\n      times: 2\n    - after: 3m\n      state: processing\n")
    scenario = parse_text(text, "f", lifecycle_specs())[0].scenario
    steps = resolve_timeline(scenario, SPEC, 100)
    assert [(s.state, s.seconds) for s in steps] == [
        ("queued", 60), ("on_hold", 120), ("queued", 60), ("on_hold", 120), ("queued", 60), ("on_hold", 180),
        ("processing", None)]
    # Worked out once per scenario: fixed-length steps are the same objects for every job, whatever its media.
    assert all(a is b for a, b in zip(steps, resolve_timeline(scenario, SPEC, 5000), strict=True))


async def test_hot_reload_keeps_running_jobs(tmp_path: Path) -> None:
    path = tmp_path / "live.yaml"
    path.write_text("mine:\n  service: valossa\n  match: {fields: {media.title: hot}}\n"
                    "  timeline:\n    - state: queued\n    - after: 10s\n      state: finished\n")
    async with running(Settings(in_memory=True, time_scale=0, scenarios=[tmp_path], watch=True)) as c:
        engine = c._transport.app.state.engine  # type: ignore[attr-defined]
        before = await new_job(c, media={**URL, "title": "hot"})
        path.write_text("mine:\n  service: valossa\n  match: {fields: {media.title: hot}}\n"
                        "  timeline:\n    - state: queued\n    - after: 100s\n      state: finished\n")
        assert engine.scenarios.reload_if_changed()  # what the --watch task runs every second
        after = await new_job(c, media={**URL, "title": "hot"})
        await advance(c, 10)
        assert (await status(c, before))["status"] == "finished"  # its timeline was fixed when it started
        assert (await status(c, after))["status"] == "queued"
        path.write_text("mine: [broken\n")
        assert not engine.scenarios.reload_if_changed()  # a broken edit keeps the last good set
        assert engine.scenarios.get("mine") is not None
