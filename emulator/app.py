"""create_app(settings) -> Starlette: mounts each service and the admin API around one engine."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .admin import build_admin
from .engine import Engine
from .engine.faults import RAW_SEND, FaultTransport
from .services import build_services
from .settings import Settings

log = logging.getLogger("emulator")
access = logging.getLogger("emulator.access")


class RequestLog:
    """One line per request: method, path, status, milliseconds (plain ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            ms = (time.perf_counter() - started) * 1000
            access.info("%s %s %d %.1fms", scope["method"], scope["path"], status, ms)


def shipped(name: str) -> Path | None:
    """A folder shipped with the project (`scenarios`, `fixtures`): next to `emulator/` in a checkout; in an
    installed wheel (the Docker image) under <sys.prefix>/share/video-ai-emulator/ where the image puts it."""
    for base in (Path(__file__).resolve().parent.parent, Path(sys.prefix) / "share" / "video-ai-emulator"):
        if (base / name).is_dir():
            return base / name
    return None


BUILTIN_SCENARIOS = shipped("scenarios")


class EmulatorApp(Starlette):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server's own send, before middleware wraps it: fault injection reaches the socket through it.
        scope[RAW_SEND] = send
        await super().__call__(scope, receive, send)


async def not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": f"no emulated API at {request.url.path}"}, status_code=404)


def create_app(settings: Settings | None = None, *, wall: Callable[[], float] | None = None) -> Starlette:
    settings = settings or Settings()
    engine = Engine(
        time_scale=settings.time_scale,
        seed=settings.seed,
        data_dir=None if settings.in_memory else settings.data_dir,
        wall=wall,
        scenario_dirs=settings.scenarios,
        builtin_scenarios=BUILTIN_SCENARIOS,
        watch=settings.watch,
    )
    services = build_services(engine, settings)
    engine.scenarios.load()  # raises ScenarioError: the server does not start on an invalid file
    routes = [Mount(prefix, app=sub) for s in services for prefix, sub in s.mounts.items()]
    routes.append(Mount("/_emulator", app=build_admin(engine, services)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()

    app = EmulatorApp(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    app.add_middleware(FaultTransport)
    app.add_middleware(RequestLog)
    app.state.engine = engine
    app.state.services = services
    app.state.settings = settings
    return app
