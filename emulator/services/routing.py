"""Route tables as data: each service lists its endpoints (method, path, handler name) in its routes module, so
a contract test can read them without building an engine; bind() attaches them to the service's handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # below the mount's prefix; {name} for a path parameter
    name: str  # the handler's attribute on the service's API object


def bind(table: Iterable[Endpoint], api: object) -> list[Route]:
    """One Starlette Route per endpoint (several may share a path with different methods)."""
    routes = []
    for endpoint in table:
        handler: Handler = getattr(api, endpoint.name)
        routes.append(Route(endpoint.path, handler, methods=[endpoint.method], name=endpoint.name))
    return routes


def methods(table: Iterable[Endpoint], path: str) -> list[str]:
    return sorted({e.method for e in table if e.path == path})
