"""Contract: the Clipzy ML Engine's OpenAPI document (served at /_emulator/openapi/clipzy.json) against a live
server. Schemathesis fuzzes every operation, then walks the document's links as a state machine (upload ->
job -> its status, result, download, cancel); plain tests then walk a real job through its finished shapes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from contract import CHECKS, Client, Spec, document_tests, fuzz
from helpers import live
from hypothesis import settings
from schemathesis import GenerationConfig

from emulator.services.clipzy import routes as clipzy_routes
from emulator.services.clipzy.mp4 import mp4_bytes
from emulator.settings import Settings

pytestmark = pytest.mark.contract

# No made-up bearer tokens (the document's optional bearerAuth): the server runs without one, and schemathesis
# makes tokens with control characters, which the HTTP server itself refuses (400) before any service sees them.
# tests/clipzy/test_clipzy_http.py tests the token.
SPEC = Spec("/_emulator/openapi/clipzy.json", "/api/v1", Path(clipzy_routes.__file__).with_name("openapi.json"),
            CHECKS, generation=GenerationConfig(with_security_parameters=False))
VIDEO = b"ftypisom" + bytes(4096)


def emulator_settings() -> Settings:
    # Frozen time: fuzzed jobs stay queued unless a test advances the clock; webhooks never fire.
    return Settings(in_memory=True, time_scale=0, seed=11)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live(emulator_settings()) as url:
        yield url


# Schemathesis fuzzes every operation, each response checked with CHECKS; and the served document is the file.
api_schema, test_api_conforms, test_served_document_is_the_file = document_tests(SPEC, max_examples=30)


def test_document_covers_exactly_the_route_table() -> None:
    doc = SPEC.document()
    assert doc["openapi"].startswith("3.1") and doc["servers"][0]["url"] == "/api/v1"
    routes = {(e.path, e.method.lower()) for e in clipzy_routes.ROUTES}  # the table, read without an engine
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes
    assert all(callable(getattr(clipzy_routes.ClipzyApi, e.name, None)) for e in clipzy_routes.ROUTES)


# --- the links, as a state machine


def test_stateful_links() -> None:
    # A server of its own: the module's, fuzzed at random before, would start each derandomized walk from
    # another state (once in many runs, the walk never met a job it could still cancel).
    with live(emulator_settings()) as server:
        walk(server)


def walk(server: str) -> None:
    schema = SPEC.load(server)
    seen: Counter[tuple[str, str, int]] = Counter()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        calls: ClassVar[Counter[tuple[str, str, int]]] = seen

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            # Fuzzed file parts are named after the field ("file", no extension): send them under a video's name
            # so that uploads can succeed and their links (createJob, getVideoInfo) are followed.
            if case.path != "/videos/upload" or not isinstance(case.body, dict):
                return {}
            files = [(name, (None, value)) for name, value in case.body.items() if isinstance(value, str)]
            return {"files": [("file", ("clip.mp4", getattr(case.body.get("file"), "data", VIDEO))), *files]}

        def _add_results_to_targets(self, targets: Any, results: Any) -> None:
            # Each result goes to the bundle of its status (upload -> 200, ...), which its links read. Schemathesis
            # 3 routes results in _add_result_to_targets, which the Hypothesis versions it runs with here no
            # longer call (now _add_results_to_targets): without this, every result lands in one catch-all
            # bundle and no link is ever followed.
            for result in results:
                target = self._get_target_for_result(result) if result is not None else None
                if target is not None:
                    super()._add_results_to_targets((target,), [result])

        def after_call(self, response: Any, case: Any) -> None:
            self.calls[(case.method, case.path, response.status_code)] += 1

        def validate_response(self, response: Any, case: Any, additional_checks: tuple[Any, ...] = ()) -> None:
            case.validate_response(response, checks=CHECKS + tuple(additional_checks))

    Workflow.run(settings=settings(fuzz(40), stateful_step_count=6, derandomize=True))
    # The walk went upload -> job -> its result (not only 404s from made-up ids).
    assert seen[("POST", "/videos/upload", 200)] and seen[("POST", "/jobs", 200)], seen
    assert seen[("GET", "/jobs/{job_id}/result", 200)] and seen[("GET", "/jobs/{job_id}", 200)], seen
    assert seen[("GET", "/videos/info/{video_id}", 200)] and seen[("POST", "/jobs/{job_id}/cancel", 200)], seen


# --- real jobs, every response checked with the same checks


class Api(Client):
    def upload(self, name: str = "clip.mp4", data: bytes = VIDEO, **fields: str) -> str:
        case = self.schema["/videos/upload"]["POST"].make_case(body={"file": data, **fields},
                                                               media_type="multipart/form-data")
        files = [("file", (name, data)), *((k, (None, v)) for k, v in fields.items())]  # the file part's name
        response = case.call_and_validate(checks=self.spec.checks, files=files)
        assert response.status_code == 200, response.text
        return response.json()["data"]["video_id"]  # type: ignore[no-any-return]

    def create(self, video_id: str, status: int = 200, **extra: Any) -> Any:
        return self.json("/jobs", "POST", status, body={"video_id": video_id, **extra},
                         media_type="application/json")

    def advance(self, seconds: float) -> None:
        r = requests.post(self.base_url + "/_emulator/clock/advance", json={"seconds": seconds}, timeout=30)
        assert r.status_code == 200, r.text


@pytest.fixture
def api() -> Iterator[Api]:
    with live(emulator_settings()) as url:  # its own server: the fuzzed jobs above are never advanced
        yield Api(SPEC, url)


def test_a_job_through_every_shape(api: Api) -> None:
    template = api.upload("template.mov", mp4_bytes(40, 24))
    video = api.upload("source.mkv", webhook_url="http://127.0.0.1:9/never", template_video_id=template)
    info = api.json("/videos/info/{video_id}", "GET", path_parameters={"video_id": video})["data"]
    assert info["video_id"] == video
    job_id = api.create(video, config={"quality": "low"})["data"]["job_id"]
    api.create(video, 409)
    api.create("vid_000000000000", 404)
    api.call("/jobs", "POST", 422, body={"config": {}}, media_type="application/json")
    ids = {"job_id": job_id}
    assert api.json("/jobs/{job_id}/result", "GET", path_parameters=ids)["data"]["style_json"] is None
    api.call("/jobs/{job_id}/download", "GET", 404, path_parameters=ids)
    api.advance(8)
    assert api.json("/jobs/{job_id}", "GET", path_parameters=ids)["data"]["status"] == "processing"
    cancelled = api.upload("cancel-me.webm")
    cancel_id = api.create(cancelled)["data"]["job_id"]
    api.call("/jobs/{job_id}/cancel", "POST", path_parameters={"job_id": cancel_id})
    api.call("/jobs/{job_id}/cancel", "POST", 409, path_parameters={"job_id": cancel_id})
    failing = api.create(api.upload("render-failure.avi"))["data"]["job_id"]
    api.advance(3600)
    detail = api.json("/jobs/{job_id}/result", "GET", path_parameters=ids)["data"]
    assert detail["status"] == "completed" and detail["style_json"]["frame_rate"] == 24  # the template's
    r = api.call("/jobs/{job_id}/download", "GET", path_parameters=ids)
    assert r.headers["content-type"] == "video/mp4" and len(r.content) == detail["render_metadata"]["file_size_bytes"]
    failed = api.json("/jobs/{job_id}/result", "GET", path_parameters={"job_id": failing})["data"]
    assert failed["error"]["code"] == "RENDER_FAILED"
    listed = api.json("/jobs", "GET", query={"page": 1, "page_size": 2})["data"]
    assert listed["total"] == 3 and len(listed["jobs"]) == 2
    api.call("/jobs", "GET", 422, query={"page_size": 101})
    api.call("/health", "GET")


@pytest.mark.parametrize(("path", "method", "wrong"),
                         [("/jobs", "POST", "DELETE"), ("/jobs/{job_id}", "GET", "POST"),
                          ("/videos/upload", "POST", "GET"), ("/health", "GET", "PUT")])
def test_wrong_method_conforms(api: Api, path: str, method: str, wrong: str) -> None:
    case = api.schema[path][method].make_case(path_parameters={"job_id": "job_000000000000"})
    response = requests.request(wrong, api.base_url + "/api/v1" + path.replace("{job_id}", "job_000000000000"),
                                timeout=10)
    assert response.status_code == 405 and method in response.headers["allow"]
    case.validate_response(response, checks=CHECKS)
