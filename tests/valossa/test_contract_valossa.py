"""Contract: the Valossa Core API's OpenAPI document (served at /_emulator/openapi/valossa.json) against a live
server. Schemathesis fuzzes every operation; plain tests then walk a real job and upload through their finished
shapes, which random job ids (always 404) never reach."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from contract import CHECKS, Client, Link, Spec, document_tests, stateful_test
from helpers import live

from emulator.services.valossa import routes as core_routes
from emulator.services.valossa.results import RESULT_TYPES, TEXT_TYPES
from emulator.settings import Settings

pytestmark = pytest.mark.contract

# For stateful runs: a new job's id (and its key) into every call about a job; an upload's id into its chunk and
# finalize calls. (No link into new_job: an operation with incoming links is only called through them.)
KEY = "$request.body#/api_key"
JOB = {"query.api_key": KEY, "query.job_id": "$response.body#/job_id"}
UPLOAD = {"api_key": KEY, "upload_id": "$response.body#/upload_id"}
LINKS = (
    Link(("/new_job", "POST"), ("/job_status", "GET"), JOB),
    Link(("/new_job", "POST"), ("/job_results", "GET"), JOB),
    Link(("/new_job", "POST"), ("/list_jobs", "GET"), {"query.api_key": KEY}),
    Link(("/new_job", "POST"), ("/cancel_job", "POST"), body={"api_key": KEY, "job_id": "$response.body#/job_id"}),
    Link(("/new_job", "POST"), ("/delete_job", "POST"), body={"api_key": KEY, "job_id": "$response.body#/job_id"}),
    Link(("/initialize_file_upload", "POST"), ("/send_file_chunk", "POST"), body=UPLOAD),
    Link(("/initialize_file_upload", "POST"), ("/finalize_file_upload", "POST"), body=UPLOAD),
)
SPEC = Spec("/_emulator/openapi/valossa.json", "/core/1.0", Path(core_routes.__file__).with_name("openapi.json"),
            CHECKS, LINKS)
VIDEO = "https://example.com/video.mp4"
CANNED = "https://media.example.org/canned/charade-first-10-minutes.mp4"  # fixtures/valossa/mapping.yaml


def emulator_settings() -> Settings:
    # Frozen time: jobs only move on /_emulator/clock/advance, so fuzzed jobs never fetch or call anything.
    return Settings(in_memory=True, time_scale=0, seed=11)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live(emulator_settings()) as url:
        yield url


# Schemathesis fuzzes every operation and walks the links, each response checked with CHECKS; and the served
# document is the file. FUZZ_EXAMPLES (make fuzz) raises the counts.
api_schema, test_api_conforms, test_served_document_is_the_file = document_tests(SPEC, max_examples=50)
test_api_stateful = stateful_test(SPEC)


# --- the document itself


def test_document_covers_the_routes_and_result_types() -> None:
    doc = SPEC.document()
    assert doc["openapi"].startswith("3.1") and doc["servers"][0]["url"] == "/core/1.0"
    routes = {(e.path, e.method.lower()) for e in core_routes.ROUTES}  # the table, read without an engine
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes
    results = doc["paths"]["/job_results"]["get"]
    type_param = next(p for p in results["parameters"] if p.get("name") == "type")
    assert type_param["schema"]["enum"] == list(RESULT_TYPES)
    media = set(results["responses"]["200"]["content"])
    assert media == {"application/json", *TEXT_TYPES.values()}


# --- real jobs and uploads, every response checked with the same checks


class Api(Client):
    def new_job(self, url: str = VIDEO, key: str = "key-a", **extra: Any) -> str:
        body = {"api_key": key, "media": {"video": {"url": url}, **extra}}
        return self.json("/new_job", "POST", body=body, media_type="application/json")["job_id"]

    def status(self, job_id: str, key: str = "key-a", status: int = 200) -> Any:
        return self.json("/job_status", "GET", status, query={"api_key": key, "job_id": job_id})

    def advance(self, seconds: float) -> None:
        r = requests.post(self.base_url + "/_emulator/clock/advance", json={"seconds": seconds}, timeout=30)
        assert r.status_code == 200, r.text


@pytest.fixture
def api() -> Iterator[Api]:
    with live(emulator_settings()) as url:  # its own server: the fuzzed jobs above are never advanced
        yield Api(SPEC, url)


def test_finished_jobs_conform(api: Api) -> None:
    plain = api.new_job(customer_media_info={"id": "ref-1"}, title="My Video", language="en-US")
    canned = api.new_job(CANNED)
    cancelled = api.new_job()
    assert api.status(plain)["status"] == "queued"
    assert api.json("/cancel_job", "POST", body={"api_key": "key-a", "job_id": cancelled},
                    media_type="application/json") == {}
    assert api.status(cancelled)["status"] == "error"

    listed = api.json("/list_jobs", "GET", query={"api_key": "key-a", "show_status": True})["jobs"]
    assert {j["job_id"] for j in listed} == {plain, canned, cancelled}
    assert all("job_status" in j for j in listed)

    api.advance(100_000)
    for job_id in (plain, canned):
        body = api.status(job_id)
        assert (body["status"], body["poll_again_after_seconds"]) == ("finished", None)
    listed = api.json("/list_jobs", "GET", query={"api_key": "key-a", "customer_media_info.id": "ref-1"})["jobs"]
    assert listed == [{"job_id": plain}]
    listed = api.json("/list_jobs", "GET", query={"api_key": "key-a", "show_status": "true"})["jobs"]
    assert {j["job_status"]["status"] for j in listed} == {"finished", "error"}

    seen = set()
    for job_id in (plain, canned):
        for result_type in RESULT_TYPES:
            r = api.call("/job_results", "GET", None, query={"api_key": "key-a", "job_id": job_id, "type": result_type})
            assert r.status_code in (200, 400), r.text  # 400: no results of that type (e.g. no speech)
            if r.status_code == 200:
                seen.add(r.headers["content-type"])
        core = api.json("/job_results", "GET", query={"api_key": "key-a", "job_id": job_id})
        assert core["version_info"]["metadata_type"] == "core" and core["job_info"]["job_id"] == job_id
    assert seen == {"application/json", *TEXT_TYPES.values()}

    api.call("/job_results", "GET", 400, query={"api_key": "key-a", "job_id": cancelled})
    api.call("/cancel_job", "POST", 400, body={"api_key": "key-a", "job_id": plain}, media_type="application/json")
    api.status(plain, key="key-b", status=404)
    assert api.json("/delete_job", "POST", body={"api_key": "key-a", "job_id": plain},
                    media_type="application/json") == {}
    api.status(plain, status=404)
    api.call("/delete_job", "POST", 404, body={"api_key": "key-a", "job_id": plain}, media_type="application/json")


@pytest.mark.parametrize("media_type", ["multipart/form-data", "application/x-www-form-urlencoded", "application/json"])
def test_upload_flow_conforms(api: Api, media_type: str) -> None:
    data = b"0123456789"
    init = api.json("/initialize_file_upload", "POST", body={"api_key": "key-a", "file_size_bytes": len(data)},
                    media_type=media_type)
    upload_id = init["upload_id"]
    chunk = {"api_key": "key-a", "upload_id": upload_id, "chunk_index": 0, "file_data": data}
    api.call("/finalize_file_upload", "POST", 400, body={"api_key": "key-a", "upload_id": upload_id},
             media_type=media_type)  # incomplete
    assert api.json("/send_file_chunk", "POST", body=chunk, media_type="multipart/form-data") == {}
    url = api.json("/finalize_file_upload", "POST", body={"api_key": "key-a", "upload_id": upload_id},
                   media_type=media_type)["uploaded_file_url"]
    api.call("/send_file_chunk", "POST", 400, body=chunk, media_type="multipart/form-data")  # already final
    job_id = api.new_job(url)
    api.advance(100_000)
    assert api.status(job_id)["status"] == "finished"
    api.call("/new_job", "POST", 400, body={"api_key": "key-b", "media": {"video": {"url": url}}},
             media_type="application/json")  # another key's upload


@pytest.mark.parametrize(
    ("path", "method", "wrong"),
    [("/new_job", "POST", "GET"), ("/job_status", "GET", "POST"), ("/send_file_chunk", "POST", "GET")],
)
def test_wrong_method_conforms(api: Api, path: str, method: str, wrong: str) -> None:
    case = api.schema[path][method].make_case()
    response = requests.request(wrong, api.base_url + "/core/1.0" + path, timeout=10)
    assert response.status_code == 405 and method in response.headers["allow"]
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize("url", ["http://[", "https://[::1/v.mp4", "file:///media/%00.mp4"])
def test_new_job_unparseable_url(api: Api, url: str) -> None:
    # Documented behaviour: the job is accepted (200) or the URL refused (400), never a server error.
    r = api.call("/new_job", "POST", None, body={"api_key": "key-a", "media": {"video": {"url": url}}},
                 media_type="application/json")
    assert r.status_code in (200, 400)


@pytest.mark.parametrize("url", ["http://[/t.srt", "file:///tmp/%00.srt"])
def test_job_with_unreadable_transcript_url(api: Api, url: str) -> None:
    job_id = api.new_job(VIDEO, transcript={"url": url})
    api.advance(100_000)
    body = api.status(job_id)
    if body["status"] == "finished":  # then its results must be served; documented alternative: status error
        api.call("/job_results", "GET", 200, query={"api_key": "key-a", "job_id": job_id})
    else:
        assert body["status"] == "error" and body["details"]
