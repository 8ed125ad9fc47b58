"""The Clipzy ML Engine API under /api/v1 (docs: api overview; the real code for video info and download; cancel
is an emulator extension). ROUTES is the table (data a contract test reads); ClipzyApi holds the handlers.

Order of checks: auth (401) -> the body parsed (422) -> scenario faults -> the videos and jobs named (404) ->
what is asked of them (409) -> the effect."""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ...engine import Engine, Job
from ...engine.journal import tag
from ...engine.scenarios import HEADER, Choice
from .. import requests as params
from ..responses import JSONBody
from ..routing import Endpoint
from .errors import (
    JobNotCancellable,
    JobNotFound,
    ResultNotReady,
    Unauthorized,
    UnknownScenario,
    ValidationFailed,
    VideoNotFound,
)
from .lifecycle import SERVICE, TERMINAL, ClipzyLifecycle, job_response, output_mp4
from .models import JobCreateRequest
from .videos import Videos, drain

if TYPE_CHECKING:
    from .settings import Section

ROUTES = [  # templated paths are matched in this order: the poll first
    Endpoint("GET", "/health", "health"),
    Endpoint("POST", "/videos/upload", "upload"),
    Endpoint("GET", "/jobs/{job_id}", "get_job"),
    Endpoint("GET", "/videos/info/{video_id}", "video_info"),
    Endpoint("POST", "/jobs", "create_job"),
    Endpoint("GET", "/jobs", "list_jobs"),
    Endpoint("GET", "/jobs/{job_id}/result", "job_result"),
    Endpoint("GET", "/jobs/{job_id}/download", "download"),
    Endpoint("POST", "/jobs/{job_id}/cancel", "cancel"),  # an emulator extension
]
VERSION = "0.1.0"  # the real engine's APP_VERSION
OWNER = "clipzy"  # the engine has no accounts: every job belongs to the one deployment
MAX_PAGE_SIZE = 100
INTEGER = re.compile(r"[+-]?[0-9]+")


def ok(message: str, data: Any) -> JSONBody:
    """The docs' success envelope."""
    return JSONBody({"success": True, "message": message, "data": data})


def http_url(value: str | None, name: str) -> str | None:
    """A webhook URL: absolute http or https (anything else could never be delivered)."""
    if value is None or value == "":
        return None
    import httpx  # off the startup path

    try:
        url = httpx.URL(value)
    except Exception:  # httpx raises InvalidURL and others for text that is no URL
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValidationFailed(f"{name}: expected an absolute http or https URL")
    return value


