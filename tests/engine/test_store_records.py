"""Service records (uploads, galleries...): put, get, list by kind, delete, in both stores; on SQLite they
survive a reopen, a deletion too, and reset forgets them."""

from __future__ import annotations

import asyncio
import threading
from contextlib import AbstractAsyncContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from helpers import opened

from emulator.engine import sqlite_store
from emulator.engine.store import MemoryStore


async def fill(store: MemoryStore) -> None:
    await store.put_record("gallery", "g1", {"name": "one"})
    await store.put_record("gallery", "g2", {"name": "two"})
    await store.put_record("face", "g1", {"name": "same key, other kind"})
    await store.put_record("gallery", "g1", {"name": "one, renamed"})
    await store.delete_record("gallery", "g2")
    await store.delete_record("gallery", "never-there")  # deleting nothing is not an error


async def check(store: MemoryStore) -> None:
    assert await store.list_records("gallery") == {"g1": {"name": "one, renamed"}}
    assert await store.list_records("face") == {"g1": {"name": "same key, other kind"}}
    assert await store.list_records("nothing") == {}
    assert await store.get_record("gallery", "g2") is None


async def test_memory_store_records() -> None:
    store = MemoryStore()
    await fill(store)
    await check(store)
    await store.reset()
    assert await store.list_records("gallery") == {}


@pytest.mark.parametrize("reset", [False, True])
async def test_sqlite_store_records_survive_a_reopen(tmp_path: Path, reset: bool) -> None:
    async with opened(tmp_path) as store:
        await fill(store)
        await check(store)
        if reset:
            await store.reset()
    async with opened(tmp_path) as store:
        if reset:
            assert await store.list_records("gallery") == {} and await store.list_records("face") == {}
        else:
            await check(store)


async def test_sqlite_keeps_in_memory_the_kinds_listed_and_of_the_others_the_recent_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_store, "RECENT_RECORDS", 2)
    async with opened(tmp_path) as store:
        for n in range(4):
            await store.put_record("video", f"v{n}", {"n": n})
        assert "video" not in store.records and list(store._recent_records) == [("video", "v2"), ("video", "v3")]
        first = await store.get_record("video", "v0")
        assert first == {"n": 0} and await store.get_record("video", "v0") is first  # read back, then kept
        assert await store.get_record("video", "nope") is None
        # A record written while a listing reads the file is not lost: the listing reads again.
        listing = asyncio.ensure_future(store.list_records("video"))
        await asyncio.sleep(0)
        await store.put_record("video", "v4", {"n": 4})
        await listing
        everything = {f"v{n}": {"n": n} for n in range(5)}
        assert await store.list_records("video") == everything and store.records["video"] == everything
        assert not any(kind == "video" for kind, _ in store._recent_records)  # listed: all in memory now
        await store.delete_record("video", "v1")
        assert await store.get_record("video", "v1") is None and len(await store.list_records("video")) == 4


async def test_sqlite_remembers_a_record_that_does_not_exist(tmp_path: Path) -> None:
    # Every new_job asks for its key's default gallery, which most keys never make: the file is read once.
    async with opened(tmp_path) as store:
        assert store.db is not None
        reads: list[str] = []
        execute = store.db.execute

        def counting(sql: str, *args: object) -> object:
            reads.append(sql)
            return execute(sql, *args)

        store.db.execute = counting  # type: ignore[method-assign]
        for _ in range(3):
            assert await store.get_record("default_gallery", "key-a") is None
        assert len(reads) == 1
        await store.put_record("default_gallery", "key-a", {"id": "g1"})
        assert await store.get_record("default_gallery", "key-a") == {"id": "g1"}
        await store.delete_record("default_gallery", "key-a")
        assert await store.get_record("default_gallery", "key-a") is None
        assert len(reads) == 1
        # Listing the kind puts it whole in memory; the absences remembered before go.
        assert await store.list_records("default_gallery") == {}
        assert not any(kind == "default_gallery" for kind, _ in store._recent_records)
        # A listed kind's deletions take no place among the recent records (they are all in memory).
        await store.put_record("default_gallery", "key-b", {"id": "g2"})
        await store.delete_record("default_gallery", "key-b")
        assert not any(kind == "default_gallery" for kind, _ in store._recent_records)
        assert await store.get_record("default_gallery", "key-b") is None and len(reads) == 2
    async with opened(tmp_path) as store:  # and the file agrees
        assert await store.get_record("default_gallery", "key-a") is None


