"""list_jobs, cancel_job and delete_job rules."""

from __future__ import annotations

import httpx
from helpers import advance, message, new_job, status


async def test_list_jobs_newest_first_with_status_and_media_filter(client: httpx.AsyncClient) -> None:
    first = await new_job(client, media={"video": {"url": "https://e.com/1"}, "customer_media_info": {"id": "m-1"}})
    await advance(client, 5)
    second = await new_job(client, media={"video": {"url": "https://e.com/2"}, "customer_media_info": {"id": "m-2"}})
    third = await new_job(client, media={"video": {"url": "https://e.com/3"}, "customer_media_info": {"id": "m-1"}})
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
    assert r.json() == {"jobs": [{"job_id": third}, {"job_id": second}, {"job_id": first}]}
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-a", "customer_media_info.id": "m-1"})
    assert [j["job_id"] for j in r.json()["jobs"]] == [third, first]
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-a", "show_status": "true"})
    listed = r.json()["jobs"]
    assert listed[0]["job_status"] == {"status": "queued", "media_transfer_status": "queued", "details": None,
                                       "poll_again_after_seconds": 60}
    assert listed[2]["job_status"]["status"] == "queued"


async def test_cancel_while_queued(client: httpx.AsyncClient, receiver) -> None:  # type: ignore[no-untyped-def]
    job_id = await new_job(client, callback={"url": receiver.url})
    r = await client.post("/core/1.0/cancel_job", json={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 200 and r.json() == {}
    s = await status(client, job_id)
    assert (s["status"], s["details"], s["poll_again_after_seconds"]) == ("error", "Job was cancelled", None)
    await advance(client, 100_000)  # its old timers must not bring it back
    assert (await status(client, job_id))["status"] == "error"
    assert [c["body"]["status"] for c in receiver.calls] == ["error"]  # an end state: one callback


async def test_cancel_is_refused_once_analysis_started(client: httpx.AsyncClient) -> None:
    job_id = await new_job(client)
    while (await status(client, job_id))["status"] == "queued":
        await advance(client, 5)
    r = await client.post("/core/1.0/cancel_job", json={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 400
    assert "only a job still in the waiting queue can be cancelled" in message(r)
    await advance(client, 100_000)
    assert (await status(client, job_id))["status"] == "finished"
    r = await client.post("/core/1.0/cancel_job", json={"api_key": "key-a", "job_id": job_id})
    assert r.status_code == 400 and message(r).endswith("status is finished")


async def test_cancel_and_delete_need_a_job_id(client: httpx.AsyncClient) -> None:
    for path in ("cancel_job", "delete_job"):
        r = await client.post(f"/core/1.0/{path}", json={"api_key": "key-a"})
        assert (r.status_code, message(r)) == (400, "Missing required field: job_id")
        r = await client.post(f"/core/1.0/{path}", json={"api_key": "key-a", "job_id": 12})
        assert (r.status_code, message(r)) == (400, "Invalid value for field job_id: expected a string")


async def test_deleted_job_is_gone_everywhere(client: httpx.AsyncClient, receiver) -> None:  # type: ignore[no-untyped-def]
    keep = await new_job(client)
    gone = await new_job(client, callback={"url": receiver.url})
    await advance(client, 30)
    r = await client.post("/core/1.0/delete_job", json={"api_key": "key-a", "job_id": gone})
    assert r.status_code == 200 and r.json() == {}
    await advance(client, 100_000)  # a running job's timers die with it: no callback either
    for path in ("job_status", "job_results"):
        r = await client.get(f"/core/1.0/{path}", params={"api_key": "key-a", "job_id": gone})
        assert (r.status_code, message(r)) == (404, "Job not found")
    for path in ("cancel_job", "delete_job"):
        r = await client.post(f"/core/1.0/{path}", json={"api_key": "key-a", "job_id": gone})
        assert (r.status_code, message(r)) == (404, "Job not found")
    r = await client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
    assert r.json() == {"jobs": [{"job_id": keep}]}
    assert receiver.calls == []
