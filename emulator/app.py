"""create_app(settings) -> Starlette: mounts each service and the admin API around one engine."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from time import perf_counter
from time import time as wall_time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .admin import build_admin
from .engine import Engine
from .engine.faults import RAW_SEND
from .engine.journal import STATUS_KEY, Journal, Record
from .services import build_services
from .settings import Settings
from .shipped import shipped

log = logging.getLogger("emulator")
access = logging.getLogger("emulator.access")
ADMIN = "/_emulator/"


class Recorder:
    """One plain ASGI layer around everything: journals each request to an emulated service (not /_emulator)
    and writes the one-line access log (method, path, status, milliseconds). On the way it only keeps raw
    pieces; the journal decodes them when it is read."""

    def __init__(self, app: ASGIApp, journal: Journal, *, notes_status: bool = False) -> None:
        self.app = app
        self.journal = journal
        self.now = journal.clock.now
        self.notes_status = notes_status  # the app reports its status with note_status(): send stays unwrapped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        journal = self.journal
        journaled = journal.enabled and not scope["path"].startswith(ADMIN)
        log = access.isEnabledFor(logging.INFO)
        if not journaled and not log:
            await self.app(scope, receive, send)
            return
        record = Record(scope, wall_time(), self.now())  # kept if journaled; status stays 0 if nothing is sent
        started = perf_counter()
        app_send: Send = send

        def send_status(message: Message) -> Awaitable[None]:
            # A plain function handing back send's awaitable: no extra coroutine per message.
            if message["type"] == "http.response.start":
                record.status = message["status"]
            return send(message)

        if not self.notes_status:
            app_send = send_status
        if journaled and scope["method"] not in ("GET", "HEAD"):
            on_chunk = journal.receive

            async def receive_body() -> Message:
                message = await receive()
                body = message.get("body")
                if body:
                    on_chunk(record, body)
                return message

            app_receive: Receive = receive_body
        else:
            app_receive = receive
        try:
            await self.app(scope, app_receive, app_send)
        finally:
            elapsed = perf_counter() - started
            if self.notes_status:
                record.status = scope.get(STATUS_KEY, 0)
            if journaled:
                journal.finish(record, scope, elapsed)
            if log:
                access.info("%s %s %d %.1fms", scope["method"], scope["path"], record.status, elapsed * 1000)


BUILTIN_SCENARIOS = shipped("scenarios")


class EmulatorApp(Starlette):
    """Requests to an emulated service go straight to its app (behind the recorder), as a Mount would route
    them but without the application's middleware stack: that is the hot path. The rest (the admin API,
    unknown paths, lifespan) goes through Starlette as usual."""

    services: list[tuple[str, ASGIApp]]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # The server's own send, before middleware wraps it: fault injection reaches the socket through it.
        # It is a method of the server's per-request object, which holds the scope: taken out again at the
        # end, or every request would leave a reference cycle for the garbage collector (about a tenth of
        # the server's time under load, and more the more jobs are stored).
        scope[RAW_SEND] = send
        try:
            path = scope["path"]
            for prefix, app in self.services:
                if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                    scope["app"] = self
                    scope["root_path"] = scope.get("root_path", "") + prefix
                    await app(scope, receive, send)
                    return
            await super().__call__(scope, receive, send)
        finally:
            del scope[RAW_SEND]


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
        journal_size=settings.journal_size,
        journal_body_limit=settings.journal_body_limit,
    )
    services = build_services(engine, settings)
    engine.scenarios.load()  # raises ScenarioError: the server does not start on an invalid file
    for service in services:
        for prefix in service.mounts:
            engine.journal.add_service(service.name, prefix)
    # Only the admin API is routed by Starlette; the services' apps are reached through EmulatorApp.services.
    routes = [Mount("/_emulator", app=build_admin(engine, services))]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()

    app = EmulatorApp(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    app.add_middleware(Recorder, journal=engine.journal)
    app.services = [
        (prefix.rstrip("/"), Recorder(sub, engine.journal, notes_status=True))
        for s in services for prefix, sub in s.mounts.items()
    ]
    app.state.engine = engine
    app.state.services = services
    app.state.settings = settings
    return app
