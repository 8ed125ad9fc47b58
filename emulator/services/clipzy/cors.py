"""CORS as the real engine sets it up (CORSMiddleware, CORS_ORIGINS, any method and header); ServiceApp applies
it to requests with an Origin header."""

from __future__ import annotations

from collections.abc import Callable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp


def middleware(origins: list[str]) -> Callable[[ASGIApp], ASGIApp] | None:
    if not origins:
        return None
    return lambda app: CORSMiddleware(app, allow_origins=origins, allow_credentials=True, allow_methods=["*"],
                                      allow_headers=["*"], expose_headers=["Content-Disposition"])