def page_param(query: dict[str, str], name: str, default: int, high: int | None = None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not INTEGER.fullmatch(raw):
        raise ValidationFailed(f"query.{name}: Input should be a valid integer, unable to parse string as an integer")
    value = int(raw)
    if value < 1:
        raise ValidationFailed(f"query.{name}: Input should be greater than or equal to 1")
    if high is not None and value > high:
        raise ValidationFailed(f"query.{name}: Input should be less than or equal to {high}")
    return value


def parse_create(data: dict[str, Any]) -> JobCreateRequest:
    try:
        return JobCreateRequest.model_validate(data)
    except ValidationError as exc:
        problems = [f"body.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                    for err in exc.errors(include_url=False)]
        raise ValidationFailed("; ".join(problems)) from None


class ClipzyApi:
    def __init__(self, engine: Engine, section: Section, lifecycle: ClipzyLifecycle, videos: Videos) -> None:
        self.engine = engine
        self.lifecycle = lifecycle
        self.videos = videos
        self.token = section.token.encode() if section.token else None

    # --- helpers

    def authorized(self, request: Request) -> bool:
        if self.token is None:
            return True
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self.token)

    def auth(self, request: Request) -> None:
        if not self.authorized(request):
            raise Unauthorized()

    async def job(self, request: Request) -> Job:
        job_id = request.path_params["job_id"]
        self.auth(request)
        job = await self.engine.jobs.get(job_id)
        if job is None or job.service != SERVICE:
            raise JobNotFound(job_id)
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        await self.engine.faults.check(request.scope, SERVICE, job)
        return job

    def scenario(self, request: Request, job_request: dict[str, Any]) -> Choice:
        header = request.headers.get(HEADER)
        try:
            return self.engine.scenarios.choose(SERVICE, "job", job_request, header)
        except KeyError:
            raise UnknownScenario(header or "") from None

    # --- health and videos

    async def health(self, request: Request) -> Response:
        await self.engine.faults.check(request.scope, SERVICE)  # open without a token: liveness probes
        now = self.engine.clock.iso(self.engine.clock.now())
        return ok("API is healthy", {"status": "ok", "timestamp": now, "version": VERSION})

    async def upload(self, request: Request) -> Response:
        if not self.authorized(request):
            await drain(request)  # read to the end, so the client sees the 401
            raise Unauthorized()
        received = await self.videos.receive(request)
        try:
            self.videos.check(received)
            template_id = received.fields.get("template_video_id") or None
            webhook_url = http_url(received.fields.get("webhook_url"), "webhook_url")
            await self.engine.faults.check(request.scope, SERVICE)
            if template_id is not None and await self.videos.get(template_id) is None:
                raise VideoNotFound(template_id)
            info = await self.videos.accept(received, template_video_id=template_id, webhook_url=webhook_url)
        finally:
            received.discard()
        return ok("Video uploaded successfully", info)

    async def video_info(self, request: Request) -> Response:
        video_id = request.path_params["video_id"]
        self.auth(request)
        await self.engine.faults.check(request.scope, SERVICE)
        record = await self.videos.get(video_id)
        if record is None:
            raise VideoNotFound(video_id)
        return ok("Video info retrieved", record["info"])

    # --- jobs

    async def create_job(self, request: Request) -> Response:
        self.auth(request)
        body = parse_create(await params.json_body(request))
        webhook_url = http_url(body.webhook_url, "body.webhook_url")
        video = await self.videos.get(body.video_id)
        if video is None:
            raise VideoNotFound(body.video_id)
        template_id = body.template_video_id or video["template_video_id"]  # the job's own, else the upload's
        template = None
        if template_id:
            found = await self.videos.get(template_id)
            if found is None:
                raise VideoNotFound(template_id)
            template = found["info"]
        info = video["info"]
        job_request = {
            "video_id": body.video_id, "template_video_id": template_id, "config": body.config or {},
            "webhook_url": webhook_url or video["webhook_url"], "video": info, "template": template,
        }
        choice = self.scenario(request, job_request)
        await self.engine.faults.check(request.scope, SERVICE, name=choice.name)
        meta = info["metadata"]
        media = {"duration_s": meta["duration_seconds"], "fps": meta["frame_rate"], "x_pixels": meta["width"],
                 "y_pixels": meta["height"]}
        job = await self.lifecycle.running.create(body.video_id, lambda: self.engine.jobs.create(
            SERVICE, OWNER, job_request, ref=body.video_id, media=media, choice=choice))
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        return ok("Job created", job_response(self.lifecycle.view(job, keep=False)))

    async def list_jobs(self, request: Request) -> Response:
        self.auth(request)
        query = params.query(request.scope)
        number = page_param(query, "page", 1)
        size = page_param(query, "page_size", 10, MAX_PAGE_SIZE)
        await self.engine.faults.check(request.scope, SERVICE)
        listed, total = await self.engine.jobs.page(SERVICE, (number - 1) * size, size)  # newest first
        jobs = [job_response(self.lifecycle.view(job)) for job in listed]
        return ok("Jobs retrieved", {"jobs": jobs, "total": total, "page": number, "page_size": size})

    async def get_job(self, request: Request) -> Response:
        job = await self.job(request)
        return JSONBody(encoded=self.lifecycle.encoded(job, "Job retrieved", whole=False))

    async def job_result(self, request: Request) -> Response:
        job = await self.job(request)
        return JSONBody(encoded=self.lifecycle.encoded(job, "Job result retrieved", whole=True))

    async def download(self, request: Request) -> Response:
        job = await self.job(request)
        if job.state != "completed":
            raise ResultNotReady(job.id, job.state)
        data = output_mp4(*self.lifecycle.output(job))
        return Response(data, media_type="video/mp4",
                        headers={"Content-Disposition": 'attachment; filename="output.mp4"'})

    async def cancel(self, request: Request) -> Response:
        job = await self.job(request)
        if job.state in TERMINAL:
            raise JobNotCancellable(job.id, job.state)
        await self.engine.jobs.jump(job, self.lifecycle.cancel_step(job))
        return ok("Job cancelled", job_response(self.lifecycle.view(job)))
