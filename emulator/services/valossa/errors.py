"""Valossa's error envelope: {"errors": [{"message": "..."}]} with 400/401/404 (docs: Error Codes)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ...engine.faults import Fault, mark_reset
from ..asgi import JSONBody


class ValossaError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ValossaError:
    return ValossaError(400, message)


def missing(field: str) -> ValossaError:
    return ValossaError(400, f"Missing required field: {field}")


def invalid(field: str, why: str) -> ValossaError:
    return ValossaError(400, f"Invalid value for field {field}: {why}")


JOB_NOT_FOUND = "Job not found"


def error_response(status: int, message: str) -> Response:
    return JSONBody({"errors": [{"message": message}]}, status_code=status)


async def on_valossa_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValossaError)
    return error_response(exc.status, exc.message)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Not found", 405: "Method not allowed"}
    response = error_response(exc.status_code, messages.get(exc.status_code, str(exc.detail)))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


FAULT_MESSAGES = {429: "Too many requests", 503: "Service temporarily unavailable"}


async def on_fault(request: Request, exc: Exception) -> Response:
    """A scenario's fault, in Valossa's own error body (or a reset connection)."""
    assert isinstance(exc, Fault)
    if exc.rule.reset:
        mark_reset(request.scope)
    response = error_response(exc.status, exc.message(FAULT_MESSAGES.get(exc.status, "Internal server error")))
    response.headers.update(exc.headers)
    return response


async def on_unexpected(request: Request, exc: Exception) -> Response:
    # The real service documents 500 with the same envelope; never Starlette's HTML page.
    return error_response(500, "Internal server error")


HANDLERS = {ValossaError: on_valossa_error, Fault: on_fault, HTTPException: on_http_error, Exception: on_unexpected}
