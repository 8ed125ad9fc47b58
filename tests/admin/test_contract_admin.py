"""Contract: the admin API's OpenAPI document (emulator/admin/openapi.json, served at
/_emulator/openapi/admin.json) against a live server. Schemathesis fuzzes every operation, nothing excluded
(reset, clear and clock moves are harmless on a throwaway server); plain tests then walk jobs, the journal and
webhooks through the answers random ids (always 404) never reach, each response checked with the same checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from contract import Client, Link, Spec, document_tests, stateful_test
from helpers import Receiver, live
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Mount, Route

from emulator.admin import core as admin_core
from emulator.app import create_app
from emulator.settings import Settings

pytestmark = pytest.mark.contract

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
# For stateful runs: ids from the lists into the calls on one job or webhook, and a job's journal entries.
# (An operation with incoming links is only called through them: /jobs and /webhooks stay roots.)
FIRST_JOB = {"path.id": "$response.body#/jobs/0/id"}
LINKS = (
    *(Link(("/jobs", "GET"), (path, method), FIRST_JOB) for path, method in (
        ("/jobs/{id}", "GET"), ("/jobs/{id}/advance", "POST"), ("/jobs/{id}/complete", "POST"),
        ("/jobs/{id}/fail", "POST"))),
    Link(("/webhooks", "GET"), ("/webhooks/{id}/redeliver", "POST"), {"path.id": "$response.body#/webhooks/0/id"}),
    Link(("/webhooks", "GET"), ("/jobs/{id}", "GET"), {"path.id": "$response.body#/webhooks/0/job_id"}),
    Link(("/webhooks", "GET"), ("/requests", "GET"), {"query.job_id": "$response.body#/webhooks/0/job_id"}),
)
SPEC = Spec("/_emulator/openapi/admin.json", "/_emulator", admin_core.ADMIN_SPEC, CHECKS, LINKS)


def emulator_settings() -> Settings:
    return Settings(in_memory=True, time_scale=0, seed=13)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live(emulator_settings()) as url:
        # Something in the journal and the outbox, so the fuzzed reads have entries to answer with.
        body = {"api_key": "key-a", "media": {"video": {"url": "https://example.com/v.mp4"}},
                "callback": {"url": "http://127.0.0.1:9/unreachable"}}
        job_id = requests.post(url + "/core/1.0/new_job", json=body, timeout=10).json()["job_id"]
        requests.get(url + "/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id}, timeout=10)
        requests.post(url + "/_emulator/jobs/" + job_id + "/complete", timeout=30)
        yield url


# Schemathesis fuzzes every operation and walks the links, each response checked with CHECKS; and the served
# document is the file. FUZZ_EXAMPLES (make fuzz) raises the counts.
api_schema, test_admin_api_conforms, test_served_document_is_the_file = document_tests(SPEC, max_examples=40)
test_admin_api_stateful = stateful_test(SPEC)


# --- the document itself


def test_document_covers_every_admin_route() -> None:
    doc = SPEC.document()
    assert doc["openapi"].startswith("3.1") and doc["servers"][0]["url"] == "/_emulator"
    app = create_app(emulator_settings())
    admin = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/_emulator")
    routes = {(r.path, m.lower()) for r in admin.routes if isinstance(r, Route) for m in r.methods - {"HEAD"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes


# --- real jobs, journal entries and webhooks, every response checked


class Admin(Client):
    def new_job(self, callback: str | None = None) -> str:
        body: dict[str, Any] = {"api_key": "key-a", "media": {"video": {"url": "https://example.com/v.mp4"}}}
        if callback:
            body["callback"] = {"url": callback}
        r = requests.post(self.base_url + "/core/1.0/new_job", json=body, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["job_id"]


@pytest.fixture
def admin() -> Iterator[Admin]:
    with live(emulator_settings()) as url:
        yield Admin(SPEC, url)


def test_jobs_and_webhooks_conform(admin: Admin) -> None:
    receiver = Receiver()
    try:
        done, failed, walked = admin.new_job(receiver.url), admin.new_job(receiver.url), admin.new_job()
        assert {j["id"] for j in admin.json("/jobs", "GET", query={"service": "valossa"})["jobs"]} == {
            done, failed, walked}
        assert admin.json("/jobs/{id}", "GET", path_parameters={"id": done})["next"]["state"] == "queued"
        job = admin.json("/jobs/{id}/advance", "POST", path_parameters={"id": walked}, body={},
                         media_type="application/json")
        assert job["history"][-1]["state"] == "queued" and len(job["history"]) == 2
        assert admin.json("/jobs/{id}/complete", "POST", path_parameters={"id": done})["state"] == "finished"
        job = admin.json("/jobs/{id}/fail", "POST", path_parameters={"id": failed}, body={"details": "broken"},
                         media_type="application/json")
        assert (job["state"], job["status"]["details"]) == ("error", "broken")
        assert job["webhooks"][0]["status"] == "delivered"
        for action in ("advance", "complete", "fail"):
            admin.json(f"/jobs/{{id}}/{action}", "POST", 409, path_parameters={"id": done})
        admin.json("/jobs/{id}", "GET", 404, path_parameters={"id": "nope"})

        hooks = admin.json("/webhooks", "GET", query={"status": "delivered"})["webhooks"]
        assert {h["job_id"] for h in hooks} == {done, failed}
        hook = admin.json("/webhooks/{id}/redeliver", "POST", path_parameters={"id": hooks[0]["id"]})
        assert len(hook["attempts"]) == 2 and hook["status"] == "delivered"
        admin.json("/webhooks/{id}/redeliver", "POST", 404, path_parameters={"id": "nope"})
        admin.json("/webhooks", "GET", 400, query={"status": "lost"})
        assert len(receiver.calls) == 3
    finally:
        receiver.close()


def test_journal_conforms(admin: Admin) -> None:
    job_id = admin.new_job()
    requests.get(admin.base_url + "/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id}, timeout=10)
    requests.post(admin.base_url + "/core/1.0/send_file_chunk", files={"file_data": ("c.bin", b"\x00" * 1000)},
                  data={"api_key": "key-a", "upload_id": "u", "chunk_index": "0"}, timeout=10)
    entries = admin.json("/requests", "GET")["requests"]
    assert [e["path"].rsplit("/", 1)[1] for e in entries] == ["new_job", "job_status", "send_file_chunk"]
    assert admin.json("/requests", "GET", query={"job_id": job_id, "after": entries[0]["id"]})["count"] == 1
    admin.json("/requests", "GET", 400, query={"since": "yesterday"})
    matched = admin.json("/requests/count", "POST", body={"path": "/core/1.0/*", "query": {"job_id": job_id}},
                         media_type="application/json")
    assert matched == {"count": 1}
    missed = admin.json("/requests/count", "POST", body={"method": "POST", "body": {"media.video.url": "https://b"}},
                        media_type="application/json")
    assert missed["count"] == 0 and missed["near_misses"][0]["request"]["id"] == entries[0]["id"]
    admin.json("/requests/count", "POST", 400, body={"url": "/x"}, media_type="application/json")
    assert admin.json("/requests", "DELETE") == {"cleared": 3}
