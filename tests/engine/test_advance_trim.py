"""An advance that fires many timers ends by collecting garbage and handing freed heap back to the system
(glibc's malloc_trim), so RSS does not stay at the peak of the jobs that were in flight."""

from __future__ import annotations

import asyncio

import pytest
from helpers import advance, new_job, running

from emulator import engine, heap
from emulator.engine import scheduler
from emulator.settings import Settings


async def test_a_big_advance_trims_the_heap_and_a_small_one_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []
    monkeypatch.setattr(heap, "_malloc_trim", trims.append)
    monkeypatch.setattr(scheduler, "COLLECT_AFTER", 5)
    async with running(Settings(in_memory=True, time_scale=0, seed=1)) as c:
        await new_job(c)
        await advance(c, 1)  # fires fewer timers than COLLECT_AFTER
        assert trims == []
        for _ in range(3):
            await new_job(c)
        fired = (await advance(c, 100_000))["fired"]
        assert fired >= 5 and trims == [0]


async def test_each_housekeeping_round_trims_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    # Under steady load no advance comes: the real-time housekeeping round hands the freed heap back instead
    # (in a worker thread: a first trim of a fragmented heap takes ~20 ms).
    loop = asyncio.get_running_loop()
    trimmed = asyncio.Event()

    def trim(pad: int) -> None:
        assert pad == 0
        loop.call_soon_threadsafe(trimmed.set)

    monkeypatch.setattr(heap, "_malloc_trim", trim)
    monkeypatch.setattr(engine, "HOUSEKEEPING_SECONDS", 0.0)  # rounds back to back: no time passes
    async with running(Settings(in_memory=True, time_scale=0, seed=1)) as c:
        await new_job(c)
        await asyncio.wait_for(trimmed.wait(), 10)
