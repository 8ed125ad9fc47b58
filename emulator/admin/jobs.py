"""/_emulator/jobs: every job of every service with its timeline position, history, the service's own status
body and its webhooks; and job control: advance to the next step, complete or fail now. Control goes through
the engine's state machine, so each action has the side effects of the natural path (callbacks included)."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..engine import Engine, Job
from ..services import Service
from . import webhooks
from .errors import AdminError, integer, load_json


def mask_key(key: str) -> str:
    """The owner's API key as "****" + its last 4 characters (only "****" for a key that short)."""
    return "****" + key[-4:] if len(key) > 4 else "****"


def routes(engine: Engine, services: list[Service]) -> list[Route]:
    iso = engine.clock.iso

    def terminal(job: Job) -> bool:
        """In one of the service's end states (a job held for ever elsewhere can still complete or fail)."""
        lifecycle = engine.jobs.lifecycles.get(job.key)
        return job.state in lifecycle.spec.terminal if lifecycle is not None else job.terminal

    async def view(job: Job) -> dict[str, Any]:
        now = engine.clock.now()
        nxt = None
        if job.next_due is not None and job.step + 1 < len(job.timeline):
            nxt = {"state": job.timeline[job.step + 1].state, "at": iso(job.next_due),
                   "in_seconds": round(max(job.next_due - now, 0.0), 3)}
        lifecycle = engine.jobs.lifecycles.get(job.key)
        status = lifecycle.view(job) if lifecycle is not None else {"status": job.state}
        return {
            "id": job.id,
            "service": job.service,
            "kind": job.kind,
            "key": mask_key(job.owner),
            "state": job.state,
            "state_since": iso(job.step_started),
            "created": iso(job.created),
            "scenario": job.scenario,
            "history": [{"state": state, "at": iso(at)} for state, at in job.history],
            "next": nxt,
            "status": status,
            "webhooks": await webhooks.of_job(engine, job.id),  # indexed by job in both stores
        }

    async def find(request: Request) -> Job:
        job_id = request.path_params["id"]
        job = await engine.jobs.get(job_id)
        if job is None:
            raise AdminError(404, f"no job {job_id!r}")
        return job

    async def list_jobs(request: Request) -> Response:
        query = request.query_params
        state = query.get("status")
        limit = integer(query, "limit", 1)
        if state is None:  # the store stops at the limit
            matched = await engine.store.list_jobs(query.get("service"), query.get("key"), limit=limit,
                                                   kind=query.get("kind"))
        else:  # every job is read, a batch at a time: only the matches are kept (and become views)
            matched = []
            async with aclosing(engine.store.scan_jobs(query.get("service"), query.get("key"),
                                                       kind=query.get("kind"))) as jobs:
                async for job in jobs:
                    if job.state == state:
                        matched.append(job)
                        if limit is not None and len(matched) >= limit:
                            break
        return JSONResponse({"jobs": [await view(j) for j in matched]})

    async def get_job(request: Request) -> Response:
        return JSONResponse(await view(await find(request)))

    async def advance(request: Request) -> Response:
        job = await find(request)
        if job.step + 1 >= len(job.timeline):
            why = f"it ended in state {job.state!r}" if terminal(job) else f"{job.state!r} is its last step"
            raise AdminError(409, f"job {job.id} cannot advance: {why}")
        return await acted(await engine.jobs.advance(job))

    async def acted(job: Job) -> Response:
        """After a control action: let the callbacks it caused go out, then answer the job's view."""
        await webhooks.settle(engine)
        return JSONResponse(await view(job))

    def not_ended(job: Job, action: str) -> None:
        if terminal(job):
            raise AdminError(409, f"job {job.id} cannot {action}: it already ended in state {job.state!r}")

    async def complete(request: Request) -> Response:
        job = await find(request)
        not_ended(job, "complete")
        return await acted(await engine.jobs.complete(job))

    async def fail(request: Request) -> Response:
        job = await find(request)
        raw = await request.body()
        details = None
        if raw.strip():
            try:
                data = load_json(raw)
            except ValueError:
                raise AdminError(400, 'body must be JSON like {"details": "why it failed"}') from None
            if not isinstance(data, dict):
                raise AdminError(400, "body must be a JSON object")
            details = data.get("details")
            if details is not None and not isinstance(details, str):
                raise AdminError(400, "details: expected a string")
        not_ended(job, "fail")
        return await acted(await engine.jobs.fail(job, details))

    return [
        Route("/jobs", list_jobs, methods=["GET"]),
        Route("/jobs/{id}", get_job, methods=["GET"]),
        Route("/jobs/{id}/advance", advance, methods=["POST"]),
        Route("/jobs/{id}/complete", complete, methods=["POST"]),
        Route("/jobs/{id}/fail", fail, methods=["POST"]),
    ]
