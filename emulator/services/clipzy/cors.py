"""CORS as the real engine sets it up (CORSMiddleware, CORS_ORIGINS, any method and header), applied only to
requests with an Origin header: CORSMiddleware passes any other through untouched, and the layer (its Headers
object, ServiceApp's wrapped send) cost a sixth of a poll."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...engine.journal import note_status
from ..asgi import ServiceApp
from ..errors import Envelope


def middleware(origins: list[str]) -> Callable[[ASGIApp], ASGIApp] | None:
    if not origins:
        return None
    return lambda app: CORSMiddleware(app, allow_origins=origins, allow_credentials=True, allow_methods=["*"],
                                      allow_headers=["*"], expose_headers=["Content-Disposition"])


def has_origin(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(name == b"origin" for name, _ in headers)  # ASGI header names are lower case


class CorsApp(ServiceApp):
    """A ServiceApp whose CORS layer sees only the requests it acts on."""

    def __init__(self, routes: list[Route], envelope: Envelope, origins: list[str]) -> None:
        super().__init__(routes, envelope)
        wrap = middleware(origins)
        self.cors = wrap(super().__call__) if wrap is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is None or scope["type"] != "http" or not has_origin(scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def noting(message: Message) -> None:  # the middleware may answer by itself (a preflight)
            if message["type"] == "http.response.start":
                note_status(scope, message["status"])
            await send(message)

        await self.cors(scope, receive, noting)
