"""create_app(settings) -> Starlette: mounts each service and the admin API around one engine."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from time import perf_counter
from time import time as wall_time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .access_log import AccessLog
from .admin import build_admin
from .admin.errors import problem
from .engine import Engine
from .engine.faults import RAW_SEND
from .engine.journal import STATUS_KEY, Journal, Record
from .services import Mount as ServiceMount
from .services import Service, ServiceApp, build_services
from .settings import Settings
from .shipped import shipped

log = logging.getLogger("emulator")
ADMIN = "/_emulator/"


class Recorder:
    """One plain ASGI layer around everything: journals each request to an emulated service (not /_emulator)
    and writes the one-line access log (method, path, status, milliseconds). On the way it only keeps raw
    pieces; the journal decodes them when it is read."""

    def __init__(
        self, app: ASGIApp, journal: Journal, access: AccessLog, *, notes_status: bool = False,
        service: str | None = None,
    ) -> None:
        self.app = app
        self.journal = journal
        self.access = access
        self.now = journal.clock.now
        self.notes_status = notes_status  # the app reports its status with note_status(): send stays unwrapped
        self.service = service  # known when the recorder wraps one service's app; else found by path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        journal = self.journal
        journaled = journal.enabled and not scope["path"].startswith(ADMIN)
        log = self.access.enabled
        if not journaled and not log:
            await self.app(scope, receive, send)
            return
        if not self.notes_status or (journaled and scope["method"] not in ("GET", "HEAD")):
            await self._recorded(scope, receive, send, journaled, log)
            return
        # Most requests (the polls): the app notes its status and the journal keeps no body, so nothing is
        # wrapped, and the journal keeps a tuple rather than a Record.
        wall, virtual, started = wall_time(), self.now(), perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            elapsed = perf_counter() - started
            status = scope.get(STATUS_KEY, 0)
            if journaled:
                journal.keep(scope, wall, virtual, status, elapsed, self.service)
            if log:
                self.access.write(scope["method"], scope["path"], status, elapsed)

    async def _recorded(self, scope: Scope, receive: Receive, send: Send, journaled: bool, log: bool) -> None:
        """A request with a body to keep, or to an app that does not note its status: made a Record at once."""
        record = Record(scope, wall_time(), self.now())  # kept if journaled; status stays 0 if nothing is sent
        if self.service is not None:
            record.service = self.service
        # The wrappers are made only where needed, by functions: a closure here would make `record` a cell
        # variable, slower at each use.
        app_send = send if self.notes_status else _status_send(record, send)
        if journaled and scope["method"] not in ("GET", "HEAD"):
            app_receive = _body_receive(record, receive, self.journal.receive)
        else:
            app_receive = receive
        started = perf_counter()
        try:
            await self.app(scope, app_receive, app_send)
        finally:
            elapsed = perf_counter() - started
            if self.notes_status:
                record.status = scope.get(STATUS_KEY, 0)
            if journaled:
                self.journal.finish(record, scope, elapsed)
            if log:
                self.access.write(scope["method"], scope["path"], record.status, elapsed)


def _status_send(record: Record, send: Send) -> Send:
    """send, noting the status in the record as the response starts (for an app that does not note it)."""
    def send_status(message: Message) -> Awaitable[None]:
        # A plain function handing back send's awaitable: no extra coroutine per message.
        if message["type"] == "http.response.start":
            record.status = message["status"]
        return send(message)

    return send_status


def _body_receive(record: Record, receive: Receive, on_chunk: Callable[[Record, bytes], None]) -> Receive:
    """receive, handing each body chunk to the journal as the app reads it."""
    async def receive_body() -> Message:
        message = await receive()
        body = message.get("body")
        if body:
            on_chunk(record, body)
        return message

    return receive_body


BUILTIN_SCENARIOS = shipped("scenarios")


class Dispatch:
    """Where a request to an emulated API goes: the mount whose prefix starts its path, else a root-level
    mount whose routes name the path. Every app here is a service's ServiceApp behind its Recorder."""

    def __init__(self) -> None:
        self.prefixed: list[tuple[str, ASGIApp]] = []
        self.rooted: list[tuple[ServiceApp, ASGIApp]] = []

    def add(self, mount: ServiceMount, app: ASGIApp) -> None:
        prefix = mount.prefix.rstrip("/")
        if prefix:
            self.prefixed.append((prefix, app))
        else:
            self.rooted.append((mount.app, app))

    def find(self, path: str) -> tuple[str, ASGIApp] | None:
        for prefix, app in self.prefixed:
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return prefix, app
        for service_app, app in self.rooted:
            if service_app.handles(path):
                return "", app
        return None


