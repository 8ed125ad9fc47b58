"""/v1/*: the three job kinds (create, get, result), the providers, and the pre-signed download links of
results. ROUTES is the table (data a contract test reads); GatewayApi holds the handlers it names.

Order of checks on every call: the Bearer token (401) and its scope (403), then the body's media type (415),
the body (400, with the JSON pointer of the field), the provider (422), the scenario's faults, the job (404)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...engine import Engine, Job
from ...engine.journal import tag
from ...engine.scenarios import HEADER, Choice
from .. import requests as params
from ..responses import JSONBody
from ..routing import Endpoint
from .auth import Auth
from .errors import (
    DownloadExpired,
    DownloadNotFound,
    InvalidRequest,
    JobNotFound,
    ProviderRefused,
    ResultNotReady,
    UnsupportedMediaType,
)
from .facts import GatewayFacts
from .lifecycle import BY_COLLECTION, KINDS, SERVICE, GatewayLifecycle, Kind, attributes, media_for
from .links import Links
from .models import parse
from .providers import ProviderError, choose, providers_document

MEDIA_TYPE = "application/json"  # every answer (the seed's); requests may also say application/vnd.api+json
ACCEPTED = ("application/json", "application/vnd.api+json")

ROUTES = [
    route
    for kind in KINDS.values()
    for route in (
        Endpoint("POST", f"/{kind.collection}", "create"),
        Endpoint("GET", f"/{kind.collection}/{{id}}", "get"),
        Endpoint("GET", f"/{kind.collection}/{{id}}/result", "result"),
    )
] + [
    Endpoint("GET", "/providers", "providers"),
    Endpoint("GET", "/downloads/{id}", "download"),
]
PREFIX = "/v1"
READ = {kind.name: f"read:{kind.collection}" for kind in KINDS.values()}  # the scope a get or result needs


class GatewayApi:
    def __init__(self, engine: Engine, auth: Auth, links: Links, lifecycles: dict[str, GatewayLifecycle]) -> None:
        self.engine, self.auth, self.links, self.lifecycles = engine, auth, links, lifecycles

    # --- helpers
    @staticmethod
    def kind(request: Request) -> Kind:
        scope = request.scope  # its path, as routing read it (request.url would build and split a URL)
        return BY_COLLECTION[scope["path"][len(scope.get("root_path", "")):].split("/", 2)[1]]

    def scenario(self, kind: Kind, body: dict[str, Any], request: Request) -> Choice:
        header = request.headers.get(HEADER)
        try:
            return self.engine.scenarios.choose(SERVICE, kind.name, body, header)
        except KeyError:
            raise InvalidRequest(f"Unknown emulator scenario {header!r} in X-Emulator-Scenario") from None

    async def job(self, request: Request, kind: Kind) -> Job:
        job = await self.engine.jobs.get(request.path_params["id"])
        if job is None or job.service != SERVICE or job.kind != kind.name:
            raise JobNotFound(f"No {kind.type} with id {request.path_params['id']!r}")
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        await self.engine.faults.check(request.scope, SERVICE, job)
        return job

    # --- jobs
    async def create(self, request: Request) -> Response:
        kind = self.kind(request)
        claims = self.auth.check(request, f"write:{kind.collection}")
        base = self.links.learn(request)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype not in ACCEPTED:
            raise UnsupportedMediaType(f"Content-Type must be application/json or application/vnd.api+json, "
                                       f"not {ctype or 'missing'}")
        body = parse(params.parse_json(await params.body(request)), kind)
        attrs = body["data"]["attributes"]
        try:
            provider = choose(kind.collection, attrs)
        except ProviderError as exc:
            raise ProviderRefused(exc.code, exc.message) from None
        choice = self.scenario(kind, body, request)
        await self.engine.faults.check(request.scope, SERVICE, name=choice.name)
        facts: dict[str, Any] = {GatewayFacts.provider.name: provider.id}  # the client is the job's owner
        job = await self.engine.jobs.create(
            SERVICE, claims.client_id if claims else "anonymous", body, kind=kind.name,
            media=media_for(kind.name, attrs, self.engine.seed), facts=facts, choice=choice)
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        resource = self.lifecycles[kind.name].resource(job, base)
        return JSONBody(resource, 202, headers={"Location": f"{kind.path}/{job.id}"}, media_type=MEDIA_TYPE)

    async def get(self, request: Request) -> Response:
        kind = self.kind(request)
        self.auth.check(request, READ[kind.name])
        base = self.links.learn(request)
        job = await self.job(request, kind)
        return JSONBody(encoded=self.lifecycles[kind.name].encoded(job, base), media_type=MEDIA_TYPE)

    async def result(self, request: Request) -> Response:
        kind = self.kind(request)
        self.auth.check(request, READ[kind.name])
        base = self.links.learn(request)
        job = await self.job(request, kind)
        if job.state != "completed":
            why = "it failed" if job.state == "failed" else f"its status is {job.state}"
            raise ResultNotReady(f"The result is not ready: {why}")
        lifecycle = self.lifecycles[kind.name]
        if kind.name == "transcription" and attributes(job)["options"]["format"] in ("srt", "vtt"):
            media_type, content = lifecycle.transcript(job).document()
            return Response(content, media_type=media_type)
        return JSONBody(lifecycle.result(job, base), media_type=MEDIA_TYPE)

    async def providers(self, request: Request) -> Response:
        self.auth.check(request, "read:providers")
        self.links.learn(request)
        await self.engine.faults.check(request.scope, SERVICE)
        return JSONBody(providers_document(), media_type=MEDIA_TYPE)

    # --- pre-signed downloads (no token: the link is the credential)
    async def download(self, request: Request) -> Response:
        job_id = request.path_params["id"]
        why = self.links.check(job_id, params.query(request.scope))
        job = await self.engine.jobs.get(job_id) if why is None else None
        if why == "expired":
            raise DownloadExpired("The download link has expired; GET the result again for a new one")
        if job is None or job.service != SERVICE or job.state != "completed":
            raise DownloadNotFound("No such download (the link is not valid)")
        tag(request.scope, job_id=job.id, scenario=job.scenario)
        await self.engine.faults.check(request.scope, SERVICE, job)
        attrs = attributes(job)
        if job.kind == "transcription":
            media_type, content = self.lifecycles["transcription"].transcript(job).document()
            name = f"{job.id}.{attrs['options']['format']}"
        else:
            from .results.translation import document  # with the other generators, at first use

            target = attrs["input"]["target_language"]
            content = document(self.engine.seed, attrs).encode()
            media_type, name = "text/plain; charset=utf-8", f"{job.id}.{target}.txt"
        return Response(content, media_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
