"""The gateway's workers: a job waits in `pending` until one is free; when a job stops processing, the next
waiting job by priority (high, standard, low) then age starts. Built on the engine's generic moves: a waiting
job sits in a pending step with no end of its own (held), and starting it is engine.jobs.advance().

How many jobs are processed at once: gateway.workers, or the `workers` of the scenario of the job next in line
(scenario `results: {workers: 1}`). A scenario's pending step that has a duration is the least the job waits:
a held pending step is put after it, so the job still waits for a worker. A job moved on by other means (the
admin API's advance, a timeline that starts in processing) takes a worker even when none is free."""

from __future__ import annotations

import heapq
from typing import Any

from ...engine import Engine, Job, Step
from .facts import GatewayFacts
from .lifecycle import HELD, SERVICE, held

RANKS = {"high": 0, "standard": 1, "low": 2}
TIMER = "gateway-queue"  # the scheduler's timer kind for a dispatch round


def priority(job: Job) -> str:
    options = job.request["data"]["attributes"].get("options") or {}
    value = options.get("priority", "standard")
    return value if value in RANKS else "standard"


class Queue:
    def __init__(self, engine: Engine, workers: int) -> None:
        self.engine, self.workers = engine, workers
        self.waiting: dict[str, tuple[int, float, int]] = {}  # job id -> (rank, created, seq): the order
        # The same jobs in line, a heap of (key, id): the next one is found in O(log n), not by sorting the
        # lot each round. Entries of jobs no longer waiting stay until they reach the top (checked there).
        self._line: list[tuple[tuple[int, float, int], str]] = []
        self.running: dict[str, int] = {}  # job id -> worker slot (1-based)
        self.loaded = False  # after a restart the jobs are read from the store once, when first needed
        self._busy = False
        self._again = False
        self._due: float | None = None  # when the pending dispatch timer fires
        self._changed: set[str] = set()  # jobs whose last move took or freed a worker, or joined the queue
        engine.scheduler.on(TIMER, self._fire)

    def reset(self) -> None:
        self.waiting.clear()
        self._line.clear()
        self.running.clear()
        self._changed.clear()
        self._due = None  # the engine cleared its timers
        self.loaded = True  # the store was emptied too

    async def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        for job in await self.engine.jobs.list(SERVICE):
            if job.state == "processing" and job.id not in self.running:
                self.running[job.id] = GatewayFacts(job).worker or self._free_slot()
            elif held(job):
                self._wait(job)

    @staticmethod
    def _key(job: Job) -> tuple[int, float, int]:
        return RANKS[priority(job)], job.created, job.seq

    def _wait(self, job: Job) -> None:
        key = self._key(job)
        if self.waiting.get(job.id) == key:
            return  # in line already
        self.waiting[job.id] = key
        heapq.heappush(self._line, (key, job.id))
        if len(self._line) > 2 * len(self.waiting) + 64:  # mostly stale entries: rebuild from `waiting`
            self._line[:] = [(k, i) for i, k in self.waiting.items()]  # in place: a round may hold it
            heapq.heapify(self._line)

    def capacity(self, job: Job) -> int:
        workers: Any = (job.options or {}).get("workers")
        if isinstance(workers, int) and not isinstance(workers, bool) and workers >= 1:
            return workers
        return self.workers

    def _free_slot(self) -> int:
        taken = set(self.running.values())
        slot = 1
        while slot in taken:
            slot += 1
        return slot

    @staticmethod
    def plan(job: Job) -> None:
        """A new job: after each pending step that ends by itself (a scenario's least wait) comes a held one."""
        steps: list[Step] = []
        for i, step in enumerate(job.timeline):
            steps.append(step)
            following = job.timeline[i + 1] if i + 1 < len(job.timeline) else None
            if (i >= job.step and step.state == "pending" and step.seconds is not None and following is not None
                    and following.state != "pending"):
                held = HELD if (step.fields, step.progress) == (HELD.fields, HELD.progress) else None
                steps.append(held or Step("pending", None, step.fields, step.progress))
        job.timeline = steps

    async def entered(self, job: Job) -> None:
        """Book the job's new state: a worker taken or freed, a place in the queue."""
        await self.load()
        facts = GatewayFacts(job)
        if job.state == "processing":
            self.waiting.pop(job.id, None)
            if job.id not in self.running:
                self.running[job.id] = self._free_slot()
            facts.worker = self.running[job.id]
            return
        if self.running.pop(job.id, None) is not None:
            self._changed.add(job.id)
        if held(job):
            self._wait(job)
            self._changed.add(job.id)
        else:
            self.waiting.pop(job.id, None)

    async def after(self, job: Job) -> None:
        """After the job's move (and its webhook): a worker freed or a job waiting starts the next round, on a
        timer due now, so every job that moves at this instant is in line first (priority decides, not which
        of them moved first)."""
        if job.id in self._changed:
            self._changed.discard(job.id)
            self.wake()

    def wake(self) -> None:
        now = self.engine.clock.now()
        if self._due is not None and self._due <= now:
            return  # a round is already due
        self._due = now
        self.engine.scheduler.add(now, TIMER, "dispatch")

    async def _fire(self, key: str, due: float) -> None:
        self._due = None
        await self.dispatch()

    async def dispatch(self) -> None:
        """Start waiting jobs while workers are free. Re-entrant calls (a job started here that ends at once,
        another request) only ask for one more round."""
        self._again = True
        if self._busy:
            return
        self._busy = True
        try:
            while self._again:
                self._again = False
                await self._round()
        finally:
            self._busy = False

    async def _round(self) -> None:
        await self.load()
        line = self._line
        while line:
            key, job_id = line[0]
            if self.waiting.get(job_id) != key:
                heapq.heappop(line)  # started, gone or back in line under another key since it was pushed
                continue
            job = await self.engine.jobs.get(job_id)
            if self.waiting.get(job_id) != key or not line or line[0] != (key, job_id):
                continue  # the line changed while the job was read (another request, a round re-entered)
            if job is None or job.service != SERVICE or not held(job):
                self.waiting.pop(job_id, None)
                heapq.heappop(line)
                continue
            if len(self.running) >= self.capacity(job):
                return  # strictly in order: the job next in line waits for a worker, and so do those after it
            self.waiting.pop(job_id)
            heapq.heappop(line)
            self.running[job_id] = self._free_slot()
            GatewayFacts(job).worker = self.running[job_id]
            await self.engine.jobs.advance(job)