async def _dispatch(found: tuple[str, ASGIApp], app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    prefix, target = found
    scope["app"] = app
    scope["root_path"] = scope.get("root_path", "") + prefix
    await target(scope, receive, send)


class ServicePort:
    """A service alone on its own port (--listen NAME=PORT): its APIs at the same paths, and the root is its
    own: /openapi.json, /docs, /swagger/ are the service's. Anything else is a 404 in the service's envelope."""

    def __init__(self, service: Service, dispatch: Dispatch, pages: ASGIApp) -> None:
        self.service = service
        self.dispatch = dispatch
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.dispatch.find(scope["path"])
        if found is not None:
            await _dispatch(found, self, scope, receive, send)
        else:
            await self.pages(scope, receive, send)


def port_pages(service: Service) -> ServiceApp:
    """The service's own root pages, or by default its first document at /openapi.json."""
    if service.port_pages is not None:
        return service.port_pages
    main = service.mount()
    routes = []
    if main.openapi is not None:
        document = main.openapi

        async def openapi(request: Request) -> Response:
            return FileResponse(document, media_type="application/json")

        routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    return ServiceApp(routes, main.app.envelope)


class EmulatorApp(Starlette):
    """Requests to an emulated service go straight to its app (behind the recorder), as a Mount would route
    them but without the application's middleware stack: that is the hot path. The rest (the admin API,
    unknown paths, lifespan) goes through Starlette as usual. A request that arrives on a service's own port
    (the local port of its socket) goes to that service alone."""

    dispatch: Dispatch
    ports: dict[str, ASGIApp]  # service name -> its own-port app
    port_of: dict[int, ASGIApp]  # local port -> own-port app (filled when the server binds its sockets)

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
            if self.port_of:
                server = scope.get("server")
                own = self.port_of.get(server[1]) if server else None
                if own is not None:
                    await own(scope, receive, send)
                    return
            found = self.dispatch.find(scope["path"])
            if found is not None:
                await _dispatch(found, self, scope, receive, send)
                return
            await super().__call__(scope, receive, send)
        finally:
            del scope[RAW_SEND]

    def bind_port(self, service: str, port: int) -> None:
        """Serve `service` alone on the socket bound to local `port` (the CLI and Emulator bind it)."""
        self.port_of[port] = self.ports[service]

    def listening(self, host: str, main_port: int, own_ports: dict[str, int]) -> list[str]:
        """Every socket is bound: tell each service where it is reached (Service.on_listen); the lines they
        want in the startup log."""
        lines: list[str] = []
        for service in self.state.services:
            if service.on_listen is not None:
                own = own_ports.get(service.name)
                lines += service.on_listen(base_url(host, main_port), None if own is None else base_url(host, own))
        self.state.listen_lines = lines
        return lines


def base_url(host: str, port: int) -> str:
    """http://host:port as a client on this machine reaches it (a wildcard address reads localhost)."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith(ADMIN):  # a path the admin mount cannot match (a newline in it): its own body
        return problem(404, f"no admin route at {request.url.path!r}")
    return JSONResponse({"error": f"no emulated API at {request.url.path}"}, status_code=404)


def create_app(settings: Settings | None = None, *, wall: Callable[[], float] | None = None) -> EmulatorApp:
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
        if service.reset is not None:
            engine.on_reset(service.reset)
    # Only the admin API is routed by Starlette; the services' apps are reached through EmulatorApp.dispatch.
    routes = [Mount("/_emulator", app=build_admin(engine, services))]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()
            access.flush()

    app = EmulatorApp(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    access = AccessLog()
    app.add_middleware(Recorder, journal=engine.journal, access=access)
    app.dispatch = Dispatch()
    app.ports, app.port_of = {}, {}
    for service in services:
        own = Dispatch()
        for mount in service.mounts:
            recorded = Recorder(mount.app, engine.journal, access, notes_status=True, service=service.name)
            app.dispatch.add(mount, recorded)
            own.add(mount, recorded)
        pages = Recorder(port_pages(service), engine.journal, access, notes_status=True, service=service.name)
        app.ports[service.name] = ServicePort(service, own, pages)
    app.state.engine = engine
    app.state.services = services
    app.state.settings = settings
    app.state.listen_lines = []
    return app
