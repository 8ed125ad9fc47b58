"""Upload sessions and files expire in virtual time (valossa.upload_session_ttl_seconds, upload_file_ttl_seconds);
a file stays while a job uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from helpers import advance, message, running

from emulator.settings import Settings

KEY = "k"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(in_memory=True, time_scale=0, valossa={"upload_chunk_size_bytes": 4,
                                                               "upload_session_ttl_seconds": 600,
                                                               "upload_file_ttl_seconds": 3600})
    async with running(settings) as c:
        yield c


async def start(c: httpx.AsyncClient, size: int = 6) -> str:
    r = await c.post("/core/1.0/initialize_file_upload",
                     files={"api_key": (None, KEY), "file_size_bytes": (None, str(size))})
    assert r.status_code == 200, r.text
    return str(r.json()["upload_id"])


async def chunk(c: httpx.AsyncClient, upload_id: str, index: int, data: bytes) -> httpx.Response:
    return await c.post("/core/1.0/send_file_chunk", data={"api_key": KEY, "upload_id": upload_id,
                                                          "chunk_index": str(index)}, files={"file_data": ("c", data)})


async def finalize(c: httpx.AsyncClient, upload_id: str) -> httpx.Response:
    return await c.post("/core/1.0/finalize_file_upload",
                        files={"api_key": (None, KEY), "upload_id": (None, upload_id)})


async def new_job(c: httpx.AsyncClient, url: str) -> httpx.Response:
    return await c.post("/core/1.0/new_job", json={"api_key": KEY, "media": {"video": {"url": url}}})


async def records(c: httpx.AsyncClient) -> int:
    kinds = c._transport.app.state.engine.store.records  # type: ignore[attr-defined]
    return sum(len(records) for records in kinds.values())


async def test_an_idle_session_expires_and_is_forgotten(client: httpx.AsyncClient) -> None:
    upload_id = await start(client)
    assert (await chunk(client, upload_id, 0, b"abcd")).status_code == 200
    await advance(client, 500)
    assert (await chunk(client, upload_id, 1, b"ef")).status_code == 200  # a chunk keeps it alive
    await advance(client, 599)
    assert (await finalize(client, upload_id)).status_code == 200
    other = await start(client)
    await advance(client, 601)
    r = await chunk(client, other, 0, b"abcd")
    assert r.status_code == 400 and message(r) == "Invalid value for field upload_id: no such upload"


async def test_an_unused_file_expires_a_used_one_stays_while_its_job_does(client: httpx.AsyncClient) -> None:
    used, unused = await start(client), await start(client)
    for upload_id in (used, unused):
        assert (await chunk(client, upload_id, 0, b"abcd")).status_code == 200
        assert (await chunk(client, upload_id, 1, b"ef")).status_code == 200
    used_url = (await finalize(client, used)).json()["uploaded_file_url"]
    unused_url = (await finalize(client, unused)).json()["uploaded_file_url"]
    job_id = (await new_job(client, used_url)).json()["job_id"]
    await advance(client, 3600 * 5)
    r = await new_job(client, unused_url)
    assert r.status_code == 400
    assert message(r) == f"Invalid value for field media.video.url: unknown uploaded file {unused_url}"
    assert (await new_job(client, used_url)).status_code == 200  # its first job still uses it
    before = await records(client)
    for jid in [job_id, *[j["id"] for j in (await client.get("/_emulator/jobs")).json()["jobs"] if j["id"] != job_id]]:
        r = await client.post("/core/1.0/delete_job", json={"api_key": KEY, "job_id": jid})
        assert r.status_code == 200
    await advance(client, 3599)
    assert (await new_job(client, used_url)).status_code == 200  # the file's hour starts when its last job goes
    for j in (await client.get("/_emulator/jobs")).json()["jobs"]:
        await client.post("/core/1.0/delete_job", json={"api_key": KEY, "job_id": j["id"]})
    await advance(client, 3600 + 300)
    assert (await new_job(client, used_url)).status_code == 400
    assert await records(client) < before  # the sweep forgot the file and its session
