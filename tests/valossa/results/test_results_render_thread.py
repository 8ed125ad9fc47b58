"""A first render of job_results (0.1-0.5 s for a long video) runs in a worker thread: polls and timers go on
meanwhile, and concurrent first requests for one job all get the same bytes."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from valossa.results.support import Emu

from emulator.services.valossa.results import Results


async def test_polls_are_answered_while_a_document_renders(emu: Emu, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = await emu.finished()
    polled = threading.Event()
    waited: list[bool] = []
    build = Results._build

    def slow_build(self: Results, job: Any) -> dict[str, Any]:
        # Blocks until a job_status has been answered: on the event loop that could never happen.
        waited.append(polled.wait(timeout=5))
        return build(self, job)

    monkeypatch.setattr(Results, "_build", slow_build)

    async def poll() -> None:
        while not waited and not polled.is_set():
            assert (await emu.status(job_id))["status"] == "finished"
            polled.set()
            await asyncio.sleep(0)

    results, _ = await asyncio.gather(emu.results(job_id), poll())
    assert results.status_code == 200 and results.json()["job_info"]["job_id"] == job_id
    assert waited == [True]


async def test_concurrent_first_renders_agree(emu: Emu) -> None:
    job_id = await emu.finished()
    answers = await asyncio.gather(*(emu.results(job_id, t) for t in ("core", "speech_to_text_srt") * 4))
    assert all(r.status_code == 200 for r in answers)
    assert len({r.content for r in answers[0::2]}) == 1 and len({r.content for r in answers[1::2]}) == 1
    r = await emu.client.post("/core/1.0/delete_job", json={"api_key": "k", "job_id": job_id})
    assert r.status_code == 200, r.text
    assert (await emu.results(job_id)).status_code == 404
