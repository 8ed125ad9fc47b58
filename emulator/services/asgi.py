"""ServiceApp: the ASGI app a service mounts. It does what a Starlette sub-application would (route, turn
exceptions into the service's own error bodies) with one dispatch step instead of four middleware layers,
and carries out a scenario's transport faults (reset, truncate, malformed) as it sends the answer: the
emulated APIs are the hot path that the benchmark compares with a bare endpoint."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..engine.faults import Fault, mark_reset, send_with_fault, transport_fault
from ..engine.journal import note_status
from .errors import Envelope, FaultError, InternalError, MethodNotAllowed, RouteNotFound, ServiceError
from .requests import header, query
from .responses import JSONBody, encode

__all__ = ["JSONBody", "ServiceApp", "encode", "query"]

log = logging.getLogger("emulator")
Endpoint = Callable[[Request], Awaitable[Response]]


class ServiceApp:
    """`wrap`: the service's CORS layer (e.g. Starlette's CORSMiddleware) around its routing, inside the journal
    and the recorder, so preflights are journaled and faults still apply. It sees only requests with an Origin
    header: CORS acts on no other, and the layer (its Headers, the status-noting send) cost a sixth of a poll."""

    def __init__(
        self, routes: list[Route], envelope: Envelope, *, wrap: Callable[[ASGIApp], ASGIApp] | None = None
    ) -> None:
        self.routes = routes
        self.envelope = envelope
        self._wrapped: ASGIApp | None = wrap(self._serve) if wrap is not None else None
        # Static paths are found by a dict lookup; templated ones by their regex, in table order (what
        # Route.matches does, without its child scope and its second look at the path: a tenth of a poll).
        self.static: dict[str, dict[str, Route]] = {}
        self._patterns: list[tuple[Any, set[str] | None, Endpoint, dict[str, Any] | None]] = []
        for route in routes:
            if "{" in route.path:
                convertors = route.param_convertors
                plain = all(type(c) is StringConvertor for c in convertors.values())
                self._patterns.append((route.path_regex, route.methods, route.endpoint, None if plain else convertors))
            else:
                by_method = self.static.setdefault(route.path, {})
                for method in route.methods or ():
                    by_method[method] = route

    def handles(self, path: str) -> bool:
        """Whether some route has this path (for root-level mounts, which share the root with others)."""
        return path in self.static or any(regex.match(path) for regex, *_ in self._patterns)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if self._wrapped is None or header(scope, b"origin") is None:
            await self._serve(scope, receive, send)
            return

        async def noting(message: Message) -> None:  # the middleware may answer by itself (a CORS preflight)
            if message["type"] == "http.response.start":
                note_status(scope, message["status"])
            await send(message)

        await self._wrapped(scope, receive, noting)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            response = await self._endpoint(scope)(Request(scope, receive))
        except ClientDisconnect:
            note_status(scope, 0)  # the client left (or its body was refused by the server): nothing is sent
            return
        except Exception as exc:  # every error leaves in the service's own envelope, never Starlette's page
            response = self.envelope.render(self._as_service_error(scope, exc))
        action = transport_fault(scope)
        if action is None:
            note_status(scope, response.status_code)
            await response(scope, receive, send)
        else:
            note_status(scope, 0 if action == "reset" else response.status_code)
            await send_with_fault(action, response, scope, receive, send)

    def _endpoint(self, scope: Scope) -> Endpoint:
        path = _route_path(scope)
        method = scope["method"]
        by_method = self.static.get(path)
        if by_method is not None:
            route = by_method.get(method)  # Starlette adds HEAD to GET routes
            if route is not None:
                return route.endpoint
        allowed: set[str] = set(by_method or ())
        for regex, methods, endpoint, convertors in self._patterns:
            match = regex.match(path)
            if match is None:
                continue
            if methods is not None and method not in methods:
                # The path fits but not the method: keep looking (GET and DELETE may be two routes).
                allowed.update(methods)
                continue
            params = match.groupdict()
            if convertors is not None:
                params = {key: convertors[key].convert(value) for key, value in params.items()}
            outer = scope.get("path_params")
            scope["endpoint"] = endpoint
            scope["path_params"] = {**outer, **params} if outer else params
            return endpoint
        if allowed:
            raise MethodNotAllowed(sorted(allowed))
        raise RouteNotFound("Not found")

    def _as_service_error(self, scope: Scope, exc: Exception) -> ServiceError:
        if isinstance(exc, ServiceError):
            return exc
        if isinstance(exc, Fault):
            if exc.rule.reset:
                mark_reset(scope)
            return FaultError(exc.status, exc.rule.message, exc.headers, reset=exc.rule.reset)
        if isinstance(exc, HTTPException):
            return ServiceError(str(exc.detail), status=exc.status_code, headers=dict(exc.headers or {}))
        log.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"))
        return InternalError("Internal server error")


def _route_path(scope: Scope) -> str:
    """The path below the mount point (the mount sets root_path to its prefix)."""
    path: str = scope["path"]
    root: Any = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path

