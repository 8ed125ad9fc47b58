"""Contract: the AI Gateway's OpenAPI document (served at /_emulator/openapi/gateway.json) against a live server,
every call with a valid token from the emulator's issuer. Schemathesis fuzzes every operation; plain tests then
walk real jobs of the three kinds to their results and download links, which random ids (always 404) never
reach, each response checked with the same checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from contract import CHECKS, Client, Spec, fuzz
from helpers import live

from emulator.services.gateway import HERE
from emulator.services.gateway.routes import PREFIX, ROUTES
from emulator.settings import Settings

pytestmark = pytest.mark.contract

SPEC = Spec("/_emulator/openapi/gateway.json", "", HERE / "openapi.json", CHECKS)
AUDIENCE = "https://ai-gateway.emulator/"


def emulator_settings(**gateway: Any) -> Settings:
    # Frozen time: fuzzed jobs never move, so they never call a webhook.
    return Settings(in_memory=True, time_scale=0, seed=21, gateway=gateway)


def get_token(base_url: str) -> str:
    r = requests.post(base_url + "/oauth/token", timeout=10, json={
        "grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
        "audience": AUDIENCE})
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live(emulator_settings()) as url:
        yield url


@pytest.fixture(scope="module")
def token(server: str) -> str:
    return get_token(server)


@pytest.fixture(scope="module")
def api_schema(server: str) -> Any:
    return SPEC.load(server)


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@fuzz(40)
def test_api_conforms(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_served_document_is_the_file(server: str) -> None:
    SPEC.assert_served(server)


# --- the document itself


def test_document_covers_exactly_the_route_table() -> None:
    doc = SPEC.document()
    routes = {(PREFIX + e.path, e.method.lower()) for e in ROUTES}  # the table, read without an engine
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes


# --- real jobs, every response checked


class Api(Client):
    def __init__(self, spec: Spec, base_url: str) -> None:
        super().__init__(spec, base_url)
        self.auth = {"Authorization": f"Bearer {get_token(base_url)}"}

    def create(self, collection: str, attributes: dict[str, Any], **meta: Any) -> dict[str, Any]:
        kind = {"transcriptions": "transcription-job", "translations": "translation-job",
                "video-analyses": "video-analysis-job"}[collection]
        body: dict[str, Any] = {"data": {"type": kind, "attributes": attributes}}
        if meta:
            body["data"]["meta"] = meta
        r = self.call(f"/v1/{collection}", "POST", 202, body=body, media_type="application/json", headers=self.auth)
        assert r.headers["location"] == f"/v1/{collection}/{r.json()['data']['id']}"
        data: dict[str, Any] = r.json()["data"]
        return data

    def get(self, collection: str, job_id: str, suffix: str = "", status: int = 200) -> requests.Response:
        return self.call(f"/v1/{collection}/{{id}}{suffix}", "GET", status, path_parameters={"id": job_id},
                         headers=self.auth)

    def advance(self, seconds: float) -> None:
        r = requests.post(self.base_url + "/_emulator/clock/advance", json={"seconds": seconds}, timeout=30)
        assert r.status_code == 200, r.text


@pytest.fixture
def api() -> Iterator[Api]:
    with live(emulator_settings(workers=8)) as url:
        yield Api(SPEC, url)


def test_jobs_of_every_kind_conform_through_their_lifecycle(api: Api) -> None:
    video = "https://example.com/panel.mp4"
    jobs = {
        "json": ("transcriptions", api.create("transcriptions", {"input": {"type": "video", "url": video},
                                                                 "options": {"diarization": True},
                                                                 "provider": "twelvelabs"}, client={"ref": 1})),
        "srt": ("transcriptions", api.create("transcriptions", {"input": {"type": "audio", "url": video},
                                                                "options": {"format": "srt"}})),
        "vtt": ("transcriptions", api.create("transcriptions", {"input": {"type": "video", "url": video},
                                                                "options": {"format": "vtt", "timestamps": False}})),
        "text": ("translations", api.create("translations", {"input": {
            "type": "text", "content": "Hello world, this is the new video.", "target_language": "fr"}})),
        "document": ("translations", api.create("translations", {"input": {
            "type": "document", "url": "https://example.com/report_de.docx", "target_language": "en"},
            "options": {"source_language": "auto", "formality": "formal"}})),
        "analysis": ("video-analyses", api.create("video-analyses", {"input": {
            "url": video, "features": ["labels", "scenes", "faces", "speech_to_text", "ocr", "content_moderation",
                                       "sentiment", "topics", "brands", "summary"]},
            "options": {"confidence_threshold": 0.7}})),
    }
    for collection, job in jobs.values():
        assert job["attributes"]["status"] == "pending"
        api.get(collection, job["id"], "/result", 404)
    api.advance(3)
    for collection, job in jobs.values():
        assert api.get(collection, job["id"]).json()["data"]["attributes"]["status"] == "pending"
    api.advance(30)
    statuses = {api.get(c, j["id"]).json()["data"]["attributes"]["status"] for c, j in jobs.values()}
    assert statuses <= {"processing", "completed"} and "processing" in statuses
    api.advance(7200)
    types = set()
    for name, (collection, job) in jobs.items():
        attributes = api.get(collection, job["id"]).json()["data"]["attributes"]
        assert attributes["status"] == "completed" and attributes["progress"] == 100
        r = api.get(collection, job["id"], "/result")
        types.add(r.headers["content-type"].split(";")[0])
        link = attributes["result"].get("download_url")
        assert (link is not None) == (name in ("srt", "vtt", "document"))
        if link:
            path, _, query = link.removeprefix(api.base_url).partition("?")
            params = dict(p.split("=") for p in query.split("&"))
            download = api.call("/v1/downloads/{id}", "GET", 200, path_parameters={"id": job["id"]}, query=params)
            assert "attachment" in download.headers["content-disposition"]
            api.call("/v1/downloads/{id}", "GET", 404, path_parameters={"id": job["id"]},
                     query={**params, "signature": "0" * 32})
    assert types == {"application/json", "text/srt", "text/vtt"}
    api.call("/v1/providers", "GET", 200, headers=api.auth)


def test_errors_conform(api: Api) -> None:
    for collection in ("transcriptions", "translations", "video-analyses"):
        api.get(collection, "3e7dc4b2-91f0-4a1e-8c2d-b56789012345", status=404)
        api.call(f"/v1/{collection}", "POST", 400, body={"data": {"type": "nope", "attributes": {}}},
                 media_type="application/json", headers=api.auth)
        api.call(f"/v1/{collection}", "POST", 401, body={"data": {}}, media_type="application/json")
    api.call("/v1/transcriptions", "POST", 422, media_type="application/json", headers=api.auth, body={"data": {
        "type": "transcription-job", "attributes": {"input": {"type": "video", "url": "https://example.com/a.mp4"},
                                                     "provider": "eden-ai", "options": {"diarization": True}}}})
    job = api.create("transcriptions", {"input": {"type": "video", "url": "https://example.com/a.mp4"}})
    api.get("transcriptions", job["id"], "/result", 404)
    api.get("translations", job["id"], status=404)  # a transcription's id is no translation's
