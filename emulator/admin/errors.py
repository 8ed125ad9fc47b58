"""Admin errors as RFC 7807 problem+json: only /_emulator/* may use it, the services use their own."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..services.requests import too_deep


class AdminError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class ProblemResponse(JSONResponse):
    """problem+json in ASCII: the media type has no charset parameter, so clients may guess the encoding."""

    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


ADMIN_MAX_DEPTH = 500  # a matcher may expect a value nested deeper than the journal shows (200)


def load_json(raw: bytes) -> Any:
    """json.loads for admin bodies; a body nested deeper than any real one is a ValueError (answered 400 like
    any bad JSON), never a RecursionError (a 500)."""
    if too_deep(raw, ADMIN_MAX_DEPTH):
        raise ValueError("nested too deep")
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deep") from None


def integer(query: QueryParams, name: str, minimum: int) -> int | None:
    """A whole-number query parameter, or None when absent; anything else is a 400."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise AdminError(400, f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise AdminError(400, f"{name}: expected a whole number of at least {minimum}, got {value}")
    return value


def problem(status: int, detail: str) -> Response:
    titles = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
              500: "Internal Server Error"}
    body = {"type": "about:blank", "title": titles.get(status, "Error"), "status": status, "detail": detail}
    return ProblemResponse(body, status_code=status)


async def on_admin_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AdminError)
    return problem(exc.status, exc.detail)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return problem(exc.status_code, str(exc.detail))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    return problem(500, f"{type(exc).__name__}: {exc}")


HANDLERS = {AdminError: on_admin_error, HTTPException: on_http_error, Exception: on_unexpected}
