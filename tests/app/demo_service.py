"""A small service built only from the seams every service uses (docs/adding-a-service.md): two job kinds with
their own ids, two mounts (one at the root), GET and DELETE on one path as two routes, a reset hook."""

from __future__ import annotations

from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from emulator.engine import Engine, Job, Step
from emulator.engine.ids import prefixed
from emulator.engine.lifecycle_spec import LifecycleSpec
from emulator.services import Mount, Service, ServiceApp
from emulator.services import requests as params
from emulator.services.errors import ServiceError
from emulator.services.lifecycle import ServiceLifecycle
from emulator.services.responses import JSONBody
from emulator.services.routing import Endpoint, bind

STATES = ("waiting", "running", "done", "failed")


def spec(kind: str) -> LifecycleSpec:
    return LifecycleSpec(service="demo", kind=kind, states=STATES, terminal=("done", "failed"), initial="waiting",
                         fields={"note": None}, defaults=lambda state: {"note": None})


class DemoError(ServiceError):
    code = "DEMO_ERROR"


class NotFound(DemoError):
    status_code, code = 404, "NOT_FOUND"


class Envelope:
    def render(self, error: ServiceError) -> Response:
        code = error.code or type(error).__name__
        return JSONBody({"problem": {"code": code, "message": error.message}}, error.status, headers=error.headers,
                        media_type="application/problem+json")


class DemoLifecycle(ServiceLifecycle):
    service = "demo"

    def __init__(self, kind: str, id_prefix: str | None) -> None:
        self.kind = kind
        self.spec = spec(kind)
        self.id_format = prefixed(id_prefix) if id_prefix else None

    def timeline(self, job: Job) -> list[Step]:
        return [Step("waiting", 10), Step("running", 20), Step("done")]

    async def on_enter(self, job: Job, previous: str | None) -> None:
        pass

    def success_step(self, job: Job) -> Step:
        return Step("done")

    def failure_step(self, job: Job, details: str | None) -> Step:
        return Step("failed", None, {"note": details})

    def view(self, job: Job) -> dict[str, Any]:
        return {"id": job.id, "kind": job.kind, "state": job.state}


ROUTES = [
    Endpoint("POST", "/things/{kind}", "create"),
    Endpoint("GET", "/things/{kind}/{id}", "get"),
    Endpoint("DELETE", "/things/{kind}/{id}", "delete"),
]
ROOT_ROUTES = [Endpoint("GET", "/.well-known/demo.json", "well_known")]


class DemoApi:
    def __init__(self, engine: Engine, resets: list[int]) -> None:
        self.engine = engine
        self.resets = resets

    async def create(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("alpha", "beta"):
            raise NotFound(f"no kind {kind}")
        body = await params.json_body(request)
        choice = self.engine.scenarios.choose("demo", kind, body, request.headers.get("x-emulator-scenario"))
        job = await self.engine.jobs.create("demo", "owner", body, kind=kind, media={"duration_s": 1}, choice=choice)
        return JSONBody(self.engine.jobs.view(job), 202, headers={"Location": f"/demo/v1/things/{kind}/{job.id}"})

    async def get(self, request: Request) -> Response:
        job = await self.engine.jobs.get(request.path_params["id"])
        if job is None or job.service != "demo":
            raise NotFound("no such job")
        return JSONBody(self.engine.jobs.view(job))

    async def delete(self, request: Request) -> Response:
        job = await self.engine.jobs.get(request.path_params["id"])
        if job is None:
            raise NotFound("no such job")
        await self.engine.jobs.delete(job)
        return Response(status_code=204)

    async def well_known(self, request: Request) -> Response:
        return JSONBody({"service": "demo", "resets": len(self.resets)})


def cors(app: ASGIApp) -> ASGIApp:
    return CORSMiddleware(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])


def build(engine: Engine, settings: Any) -> Service:
    for kind, prefix in (("alpha", None), ("beta", "b_")):
        engine.jobs.register(DemoLifecycle(kind, prefix))
    resets: list[int] = []
    api = DemoApi(engine, resets)

    async def reset() -> None:
        resets.append(1)

    return Service(
        name="demo", description="Demo API",
        mounts=[Mount("/demo/v1", ServiceApp(bind(ROUTES, api), Envelope(), wrap=cors), "demo"),
                Mount("", ServiceApp(bind(ROOT_ROUTES, api), Envelope()), "demo-root")],
        reset=reset,
    )
