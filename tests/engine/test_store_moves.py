"""How the SQLite store writes a job's moves: as the job is when its group is written (what a lifecycle notes on
entering a step goes with the move, no row of its own), into a file from an earlier version too; and a read
waits for the group being written, not for one more."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import opened

from emulator.engine import Job, Step, sqlite_store


def three_steps(job_id: str = "j1") -> Job:
    timeline = [Step("queued", 10.0), Step("processing", 10.0), Step("done")]
    return Job(id=job_id, service="svc", owner="k", request={"n": 1}, timeline=timeline, created=0.0,
               next_due=10.0, history=[("queued", 0.0)], facts={"worker": 1})


def move(job: Job, at: float) -> None:
    job.step += 1
    job.step_started = at
    job.next_due = None if job.current.seconds is None else at + job.current.seconds
    job.history.append((job.state, at))


async def test_a_move_takes_the_facts_noted_after_it(tmp_path: Path) -> None:
    async with opened(tmp_path) as store:
        job = three_steps()
        await store.put_job(job)
        move(job, 10.0)
        await store.move_job(job, wait=False)  # a timer's move...
        job.facts["progress"] = 25  # ...and what the lifecycle notes as the job enters the step, no write of its own
        await store.committed()
    async with opened(tmp_path) as store:
        read = await store.get_job("j1")
        assert read is not None
        assert (read.state, read.step_started, read.next_due) == ("processing", 10.0, 20.0)
        assert read.facts == {"worker": 1, "progress": 25}
        assert read.history == [("queued", 0.0), ("processing", 10.0)]


async def test_a_file_from_before_the_facts_column_reads_and_moves(tmp_path: Path) -> None:
    # The jobs table as an earlier version made it: no facts column; the job's facts are in its body.
    job = three_steps()
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as db:
        db.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, service TEXT NOT NULL, "
                   "owner TEXT NOT NULL, ref TEXT, next_due REAL, body TEXT NOT NULL, kind TEXT NOT NULL "
                   "DEFAULT 'job', step INTEGER, step_started REAL, history TEXT)")
        db.execute("INSERT INTO jobs (id, seq, service, owner, next_due, body) VALUES (?, 0, 'svc', 'k', 10.0, ?)",
                   ("j1", json.dumps({**job.to_dict(), "timeline": [s.to_dict() for s in job.timeline]})))
    async with opened(tmp_path) as store:
        read = await store.get_job("j1")
        assert read is not None and read.state == "queued" and read.facts == {"worker": 1}
        move(read, 10.0)
        read.facts["progress"] = 25
        await store.move_job(read)
    async with opened(tmp_path) as store:
        again = await store.get_job("j1")
        assert again is not None and again.state == "processing" and again.facts == {"worker": 1, "progress": 25}


async def test_a_read_waits_for_the_group_being_written_and_no_other(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    groups: list[int] = []
    commit = sqlite_store._commit

    def held(db: Any, batch: list[Any]) -> None:
        groups.append(len(batch))
        gate.wait(10)
        commit(db, batch)

    async with opened(tmp_path) as store:
        monkeypatch.setattr(sqlite_store, "_commit", held)
        job = three_steps()
        await store.put_job(job, wait=False)  # a timer's write: its group is being written, held
        await asyncio.sleep(0.05)
        assert store._group is not None and not store._queue
        settled = asyncio.ensure_future(store.committed())
        await asyncio.sleep(0.05)
        assert not settled.done()  # the job is not on disk yet
        gate.set()
        await asyncio.wait_for(settled, 5)
        assert groups == [1]  # the read's wait took no group (no trip to the writer) of its own
    async with opened(tmp_path) as store:
        assert await store.get_job("j1") is not None
