"""callback.url: one POST through the outbox at an end state, retried with backoff on failure."""

from __future__ import annotations

import socket

import httpx
from helpers import Receiver, advance, new_job, status


async def finish(client: httpx.AsyncClient, job_id: str) -> None:
    """Advance to the second the job finishes (so retry times can be counted from there)."""
    while (await status(client, job_id))["status"] != "finished":
        await advance(client, 1)


async def test_callback_posts_the_job_status_once(client: httpx.AsyncClient, receiver: Receiver) -> None:
    job_id = await new_job(client, callback={"url": receiver.url})
    await advance(client, 30)
    assert receiver.calls == []  # nothing before an end state
    await finish(client, job_id)
    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert call["path"] == "/hook"
    assert call["headers"]["Content-Type"] == "application/json"
    assert call["body"] == {"job_id": job_id, "status": "finished", "media_transfer_status": "finished",
                            "details": None, "poll_again_after_seconds": None}
    await advance(client, 100_000)
    assert len(receiver.calls) == 1


async def test_callback_retried_after_500_with_backoff(client: httpx.AsyncClient, receiver: Receiver) -> None:
    receiver.script = [500, 503]
    job_id = await new_job(client, callback={"url": receiver.url})
    await finish(client, job_id)
    assert len(receiver.calls) == 1
    await advance(client, 9)
    assert len(receiver.calls) == 1  # first retry 10 s after the failure
    await advance(client, 1)
    assert len(receiver.calls) == 2
    await advance(client, 19)
    assert len(receiver.calls) == 2  # then 20 s
    await advance(client, 1)
    assert len(receiver.calls) == 3
    await advance(client, 100_000)
    assert len(receiver.calls) == 3  # delivered: no more
    assert all(c["body"]["job_id"] == job_id for c in receiver.calls)


async def test_unreachable_receiver_gets_four_attempts(client: httpx.AsyncClient) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    job_id = await new_job(client, callback={"url": f"http://127.0.0.1:{port}/cb"})
    await finish(client, job_id)
    await advance(client, 100_000)
    hooks = await client._transport.app.state.engine.store.list_webhooks()  # type: ignore[attr-defined]
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook.state == "failed"
    assert len(hook.attempts) == 4  # the first try and 3 retries
    assert all(a["error"] and a["status_code"] is None for a in hook.attempts)
    gaps = [round(b["at"] - a["at"]) for a, b in zip(hook.attempts, hook.attempts[1:], strict=False)]
    assert gaps == [10, 20, 40]
