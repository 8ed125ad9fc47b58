"""A poll's encoded body is kept in the job's memo (a later poll of an unchanged job encodes nothing), and kept
right-sized: orjson 3.12+ hands back its output in a buffer of 4 KB at least, so every polled job held 4 KB for
a 150-byte job_status, and a soak's RSS climbed as the recent jobs filled with them (engine/codec.py)."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Awaitable, Callable

import httpx
from clipzy.support import job as clipzy_job
from clipzy.support import new_job as clipzy_new_job
from gateway.gateway_client import bearer, create, transcription
from helpers import advance, new_job, running

from emulator.engine import codec
from emulator.settings import Settings

JOBS = 20
SLACK = 64  # a bytes object's header and the allocator's rounding


async def kept_by_codec(polls: Callable[[], Awaitable[list[bytes]]]) -> tuple[int, int]:
    """(bytes still allocated by engine/codec.py after the polls, the bodies' total length)."""
    tracemalloc.start()
    try:
        bodies = await polls()
        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, codec.__file__)])
    finally:
        tracemalloc.stop()
    return sum(t.size for t in snapshot.traces), sum(map(len, bodies))


def test_a_kept_encoding_is_its_length() -> None:
    value = {"job_id": "ab64216f-0e45-4643-80e5-b2828fc44e05", "status": "finished", "details": None}
    tracemalloc.start()
    try:
        kept = codec.dumpb_kept(value)
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept == codec.dumpb(value)
    assert size <= len(kept) + SLACK


async def test_valossa_job_status_keeps_its_body_right_sized() -> None:
    async with running(Settings(in_memory=True, time_scale=0, seed=7)) as client:
        ids = [await new_job(client) for _ in range(JOBS)]
        await advance(client, 100_000)

        async def polls() -> list[bytes]:
            bodies = []
            for job_id in ids:
                r = await client.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id})
                assert r.status_code == 200 and r.json()["status"] == "finished"
                bodies.append(r.content)
            return bodies

        kept, length = await kept_by_codec(polls)
        assert length <= kept <= length + SLACK * JOBS


async def test_clipzy_job_keeps_its_body_right_sized() -> None:
    async with running(Settings(in_memory=True, time_scale=0, seed=7)) as client:
        ids = [(await clipzy_new_job(client))["job_id"] for _ in range(JOBS)]
        await advance(client, 100_000)

        async def polls() -> list[bytes]:
            bodies = []
            for job_id in ids:
                assert (await clipzy_job(client, job_id))["status"] == "completed"
                bodies.append((await client.get(f"/api/v1/jobs/{job_id}")).content)
            return bodies

        kept, length = await kept_by_codec(polls)
        assert length <= kept <= length + SLACK * JOBS


async def test_gateway_running_job_keeps_its_body_right_sized(client: httpx.AsyncClient) -> None:
    headers = await bearer(client)
    ids = [(await create(client, headers, "transcriptions", transcription()))["data"]["id"] for _ in range(2)]
    await advance(client, 6.0)  # both picked up by the 2 workers (after 5 s): processing, its progress memoized

    async def polls() -> list[bytes]:
        bodies = []
        for job_id in ids:
            r = await client.get(f"/v1/transcriptions/{job_id}", headers=headers)
            assert r.status_code == 200 and r.json()["data"]["attributes"]["status"] == "processing", r.text
            bodies.append(r.content)
        return bodies

    kept, length = await kept_by_codec(polls)
    assert length <= kept <= length + SLACK * len(ids)
