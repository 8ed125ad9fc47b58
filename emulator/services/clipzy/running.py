"""Which video has a job running (queued or processing): the rule "one running job per video" checked in O(1),
with no store scan and no wait for queued writes. Kept up to date from the lifecycle's on_enter (every move, an
admin jump included) and the create route; read from the store once after a restart, emptied on reset."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ...engine import Engine, Job
from .errors import JobAlreadyProcessing

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

SERVICE = "clipzy"
ACTIVE = ("queued", "processing")


class Running:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # video id -> its running job's id, or the creation of that job still under way (a future of the job,
        # None if the create failed): a second create for the video waits for it, not for the store.
        self.by_video: dict[str, str | asyncio.Future[Job | None]] = {}
        self._loaded: asyncio.Future[None] | None = None

    def reset(self) -> None:
        self.by_video.clear()
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        self._loaded = done  # the store was emptied too

    async def load(self) -> None:
        """After a restart, the running jobs from the store (once; concurrent callers wait for the one read)."""
        if self._loaded is None:
            self._loaded = asyncio.get_running_loop().create_future()
            try:
                for job in await self.engine.jobs.list(SERVICE):
                    if job.state in ACTIVE and job.ref is not None and job.ref not in self.by_video:
                        self.by_video[job.ref] = job.id
            except BaseException as exc:
                self._loaded.set_exception(exc)
                self._loaded.exception()  # retrieved: awaited by waiters only, never "never retrieved"
                self._loaded = None
                raise
            self._loaded.set_result(None)
        await asyncio.shield(self._loaded)

    def entered(self, job: Job) -> None:
        """A job moved: running again (an admin jump) or ended."""
        video = job.ref
        if video is None:
            return
        held = self.by_video.get(video)
        if job.state in ACTIVE:
            if held is None or isinstance(held, str):
                self.by_video[video] = job.id
        elif held == job.id:
            del self.by_video[video]

    async def create(self, video_id: str, make: Callable[[], Awaitable[Job]]) -> Job:
        """make() the video's job unless one is running (JobAlreadyProcessing)."""
        await self.load()
        while True:
            held = self.by_video.get(video_id)
            if held is None:
                break
            if isinstance(held, str):
                other = await self.engine.jobs.get(held)  # a running job is in memory: no disk read
                if other is not None and other.state in ACTIVE and other.ref == video_id:
                    raise JobAlreadyProcessing(video_id, other.id, other.state)
                if self.by_video.get(video_id) == held:  # deleted, or ended unseen: stale
                    del self.by_video[video_id]
                continue
            job = await asyncio.shield(held)
            if job is not None and job.state in ACTIVE:
                raise JobAlreadyProcessing(video_id, job.id, job.state)
            # that create failed, or its job ended already: look again
            if self.by_video.get(video_id) is held:
                del self.by_video[video_id]
        pending: asyncio.Future[Job | None] = asyncio.get_running_loop().create_future()
        self.by_video[video_id] = pending  # claimed before the first await: no second create slips in
        job = None
        try:
            job = await make()
        finally:
            pending.set_result(job)
            if self.by_video.get(video_id) is pending:
                if job is not None and job.state in ACTIVE:
                    self.by_video[video_id] = job.id
                else:
                    del self.by_video[video_id]
        return job
