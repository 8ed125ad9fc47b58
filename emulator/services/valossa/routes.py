"""The nine Core API functions (docs: API overview). Routes parse and check; the engine does the rest.
ROUTES is the table (data a contract test reads); CoreApi holds the handlers it names."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from ...engine import Engine, Job
from ...engine.journal import tag
from ...engine.scenarios import HEADER, Choice
from ...settings import SettingsError
from .. import requests as params
from ..responses import JSONBody, encode_kept
from ..routing import Endpoint
from .errors import JOB_NOT_FOUND, BadRequest, NotFound, ValossaError, invalid
from .facts import ValossaFacts
from .galleries import Galleries
from .keys import ApiKeys
from .lifecycle import CANCELLABLE, SERVICE, TERMINAL, ValossaLifecycle
from .media import media_facts
from .models import JobRef, NewJob, parse
from .results import RESULT_TYPES, Results, ResultsError
from .results.fixtures import FixtureError
from .settings import Section
from .uploads import SCHEME, Uploads

if TYPE_CHECKING:  # the settings module reads this package's settings section as it loads
    from ...settings import Settings

ROUTES = [
    Endpoint("POST", "/new_job", "new_job"),
    Endpoint("GET", "/job_status", "job_status"),
    Endpoint("GET", "/job_results", "job_results"),
    Endpoint("GET", "/list_jobs", "list_jobs"),
    Endpoint("POST", "/cancel_job", "cancel_job"),
    Endpoint("POST", "/delete_job", "delete_job"),
    Endpoint("POST", "/initialize_file_upload", "initialize_file_upload"),
    Endpoint("POST", "/send_file_chunk", "send_file_chunk"),
    Endpoint("POST", "/finalize_file_upload", "finalize_file_upload"),
]


class CoreApi:
    def __init__(self, engine: Engine, settings: Settings, lifecycle: ValossaLifecycle, galleries: Galleries) -> None:
        self.engine = engine
        self.lifecycle = lifecycle
        self.galleries = galleries
        section = settings.section(Section)
        self.keys = ApiKeys(section.api_keys)
        self.uploads = Uploads(engine, section.upload_chunk_size_bytes, section.upload_session_ttl_seconds,
                               section.upload_file_ttl_seconds)
        self.results = Results(engine.seed, section.fixtures_dir)
        # One first render at a time: a core document's objects are ~10 MB while it is built, and renders share
        # the GIL anyway (side by side they only raised the heap's high-water mark).
        self.rendering = asyncio.Semaphore(1)
        try:
            self.results.fixtures.check_files()
        except FixtureError as exc:
            raise SettingsError(f"valossa.fixtures_dir: {exc}") from None

    # --- helpers
    def key(self, data: Any) -> str:
        return self.keys.check(data)

    async def job(self, request: Request, key: str, job_id: str | None) -> Job:
        job = await self.engine.jobs.get(job_id) if job_id else None
        if job is None or job.service != SERVICE or job.owner != key:
            raise NotFound(JOB_NOT_FOUND)  # another key's job is as unknown as a missing one
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        await self.engine.faults.check(request.scope, SERVICE, job)
        return job

    def scenario(self, request: Request, body: dict[str, Any]) -> Choice:
        header = request.headers.get(HEADER)
        try:
            return self.engine.scenarios.choose(SERVICE, "job", body, header)
        except KeyError:
            # Only the emulator reads this header, so naming a scenario it lacks is the caller's mistake.
            raise BadRequest(f"Unknown emulator scenario {header!r} in X-Emulator-Scenario") from None

    async def no_job_faults(self, request: Request) -> None:
        """Faults for calls about no job (list_jobs, uploads): the header's scenario or the default."""
        await self.engine.faults.check(request.scope, SERVICE)

    def status(self, job: Job) -> dict[str, Any]:
        return self.lifecycle.view(job)

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
        gallery = await self.gallery(key, body)
        choice = self.scenario(request, stored)
        await self.engine.faults.check(request.scope, SERVICE, name=choice.name)
        job = await self.engine.jobs.create(
            SERVICE, key, stored, ref=ref, media=await media_facts(url, self.engine.seed), choice=choice,
            facts={ValossaFacts.gallery.name: gallery} if gallery else None,
        )
        if url.startswith(SCHEME):
            await self.uploads.use(url, job.id)
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        return JSONBody({"job_id": job.id})

    async def gallery(self, key: str, body: NewJob) -> dict[str, Any] | None:
        """The gallery whose identities the job recognizes, as it is now: the one the request names, else
        the key's default gallery (None before it exists)."""
        analysis = body.analysis_parameters
        named = analysis.face_galleries.custom_gallery if analysis and analysis.face_galleries else None
        gallery = await self.galleries.snapshot(key, named.id if named else None)
        if named and gallery is None:
            raise invalid("analysis_parameters.face_galleries.custom_gallery.id", "no such gallery")
        return gallery

    async def job_status(self, request: Request) -> Response:
        query = params.query(request.scope)
        key = self.key(query)
        job = await self.job(request, key, params.text(query, "job_id"))
        body = job.memo.get("job_status")
        if body is None:
            body = job.memo["job_status"] = encode_kept(self.status(job))
        return JSONBody(encoded=body)

    async def job_results(self, request: Request) -> Response:
        query = params.query(request.scope)
        key = self.key(query)
        job = await self.job(request, key, params.text(query, "job_id"))
        result_type = query.get("type") or "core"
        if result_type not in RESULT_TYPES:
            raise invalid("type", "expected one of " + ", ".join(RESULT_TYPES))
        if job.state != "finished":
            why = "it ended with an error" if job.state in TERMINAL else f"its status is {job.state}"
            raise BadRequest(f"Job is not finished: {why}")
        try:
            rendered = self.results.cached(job, result_type)
            if rendered is None:  # a first render can take 0.1-0.5 s: keep the event loop (timers, polls) going
                async with self.rendering:
                    rendered = await asyncio.to_thread(self.results.render, job, result_type)
            media_type, content = rendered
        except ResultsError as exc:
            raise ValossaError.for_status(exc.status, exc.message) from None
        return Response(content, media_type=media_type)

    async def list_jobs(self, request: Request) -> Response:
        query = params.query(request.scope)
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
            raise BadRequest(f"Job cannot be cancelled: only a job still in the waiting queue can be "
                                    f"cancelled, and this job's status is {job.state}")
        await self.engine.jobs.fail(job, "Job was cancelled")
        return JSONBody({})

    async def delete_job(self, request: Request) -> Response:
        data = await params.json_body(request)
        key = self.key(data)
        job = await self.job(request, key, parse(JobRef, data).job_id)
        await self.engine.jobs.delete(job)
        self.results.forget(job.id)
        url = job.request["media"]["video"]["url"]
        if url.startswith(SCHEME):
            await self.uploads.release(url, job.id)
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