async def own(store: MemoryStore) -> None:
    """Faces of two API keys; one moved to the other key, one deleted, one without an owner."""
    for n, owner in enumerate(("key-a", "key-a", "key-b", "key-a")):
        await store.put_record("face", f"f{n}", {"owner": owner, "n": n})
    await store.put_record("face", "f1", {"owner": "key-b", "n": 1})
    await store.delete_record("face", "f3")
    await store.put_record("face", "f4", {"n": 4})
    await store.put_record("gallery", "g0", {"owner": "key-a"})


async def check_owned(store: MemoryStore) -> None:
    assert await store.list_records("face", "key-a") == {"f0": {"owner": "key-a", "n": 0}}
    assert await store.list_records("face", "key-b") == {"f1": {"owner": "key-b", "n": 1},
                                                         "f2": {"owner": "key-b", "n": 2}}
    assert await store.list_records("face", "key-c") == {}
    assert len(await store.list_records("face")) == 4  # f4 too, which has no owner
    assert await store.list_records("gallery", "key-a") == {"g0": {"owner": "key-a"}}


async def test_memory_store_lists_one_owners_records() -> None:
    store = MemoryStore()
    await own(store)
    await check_owned(store)
    await store.reset()
    assert await store.list_records("face", "key-a") == {}


@pytest.mark.parametrize("listed_first", [False, True])
async def test_sqlite_store_lists_one_owners_records_after_a_reopen(tmp_path: Path, listed_first: bool) -> None:
    async with opened(tmp_path) as store:
        if listed_first:  # the kinds are whole in memory before the writes: the index follows each write
            await store.list_records("face")
            await store.list_records("gallery")
        await own(store)
        await check_owned(store)
    async with opened(tmp_path) as store:
        await check_owned(store)  # the index is built from the file at the first listing
        await store.put_record("face", "f5", {"owner": "key-a", "n": 5})
        assert set(await store.list_records("face", "key-a")) == {"f0", "f5"}
        await store.reset()
        assert await store.list_records("face", "key-a") == {}


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_a_record_changed_in_place_and_put_back_is_filed_under_its_new_owner(tmp_path: Path, kind: str) -> None:
    # Callers get the store's own dict back and may change it before putting it back: the index must not read
    # the record it replaces to learn where the key was filed.
    store_of: AbstractAsyncContextManager[MemoryStore] = (
        nullcontext(MemoryStore()) if kind == "memory" else opened(tmp_path))
    async with store_of as store:
        await store.list_records("face")  # on SQLite: the kind whole in memory, so get_record gives the same dict
        await store.put_record("face", "f0", {"owner": "key-a"})
        record = await store.get_record("face", "f0")
        assert record is not None
        record["owner"] = "key-b"
        await store.put_record("face", "f0", record)
        assert await store.list_records("face", "key-a") == {}
        assert await store.list_records("face", "key-b") == {"f0": {"owner": "key-b"}}
        await store.delete_record("face", "f0")
        assert await store.list_records("face", "key-b") == {}


async def test_sqlite_reads_a_record_without_waiting_for_other_writes_but_never_reads_one_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A Clipzy create reads its video (often no longer among the recent records) and then waits for its job's
    # commit: the read must not wait for a commit of job rows too. A record whose write is still on its way,
    # and which left the recent ones meanwhile, is read only once that write is on disk.
    monkeypatch.setattr(sqlite_store, "RECENT_RECORDS", 1)
    gate = threading.Event()
    commit = sqlite_store._commit

    def held(db: Any, batch: list[Any]) -> None:
        gate.wait(10)
        commit(db, batch)

    async with opened(tmp_path) as store:
        try:
            await store.put_record("video", "old", {"n": 0})
            await store.put_record("video", "other", {"n": 1})  # "old" is only in the file now
            monkeypatch.setattr(sqlite_store, "_commit", held)
            # A write of something else is held in the writer: the read answers meanwhile.
            job = asyncio.ensure_future(store._write("INSERT INTO meta VALUES ('held', '1')", ()))
            await asyncio.sleep(0.05)
            assert store._group is not None
            assert await asyncio.wait_for(store.get_record("video", "old"), 5) == {"n": 0}
            assert not job.done()
            # A record write on its way (behind the held one), then pushed out of the recent records: its read
            # waits for it rather than reading the file's older value.
            write = asyncio.ensure_future(store.put_record("video", "old", {"n": 2}))
            third = asyncio.ensure_future(store.put_record("video", "third", {"n": 3}))
            await asyncio.sleep(0)
            assert ("video", "old") not in store._recent_records
            read = asyncio.ensure_future(store.get_record("video", "old"))
            await asyncio.sleep(0.1)
            assert not read.done()
            gate.set()
            assert await asyncio.wait_for(read, 5) == {"n": 2}
            await asyncio.wait_for(asyncio.gather(job, write, third), 5)
        finally:
            gate.set()  # else closing would wait for the held commit
