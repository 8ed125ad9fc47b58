"""The Valossa Core job lifecycle (docs: job_status, core concepts) as a table the engine walks.

queued (media queued -> downloading) -> preparing_analysis -> processing -> finished | error.
Durations are simulated seconds; processing grows with the media duration.
"""

from __future__ import annotations

import math
from typing import Any

from ...engine import Engine, Job, Step
from ...engine.lifecycle_spec import LifecycleSpec
from ..lifecycle import ServiceLifecycle
from .facts import ValossaFacts
from .results.transcript import prepare as prepare_transcript

SERVICE = "valossa"
STATES = ("queued", "on_hold", "preparing_analysis", "processing", "finished", "error")
TERMINAL = ("finished", "error")
CANCELLABLE = ("queued", "on_hold")
TRANSFER = ("queued", "downloading", "finished", "error")

# poll_again_after_seconds as the real service would suggest it (docs example: 30 while processing).
POLL_QUEUED = 60
POLL_RUNNING = 30


def default_timeline(duration_s: float) -> list[Step]:
    def step(state: str, seconds: float | None, transfer: str, poll: int | None) -> Step:
        fields = {"media_transfer_status": transfer, "details": None, "poll_again_after_seconds": poll}
        return Step(state, None if seconds is None else round(seconds, 3), fields)

    return [
        step("queued", 10, "queued", POLL_QUEUED),
        step("queued", 5 + 0.05 * duration_s, "downloading", POLL_QUEUED),
        step("preparing_analysis", 20, "finished", POLL_RUNNING),
        step("processing", 60 + 0.5 * duration_s, "finished", POLL_RUNNING),
        step("finished", None, "finished", None),
    ]


def state_defaults(state: str) -> dict[str, Any]:
    """Side fields of a state when a scenario does not say them."""
    transfer = {"queued": "queued", "on_hold": "queued", "error": "error"}.get(state, "finished")
    poll = None if state in TERMINAL else POLL_QUEUED if state in CANCELLABLE else POLL_RUNNING
    details = "Analysis failed" if state == "error" else None
    return {"media_transfer_status": transfer, "details": details, "poll_again_after_seconds": poll}


SPEC = LifecycleSpec(
    service=SERVICE, states=STATES, terminal=TERMINAL, initial="queued",
    fields={"media_transfer_status": TRANSFER, "details": None, "poll_again_after_seconds": None},
    defaults=state_defaults,
)


def error_step(details: str, transfer: str) -> Step:
    return Step("error", None, {"media_transfer_status": transfer, "details": details,
                                "poll_again_after_seconds": None})


def status_view(job: Job, time_scale: float) -> dict[str, Any]:
    """The job_status body; also the callback body and the admin API's view."""
    fields = job.fields()
    poll = fields.get("poll_again_after_seconds")
    if job.state in TERMINAL:
        poll = None
    elif poll is not None and time_scale > 0:
        # Real suggestion scaled to emulated time, so a polite client polls as often as it should.
        poll = max(1, math.ceil(poll / time_scale))
    return {
        "job_id": job.id,
        "status": job.state,
        "media_transfer_status": fields.get("media_transfer_status"),
        "details": fields.get("details"),
        "poll_again_after_seconds": poll,
    }


class ValossaLifecycle(ServiceLifecycle):
    service = SERVICE
    spec = SPEC

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def view(self, job: Job) -> dict[str, Any]:
        return status_view(job, self.engine.clock.scale)

    def timeline(self, job: Job) -> list[Step]:
        return default_timeline(job.media["duration_s"])

    def success_step(self, job: Job) -> Step:
        return default_timeline(0)[-1]

    def failure_step(self, job: Job, details: str | None) -> Step:
        transfer = job.fields().get("media_transfer_status")
        return error_step(details or "Analysis failed", transfer if transfer == "finished" else "error")

    async def on_enter(self, job: Job, previous: str | None) -> None:
        facts = ValossaFacts(job)
        if (job.state in ("preparing_analysis", "processing", "finished") and facts.transcript is None
                and "transcript" in job.request.get("media", ())):
            # The transcript is read once the media is in; a broken one ends the job in error.
            problem = await prepare_transcript(job)
            if problem:
                await self.engine.jobs.jump(job, error_step(problem, "finished"))
                return
            if facts.transcript is not None:
                await self.engine.store.move_job(job)  # a fact: written with the job's position
        url = (job.request.get("callback") or {}).get("url")
        if url and job.state in TERMINAL and previous not in TERMINAL:
            await self.engine.webhooks.enqueue(SERVICE, url, self.view(job), job=job, event=job.state)
