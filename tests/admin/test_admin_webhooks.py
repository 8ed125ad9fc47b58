"""/_emulator/webhooks: the callback outbox with every attempt, filters, and redelivery on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import Receiver, advance, new_job, running

from emulator.settings import Settings


async def hooks(client: httpx.AsyncClient, **query: str) -> list[dict[str, Any]]:
    r = await client.get("/_emulator/webhooks", params=query)
    assert r.status_code == 200, r.text
    return r.json()["webhooks"]


async def redeliver(client: httpx.AsyncClient, hook_id: str) -> dict[str, Any]:
    r = await client.post(f"/_emulator/webhooks/{hook_id}/redeliver")
    assert r.status_code == 200, r.text
    return r.json()


async def complete(client: httpx.AsyncClient, job_id: str) -> None:
    r = await client.post(f"/_emulator/jobs/{job_id}/complete")
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("store", ["memory", "sqlite"])
async def test_webhook_view_and_filters(settings: Settings, tmp_path: Path, receiver: Receiver, store: str) -> None:
    # On SQLite a sent webhook is read from the file, one still to be sent from memory: the status filter
    # (applied in the file there) sees both.
    if store == "sqlite":
        settings = settings.model_copy(update={"in_memory": False, "data_dir": tmp_path})
    async with running(settings) as client:
        await check_view_and_filters(client, receiver)


async def check_view_and_filters(client: httpx.AsyncClient, receiver: Receiver) -> None:
    receiver.script = [500]
    first = await new_job(client, callback={"url": receiver.url})
    second = await new_job(client, callback={"url": receiver.url})
    await new_job(client)  # no callback
    clock = (await client.get("/_emulator/clock")).json()
    await complete(client, first)
    await complete(client, second)
    failing, delivered = await hooks(client)  # oldest first
    assert failing == {
        "id": failing["id"], "job_id": first, "url": receiver.url, "status": "pending",
        "body": {"job_id": first, "status": "finished", "media_transfer_status": "finished", "details": None,
                 "poll_again_after_seconds": None},
        "attempts": [{"at": clock["now"], "status_code": 500, "error": None,
                      "duration_ms": failing["attempts"][0]["duration_ms"]}],
        "duplicate_of": None,
    }
    assert delivered["job_id"] == second and delivered["status"] == "delivered"
    assert [a["status_code"] for a in delivered["attempts"]] == [200]

    assert [h["job_id"] for h in await hooks(client, job_id=first)] == [first]
    assert [h["job_id"] for h in await hooks(client, status="delivered")] == [second]
    assert [h["job_id"] for h in await hooks(client, status="pending")] == [first]
    assert await hooks(client, status="failed") == []
    await advance(client, 10)  # the retry
    assert [h["job_id"] for h in await hooks(client, status="delivered")] == [first, second]
    assert await hooks(client, status="pending") == []
    view = (await client.get(f"/_emulator/jobs/{first}")).json()
    assert [a["status_code"] for a in view["webhooks"][0]["attempts"]] == [500, 200]

    r = await client.get("/_emulator/webhooks", params={"status": "lost"})
    assert r.status_code == 400 and "pending" in r.json()["detail"]


async def test_redeliver_a_delivered_webhook(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, callback={"url": receiver.url})
    await complete(client, job_id)
    [hook] = await hooks(client)
    again = await redeliver(client, hook["id"])
    # Sent before the answer: the receiver has it twice, the view shows the new attempt.
    assert len(receiver.calls) == 2 and receiver.calls[0]["body"] == receiver.calls[1]["body"]
    assert again["status"] == "delivered"
    assert [a["status_code"] for a in again["attempts"]] == [200, 200]
    await advance(client, 100_000)
    assert len(receiver.calls) == 2


async def test_redeliver_a_failed_webhook_starts_a_new_series(client: httpx.AsyncClient, receiver: Receiver) -> None:
    receiver.script = [500] * 4
    job_id = await new_job(client, callback={"url": receiver.url})
    await complete(client, job_id)
    await advance(client, 100_000)
    [hook] = await hooks(client)
    assert hook["status"] == "failed" and len(hook["attempts"]) == 4  # first try and 3 retries

    receiver.script = [503]
    again = await redeliver(client, hook["id"])
    assert again["status"] == "pending"  # the new series' first attempt failed: its own retries follow
    assert [a["status_code"] for a in again["attempts"]] == [500, 500, 500, 500, 503]
    await advance(client, 9)
    assert len(receiver.calls) == 5
    await advance(client, 1)  # 10 s: the first retry of the new series
    assert len(receiver.calls) == 6
    [hook] = await hooks(client)
    assert hook["status"] == "delivered" and len(hook["attempts"]) == 6


async def test_redeliver_a_dropped_webhook(client: httpx.AsyncClient, receiver: Receiver) -> None:
    scenario = "service: valossa\nwebhooks: {drop: true}\n"
    r = await client.put("/_emulator/scenarios/drop-callbacks", content=scenario)
    assert r.status_code == 200, r.text
    r = await client.post("/_emulator/scenarios/active", json={"name": "drop-callbacks"})
    assert r.status_code == 200, r.text
    job_id = await new_job(client, callback={"url": receiver.url})
    await complete(client, job_id)
    [hook] = await hooks(client)
    assert hook["status"] == "dropped" and receiver.calls == []
    again = await redeliver(client, hook["id"])
    assert again["status"] == "delivered" and len(receiver.calls) == 1


async def test_redeliver_unknown_webhook(client: httpx.AsyncClient) -> None:
    r = await client.post("/_emulator/webhooks/nope/redeliver")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
