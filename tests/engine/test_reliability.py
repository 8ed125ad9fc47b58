"""What a probe under load found, each guarded: timers never wait on I/O for deleted jobs, one callback per end
state, advance does not wait out a hung receiver, a request nobody answered is journaled as 0."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import Receiver, advance, live, new_job, running

from emulator.settings import Settings


def sqlite(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, time_scale=0, seed=4)


async def test_timers_of_deleted_jobs_never_read_the_store(tmp_path: Path) -> None:
    async with running(sqlite(tmp_path)) as client:
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        ids = [await new_job(client) for _ in range(40)]
        for job_id in ids[:20]:
            r = await client.post("/core/1.0/delete_job", json={"api_key": "key-a", "job_id": job_id})
            assert r.status_code == 200
        reads: list[str] = []
        real_get = engine.store.get_job

        async def counted(job_id: str):  # type: ignore[no-untyped-def]
            reads.append(job_id)
            return await real_get(job_id)

        engine.store.get_job = counted
        fired = (await advance(client, 3600))["fired"]
        assert fired >= 20 * 4  # the deleted jobs' timers fired too, and found nothing to do
        assert reads == []  # no timer waited on the store
        engine.store.get_job = real_get
        for job_id in ids[20:]:
            r = await client.get("/core/1.0/job_status", params={"api_key": "key-a", "job_id": job_id})
            assert r.json()["status"] == "finished"


async def test_a_job_moved_on_during_its_commit_calls_back_once(tmp_path: Path, receiver: Receiver) -> None:
    """A timer may end a job while new_job still awaits its commit (time scale 6000, an instant scenario): the
    end state's callback goes out once, not again when new_job resumes."""
    async with running(sqlite(tmp_path)) as client:
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        zero = "service: valossa\nmatch: {default: true}\ntimeline:\n  - state: queued\n  - after: 0s\n" \
               "    state: finished\n"
        assert (await client.put("/_emulator/scenarios/zero", content=zero)).status_code == 200
        real_put = engine.store.put_job

        async def put_then_fire(job, *, wait=True):  # type: ignore[no-untyped-def]
            await real_put(job, wait=wait)
            if wait and job.step == 0:
                await engine.scheduler.run_until(engine.clock.now())  # the timer fires before create resumes

        engine.store.put_job = put_then_fire
        job_id = await new_job(client, callback={"url": receiver.url})
        engine.store.put_job = real_put
        await advance(client, 60)
        hooks = await engine.store.list_webhooks(job_id)
        assert [h.body["status"] for h in hooks] == ["finished"]
        assert [c["body"]["job_id"] for c in receiver.calls] == [job_id]


@pytest.fixture
def hung_receiver() -> Iterator[str]:
    """Accepts connections and reads, never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


async def test_advance_does_not_wait_out_a_hung_receiver(hung_receiver: str) -> None:
    async with running(Settings(in_memory=True, time_scale=0)) as client:
        engine = client._transport.app.state.engine  # type: ignore[attr-defined]
        engine.webhooks.timeout = 8.0  # each attempt would hold advance 8 s, each job's four attempts 32 s
        for _ in range(2):
            await new_job(client, callback={"url": hung_receiver})
        started = time.monotonic()
        clock = await advance(client, 3600)
        assert time.monotonic() - started < 7  # at most ADVANCE_WAIT_TOTAL (5 s) spent on the attempts
        assert clock["fired"] > 0
        hooks = (await client.get("/_emulator/webhooks")).json()["webhooks"]
        assert len(hooks) == 2 and all(h["status"] == "pending" for h in hooks)  # their attempts go on


def test_a_request_whose_client_left_is_journaled_as_0() -> None:
    with live(Settings(in_memory=True, time_scale=0)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /core/1.0/new_job HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 500\r\n\r\n{\"api_key\": ")
        entries: list[dict[str, object]] = []
        for _ in range(200):  # the server notices the disconnect on its own schedule
            entries = httpx.get(url + "/_emulator/requests", params={"path": "/core/1.0/new_job"}).json()["requests"]
            if entries:
                break
        assert [e["status"] for e in entries] == [0]
