"""On SQLite a webhook leaves memory once it is on disk in its last state (delivered, failed, dropped): over a
long run they would pile up. Every read (the admin lists, a job's view, a redelivery, a restart) still finds
it, in the order the webhooks were made."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import Receiver, advance, new_job, opened, running

from emulator.engine import Webhook, sqlite_store
from emulator.settings import Settings


async def test_sent_webhooks_leave_memory_and_are_read_back_from_the_file(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=1)
    async with running(settings) as c:
        store = c._transport.app.state.engine.store  # type: ignore[attr-defined]
        ids = [await new_job(c, callback={"url": receiver.url}) for _ in range(3)]
        await advance(c, 100_000)
        await store.committed()
        assert len(receiver.calls) == 3 and store.webhooks == {}  # all sent: only in the file
        listed = (await c.get("/_emulator/webhooks")).json()["webhooks"]
        assert [h["job_id"] for h in listed] == ids and {h["status"] for h in listed} == {"delivered"}
        one = (await c.get("/_emulator/webhooks", params={"job_id": ids[1]})).json()["webhooks"]
        assert [h["id"] for h in one] == [listed[1]["id"]]
        assert (await c.get(f"/_emulator/jobs/{ids[1]}")).json()["webhooks"] == one
        again = await c.post(f"/_emulator/webhooks/{listed[1]['id']}/redeliver")
        assert again.status_code == 200 and again.json()["status"] == "delivered"
        assert len(again.json()["attempts"]) == 2 and receiver.calls[-1]["body"]["job_id"] == ids[1]
        await store.committed()
        assert store.webhooks == {}
    async with running(settings) as c:  # a restart loads none of them, and still lists them all
        assert c._transport.app.state.engine.store.webhooks == {}  # type: ignore[attr-defined]
        relisted = (await c.get("/_emulator/webhooks")).json()["webhooks"]
        assert [h["id"] for h in relisted] == [h["id"] for h in listed]
        assert [len(h["attempts"]) for h in relisted] == [1, 2, 1]


async def test_a_webhooks_body_is_written_once_and_read_back_whole(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The body a webhook sends (a transcript's is tens of KB) goes to the file with its first row; an attempt's
    outcome rewrites only its state."""
    written: list[str] = []
    commit = sqlite_store._commit

    def seen(db: Any, batch: list[Any]) -> None:
        written.extend(str(params) for sql, params in batch if "webhooks" in sql)
        commit(db, batch)

    monkeypatch.setattr(sqlite_store, "_commit", seen)
    body = {"event": "done", "text": "a long transcript " * 100}
    async with opened(tmp_path) as store:
        hook = Webhook(id="h1", service="svc", job_id="j1", url="http://127.0.0.1:9/x", body=body, created=1.0)
        await store.put_webhook(hook)
        hook.attempts.append({"at": 1.0, "status_code": 200, "error": None, "duration_ms": 1})
        hook.state = "delivered"
        await store.put_webhook(hook)
    assert len(written) == 2 and "a long transcript" in written[0] and "a long transcript" not in written[1]
    async with opened(tmp_path) as store:
        read = await store.get_webhook("h1")
        assert read is not None and read.body == body and read.state == "delivered" and read.attempts == hook.attempts
        assert [h.id for h in await store.list_webhooks("j1")] == ["h1"]


async def test_webhooks_from_an_earlier_version_read_and_update(tmp_path: Path) -> None:
    # The webhooks table as an earlier version made it: one JSON column, body included.
    hook = Webhook(id="h1", service="svc", job_id="j1", url="http://127.0.0.1:9/x", body={"n": 1}, created=1.0)
    with sqlite3.connect(tmp_path / "emulator.sqlite3") as db:
        db.execute("CREATE TABLE webhooks (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        db.execute("INSERT INTO webhooks VALUES (?, ?)", ("h1", json.dumps(hook.to_dict())))
    async with opened(tmp_path) as store:
        pending = await store.get_webhook("h1")  # pending: loaded at open
        assert pending is not None and pending.body == {"n": 1} and pending.state == "pending"
        pending.state = "failed"
        await store.put_webhook(pending)
    async with opened(tmp_path) as store:
        read = await store.get_webhook("h1")
        assert read is not None and read.body == {"n": 1} and read.state == "failed"
        assert [h.state for h in await store.list_webhooks(state="failed")] == ["failed"]
