"""The request journal (/_emulator/requests): what is recorded, each filter, masking, truncation, the ring
bound, clearing, and counting with near misses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from helpers import advance, new_job, running, status

from emulator.settings import Settings

URL = "https://example.com/video.mp4"


async def entries(client: httpx.AsyncClient, **query: Any) -> list[dict[str, Any]]:
    r = await client.get("/_emulator/requests", params=query)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["requests"])
    return body["requests"]


async def count(client: httpx.AsyncClient, **matcher: Any) -> dict[str, Any]:
    r = await client.post("/_emulator/requests/count", json=matcher)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def small(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A journal of 5 entries that shows 100 bytes of each body."""
    async with running(settings.model_copy(update={"journal_size": 5, "journal_body_limit": 100})) as c:
        yield c


async def test_entry_records_the_request(client: httpx.AsyncClient) -> None:
    await advance(client, 60)
    job_id = await new_job(client)
    [entry] = await entries(client)
    assert entry["id"] == 1 and entry["service"] == "valossa"
    assert (entry["method"], entry["path"], entry["query"], entry["status"]) == ("POST", "/core/1.0/new_job", {}, 200)
    assert (entry["job_id"], entry["scenario"]) == (job_id, "valossa-default")
    assert entry["headers"]["content-type"] == "application/json"
    assert entry["body"] == '{"api_key":"****","media":{"video":{"url":"https://example.com/video.mp4"}}}'
    assert entry["body_truncated"] is False
    assert entry["duration_ms"] >= 0
    assert entry["time"].endswith("Z") and entry["virtual_time"].endswith("Z")
    clock = (await client.get("/_emulator/clock")).json()
    assert entry["virtual_time"] == clock["now"]  # frozen time: the virtual moment of the request


async def test_admin_calls_are_not_journaled_and_unknown_paths_are(client: httpx.AsyncClient) -> None:
    await client.get("/_emulator/health")
    await client.get("/_emulator/clock")
    await client.get("/core/2.0/new_job")
    [entry] = await entries(client)
    assert (entry["path"], entry["service"], entry["status"]) == ("/core/2.0/new_job", None, 404)


async def test_errors_and_repeated_query_names(client: httpx.AsyncClient) -> None:
    await client.get("/core/1.0/job_status?api_key=k&job_id=a&job_id=b")
    [entry] = await entries(client)
    assert entry["status"] == 404 and entry["job_id"] is None
    assert entry["query"] == {"api_key": "****", "job_id": ["a", "b"]}


# --- filters


async def test_filters(client: httpx.AsyncClient) -> None:
    first = await new_job(client)
    second = await new_job(client, key="key-b")
    await status(client, first)
    await status(client, second, key="key-b")
    await client.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": "missing"})
    everything = await entries(client)
    assert [e["id"] for e in everything] == [1, 2, 3, 4, 5]  # oldest first

    assert [e["id"] for e in await entries(client, service="valossa")] == [1, 2, 3, 4, 5]
    assert await entries(client, service="clipzy") == []
    assert [e["id"] for e in await entries(client, method="post")] == [1, 2]
    assert [e["id"] for e in await entries(client, path="/core/1.0/job_*")] == [3, 4, 5]
    assert [e["id"] for e in await entries(client, path="/core/1.0/new_job")] == [1, 2]
    assert [e["id"] for e in await entries(client, status=404)] == [5]
    assert [e["id"] for e in await entries(client, job_id=first)] == [1, 3]
    assert [e["id"] for e in await entries(client, after=3)] == [4, 5]
    assert [e["id"] for e in await entries(client, after=1, limit=2)] == [2, 3]  # a page after an id
    assert [e["id"] for e in await entries(client, limit=2)] == [4, 5]  # the newest, oldest first
    assert [e["id"] for e in await entries(client, method="GET", job_id=second)] == [4]


async def test_since(client: httpx.AsyncClient) -> None:
    await new_job(client)
    [entry] = await entries(client)
    moment = datetime.fromisoformat(entry["time"])
    assert len(await entries(client, since=entry["time"])) == 1
    assert len(await entries(client, since=(moment - timedelta(seconds=1)).timestamp())) == 1
    assert await entries(client, since=(moment + timedelta(hours=1)).isoformat()) == []
    naive = (moment + timedelta(hours=1)).astimezone(UTC).replace(tzinfo=None).isoformat()
    assert await entries(client, since=naive) == []  # no zone: UTC


