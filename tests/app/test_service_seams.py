"""The seams a new service plugs into, exercised by a demo service (tests/app/demo_service.py) beside Valossa:
a second kind within one service, ids per kind, a second mount at the root, 405 with Allow, the reset hook,
scenarios per kind, the admin views, and a service on its own port."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import demo_service
import httpx
import pytest
from helpers import advance, running

import emulator.app
import emulator.settings
from emulator.services import Mount
from emulator.settings import Settings
from emulator.testing import Emulator

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def with_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's list of services, plus the demo one (what one line in services/catalog.py does)."""
    real = emulator.app.build_services

    def build(engine, settings):  # type: ignore[no-untyped-def]
        demo = demo_service.build(engine, settings)
        root = demo.mounts[1]
        demo.mounts[1] = Mount(root.prefix, root.app, root.name, Path(__file__).with_name("demo_openapi.json"))
        return [*real(engine, settings), demo]

    monkeypatch.setattr(emulator.app, "build_services", build)
    monkeypatch.setattr(emulator.settings, "SERVICE_PACKAGES", (*emulator.settings.SERVICE_PACKAGES, "demo"))


@pytest.fixture
async def demo(with_demo: None) -> AsyncIterator[httpx.AsyncClient]:
    async with running(Settings(in_memory=True, time_scale=0, seed=5)) as client:
        yield client


async def create(client: httpx.AsyncClient, kind: str, **body: object) -> dict[str, object]:
    r = await client.post(f"/demo/v1/things/{kind}", json=body)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/demo/v1/things/{kind}/{r.json()['id']}"
    return r.json()


async def test_each_kind_has_its_own_ids_and_lifecycle(demo: httpx.AsyncClient) -> None:
    alpha, beta = await create(demo, "alpha"), await create(demo, "beta")
    assert UUID.match(str(alpha["id"])) and re.fullmatch(r"b_[0-9a-f]{12}", str(beta["id"]))
    assert (alpha["kind"], beta["kind"], alpha["state"]) == ("alpha", "beta", "waiting")
    await advance(demo, 60)
    for job in (alpha, beta):
        r = await demo.get(f"/demo/v1/things/{job['kind']}/{job['id']}")
        assert r.json() == {"id": job["id"], "kind": job["kind"], "state": "done"}


async def test_seeded_ids_repeat_per_kind(with_demo: None) -> None:
    runs = []
    for _ in range(2):
        async with running(Settings(in_memory=True, time_scale=0, seed=9)) as client:
            runs.append([(await create(client, kind))["id"] for kind in ("alpha", "beta", "beta")])
    assert runs[0] == runs[1] and len(set(runs[0])) == 3


async def test_admin_views_and_filters_by_kind(demo: httpx.AsyncClient) -> None:
    await create(demo, "alpha")
    beta = await create(demo, "beta")
    r = await demo.get("/_emulator/jobs", params={"service": "demo", "kind": "beta"})
    jobs = r.json()["jobs"]
    assert [(j["id"], j["kind"]) for j in jobs] == [(beta["id"], "beta")]
    assert jobs[0]["status"] == beta  # the lifecycle's view, the same body the API answers
    r = await demo.post(f"/_emulator/jobs/{beta['id']}/complete")
    assert r.status_code == 200 and r.json()["status"]["state"] == "done"


async def test_get_and_delete_on_one_path_and_405_with_allow(demo: httpx.AsyncClient) -> None:
    job = await create(demo, "alpha")
    path = f"/demo/v1/things/alpha/{job['id']}"
    assert (await demo.get(path)).status_code == 200
    r = await demo.put(path)
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "DELETE"}
    assert r.headers["content-type"] == "application/problem+json"  # the service's own envelope
    assert r.json()["problem"]["code"] == "MethodNotAllowed"
    assert (await demo.delete(path)).status_code == 204
    r = await demo.get(path)
    assert r.status_code == 404 and r.json()["problem"]["code"] == "NOT_FOUND"
    r = await demo.get("/demo/v1/nowhere")
    assert r.status_code == 404 and r.json()["problem"]["code"] == "RouteNotFound"


async def test_root_level_mount_its_document_and_journal(demo: httpx.AsyncClient) -> None:
    r = await demo.get("/.well-known/demo.json")
    assert r.status_code == 200 and r.json()["service"] == "demo"
    assert (await demo.get("/.well-known/other.json")).status_code == 404  # only the paths its routes name
    r = await demo.get("/_emulator/openapi/demo-root.json")
    assert r.status_code == 200 and r.json()["info"]["title"] == "Demo root"
    r = await demo.get("/_emulator/requests", params={"service": "demo"})
    assert [e["path"] for e in r.json()["requests"]] == ["/.well-known/demo.json"]


