"""Many callbacks falling due at once: they queue for the outbox's slots in the emulator (never a failed
attempt against the receiver), go out together up to the limit, and one job's callbacks still arrive in order."""

from __future__ import annotations

import httpx
from helpers import Receiver, advance, new_job, running

from emulator.settings import Settings


def engine_of(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    return client._transport.app.state.engine  # type: ignore[attr-defined]


async def test_a_burst_beyond_the_limit_is_delivered_on_first_attempts(receiver: Receiver) -> None:
    receiver.hold = 0.1
    async with running(Settings(in_memory=True, time_scale=0, seed=1)) as client:
        webhooks = engine_of(client).webhooks
        webhooks.sender.limit = 3
        # 24 deliveries 3 at a time take ~0.8 s: past this timeout for any that counted its wait for a slot.
        webhooks.timeout = 0.5
        ids = [await new_job(client, callback={"url": receiver.url}) for _ in range(24)]
        await advance(client, 100_000)  # every job ends at the same moment: one burst
        hooks = (await client.get("/_emulator/webhooks")).json()["webhooks"]
    assert sorted(c["body"]["job_id"] for c in receiver.calls) == sorted(ids)
    assert receiver.most_at_once == 3  # together, up to the limit
    assert len(hooks) == 24 and all(h["status"] == "delivered" for h in hooks)
    attempts = [a for h in hooks for a in h["attempts"]]
    assert len(attempts) == 24 and all(a["status_code"] == 200 and a["error"] is None for a in attempts)
    assert all(a["duration_ms"] < 500 for a in attempts)  # the request's own time, not its wait for a slot


async def test_one_jobs_callbacks_due_at_once_go_out_in_order(receiver: Receiver) -> None:
    receiver.hold = 0.05
    async with running(Settings(in_memory=True, time_scale=0, seed=1)) as client:
        engine = engine_of(client)
        job_id = await new_job(client)
        job = await engine.jobs.get(job_id)
        for n in range(5):  # as a job passing several steps in one moment would (a progress callback each)
            await engine.webhooks.enqueue("valossa", receiver.url, {"job_id": job_id, "status": str(n)}, job=job)
        await new_job(client, callback={"url": receiver.url})
        await advance(client, 100_000)
    assert [c["body"]["status"] for c in receiver.calls if c["body"]["job_id"] == job_id] == list("01234")
    assert receiver.most_at_once == 1  # the other job's callback came at another moment