@pytest.mark.parametrize(
    "query",
    [{"status": "ok"}, {"status": "-1"}, {"after": "x"}, {"after": "-1"}, {"limit": "0"}, {"limit": "many"},
     {"since": "yesterday"}, {"since": "nan"}],
)
async def test_bad_filters(client: httpx.AsyncClient, query: dict[str, str]) -> None:
    r = await client.get("/_emulator/requests", params=query)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert next(iter(query)) in r.json()["detail"]


# --- masking and bodies


async def test_masks_secrets_in_query_json_and_headers(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, key="very-secret")
    headers = {"Authorization": "Bearer s3cr3t", "X-Api-Key": "s3cr3t", "Cookie": "session=s3cr3t"}
    await client.get("/core/1.0/job_status", params={"api_key": "very-secret", "job_id": job_id}, headers=headers)
    await client.post("/core/1.0/new_job", content=b'{"api_key": 12345, "media": {"token": "s3cr3t"}}')
    created, polled, odd = await entries(client)
    assert "very-secret" not in created["body"] and '"api_key":"****"' in created["body"]
    assert polled["query"] == {"api_key": "****", "job_id": job_id}
    assert polled["headers"]["authorization"] == "Bearer ****"
    assert polled["headers"]["x-api-key"] == "****" and polled["headers"]["cookie"] == "****"
    assert odd["body"] == '{"api_key": "****", "media": {"token": "****"}}'


async def test_masks_form_and_multipart_bodies(client: httpx.AsyncClient) -> None:
    await client.post("/core/1.0/initialize_file_upload", data={"api_key": "very-secret", "file_size_bytes": "10"})
    fields = {"api_key": "very-secret", "upload_id": "u", "chunk_index": "0"}
    files = {"file_data": ("chunk.bin", b"\x00\xff" * 524288)}
    await client.post("/core/1.0/send_file_chunk", data=fields, files=files)
    form, multipart = await entries(client)
    assert form["body"] == "api_key=****&file_size_bytes=10"
    body = multipart["body"]
    assert "very-secret" not in body
    assert 'name="api_key"\r\n\r\n****\r\n' in body
    assert 'name="upload_id"\r\n\r\nu\r\n' in body
    assert "<file 1048576 bytes>" in body and "\x00" not in body
    assert multipart["body_truncated"] is False


async def test_masks_a_form_body_too_big_to_keep(client: httpx.AsyncClient) -> None:
    await client.post("/core/1.0/initialize_file_upload", data={"api_key": "very-secret", "pad": "x" * 100_000})
    [entry] = await entries(client)
    assert entry["body_truncated"] is True and entry["body"].startswith("api_key=****&pad=xxx")
    assert "very-secret" not in entry["body"]


async def test_body_truncated_at_the_limit(small: httpx.AsyncClient) -> None:
    long_title = "t" * 500
    await new_job(small, title=long_title)
    [entry] = await entries(small)
    assert entry["body_truncated"] is True
    assert len(entry["body"].encode()) == 100
    assert entry["body"].startswith('{"api_key":"****"')


async def test_binary_body(client: httpx.AsyncClient) -> None:
    await client.post("/core/1.0/new_job", content=b"\xff\xfe\x00garbage")
    [entry] = await entries(client)
    assert (entry["status"], entry["body"]) == (400, "<binary 10 bytes>")


# --- the ring, clearing, reset


async def test_ring_keeps_the_last_entries(small: httpx.AsyncClient) -> None:
    for n in range(8):
        await small.get("/core/1.0/job_status", params={"api_key": "k", "job_id": f"job-{n}"})
    kept = await entries(small)
    assert [e["id"] for e in kept] == [4, 5, 6, 7, 8]
    assert [e["query"]["job_id"] for e in kept] == [f"job-{n}" for n in range(3, 8)]


async def test_polls_and_posts_read_alike_in_order(small: httpx.AsyncClient) -> None:
    # A request without a body is kept packed until the journal is read; one with a body as a Record at once.
    job_id = await new_job(small)
    await small.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id},
                    headers=[("X-Trace", "one"), ("Authorization", "Bearer s3cr3t")])
    first = await entries(small)
    assert [(e["id"], e["method"], e["status"], e["job_id"]) for e in first] == [
        (1, "POST", 200, job_id), (2, "GET", 200, job_id)]
    assert first[1]["headers"]["x-trace"] == "one" and first[1]["headers"]["authorization"] == "Bearer ****"
    assert first[1]["query"] == {"api_key": "****", "job_id": job_id}
    for n in range(4):  # packed entries after read ones, and the ring's bound across both kinds
        await small.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": f"job-{n}"})
    await new_job(small)
    again = await entries(small)
    assert [(e["id"], e["method"]) for e in again] == [(3, "GET"), (4, "GET"), (5, "GET"), (6, "GET"), (7, "POST")]
    assert again[0]["query"]["job_id"] == "job-0" and again[0]["status"] == 404
    assert (await count(small, method="GET"))["count"] == 4


