"""The engine knows no service: clock, store, timers, jobs and webhooks, composed here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from ..heap import trim
from .clock import Clock
from .faults import Faults
from .ids import Ids
from .jobs import Jobs, Lifecycle
from .journal import Journal
from .model import Job, Step, Webhook
from .scenarios import Scenarios
from .scheduler import Scheduler
from .store import MemoryStore
from .webhooks import Webhooks

__all__ = ["Clock", "Engine", "Job", "Lifecycle", "Step", "Webhook"]

HOUSEKEEPING_SECONDS = 10.0  # real seconds between housekeeping rounds


class Engine:
    def __init__(
        self, *, time_scale: float, seed: int | None, data_dir: Path | None,
        wall: Callable[[], float] | None = None, scenario_dirs: list[Path] | None = None,
        builtin_scenarios: Path | None = None, watch: bool = False, journal_size: int = 1000,
        journal_body_limit: int = 4096,
    ) -> None:
        self.watch = watch
        self._watcher: asyncio.Task[None] | None = None
        self.clock = Clock(time_scale, wall) if wall else Clock(time_scale)
        if data_dir is None:
            self.store = MemoryStore()
        else:
            from .sqlite_store import SqliteStore  # aiosqlite is not needed for --in-memory

            self.store = SqliteStore(data_dir)
        self.seed = seed
        self.ids = Ids(seed, on_change=lambda counters: self.store.note_meta("ids", counters))
        self.scheduler = Scheduler(self.clock)
        self.scenarios = Scenarios(dirs=list(scenario_dirs or []), builtin=builtin_scenarios)
        self.faults = Faults(self.scenarios, self.clock, seed)
        self.jobs = Jobs(self.store, self.clock, self.scheduler, self.ids, self.scenarios)
        self.webhooks = Webhooks(self.store, self.clock, self.scheduler, self.ids)
        self.journal = Journal(self.clock, journal_size, journal_body_limit)
        self._reset_hooks: list[Callable[[], Awaitable[None]]] = []
        self._chores: list[Callable[[], Awaitable[None]]] = []
        self._chore_task: asyncio.Task[None] | None = None

    def housekeeping(self, chore: Callable[[], Awaitable[None]]) -> None:
        """Run `chore` every HOUSEKEEPING_SECONDS of real time and after every advance (forgetting expired
        uploads); each real-time round ends by handing the heap glibc holds free back to the system. Not a
        timer: it must not fire once per period through a long advance, and a service checks expiry itself
        when a thing is used, so the chore only frees memory."""
        self._chores.append(chore)

    async def _housekeep(self) -> None:
        for chore in self._chores:
            try:
                await chore()
            except Exception:  # a broken chore must not stop the others, nor the loop
                logging.getLogger("emulator").exception("housekeeping failed")

    async def _housekeeping_loop(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_SECONDS)
            await self._housekeep()
            # Under steady load glibc keeps the pages freed between rounds (~30 MB over its per-thread heaps:
            # result bodies, SQLite rows, request buffers) and RSS drifts up with them. 1-20 ms, off the loop.
            await asyncio.to_thread(trim)

    def on_reset(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` on every reset, after the engine forgot its state (a service's tokens, caches)."""
        self._reset_hooks.append(hook)

    async def start(self) -> None:
        await self.store.open()
        anchor = await self.store.get_meta("clock")
        if anchor:
            # Resume with the time that passed while the server was down.
            self.clock.restore(*anchor)
        await self._save_clock()
        self.ids.counters = dict(await self.store.get_meta("ids") or {})
        await self.jobs.load()
        await self.webhooks.load()
        self.scheduler.start()
        self._chore_task = asyncio.create_task(self._housekeeping_loop())
        if self.watch:
            self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watcher:
            self._watcher.cancel()
        if self._chore_task:
            self._chore_task.cancel()
        await self.scheduler.stop()
        await self.webhooks.close()
        await self._save_clock()
        await self.store.close()

    async def reset(self) -> None:
        """Forget every job, upload, webhook, journaled request and counter; the clock keeps its time."""
        self.scheduler.clear()
        self.journal.clear()
        await self.store.reset()
        self.ids.counters = {}
        self.jobs.reset()
        self.scenarios.reset()
        self.faults.reset()
        for hook in self._reset_hooks:
            await hook()
        await self._save_clock()

    async def advance(self, seconds: float) -> int:
        fired = await self.scheduler.advance(seconds)
        await self._housekeep()
        await self._save_clock()
        return fired

    async def _save_clock(self) -> None:
        await self.store.set_meta("clock", list(self.clock.anchor()))

    async def _watch(self) -> None:
        """--watch: reload scenario files when they change (jobs keep the timeline they started with)."""
        while True:
            await asyncio.sleep(1.0)
            try:
                self.scenarios.reload_if_changed()
            except OSError as exc:  # a file vanished mid-scan: try again next time
                logging.getLogger("emulator.scenarios").warning("scenario watch: %s", exc)
