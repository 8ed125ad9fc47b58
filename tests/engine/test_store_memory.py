"""Both stores keep as objects the jobs in flight and a few recently ended ones; the rest is read back on
demand (SQLite: from the file, newest state first; in memory: from their encoded form), and a client cannot
tell which is which."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import advance, new_job, running, status

from emulator.engine import Job, Step
from emulator.engine.sqlite_store import SqliteStore
from emulator.engine.store import MemoryStore
from emulator.settings import Settings


@pytest.fixture
def two_recent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MemoryStore, "recent_size", 2)  # SqliteStore's too


@pytest.mark.usefixtures("two_recent")
@pytest.mark.parametrize("in_memory", [False, True], ids=["sqlite", "memory"])
async def test_jobs_beyond_the_recent_few_answer_as_before(tmp_path: Path, in_memory: bool) -> None:
    async with running(Settings(data_dir=tmp_path, in_memory=in_memory, time_scale=0, seed=3)) as c:
        ids = [await new_job(c, media={"video": {"url": f"https://e.com/{n}.mp4"}}) for n in range(5)]
        await advance(c, 11)
        # Five jobs in flight, more than the recent-jobs cache holds: every one moves on, none is lost.
        assert {(await status(c, i))["media_transfer_status"] for i in ids} == {"downloading"}
        await advance(c, 100_000)
        finished = [await status(c, i) for i in ids]
        assert [s["status"] for s in finished] == ["finished"] * 5
        # The first ones left memory long ago: read back from the file, and again (now from memory), alike.
        assert [await status(c, i) for i in ids] == finished
        r = await c.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": ids[0]})
        assert r.status_code == 200 and r.json()["job_info"]["job_id"] == ids[0]
        listed = await c.get("/core/1.0/list_jobs", params={"api_key": "key-a", "show_status": "true"})
        assert [j["job_id"] for j in listed.json()["jobs"]] == ids[::-1]
        assert {j["job_status"]["status"] for j in listed.json()["jobs"]} == {"finished"}
        for i in ids[:3]:  # each read back once more, pushing the others out
            await status(c, i)
        r = await c.post("/core/1.0/delete_job", json={"api_key": "key-a", "job_id": ids[4]})
        assert r.status_code == 200
        assert (await c.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": ids[4]})).status_code == 404
        listed = await c.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
        assert [j["job_id"] for j in listed.json()["jobs"]] == ids[3::-1]
        if in_memory:  # the jobs beyond the recent few are kept encoded, not as objects
            store = c._transport.app.state.engine.store  # type: ignore[attr-defined]
            assert len(store.jobs) <= 2 and len(store.jobs) + len(store.cold) == 4 and not store.active


def ended(job_id: str, state: str) -> Job:
    return Job(id=job_id, service="svc", owner="k", request={}, timeline=[Step(state)], created=0.0)


async def test_a_job_read_back_has_its_newest_state_even_before_the_commit(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    store.recent_size = 1
    await store.open()
    try:
        await store.put_job(ended("a", "queued"))
        a = ended("a", "finished")
        await store.put_job(a, wait=False)  # a timer's move: queued, not waited for
        await store.put_job(ended("b", "finished"), wait=False)  # pushes "a" out of memory
        read = await store.get_job("a")
        assert read is not None and read.state == "finished"
        assert [j.state for j in await store.list_jobs()] == ["finished", "finished"]
    finally:
        await store.close()


@pytest.mark.usefixtures("two_recent")
async def test_a_cold_job_reads_back_identically_in_memory() -> None:
    """Every answer about an ended job (status, results, list, the admin view) is the same whether the job
    is an object in memory or was pushed out to the cold tier and decoded again."""
    async with running(Settings(in_memory=True, time_scale=0, seed=3)) as c:
        ids = [await new_job(c, media={"video": {"url": f"https://e.com/{n}.mp4"},
                                       "customer_media_info": {"id": f"ref-{n % 2}"}}) for n in range(4)]
        cancelled = await c.post("/core/1.0/cancel_job", json={"api_key": "key-a", "job_id": ids[3]})
        assert cancelled.status_code == 200
        await advance(c, 100_000)
        store = c._transport.app.state.engine.store  # type: ignore[attr-defined]

        async def answers(job_id: str) -> list[object]:
            key = {"api_key": "key-a", "job_id": job_id}
            got: list[object] = [await status(c, job_id)]
            for kind in ("core", "transcript"):
                r = await c.get("/core/1.0/job_results", params={**key, "type": kind})
                got.append((r.status_code, r.json()))
            r = await c.get("/core/1.0/list_jobs", params={"api_key": "key-a", "show_status": "true",
                                                           "customer_media_info.id": "ref-1"})
            got.append(r.json())
            got.append((await c.get(f"/_emulator/jobs/{job_id}")).json())
            return got

        assert all(i in store.cold for i in ids) and not store.jobs  # ended: encoded at once
        for job_id in ids:
            first = await answers(job_id)  # read back: an object again, among the recent ones
            assert job_id in store.jobs
            for other in ids:  # pushes it out
                if other != job_id:
                    await status(c, other)
            assert job_id in store.cold and job_id not in store.jobs
            assert await answers(job_id) == first
        assert first[0]["status"] == "error" and [s["status"] for s in [await status(c, i) for i in ids[:3]]] == \
            ["finished"] * 3


@pytest.mark.parametrize("in_memory", [False, True], ids=["sqlite", "memory"])
async def test_a_page_of_jobs_reads_only_that_page_and_counts_them_all(tmp_path: Path, in_memory: bool) -> None:
    """A listing's page (offset, limit) and its total, across jobs in flight, recent and evicted ones and
    another service's, newest first, in both stores."""
    store: MemoryStore = MemoryStore() if in_memory else SqliteStore(tmp_path)
    store.recent_size = 2
    await store.open()
    try:
        for n in range(7):
            job = ended(f"j{n}", "finished")
            job.seq, job.ref = n, f"ref-{n % 2}"
            if n == 6:
                job.next_due = 10.0  # in flight
            await store.put_job(job)
        other = ended("x", "finished")
        other.service, other.seq = "other", 99
        await store.put_job(other)
        assert [j.id for j in await store.list_jobs("svc", limit=3, offset=2)] == ["j4", "j3", "j2"]
        assert [j.id for j in await store.list_jobs("svc", offset=5)] == ["j1", "j0"]
        assert await store.list_jobs("svc", limit=3, offset=7) == []
        assert [j.id for j in await store.list_jobs("svc", ref="ref-0", limit=2, offset=1)] == ["j4", "j2"]
        assert await store.count_jobs("svc") == 7 and await store.count_jobs("other") == 1
        assert await store.count_jobs("svc", ref="ref-1") == 3 and await store.count_jobs("nothing") == 0
    finally:
        await store.close()
