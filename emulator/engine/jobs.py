"""The job state machine. A service describes its lifecycle (a Lifecycle); the engine walks each job
through its resolved timeline on the virtual clock and tells the service when a job enters a step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .clock import Clock
from .ids import IdFormat, Ids
from .lifecycle_spec import LifecycleSpec
from .model import Job, Step
from .scenarios import Choice, Scenarios
from .scheduler import IN_TIMER, Scheduler
from .store import MemoryStore
from .timelines import resolve_timeline


class Lifecycle(Protocol):
    """What a service gives the engine for one kind of its jobs (services.lifecycle.ServiceLifecycle is a
    base with the defaults)."""

    service: str
    kind: str  # "job" for a service with one kind
    spec: LifecycleSpec
    id_format: IdFormat | None  # None: UUIDs

    def timeline(self, job: Job) -> list[Step]:
        """The steps a new job goes through (its state table resolved for this job)."""

    def planned(self, job: Job) -> None:
        """A new job's timeline is resolved (its own or its scenario's): a last change to it before the job is
        first written and entered (the Gateway's queue adds the steps where a job waits for a worker)."""

    async def on_enter(self, job: Job, previous: str | None) -> None:
        """Side effects of entering job.current (e.g. a callback on a terminal state)."""

    def success_step(self, job: Job) -> Step:
        """The terminal step a job jumps to when told to complete now."""

    def failure_step(self, job: Job, details: str | None) -> Step:
        """The terminal step a job jumps to when told to fail now."""

    def view(self, job: Job) -> dict[str, Any]:
        """The service's own body for the job (Valossa: job_status): for routes, webhooks and the admin API."""


class Jobs:
    def __init__(
        self, store: MemoryStore, clock: Clock, scheduler: Scheduler, ids: Ids, scenarios: Scenarios
    ) -> None:
        self.store, self.clock, self.scheduler, self.ids = store, clock, scheduler, ids
        self.scenarios = scenarios
        self.lifecycles: dict[tuple[str, str], Lifecycle] = {}  # by (service, kind)
        self.seq = 0
        scheduler.on("job", self._fire)

    def register(self, lifecycle: Lifecycle) -> None:
        key = (lifecycle.service, lifecycle.kind)
        self.lifecycles[key] = lifecycle
        self.scenarios.specs[key] = lifecycle.spec

    def lifecycle(self, job: Job) -> Lifecycle:
        return self.lifecycles[(job.service, job.kind)]

    def view(self, job: Job) -> dict[str, Any]:
        return self.lifecycles[(job.service, job.kind)].view(job)

    async def load(self) -> None:
        """After a restart: put every waiting job's timer back (overdue ones fire at once, in order)."""
        for due, job_id in await self.store.due_jobs():
            self.scheduler.add(due, "job", job_id)
        self.seq = int(await self.store.get_meta("job_seq") or 0)

    def reset(self) -> None:
        self.seq = 0

    async def create(
        self, service: str, owner: str, request: dict[str, Any], *, kind: str = "job", ref: str | None = None,
        media: dict[str, Any] | None = None, facts: dict[str, Any] | None = None, choice: Choice | None = None,
    ) -> Job:
        """A new job; `choice` is the scenario it runs (its media, timeline and webhook policy)."""
        lifecycle = self.lifecycles[(service, kind)]
        now = self.clock.now()
        self.seq += 1
        counter = f"{service}-job" if kind == "job" else f"{service}-{kind}"
        job = Job(
            id=self.ids.next(counter, lifecycle.id_format), service=service, kind=kind, owner=owner,
            request=request, timeline=[], created=now, seq=self.seq, ref=ref, media=media or {}, facts=facts or {},
        )
        scenario = choice.scenario if choice else None
        if choice is not None and scenario is not None:
            job.scenario = choice.name
            _apply_media(job.media, scenario.media)
            if scenario.webhooks:
                job.policy = scenario.webhooks.model_dump()
            if scenario.results:
                job.options = scenario.results
            self.scenarios.commit(service, kind, choice)
        if scenario is not None and scenario.timeline:
            job.timeline = resolve_timeline(scenario, lifecycle.spec, float(job.media.get("duration_s") or 0))
        else:
            job.timeline = lifecycle.timeline(job)
        lifecycle.planned(job)
        self._enter(job, 0, now)
        self.store.note_meta("job_seq", self.seq)
        entered = len(job.history)
        await self.store.put_job(job)
        if len(job.history) == entered:
            # While its commit was awaited, a timer may have moved the job on (a zero-length first step), and
            # that move ran its own side effects: entering the first step again would repeat them.
            await lifecycle.on_enter(job, None)
        return job

    async def get(self, job_id: str) -> Job | None:
        return await self.store.get_job(job_id)

    async def list(
        self, service: str, owner: str | None = None, ref: str | None = None, kind: str | None = None
    ) -> list[Job]:
        return await self.store.list_jobs(service, owner, ref, kind=kind)

    async def page(self, service: str, offset: int, limit: int) -> tuple[Sequence[Job], int]:
        """A page of a service's jobs, newest first, and how many there are: only the page is read."""
        return (await self.store.list_jobs(service, limit=limit, offset=offset),
                await self.store.count_jobs(service))

    async def delete(self, job: Job) -> None:
        job.next_due = None  # its pending timer finds nothing to do
        await self.store.delete_job(job.id)

    async def jump(self, job: Job, step: Step) -> Job:
        """Replace the rest of the job's timeline with `step` and enter it now (cancel, fail, complete)."""
        job.timeline = job.timeline[: job.step + 1] + [step]
        await self._move(job, job.step + 1, self.clock.now(), whole=True)
        return job

    async def complete(self, job: Job) -> Job:
        return await self.jump(job, self.lifecycle(job).success_step(job))

    async def fail(self, job: Job, details: str | None = None) -> Job:
        return await self.jump(job, self.lifecycle(job).failure_step(job, details))

    async def advance(self, job: Job) -> Job:
        """Enter the next step now, as if its timer had fired; from a timer's handler (a service's queue
        starting its next job), not waited for on disk either, as a timer's own move (_fire)."""
        if job.step + 1 < len(job.timeline):
            await self._move(job, job.step + 1, self.clock.now(), wait=not IN_TIMER.get())
        return job

    async def _fire(self, job_id: str, due: float) -> None:
        job = self.store.timed_job(job_id)  # never a read from disk: a deleted job's timer finds nothing
        if job is None or job.next_due != due:
            return  # deleted, or moved on by another path since this timer was set
        # A timer's move is not waited for on disk: timers would otherwise go one commit at a time, and after
        # a crash the job resumes from its previous state and the overdue timer makes the same move again.
        if job.step + 1 < len(job.timeline):
            await self._move(job, job.step + 1, due, wait=False)
        else:
            job.next_due = None
            job.settle()
            await self.store.put_job(job, wait=False)

    async def _move(self, job: Job, index: int, at: float, *, wait: bool = True, whole: bool = False) -> None:
        """whole: the timeline changed too (a jump); else only the job's position is written."""
        previous = job.state
        self._enter(job, index, at)
        if whole:
            await self.store.put_job(job, wait=wait)
        else:
            await self.store.move_job(job, wait=wait)
        await self.lifecycle(job).on_enter(job, previous)

    def _enter(self, job: Job, index: int, at: float) -> None:
        job.memo.clear()
        job.step, job.step_started = index, at
        seconds = job.timeline[index].seconds
        job.next_due = None if seconds is None else at + seconds
        job.history.append((job.state, at))
        if job.next_due is not None:
            self.scheduler.add(job.next_due, "job", job.id)
        else:
            job.settle()


def _apply_media(media: dict[str, Any], spec: Any) -> None:
    """A scenario's media block wins over what the service derived (keys shared by every service)."""
    if spec is None:
        return
    if spec.duration is not None:
        media["duration_s"] = spec.duration
    if spec.fps is not None:
        media["fps"] = spec.fps
    if spec.resolution:
        width, height = spec.resolution.split("x")
        media["x_pixels"], media["y_pixels"] = int(width), int(height)