@pytest.mark.parametrize("headers", [
    [], [(b"host", b"emulator")], [(b"a", b""), (b"", b"b"), (b"a", b"1")], [(b"x-odd", b"nul\0inside")]])
def test_packed_headers_come_back_whole(headers: list[tuple[bytes, bytes]]) -> None:
    from emulator.engine.journal.ring import pack_headers, unpack_headers

    assert unpack_headers(pack_headers(list(headers))) == headers


async def test_clear_and_reset(client: httpx.AsyncClient) -> None:
    await new_job(client)
    await new_job(client)
    r = await client.delete("/_emulator/requests")
    assert r.status_code == 200 and r.json() == {"cleared": 2}
    assert await entries(client) == []
    assert (await client.delete("/_emulator/requests")).json() == {"cleared": 0}
    await new_job(client)
    assert [e["id"] for e in await entries(client)] == [3]  # ids go on: a tail by `after` never misses one
    await client.post("/_emulator/reset")
    assert await entries(client) == []


async def test_journal_off(settings: Settings) -> None:
    async with running(settings.model_copy(update={"journal_size": 0})) as client:
        await new_job(client)
        assert await entries(client) == []


# --- count


async def test_count_matches(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, media={"video": {"url": URL}, "title": "Ocean"})
    await status(client, job_id)
    await status(client, job_id)
    assert await count(client) == {"count": 3}
    assert await count(client, method="post", path="/core/1.0/new_job") == {"count": 1}
    assert await count(client, path="/core/1.0/job_*", query={"job_id": job_id}) == {"count": 2}
    assert await count(client, body={"media.video.url": URL, "media.title": "Ocean"}) == {"count": 1}
    assert await count(client, body={"api_key": "****"}) == {"count": 1}  # secrets match masked
    assert await count(client, query={"api_key": "****"}, service="valossa", job_id=job_id) == {"count": 2}


async def test_count_form_fields(client: httpx.AsyncClient) -> None:
    await client.post("/core/1.0/initialize_file_upload", data={"api_key": "k", "file_size_bytes": "10"})
    assert await count(client, body={"file_size_bytes": 10}) == {"count": 1}
    assert await count(client, body={"file_size_bytes": "10", "api_key": "****"}) == {"count": 1}


async def test_count_near_misses(client: httpx.AsyncClient) -> None:
    await new_job(client)
    await client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
    answer = await count(client, method="POST", path="/core/1.0/new_job", body={"media.video.url": "https://a"})
    assert answer["count"] == 0
    closest = answer["near_misses"][0]
    assert closest["request"]["id"] == 1
    assert closest["differences"] == [f"body media.video.url: expected 'https://a', got '{URL}'"]
    further = answer["near_misses"][1]
    assert further["request"]["id"] == 2
    assert "method: expected 'POST', got 'GET'" in further["differences"]
    assert "path: expected '/core/1.0/new_job', got '/core/1.0/list_jobs'" in further["differences"]

    missing = await count(client, body={"media.title": "Ocean"})
    assert missing["near_misses"][0]["differences"] == ["body media.title: expected 'Ocean', got nothing"]


async def test_count_on_an_empty_journal_has_no_near_misses(client: httpx.AsyncClient) -> None:
    assert await count(client, method="GET") == {"count": 0}


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'{"url": "/x"}', b'{"method": 1}', b'{"query": []}', b'{"query": {"a": {}}}', b'{"body": 3}'],
)
async def test_count_rejects_bad_matchers(client: httpx.AsyncClient, body: bytes) -> None:
    r = await client.post("/_emulator/requests/count", content=body)
    assert r.status_code == 400 and r.json()["detail"]


async def test_a_huge_body_keeps_its_start(client: httpx.AsyncClient) -> None:
    await new_job(client, media={"video": {"url": URL}, "title": "t" * 200_000})
    [entry] = await entries(client)
    assert entry["body_truncated"] is True and len(entry["body"].encode()) == 4096
    assert entry["body"].startswith('{"api_key":"****"')
    assert (await count(client, body={"media.video.url": URL}))["count"] == 0  # only the start was kept


async def test_a_huge_first_chunk(client: httpx.AsyncClient) -> None:
    await client.post("/core/1.0/new_job", content=b"x" * 100_000)  # one chunk over the capture limit
    await client.post("/core/1.0/new_job", content=b"{}")
    huge, small = await entries(client)
    assert huge["body_truncated"] is True and huge["body"] == "x" * 4096
    assert small["body"] == "{}"  # records share no buffer
