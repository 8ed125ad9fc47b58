"""The gateway's queue on the SQLite store: jobs waiting for a worker when the server stopped start when one is
free, in priority order, without a new request; a job keeps its worker across a restart; no move the queue
makes from a timer waits for a commit, nor does it read a waiting job from the file; a job is written whole once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gateway_client import advance, bearer, create, get, transcription
from helpers import Wall, running

from emulator.engine import sqlite_store
from emulator.engine.store import MemoryStore
from emulator.settings import Settings


async def test_waiting_jobs_resume_after_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=4, gateway={"workers": 1})
    wall = Wall()
    instant = {"X-Emulator-Scenario": "gateway-instant"}  # pending 1 s at least, processing 1 s
    async with running(settings, wall=wall) as client:
        auth = await bearer(client)
        first = (await create(client, auth, "transcriptions", transcription(), extra_headers=instant))["data"]["id"]
        low = (await create(client, auth, "transcriptions", transcription(priority="low"),
                            extra_headers=instant))["data"]["id"]
        high = (await create(client, auth, "transcriptions", transcription(priority="high"),
                             extra_headers=instant))["data"]["id"]
        await advance(client, 1.5)
        states = {j: (await get(client, auth, "transcriptions", j))["attributes"]["status"] for j in (first, low, high)}
        assert sorted(states.values()) == ["pending", "pending", "processing"] and states[high] == "processing"
    async with running(settings, wall=wall) as client:  # the token is still good: same key, wall clock
        await advance(client, 1)
        assert (await get(client, auth, "transcriptions", high))["attributes"]["status"] == "completed"
        assert (await get(client, auth, "transcriptions", first))["attributes"]["status"] == "processing"
        await advance(client, 1)
        assert (await get(client, auth, "transcriptions", low))["attributes"]["status"] == "processing"
        await advance(client, 1)
        for job_id in (first, low, high):
            assert (await get(client, auth, "transcriptions", job_id))["attributes"]["status"] == "completed"


async def test_a_job_keeps_its_worker_and_progress_after_a_restart(tmp_path: Path) -> None:
    """The worker and the last progress are facts the job notes as it enters a step: they go with the move."""
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=4, gateway={"workers": 2})
    wall = Wall()
    async with running(settings, wall=wall) as client:
        auth = await bearer(client)
        ids = [(await create(client, auth, "transcriptions", transcription()))["data"]["id"] for _ in range(3)]
        await advance(client, 6)  # picked up: two processing, one waiting
        before = {j: (await get(client, auth, "transcriptions", j)) for j in ids}
        assert sorted(str(b["meta"]["system"].get("worker_id")) for b in before.values()) == \
            ["None", "wk_001", "wk_002"]
        first = next(j for j in ids if before[j]["meta"]["system"].get("worker_id") == "wk_002")
        for _ in range(200):  # into its second step of processing (progress 25 to 50)
            if (await get(client, auth, "transcriptions", first))["attributes"]["progress"] >= 25:
                break
            await advance(client, 1)
        r = await client.post(f"/_emulator/jobs/{first}/fail", json={})
        assert r.status_code == 200, r.text
        failed = await get(client, auth, "transcriptions", first)
        assert failed["attributes"]["status"] == "failed" and failed["attributes"]["progress"] == 25
        stopped = {j: (await get(client, auth, "transcriptions", j)) for j in ids}  # the waiting one took wk_002
        assert sorted(b["meta"]["system"]["worker_id"] for b in stopped.values()) == ["wk_001", "wk_002", "wk_002"]
    async with running(settings, wall=wall) as client:
        assert {j: (await get(client, auth, "transcriptions", j)) for j in ids} == stopped
        await advance(client, 100_000)
        for job_id in ids:
            assert (await get(client, auth, "transcriptions", job_id))["attributes"]["status"] in ("completed",
                                                                                                   "failed")


async def test_no_timer_waits_for_a_commit_to_move_a_job(tmp_path: Path) -> None:
    """A gateway job starts when a worker is free, in a timer of the queue's: that move is no more waited for on
    disk than a timer's own (its callback's attempt waits for the commit before it is sent)."""
    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=4)) as client:
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        auth = await bearer(client)
        created = [await create(client, auth, "transcriptions", transcription()) for _ in range(3)]
        waited: list[tuple[str, bool]] = []
        real_move = engine.store.move_job

        async def recorded(job, *, wait=True):  # type: ignore[no-untyped-def]
            waited.append((job.state, wait))
            await real_move(job, wait=wait)

        engine.store.move_job = recorded
        await advance(client, 100_000)
        engine.store.move_job = real_move
        assert ("processing", False) in waited and ("completed", False) in waited
        assert [w for w in waited if w[1]] == []
        for job in created:
            r = await client.get(f"/v1/transcriptions/{job['data']['id']}", headers=auth)
            assert r.json()["data"]["attributes"]["status"] == "completed"


async def test_jobs_waiting_for_a_worker_are_started_from_memory(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """However many wait, and however few ended jobs the store keeps in memory, the queue never reads the next
    job from the file (which would wait for the writes queued so far, one job start at a time)."""
    monkeypatch.setattr(MemoryStore, "recent_size", 2)
    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=4, gateway={"workers": 1})) as client:
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        auth = await bearer(client)
        ids = [(await create(client, auth, "transcriptions", transcription()))["data"]["id"] for _ in range(8)]
        reads: list[str] = []
        real_get = engine.store.get_job

        async def counted(job_id: str):  # type: ignore[no-untyped-def]
            if engine.store._cached(job_id) is None:
                reads.append(job_id)
            return await real_get(job_id)

        engine.store.get_job = counted
        await advance(client, 100_000)
        engine.store.get_job = real_get
        assert reads == []
        for job_id in ids:
            assert (await get(client, auth, "transcriptions", job_id))["attributes"]["status"] == "completed"


async def test_a_job_is_written_whole_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its queue plans a new job's waiting steps before it is first written; every move after writes only the
    job's position and facts."""
    whole: list[str] = []
    commit = sqlite_store._commit

    def seen(db: Any, batch: list[Any]) -> None:
        whole.extend(params[0] for sql, params in batch if sql is sqlite_store.JOB_UPSERT)
        commit(db, batch)

    monkeypatch.setattr(sqlite_store, "_commit", seen)
    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=4)) as client:
        auth = await bearer(client)
        job_id = (await create(client, auth, "transcriptions", transcription()))["data"]["id"]
        await advance(client, 100_000)
        assert (await get(client, auth, "transcriptions", job_id))["attributes"]["status"] == "completed"
    assert whole == [job_id]
