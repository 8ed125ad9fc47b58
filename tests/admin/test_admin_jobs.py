"""/_emulator/jobs: the job view, listing with filters, and job control (advance, complete, fail) with the
same side effects as the natural path: the Valossa callback goes out through the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import Receiver, advance, new_job, running, status

from emulator.engine import sqlite_store
from emulator.engine.store import MemoryStore
from emulator.settings import Settings


async def job(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    r = await client.get(f"/_emulator/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def act(client: httpx.AsyncClient, job_id: str, action: str, expect: int = 200, **body: Any) -> dict[str, Any]:
    r = await client.post(f"/_emulator/jobs/{job_id}/{action}", json=body)
    assert r.status_code == expect, r.text
    return r.json()


async def test_job_view(client: httpx.AsyncClient) -> None:
    clock = (await client.get("/_emulator/clock")).json()
    job_id = await new_job(client, key="my-long-key")
    view = await job(client, job_id)
    assert view["id"] == job_id and view["service"] == "valossa"
    assert view["key"] == "****-key"
    assert view["state"] == "queued" and view["scenario"] == "valossa-default"
    assert view["created"] == view["state_since"] == clock["now"]
    assert view["history"] == [{"state": "queued", "at": clock["now"]}]
    assert view["next"]["state"] == "queued" and view["next"]["in_seconds"] == 10  # queued -> downloading
    assert view["status"] == await status(client, job_id, key="my-long-key")  # Valossa's own job_status body
    assert view["webhooks"] == []

    await advance(client, 4)
    assert (await job(client, job_id))["next"]["in_seconds"] == 6
    await advance(client, 100_000)
    view = await job(client, job_id)
    assert view["state"] == "finished" and view["next"] is None
    assert [h["state"] for h in view["history"]] == ["queued", "queued", "preparing_analysis", "processing",
                                                     "finished"]


async def test_short_keys_are_fully_masked(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client, key="abcd")
    assert (await job(client, job_id))["key"] == "****"


async def test_list_jobs_with_filters(client: httpx.AsyncClient) -> None:
    first = await new_job(client, key="key-a")
    second = await new_job(client, key="key-b")
    third = await new_job(client, key="key-a")
    await act(client, third, "complete")

    async def ids(**query: str) -> list[str]:
        r = await client.get("/_emulator/jobs", params=query)
        assert r.status_code == 200, r.text
        return [j["id"] for j in r.json()["jobs"]]

    assert await ids() == [third, second, first]  # newest first
    assert await ids(service="valossa") == [third, second, first]
    assert await ids(service="clipzy") == []
    assert await ids(key="key-a") == [third, first]
    assert await ids(status="queued") == [second, first]
    assert await ids(status="finished", key="key-a") == [third]
    assert await ids(key="key-") == []  # exact


@pytest.mark.parametrize("store", ["memory", "sqlite"])
async def test_list_jobs_limit_keeps_the_newest(settings: Settings, tmp_path: Path, store: str) -> None:
    if store == "sqlite":
        settings = settings.model_copy(update={"in_memory": False, "data_dir": tmp_path})
    async with running(settings) as client:
        made = [await new_job(client) for _ in range(4)]
        await act(client, made[1], "complete")

        async def ids(**query: str) -> list[str]:
            r = await client.get("/_emulator/jobs", params=query)
            assert r.status_code == 200, r.text
            return [j["id"] for j in r.json()["jobs"]]

        assert await ids(limit="2") == [made[3], made[2]]
        assert await ids(limit="10") == made[::-1]
        assert await ids(limit="2", status="queued") == [made[3], made[2]]
        assert await ids(limit="2", status="finished") == [made[1]]
        for bad, detail in (("0", "at least 1"), ("x", "whole number")):
            r = await client.get("/_emulator/jobs", params={"limit": bad})
            assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
            assert detail in r.json()["detail"]


@pytest.mark.parametrize("store", ["memory", "sqlite"])
async def test_a_state_filter_reads_the_jobs_a_batch_at_a_time(settings: Settings, tmp_path: Path, store: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # Ended jobs left memory (two recent ones kept), and a listing by state reads them back three rows at a time
    # (SQLite) or one by one (in memory): only its matches are kept, so a listing of the few jobs still going
    # among many ended ones does not hold them all at once.
    monkeypatch.setattr(sqlite_store, "SCAN_BATCH", 3)
    monkeypatch.setattr(MemoryStore, "recent_size", 2)
    if store == "sqlite":
        settings = settings.model_copy(update={"in_memory": False, "data_dir": tmp_path})
    async with running(settings) as client:
        made = [await new_job(client, key=f"key-{n % 2}") for n in range(10)]
        for job_id in made[:8]:
            await act(client, job_id, "complete" if made.index(job_id) % 3 else "fail")
        recent = client._transport.app.state.engine.store.jobs  # type: ignore[attr-defined]
        kept = list(recent)
        assert len(kept) <= 2  # in memory: none (an ended job written goes cold at once)

        async def ids(**query: str) -> list[str]:
            r = await client.get("/_emulator/jobs", params={"service": "valossa", **query})
            assert r.status_code == 200, r.text
            return [j["id"] for j in r.json()["jobs"]]

        assert await ids(status="queued") == [made[9], made[8]]
        assert await ids(status="error") == [made[6], made[3], made[0]]  # across every batch
        assert await ids(status="finished", limit="4") == [made[7], made[5], made[4], made[2]]
        assert await ids(status="finished", key="key-1") == [made[7], made[5], made[1]]
        assert list(recent) == kept  # what was read back for the listing was not kept


async def test_unknown_job(client: httpx.AsyncClient) -> None:
    for path in ("/_emulator/jobs/nope", "/_emulator/jobs/nope/advance"):
        r = await (client.get(path) if path.endswith("nope") else client.post(path))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert "nope" in r.json()["detail"]


async def test_advance_walks_the_timeline_to_the_callback(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, callback={"url": receiver.url})
    states = []
    for _ in range(4):
        view = await act(client, job_id, "advance")
        states.append((view["state"], view["status"]["media_transfer_status"]))
    assert states == [("queued", "downloading"), ("preparing_analysis", "finished"), ("processing", "finished"),
                      ("finished", "finished")]
    assert view["next"] is None and len(view["history"]) == 5
    # The callback went out before the answer, as on the natural path.
    assert len(receiver.calls) == 1
    assert receiver.calls[0]["body"] == {"job_id": job_id, "status": "finished", "media_transfer_status": "finished",
                                         "details": None, "poll_again_after_seconds": None}
    assert view["webhooks"][0]["status"] == "delivered"
    assert (await status(client, job_id))["status"] == "finished"

    r = await client.post(f"/_emulator/jobs/{job_id}/advance")
    assert r.status_code == 409 and "finished" in r.json()["detail"]
    await advance(client, 100_000)
    assert len(receiver.calls) == 1


async def test_advance_leaves_no_stale_timer(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    await act(client, job_id, "advance")  # downloading now, for 5 s + 5 % of the media
    view = await job(client, job_id)
    assert view["next"]["in_seconds"] > 10  # seed 7's media
    await advance(client, 10)  # the old queued timer's moment: nothing happens then
    assert (await job(client, job_id))["history"] == view["history"]


async def test_complete(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, callback={"url": receiver.url})
    view = await act(client, job_id, "complete")
    assert view["state"] == "finished" and view["next"] is None
    assert view["status"]["status"] == "finished"
    assert [c["body"]["status"] for c in receiver.calls] == ["finished"]
    r = await client.get("/core/1.0/job_results", params={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 200
    for action in ("complete", "fail", "advance"):
        problem = await act(client, job_id, action, 409)
        assert problem["title"] == "Conflict" and "finished" in problem["detail"]
    assert len(receiver.calls) == 1


async def test_fail_with_details(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, callback={"url": receiver.url})
    view = await act(client, job_id, "fail", details="Media could not be decoded")
    assert view["state"] == "error"
    assert view["status"]["details"] == "Media could not be decoded"
    assert view["status"]["media_transfer_status"] == "error"  # it failed during the transfer
    assert receiver.calls[0]["body"]["details"] == "Media could not be decoded"
    assert (await act(client, job_id, "complete", 409))["status"] == 409


async def test_fail_without_a_body(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, callback={"url": receiver.url})
    await advance(client, 40)  # processing: the download is over
    r = await client.post(f"/_emulator/jobs/{job_id}/fail")
    assert r.status_code == 200
    assert r.json()["status"] == {"job_id": job_id, "status": "error", "media_transfer_status": "finished",
                                  "details": "Analysis failed", "poll_again_after_seconds": None}
    assert receiver.calls[0]["body"]["status"] == "error"


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"details": 3}'])
async def test_fail_rejects_bad_bodies(client: httpx.AsyncClient, body: bytes) -> None:
    job_id = await new_job(client)
    r = await client.post(f"/_emulator/jobs/{job_id}/fail", content=body)
    assert r.status_code == 400
    assert (await job(client, job_id))["state"] == "queued"


async def test_a_held_job_can_be_advanced_and_completed(client: httpx.AsyncClient) -> None:
    url = "https://example.com/never-finishes.mp4"
    job_id = await new_job(client, media={"video": {"url": url}})
    await advance(client, 100_000)
    view = await job(client, job_id)
    assert view["state"] == "processing" and view["next"] is None
    problem = await act(client, job_id, "advance", 409)
    assert "last step" in problem["detail"]
    assert (await act(client, job_id, "complete"))["state"] == "finished"


async def test_control_is_not_journaled(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    await act(client, job_id, "complete")
    r = await client.get("/_emulator/requests")
    assert [e["path"] for e in r.json()["requests"]] == ["/core/1.0/new_job"]


async def test_control_with_the_sqlite_store(settings: Settings, tmp_path: Path, receiver: Receiver) -> None:
    stored = settings.model_copy(update={"in_memory": False, "data_dir": tmp_path})
    async with running(stored) as client:
        job_id = await new_job(client, callback={"url": receiver.url})
        await act(client, job_id, "advance")
        assert (await act(client, job_id, "complete"))["state"] == "finished"
        [listed] = (await client.get("/_emulator/jobs")).json()["jobs"]
        assert listed["id"] == job_id and listed["webhooks"][0]["status"] == "delivered"
    async with running(stored) as client:  # after a restart
        view = await job(client, job_id)
        assert [h["state"] for h in view["history"]] == ["queued", "queued", "finished"]
        hook = view["webhooks"][0]
        r = await client.post(f"/_emulator/webhooks/{hook['id']}/redeliver")
        assert r.status_code == 200 and len(r.json()["attempts"]) == 2
    assert len(receiver.calls) == 2
