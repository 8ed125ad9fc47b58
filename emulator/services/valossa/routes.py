"""The nine Core API functions (docs: API overview). Routes parse and check; the engine does the rest."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...engine import Engine, Job
from ...engine.journal import tag
from ...engine.scenarios import HEADER, Choice
from ...settings import Settings, SettingsError
from .. import asgi
from ..asgi import JSONBody
from . import params
from .errors import JOB_NOT_FOUND, ValossaError, invalid
from .lifecycle import CANCELLABLE, SERVICE, TERMINAL, status_view
from .media import media_facts
from .models import JobRef, NewJob, parse
from .results import RESULT_TYPES, Results, ResultsError
from .results.fixtures import FixtureError
from .uploads import SCHEME, Uploads


class CoreApi:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.api_keys = set(settings.valossa.api_keys) if settings.valossa.api_keys is not None else None
        self.uploads = Uploads(engine, settings.valossa.upload_chunk_size_bytes)
        self.results = Results(engine.seed, settings.valossa.fixtures_dir)
        try:
            self.results.fixtures.check_files()
        except FixtureError as exc:
            raise SettingsError(f"valossa.fixtures_dir: {exc}") from None

    def routes(self) -> list[Route]:
        return [
            Route("/new_job", self.new_job, methods=["POST"]),
            Route("/job_status", self.job_status, methods=["GET"]),
            Route("/job_results", self.job_results, methods=["GET"]),
            Route("/list_jobs", self.list_jobs, methods=["GET"]),
            Route("/cancel_job", self.cancel_job, methods=["POST"]),
            Route("/delete_job", self.delete_job, methods=["POST"]),
            Route("/initialize_file_upload", self.initialize_file_upload, methods=["POST"]),
            Route("/send_file_chunk", self.send_file_chunk, methods=["POST"]),
            Route("/finalize_file_upload", self.finalize_file_upload, methods=["POST"]),
        ]

    # --- helpers
    def key(self, data: Any) -> str:
        key = data.get("api_key")
        if key is None or key == "":
            raise ValossaError(401, "Missing required field: api_key")
        if not isinstance(key, str) or (self.api_keys is not None and key not in self.api_keys):
            raise ValossaError(401, "Invalid API key")
        return key

    async def job(self, request: Request, key: str, job_id: str | None) -> Job:
        job = await self.engine.jobs.get(job_id) if job_id else None
        if job is None or job.service != SERVICE or job.owner != key:
            raise ValossaError(404, JOB_NOT_FOUND)  # another key's job is as unknown as a missing one
        tag(request.scope, job_id=job.id, scenario=job.data.get("scenario"))
        await self.engine.faults.check(request.scope, SERVICE, job)
        return job

    def scenario(self, request: Request, body: dict[str, Any]) -> Choice:
        header = request.headers.get(HEADER)
        try:
            return self.engine.scenarios.choose(SERVICE, body, header)
        except KeyError:
            # Only the emulator reads this header, so naming a scenario it lacks is the caller's mistake.
            raise ValossaError(400, f"Unknown emulator scenario {header!r} in X-Emulator-Scenario") from None

    async def no_job_faults(self, request: Request) -> None:
        """Faults for calls about no job (list_jobs, uploads): the header's scenario or the default."""
        await self.engine.faults.check(request.scope, SERVICE)

    def status(self, job: Job) -> dict[str, Any]:
        return status_view(job, self.engine.clock.scale)

    # --- jobs
    async def new_job(self, request: Request) -> Response:
        data = await params.json_body(request)
        key = self.key(data)
        body = parse(NewJob, data)
        url = body.media.video.url
        if url.startswith(SCHEME):
            await self.uploads.check_url(key, url)
        stored = body.model_dump(mode="json", exclude_none=True)
        stored["media"].setdefault("language", "en-US")
        ref = body.media.customer_media_info.id if body.media.customer_media_info else None
        choice = self.scenario(request, stored)
        await self.engine.faults.check(request.scope, SERVICE, name=choice.name)
        job = await self.engine.jobs.create(
            SERVICE, key, stored, ref=ref, data={"media": await media_facts(url, self.engine.seed)}, choice=choice
        )
        tag(request.scope, job_id=job.id, scenario=job.data.get("scenario"))
        return JSONBody({"job_id": job.id})

    async def job_status(self, request: Request) -> Response:
        query = asgi.query(request.scope)
        key = self.key(query)
        job = await self.job(request, key, params.text(query, "job_id"))
        body = job.memo.get("job_status")
        if body is None:
            body = job.memo["job_status"] = asgi.encode(self.status(job))
        return JSONBody(encoded=body)

    async def job_results(self, request: Request) -> Response:
        query = asgi.query(request.scope)
        key = self.key(query)
        job = await self.job(request, key, params.text(query, "job_id"))
        result_type = query.get("type") or "core"
        if result_type not in RESULT_TYPES:
            raise invalid("type", "expected one of " + ", ".join(RESULT_TYPES))
        if job.state != "finished":
            why = "it ended with an error" if job.state in TERMINAL else f"its status is {job.state}"
            raise ValossaError(400, f"Job is not finished: {why}")
        try:
            media_type, content = self.results.render(job, result_type)
        except ResultsError as exc:
            raise ValossaError(exc.status, exc.message) from None
        return Response(content, media_type=media_type)

    async def list_jobs(self, request: Request) -> Response:
        query = asgi.query(request.scope)
        key = self.key(query)
        await self.no_job_faults(request)
        show_status = params.boolean(query, "show_status")
        ref = params.text(query, "customer_media_info.id", required=False)
        jobs = await self.engine.jobs.list(SERVICE, key, ref)
        listed: list[dict[str, Any]] = []
        for job in jobs:
            item: dict[str, Any] = {"job_id": job.id}
            if show_status:
                status = self.status(job)
                status.pop("job_id")
                item["job_status"] = status
            listed.append(item)
        return JSONBody({"jobs": listed})

    async def cancel_job(self, request: Request) -> Response:
        data = await params.json_body(request)
        key = self.key(data)
        job = await self.job(request, key, parse(JobRef, data).job_id)
        if job.state not in CANCELLABLE:
            raise ValossaError(400, f"Job cannot be cancelled: only a job still in the waiting queue can be "
                                    f"cancelled, and this job's status is {job.state}")
        await self.engine.jobs.fail(job, "Job was cancelled")
        return JSONBody({})

    async def delete_job(self, request: Request) -> Response:
        data = await params.json_body(request)
        key = self.key(data)
        job = await self.job(request, key, parse(JobRef, data).job_id)
        await self.engine.jobs.delete(job)
        self.results.forget(job.id)
        return JSONBody({})

    # --- chunked upload
    async def initialize_file_upload(self, request: Request) -> Response:
        data = await params.form_body(request)
        key = self.key(data)
        await self.no_job_faults(request)
        size = params.integer(data, "file_size_bytes")
        return JSONBody(await self.uploads.initialize(key, size))

    async def send_file_chunk(self, request: Request) -> Response:
        data = await params.form_body(request)
        key = self.key(data)
        await self.no_job_faults(request)
        upload_id = params.text(data, "upload_id")
        index = params.integer(data, "chunk_index")
        chunk = await params.file_bytes(data, "file_data")
        await self.uploads.send_chunk(key, upload_id, index, chunk)
        return JSONBody({})

    async def finalize_file_upload(self, request: Request) -> Response:
        data = await params.form_body(request)
        key = self.key(data)
        await self.no_job_faults(request)
        return JSONBody(await self.uploads.finalize(key, params.text(data, "upload_id")))
