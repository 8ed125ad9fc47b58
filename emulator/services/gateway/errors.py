"""The two error bodies of the service: the gateway's (/v1/*, the seed's ErrorResponse {"error": {"code",
"message"}}, with the JSON pointer of a bad field under error.source) and the token issuer's (Auth0's
{"error", "error_description"}). Each Envelope words every ServiceError, the shared ones included, its own way."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.responses import Response

from ..errors import (
    BodyTimeout,
    FaultError,
    InternalError,
    InvalidField,
    MalformedBody,
    MethodNotAllowed,
    MissingField,
    RequestError,
    RouteNotFound,
    ServiceError,
)
from ..responses import JSONBody
from .tokens import NO_STORE, TokenError


class GatewayError(ServiceError):
    code = "INTERNAL_ERROR"


class InvalidRequest(GatewayError):
    status_code, code = 400, "INVALID_REQUEST"

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer


class UnsupportedMediaType(GatewayError):
    status_code, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class JobNotFound(GatewayError):
    status_code, code = 404, "JOB_NOT_FOUND"


class ResultNotReady(GatewayError):
    status_code, code = 404, "RESULT_NOT_READY"


class DownloadNotFound(GatewayError):
    status_code, code = 404, "DOWNLOAD_NOT_FOUND"


class DownloadExpired(GatewayError):
    status_code, code = 403, "DOWNLOAD_EXPIRED"


class ProviderRefused(GatewayError):
    """PROVIDER_NOT_SUPPORTED or FEATURE_NOT_SUPPORTED (providers.ProviderError)."""

    status_code = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = code


class Unauthorized(GatewayError):
    """A token /v1/* refuses (tokens.TokenError): 401 UNAUTHORIZED or 403 FORBIDDEN, with its challenge."""

    def __init__(self, error: TokenError, realm: str | None = None) -> None:
        super().__init__(error.description, status=error.status,
                         headers={"WWW-Authenticate": error.www_authenticate(realm)})
        self.reason = error.reason


FAULT_CODES = {429: "TOO_MANY_REQUESTS", 503: "SERVICE_UNAVAILABLE", 502: "BAD_GATEWAY", 504: "GATEWAY_TIMEOUT"}
FAULT_MESSAGES = {429: "Too many requests", 503: "Service temporarily unavailable"}
ERROR_MEDIA_TYPE = "application/json"


def _pointer(error: ServiceError) -> str | None:
    if isinstance(error, InvalidRequest):
        return error.pointer
    if isinstance(error, RequestError):
        return error.pointer
    return None


def gateway_error(error: ServiceError) -> tuple[str, str]:
    """(code, message) of any error answered on /v1/* or the gateway's own pages."""
    if isinstance(error, ProviderRefused):
        return error.error_code, error.message
    if isinstance(error, Unauthorized):
        return ("UNAUTHORIZED" if error.status == 401 else "FORBIDDEN"), error.message
    if isinstance(error, GatewayError):
        return error.code, error.message
    if isinstance(error, MissingField):
        return "INVALID_REQUEST", f"Missing required field {error.pointer}"
    if isinstance(error, InvalidField):
        return "INVALID_REQUEST", f"Invalid value at {error.pointer}: {error.why}"
    if isinstance(error, BodyTimeout):
        return "REQUEST_TIMEOUT", f"Request timeout: {error.message}"
    if isinstance(error, MalformedBody):
        detail = f": {error.message}" if error.message else ""
        return "INVALID_REQUEST", f"The request body is not valid JSON{detail}"
    if isinstance(error, RouteNotFound):
        return "NOT_FOUND", "Not found"
    if isinstance(error, MethodNotAllowed):
        return "METHOD_NOT_ALLOWED", "Method not allowed"
    if isinstance(error, FaultError):
        code = FAULT_CODES.get(error.status, "INTERNAL_ERROR" if error.status >= 500 else "REQUEST_FAILED")
        return code, error.message if error.custom else FAULT_MESSAGES.get(error.status, "Internal server error")
    if isinstance(error, InternalError):
        return "INTERNAL_ERROR", "Internal server error"
    return ("INVALID_REQUEST" if error.status == 400 else "REQUEST_FAILED"), error.message or "Request failed"


class Envelope:
    """The gateway's ErrorResponse."""

    def render(self, error: ServiceError) -> Response:
        code, message = gateway_error(error)
        body: dict[str, object] = {"code": code, "message": message}
        pointer = _pointer(error)
        if pointer is not None:
            body["source"] = {"pointer": pointer}
        return JSONBody({"error": body}, error.status, headers=error.headers, media_type=ERROR_MEDIA_TYPE)


# -- the token issuer (Auth0's bodies) --------------------------------------------------------------------------

RATE_LIMIT = 30  # x-ratelimit-limit of a scenario's 429 (Auth0's limits are per tenant and endpoint)


class OAuthError(ServiceError):
    """An Auth0 error body {"error", "error_description"} (and error_uri)."""

    def __init__(self, status: int, error: str, description: str, *, uri: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description, status=status, headers=headers)
        self.error, self.uri = error, uri


def oauth_error(error: ServiceError) -> tuple[str, str]:
    if isinstance(error, OAuthError):
        return error.error, error.message
    if isinstance(error, BodyTimeout):
        return "invalid_request", f"Request timeout: {error.message}"
    if isinstance(error, MalformedBody):
        return "invalid_request", "Invalid request body: " + (error.message or "it cannot be parsed")
    if isinstance(error, RequestError):
        return "invalid_request", error.message or "Invalid request"
    if isinstance(error, RouteNotFound):
        return "not_found", "Not Found"
    if isinstance(error, MethodNotAllowed):
        return "method_not_allowed", "Method Not Allowed"
    if isinstance(error, FaultError):
        if error.status == 429:
            return "too_many_requests", error.message if error.custom else "Global limit has been reached"
        if error.status == 503:
            return "temporarily_unavailable", error.message if error.custom else "Service Unavailable"
        return ("server_error" if error.status >= 500 else "invalid_request"), (
            error.message if error.custom else "Internal Server Error" if error.status >= 500 else "Bad Request")
    if isinstance(error, InternalError):
        return "server_error", "Internal Server Error"
    return "invalid_request", error.message or "Bad Request"


class AuthEnvelope:
    """Auth0's error body for everything the issuer answers: its own errors, malformed bodies, unknown paths
    and methods, scenario faults (a 429 carries Auth0's x-ratelimit-* headers)."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self.wall = wall

    def render(self, error: ServiceError) -> Response:
        code, description = oauth_error(error)
        body = {"error": code, "error_description": description}
        if isinstance(error, OAuthError) and error.uri:
            body["error_uri"] = error.uri
        headers = {**NO_STORE, **error.headers}
        if error.status == 429:
            retry = int(error.headers.get("Retry-After", "1") or 1)
            now = self.wall()
            headers.update({"x-ratelimit-limit": str(RATE_LIMIT), "x-ratelimit-remaining": "0",
                            "x-ratelimit-reset": str(int(now) + max(retry, 1))})
        return JSONBody(body, error.status, headers=headers)
