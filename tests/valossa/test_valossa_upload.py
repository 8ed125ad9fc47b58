"""Chunked upload: chunks in any order, every bad-chunk case, and the valossaupload:// URL in new_job."""

from __future__ import annotations

import random

import httpx
import pytest
from helpers import advance, message, running, status

from emulator.services.valossa.settings import ValossaSettings
from emulator.settings import Settings

CHUNK = 1000
FILE = bytes(random.Random(3).getrandbits(8) for _ in range(4 * CHUNK + 123))  # 5 chunks, the last short


@pytest.fixture
async def up() -> httpx.AsyncClient:
    settings = Settings(in_memory=True, time_scale=0, valossa=ValossaSettings(upload_chunk_size_bytes=CHUNK))
    async with running(settings) as c:
        yield c


async def init(c: httpx.AsyncClient, size: int = len(FILE), key: str = "key-a") -> str:
    r = await c.post("/core/1.0/initialize_file_upload", files={"api_key": (None, key),
                                                                 "file_size_bytes": (None, str(size))})
    assert r.status_code == 200, r.text
    assert r.json()["file_chunk_size_bytes"] == CHUNK
    return r.json()["upload_id"]


async def send(c: httpx.AsyncClient, upload_id: str, index: int, data: bytes, key: str = "key-a") -> httpx.Response:
    return await c.post("/core/1.0/send_file_chunk",
                        data={"api_key": key, "upload_id": upload_id, "chunk_index": str(index)},
                        files={"file_data": ("chunk", data, "application/octet-stream")})


async def finalize(c: httpx.AsyncClient, upload_id: str, key: str = "key-a") -> httpx.Response:
    return await c.post("/core/1.0/finalize_file_upload", files={"api_key": (None, key),
                                                                  "upload_id": (None, upload_id)})


def chunks() -> list[tuple[int, bytes]]:
    return [(i, FILE[i * CHUNK:(i + 1) * CHUNK]) for i in range(5)]


async def test_shuffled_upload_then_job(up: httpx.AsyncClient) -> None:
    upload_id = await init(up)
    order = chunks()
    random.Random(11).shuffle(order)
    for index, data in order:
        r = await send(up, upload_id, index, data)
        assert r.status_code == 200, r.text
    r = await finalize(up, upload_id)
    assert r.status_code == 200
    url = r.json()["uploaded_file_url"]
    assert url.startswith("valossaupload://")
    assert (await finalize(up, upload_id)).json()["uploaded_file_url"] == url  # finalize twice: same URL
    r = await up.post("/core/1.0/new_job", json={"api_key": "key-a", "media": {"video": {"url": url}}})
    assert r.status_code == 200
    job_id = r.json()["job_id"]
    await advance(up, 100_000)
    assert (await status(up, job_id))["status"] == "finished"


async def test_resending_a_chunk_replaces_it(up: httpx.AsyncClient) -> None:
    upload_id = await init(up)
    for index, data in chunks() + [(0, FILE[:CHUNK])]:
        assert (await send(up, upload_id, index, data)).status_code == 200
    assert (await finalize(up, upload_id)).status_code == 200


@pytest.mark.parametrize(
    ("index", "size", "text"),
    [
        (5, 123, "Invalid value for field chunk_index: must be between 0 and 4"),
        (-1, CHUNK, "Invalid value for field chunk_index: must be between 0 and 4"),
        (1, CHUNK - 1, f"Invalid value for field file_data: chunk 1 must be exactly {CHUNK} bytes, got {CHUNK - 1}"),
        (2, CHUNK + 1, f"Invalid value for field file_data: chunk 2 must be exactly {CHUNK} bytes, got {CHUNK + 1}"),
        (4, CHUNK, f"Invalid value for field file_data: chunk 4 must be exactly 123 bytes, got {CHUNK}"),
    ],
)
async def test_bad_chunks_are_rejected(up: httpx.AsyncClient, index: int, size: int, text: str) -> None:
    upload_id = await init(up)
    r = await send(up, upload_id, index, b"x" * size)
    assert (r.status_code, message(r)) == (400, text)


async def test_bad_chunk_requests(up: httpx.AsyncClient) -> None:
    upload_id = await init(up)
    r = await send(up, "no-such-upload", 0, FILE[:CHUNK])
    assert (r.status_code, message(r)) == (400, "Invalid value for field upload_id: no such upload")
    r = await send(up, upload_id, 0, FILE[:CHUNK], key="key-b")  # another key's upload is unknown to it
    assert (r.status_code, message(r)) == (400, "Invalid value for field upload_id: no such upload")
    r = await up.post("/core/1.0/send_file_chunk", data={"api_key": "key-a", "upload_id": upload_id,
                                                         "chunk_index": "zero"}, files={"file_data": ("c", b"x")})
    assert (r.status_code, message(r)) == (400, "Invalid value for field chunk_index: expected an integer")
    r = await up.post("/core/1.0/send_file_chunk", data={"api_key": "key-a", "upload_id": upload_id,
                                                         "chunk_index": "0"}, files={"other": ("c", b"x")})
    assert (r.status_code, message(r)) == (400, "Missing required field: file_data")
    r = await up.post("/core/1.0/send_file_chunk", content=b"raw", headers={"content-type": "text/plain"})
    assert r.status_code == 400 and message(r).startswith("Malformed request body")


async def test_finalize_rejects_missing_chunks_and_late_chunks(up: httpx.AsyncClient) -> None:
    upload_id = await init(up)
    for index, data in chunks():
        if index not in (1, 3):
            await send(up, upload_id, index, data)
    r = await finalize(up, upload_id)
    assert (r.status_code, message(r)) == (400, "Upload is incomplete: missing chunks 1, 3")
    for index, data in chunks():
        await send(up, upload_id, index, data)
    assert (await finalize(up, upload_id)).status_code == 200
    r = await send(up, upload_id, 0, FILE[:CHUNK])
    assert (r.status_code, message(r)) == (400, "Upload is already finalized")


@pytest.mark.parametrize("size", ["0", "-5", str(8 * 1024**3), "big"])
async def test_initialize_rejects_bad_sizes(up: httpx.AsyncClient, size: str) -> None:
    r = await up.post("/core/1.0/initialize_file_upload", files={"api_key": (None, "key-a"),
                                                                  "file_size_bytes": (None, size)})
    assert r.status_code == 400 and message(r).startswith("Invalid value for field file_size_bytes")


async def test_new_job_rejects_unknown_or_foreign_upload_urls(up: httpx.AsyncClient) -> None:
    upload_id = await init(up, size=10)
    await send(up, upload_id, 0, b"0123456789")
    url = (await finalize(up, upload_id)).json()["uploaded_file_url"]
    for key, video in (("key-a", "valossaupload://00000000-0000-4000-8000-000000000000"), ("key-b", url)):
        r = await up.post("/core/1.0/new_job", json={"api_key": key, "media": {"video": {"url": video}}})
        assert r.status_code == 400
        assert message(r) == f"Invalid value for field media.video.url: unknown uploaded file {video}"
