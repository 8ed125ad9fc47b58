"""ServiceApp: the ASGI app a service mounts. It does what a Starlette sub-application would (route, turn
exceptions into the service's own error bodies) with one dispatch step instead of four middleware layers,
and carries out a scenario's transport faults (reset, truncate, malformed) as it sends the answer: the
emulated APIs are the hot path that the benchmark compares with a bare endpoint."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from ..engine.faults import send_with_fault, transport_fault
from ..engine.journal import note_status

Handler = Callable[[Request, Exception], Awaitable[Response]]


class ServiceApp:
    def __init__(self, routes: list[Route], handlers: Mapping[type[Exception], Handler]) -> None:
        self.routes = routes
        self.handlers = dict(handlers)
        # Static paths (all of Valossa's) are found by a dict lookup; templated ones by Starlette's matching.
        self.static: dict[str, dict[str, Route]] = {}
        self.templated: list[Route] = []
        for route in routes:
            if "{" in route.path:
                self.templated.append(route)
            else:
                by_method = self.static.setdefault(route.path, {})
                for method in route.methods or ():
                    by_method[method] = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            response = await self._endpoint(scope)(Request(scope, receive))
        except Exception as exc:
            response = await self._handler(type(exc))(Request(scope, receive), exc)
        action = transport_fault(scope)
        if action is None:
            note_status(scope, response.status_code)
            await response(scope, receive, send)
        else:
            note_status(scope, 0 if action == "reset" else response.status_code)
            await send_with_fault(action, response, scope, receive, send)

    def _endpoint(self, scope: Scope) -> Callable[[Request], Awaitable[Response]]:
        path = _route_path(scope)
        method = scope["method"]
        by_method = self.static.get(path)
        if by_method is not None:
            route = by_method.get(method)  # Starlette adds HEAD to GET routes
            if route is None:
                raise HTTPException(405, headers={"Allow": ", ".join(sorted(by_method))})
            return route.endpoint
        for route in self.templated:
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                return route.endpoint
            if match is Match.PARTIAL:
                raise HTTPException(405, headers={"Allow": ", ".join(sorted(route.methods or ()))})
        raise HTTPException(404)

    def _handler(self, kind: type[BaseException]) -> Handler:
        for cls in kind.__mro__:
            if cls in self.handlers:
                return self.handlers[cls]
        return self.handlers[Exception]


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette's Mount sets root_path to the prefix)."""
    path: str = scope["path"]
    root: Any = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


class JSONBody(Response):
    """JSONResponse's bytes and headers, built with less work (one encoder, headers set directly).
    `encoded`: bytes from encode() kept from an earlier answer (e.g. in a job's memo)."""

    media_type = "application/json"

    def __init__(self, content: Any = None, status_code: int = 200, *, encoded: bytes | None = None) -> None:
        self.status_code = status_code
        self.background = None
        self.body = encode(content) if encoded is None else encoded
        self.raw_headers = [(b"content-length", str(len(self.body)).encode()), (b"content-type", b"application/json")]


def encode(content: Any) -> bytes:
    return _encode(content).encode("utf-8")


def query(scope: Scope) -> dict[str, str]:
    """The query string as a dict (the last of repeated names wins, as Starlette's query_params.get)."""
    raw = scope["query_string"].decode("latin-1")
    if "%" in raw or "+" in raw:
        return dict(parse_qsl(raw, keep_blank_values=True))
    return {name: value for name, _, value in (part.partition("=") for part in raw.split("&") if part)}
