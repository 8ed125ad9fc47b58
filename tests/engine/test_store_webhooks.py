"""On SQLite a webhook leaves memory once it is on disk in its last state (delivered, failed, dropped): over a
long run they would pile up. Every read (the admin lists, a job's view, a redelivery, a restart) still finds
it, in the order the webhooks were made."""

from __future__ import annotations

from pathlib import Path

from helpers import Receiver, advance, new_job, running

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
