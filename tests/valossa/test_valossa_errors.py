"""Every documented error path answers Valossa's own envelope with the right status, never a 500."""

from __future__ import annotations

import httpx
import pytest
from helpers import message, new_job, running, status

from emulator.services.valossa.settings import ValossaSettings
from emulator.settings import Settings


@pytest.mark.parametrize(
    ("body", "code", "text"),
    [
        (b"{not json", 400, "Malformed request body"),
        (b"[1, 2]", 400, "Malformed request body"),
        (b"", 400, "Malformed request body"),
        (b'{"media": {"video": {"url": "https://e.com/v.mp4"}}}', 401, "Missing required field: api_key"),
        (b'{"api_key": 5, "media": {"video": {"url": "https://e.com/v.mp4"}}}', 401, "Invalid API key"),
        (b'{"api_key": "k"}', 400, "Missing required field: media.video.url"),
        (b'{"api_key": "k", "media": {}}', 400, "Missing required field: media.video.url"),
        (b'{"api_key": "k", "media": {"video": {}}}', 400, "Missing required field: media.video.url"),
        (b'{"api_key": "k", "media": {"video": {"url": 7}}}', 400,
         "Invalid value for field media.video.url: expected a string"),
        (b'{"api_key": "k", "media": {"video": {"url": "ftp://x/v.mp4"}}}', 400,
         "Invalid value for field media.video.url: expected an http(s), s3 or valossaupload:// URL"),
        (b'{"api_key": "k", "media": {"video": {"url": "https://e.com/v.mp4"}, "title": 5}}', 400,
         "Invalid value for field media.title: expected a string"),
        (b'{"api_key": "k", "media": "x"}', 400, "Invalid value for field media: expected an object"),
        (b'{"api_key": "k", "media": {"video": {"url": "https://e.com/v"}, "language": "english please"}}', 400,
         "Invalid value for field media.language: expected a language code such as en-US"),
        (b'{"api_key": "k", "media": {"video": {"url": "https://e.com/v"}}, '
         b'"analysis_parameters": {"face_min_relative_height": 2}}', 400,
         "Invalid value for field analysis_parameters.face_min_relative_height: "
         "Input should be less than or equal to 1"),
        (b'{"api_key": "k", "media": {"video": {"url": "https://e.com/v"}}, "callback": {"url": "nope"}}', 400,
         "Invalid value for field callback.url: expected an http(s) URL"),
    ],
)
async def test_new_job_errors(client: httpx.AsyncClient, body: bytes, code: int, text: str) -> None:
    r = await client.post("/core/1.0/new_job", content=body, headers={"content-type": "application/json"})
    assert (r.status_code, message(r)) == (code, text)
    assert r.headers["content-type"] == "application/json"


async def test_unknown_fields_are_ignored_and_nothing_is_lost(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, extra={"x": 1})
    await client.post("/core/1.0/new_job", content=b"{broken", headers={"content-type": "application/json"})
    assert (await status(client, job_id))["status"] == "queued"


@pytest.mark.parametrize(
    ("path", "params", "code", "text"),
    [
        ("job_status", {"job_id": "x"}, 401, "Missing required field: api_key"),
        ("job_status", {"api_key": "key-a"}, 400, "Missing required field: job_id"),
        ("job_status", {"api_key": "key-a", "job_id": "nope"}, 404, "Job not found"),
        ("job_status", {"api_key": "key-a", "job_id": "167d6a67-fb99-438c-a44c-c22c98229b93"}, 404, "Job not found"),
        ("job_results", {"api_key": "key-a", "job_id": "nope"}, 404, "Job not found"),
        ("job_results", {"api_key": "key-a"}, 400, "Missing required field: job_id"),
        ("list_jobs", {}, 401, "Missing required field: api_key"),
        ("list_jobs", {"api_key": "key-a", "show_status": "maybe"}, 400,
         "Invalid value for field show_status: expected true or false"),
    ],
)
async def test_get_errors(client: httpx.AsyncClient, path: str, params: dict, code: int, text: str) -> None:
    r = await client.get(f"/core/1.0/{path}", params=params)
    assert (r.status_code, message(r)) == (code, text)


async def test_unknown_result_type_names_the_field(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id, "type": "pdf"})
    assert r.status_code == 400
    assert message(r).startswith("Invalid value for field type: expected one of core, frames_faces")


async def test_wrong_method_and_unknown_function_keep_the_envelope(client: httpx.AsyncClient) -> None:
    r = await client.get("/core/1.0/new_job")
    assert (r.status_code, message(r)) == (405, "Method not allowed")
    r = await client.post("/core/1.0/no_such_function", json={})
    assert (r.status_code, message(r)) == (404, "Not found")


async def test_configured_keys_reject_others() -> None:
    settings = Settings(in_memory=True, time_scale=0, valossa=ValossaSettings(api_keys=["good"]))
    async with running(settings) as c:
        r = await c.post("/core/1.0/new_job", json={"api_key": "bad", "media": {"video": {"url": "https://e/v"}}})
        assert (r.status_code, message(r)) == (401, "Invalid API key")
        r = await c.get("/core/1.0/list_jobs", params={"api_key": "bad"})
        assert (r.status_code, message(r)) == (401, "Invalid API key")
        await new_job(c, key="good")


async def test_jobs_are_visible_only_to_their_key(client: httpx.AsyncClient) -> None:
    mine = await new_job(client, key="key-a")
    theirs = await new_job(client, key="key-b")
    for path in ("job_status", "job_results"):
        r = await client.get(f"/core/1.0/{path}", params={"api_key": "key-b", "job_id": mine})
        assert (r.status_code, message(r)) == (404, "Job not found")
    for path in ("cancel_job", "delete_job"):
        r = await client.post(f"/core/1.0/{path}", json={"api_key": "key-b", "job_id": mine})
        assert (r.status_code, message(r)) == (404, "Job not found")
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-b"})
    assert r.json() == {"jobs": [{"job_id": theirs}]}
    assert (await status(client, mine))["status"] == "queued"  # untouched by the other key's attempts
