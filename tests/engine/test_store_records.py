"""Service records (uploads, galleries...): put, get, list by kind, delete, in both stores; on SQLite they
survive a reopen, a deletion too, and reset forgets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.engine.sqlite_store import SqliteStore
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
    store = SqliteStore(tmp_path)
    await store.open()
    await fill(store)
    await check(store)
    if reset:
        await store.reset()
    await store.close()
    store = SqliteStore(tmp_path)
    await store.open()
    try:
        if reset:
            assert await store.list_records("gallery") == {} and await store.list_records("face") == {}
        else:
            await check(store)
    finally:
        await store.close()