async def test_middleware_around_a_service_cors(demo: httpx.AsyncClient) -> None:
    r = await demo.options("/demo/v1/things/alpha", headers={"Origin": "http://app.example",
                                                             "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    r = await demo.post("/demo/v1/things/alpha", json={}, headers={"Origin": "http://app.example"})
    assert r.status_code == 202 and r.headers["access-control-allow-origin"] == "*"
    journal = (await demo.get("/_emulator/requests", params={"service": "demo"})).json()["requests"]
    assert [(e["method"], e["status"]) for e in journal] == [("OPTIONS", 200), ("POST", 202)]


async def test_reset_calls_the_service_hook(demo: httpx.AsyncClient) -> None:
    assert (await demo.get("/.well-known/demo.json")).json()["resets"] == 0
    assert (await demo.post("/_emulator/reset")).status_code == 200
    assert (await demo.get("/.well-known/demo.json")).json()["resets"] == 1


async def test_scenarios_name_a_kind(demo: httpx.AsyncClient) -> None:
    slow = "service: demo\nkind: beta\nmatch: {default: true}\ntimeline:\n  - state: waiting\n  - after: 1h\n" \
           "    state: failed\n    note: slow on purpose\n"
    assert (await demo.put("/_emulator/scenarios/demo-slow-beta", content=slow)).status_code == 200
    alpha, beta = await create(demo, "alpha"), await create(demo, "beta")
    await advance(demo, 60)
    states = {j["id"]: (j["state"], j["scenario"]) for j in (await demo.get("/_emulator/jobs")).json()["jobs"]}
    assert states[alpha["id"]] == ("done", None) and states[beta["id"]] == ("waiting", "demo-slow-beta")
    r = await demo.put("/_emulator/scenarios/bad", content="service: demo\nkind: gamma\n")
    assert r.status_code == 400 and "expected one of alpha, beta" in r.text
    r = await demo.put("/_emulator/scenarios/bad", content="service: demo\ntimeline: [{state: finished}]\n")
    assert r.status_code == 400 and "expected one of waiting, running, done, failed" in r.text


@pytest.fixture
def own_port(with_demo: None) -> Iterator[Emulator]:
    with Emulator(seed=2, listen={"valossa": 0, "demo": 0}) as emu:
        yield emu


def test_a_service_on_its_own_port(own_port: Emulator) -> None:
    emu = own_port
    base = emu.service_url("valossa", own_port=True)
    assert base.endswith("/core/1.0") and base != emu.service_url("valossa")
    r = httpx.post(base + "/new_job", json={"api_key": "k", "media": {"video": {"url": "https://e.com/a.mp4"}}})
    assert r.status_code == 200
    job_id = r.json()["job_id"]
    # one engine: the job is seen on the main port and by the admin API
    r = httpx.get(emu.service_url("valossa") + "/job_status", params={"api_key": "k", "job_id": job_id})
    assert r.json()["status"] == "queued"
    root = emu.port_url("valossa")
    doc = httpx.get(root + "/openapi.json")
    assert doc.status_code == 200 and doc.json()["servers"][0]["url"] == "/core/1.0"
    r = httpx.get(root + "/_emulator/health")  # the root is the service's own: no admin API there
    assert r.status_code == 404 and r.json() == {"errors": [{"message": "Not found"}]}
    # each service's port is its own: the demo's root path is there, Valossa's API is not
    demo_root = emu.port_url("demo")
    assert httpx.get(demo_root + "/.well-known/demo.json").json()["service"] == "demo"
    assert httpx.get(demo_root + "/core/1.0/job_status").status_code == 404
    assert httpx.get(root + "/.well-known/demo.json").status_code == 404
    assert emu.admin.jobs()[0]["id"] == job_id


def test_listen_names_a_known_service() -> None:
    from emulator.settings import SettingsError, build_settings

    settings = build_settings(environ={"EMULATOR_LISTEN": "valossa=8091"})
    assert settings.listen == {"valossa": 8091}
    with pytest.raises(SettingsError, match="listen: .*no service 'nope'"):
        build_settings({"listen": ["nope=1"]}, environ={})
    with pytest.raises(SettingsError, match="SERVICE=PORT"):
        build_settings({"listen": ["valossa"]}, environ={})
