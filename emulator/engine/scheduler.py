"""Timers keyed by virtual due time. Nothing scans all jobs: each job or webhook puts its next timer here.

The background loop sleeps (in real time) until the earliest timer falls due at the clock's time scale;
advance() fires every timer that falls due, in order, each at its own due time, before it returns.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar

from ..heap import trim
from .clock import Clock

log = logging.getLogger("emulator.scheduler")
# The real-time loop wakes this much (real seconds) after a timer is due, so that timers falling due close
# together fire in one wake-up instead of one each (thousands of jobs a second would otherwise mean thousands
# of wake-ups). Never early: a timer fires at its own due time on the virtual clock, and advance() is exact.
BATCH_SLACK = 0.005
# advance() does not wait for a background timer (a webhook delivery attempt) before firing the next timers, as
# long as they fall due before its horizon: the earliest virtual time its outcome (a retry, a duplicate) can put a
# timer at. Before any timer at or past it, and before it answers, advance waits for it, for as long as such
# attempts keep finishing: a local receiver answers, so callbacks and their retries play out in virtual-time order
# before advance answers, a burst of them at the pace the receiver takes (at most sender.LIMIT at once). When none
# of them has finished for ADVANCE_WAIT (real seconds: a receiver that hangs), advance stops waiting; such waits
# may take ADVANCE_WAIT_TOTAL in all per advance. An attempt left running goes on in the background, and its
# outcome and retry are recorded when it ends.
ADVANCE_WAIT = 2.0
ADVANCE_WAIT_TOTAL = 5.0
# After an advance fires this many timers (most jobs of a batch ended), a full collection: the free lists of
# small objects (tuples, floats, dicts) keep thousands of those jobs' blocks, scattered over the allocator's
# arenas, which keeps every arena resident; emptied, the arenas are returned (~20 ms with little in flight).
COLLECT_AFTER = 10_000
Handler = Callable[[str, float], Awaitable[None]]
Horizon = Callable[[str, float], float]
# True while a timer's own handler runs (not a background one): what it stores need not be awaited on disk (a
# job's move is not; see Jobs._fire), or timers would go one commit at a time.
IN_TIMER: ContextVar[bool] = ContextVar("in_timer", default=False)


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, str, str]] = []
        self._count = itertools.count()
        self._handlers: dict[str, tuple[Handler, bool, Horizon | None]] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def on(self, kind: str, handler: Handler, background: bool = False, horizon: Horizon | None = None) -> None:
        """background=True: run it as a task (a slow webhook receiver must not hold up job timers); advance()
        waits for it (see ADVANCE_WAIT) so a prompt receiver's effects are visible when advance returns.
        horizon(key, due): the earliest virtual time the task can add a timer at (else `due`): advance fires
        the timers before it meanwhile."""
        self._handlers[kind] = (handler, background, horizon)

    def add(self, due: float, kind: str, key: str) -> None:
        heapq.heappush(self._heap, (due, next(self._count), kind, key))
        if self._heap[0][0] == due:
            self._wake.set()

    def clear(self) -> None:
        self._heap.clear()

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    async def run_until(self, until: float, inline: bool = True) -> int:
        """Fire every timer due at or before `until`, in due order; returns how many fired. inline=True
        (advance, admin actions): wait a little for background timers, see ADVANCE_WAIT."""
        fired = 0
        budget = ADVANCE_WAIT_TOTAL  # for waits that run out; attempts that finish in time cost nothing
        async with self._lock:
            if inline and self._tasks:
                # Attempts the real-time loop started just before (a timer due now, with time frozen): their
                # outcome, and any retry they schedule, belong to this advance too.
                budget = await self._wait(list(self._tasks), budget)
            # Background timers fired here and not yet waited for: (horizon, n, task), the soonest horizon first.
            inflight: list[tuple[float, int, asyncio.Task[None]]] = []
            while True:
                ready = bool(self._heap) and self._heap[0][0] <= until
                while inflight and inflight[0][2].done():
                    heapq.heappop(inflight)
                if inflight and (not ready or inflight[0][0] <= self._heap[0][0]):
                    reached = self._heap[0][0] if ready else math.inf
                    waited = []
                    while inflight and inflight[0][0] <= reached:
                        waited.append(heapq.heappop(inflight)[2])
                    budget = await self._wait(waited, budget)  # they end before anything they may cause
                    continue  # their retries may fall due before the next timer
                if not ready:
                    break
                due, _, kind, key = heapq.heappop(self._heap)
                handler, background, horizon = self._handlers[kind]
                self.clock.set(due)
                fired += 1
                if not background:
                    token = IN_TIMER.set(True)
                    try:
                        await self._guard(handler, key, due)
                    finally:
                        IN_TIMER.reset(token)
                    continue
                task = asyncio.create_task(self._guard(handler, key, due))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                if inline:
                    heapq.heappush(inflight, (horizon(key, due) if horizon else due, next(self._count), task))
        return fired

    @staticmethod
    async def _wait(tasks: Iterable[asyncio.Task[None]], budget: float) -> float:
        """Wait for background timers while they keep finishing: give up on the rest once none has finished
        for ADVANCE_WAIT; what is left of the budget for waits that ran out."""
        pending = {t for t in tasks if not t.done()}
        if not pending or budget <= 0:
            return budget
        progress = asyncio.Event()

        def finished(task: asyncio.Task[None]) -> None:
            pending.discard(task)
            progress.set()

        for task in pending:  # a callback each, not asyncio.wait per finish: that is O(tasks) every time
            task.add_done_callback(finished)
        try:
            while pending and budget > 0:
                progress.clear()
                wait = min(ADVANCE_WAIT, budget)
                try:
                    await asyncio.wait_for(progress.wait(), wait)
                except TimeoutError:
                    budget -= wait
        finally:
            for task in pending:
                task.remove_done_callback(finished)
        return budget

    async def advance(self, seconds: float) -> int:
        target = self.clock.now() + seconds
        fired = await self.run_until(target, inline=True)
        self.clock.set(target)
        if fired >= COLLECT_AFTER:
            gc.collect()
            trim()
        return fired

    @staticmethod
    async def _guard(handler: Handler, key: str, due: float) -> None:
        try:
            await handler(key, due)
        except Exception:  # one broken timer must not stop the others
            log.exception("timer %s failed", key)

    # --- the real-time loop
    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._loop_task:
            self._loop_task.cancel()
            try:
                await self._loop_task
            except asyncio.CancelledError:
                pass
            self._loop_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            due = self.next_due()
            delay = self.clock.real_seconds_until(due) if due is not None else float("inf")
            if delay > 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), None if delay == float("inf") else delay + BATCH_SLACK)
                except TimeoutError:
                    pass
                continue
            await self.run_until(self.clock.now(), inline=False)
