"""Valossa's error envelope: {"errors": [{"message": "..."}]} with the documented statuses 400, 401, 404 and
500 (docs: Error Codes), one class each; the Envelope words every error, shared ones included, this way."""

from __future__ import annotations

from starlette.responses import Response

from ..errors import (
    BodyTimeout,
    FaultError,
    InternalError,
    InvalidField,
    MalformedBody,
    MethodNotAllowed,
    MissingField,
    RouteNotFound,
    ServiceError,
)
from ..responses import JSONBody


class ValossaError(ServiceError):
    """Base of Valossa's own errors; ValossaError.for_status() picks the class of a status."""

    @staticmethod
    def for_status(status: int, message: str) -> ValossaError:
        cls = {400: BadRequest, 401: Unauthorized, 404: NotFound}.get(status, ServerError)
        return cls(message)


class BadRequest(ValossaError):
    status_code = 400  # malformed request, missing required fields, invalid values


class Unauthorized(ValossaError):
    status_code = 401  # API key invalid, missing, or without permission for the operation


class NotFound(ValossaError):
    status_code = 404  # job_id does not exist or is not accessible with the given key


class ServerError(ValossaError):
    status_code = 500


def missing(field: str) -> MissingField:
    return MissingField(field=field)


def invalid(field: str, why: str) -> InvalidField:
    return InvalidField(field, why)


JOB_NOT_FOUND = "Job not found"
MALFORMED = "Malformed request body"
FAULT_MESSAGES = {429: "Too many requests", 503: "Service temporarily unavailable"}


def message(error: ServiceError) -> str:
    """The message Valossa would give (documented examples: "Missing required field: media.video.url",
    "Malformed request body", "Invalid API key", "Job not found")."""
    if isinstance(error, MissingField):
        return f"Missing required field: {error.field}"
    if isinstance(error, InvalidField):
        return f"Invalid value for field {error.field}: {error.why}"
    if isinstance(error, BodyTimeout):
        return f"Request timeout: {error.message}"
    if isinstance(error, MalformedBody):
        return f"{MALFORMED}: {error.message}" if error.message else MALFORMED
    if isinstance(error, RouteNotFound):
        return "Not found"
    if isinstance(error, MethodNotAllowed):
        return "Method not allowed"
    if isinstance(error, FaultError):
        return error.message if error.custom else FAULT_MESSAGES.get(error.status, "Internal server error")
    if isinstance(error, InternalError):
        return "Internal server error"  # documented: 500 with the same envelope, never an HTML page
    return error.message


class Envelope:
    def render(self, error: ServiceError) -> Response:
        return JSONBody({"errors": [{"message": message(error)}]}, error.status, headers=error.headers)


ENVELOPE = Envelope()
