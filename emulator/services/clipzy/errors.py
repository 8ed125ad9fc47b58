"""Clipzy's error envelope, {"success": false, "message", "error": {"detail", "code"}} on every error (docs:
api overview, troubleshooting/common-errors): one class per documented code, and the Envelope that words the
shared errors (bad requests, unknown routes, wrong methods, scenario faults, crashes) the same way."""

from __future__ import annotations

from typing import ClassVar

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

FORMATS = ("mp4", "mov", "avi", "mkv", "webm")


class ClipzyError(ServiceError):
    """One documented error: `title` is the envelope's message, the constructor's message its detail."""

    title: ClassVar[str] = "Error"


class Unauthorized(ClipzyError):
    status_code, code, title = 401, "UNAUTHORIZED", "Unauthorized"

    def __init__(self) -> None:
        super().__init__("Missing or invalid authentication credentials.", headers={"WWW-Authenticate": "Bearer"})


class VideoNotFound(ClipzyError):
    status_code, code, title = 404, "VIDEO_NOT_FOUND", "The specified video could not be found."

    def __init__(self, video_id: str) -> None:
        super().__init__(f"No video with id '{video_id}' exists.")


class JobNotFound(ClipzyError):
    status_code, code, title = 404, "JOB_NOT_FOUND", "The specified job could not be found."

    def __init__(self, job_id: str) -> None:
        super().__init__(f"No job with id '{job_id}' exists.")


class ResultNotReady(ClipzyError):
    """The download before the job completed (the docs' "Result not available yet"; its code is cut off in the
    stored copy, most likely RESULT_NOT_READY)."""

    status_code, code, title = 404, "RESULT_NOT_READY", "Result not available yet."

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"Rendered output not available yet: job '{job_id}' is {status}.")


class JobAlreadyProcessing(ClipzyError):
    status_code, code, title = 409, "JOB_ALREADY_PROCESSING", "A job for this video is already being processed."

    def __init__(self, video_id: str, job_id: str, status: str) -> None:
        super().__init__(f"Video '{video_id}' has job '{job_id}' in status {status}.")


class JobNotCancellable(ClipzyError):
    """An emulator code: cancelling is an extension."""

    status_code, code, title = 409, "JOB_NOT_CANCELLABLE", "The job can no longer be cancelled."

    def __init__(self, job_id: str, status: str) -> None:
        super().__init__(f"Job '{job_id}' is {status}; only queued or processing jobs can be cancelled.")


class FileTooLarge(ClipzyError):
    status_code, code, title = 413, "FILE_TOO_LARGE", "Uploaded file exceeds the maximum allowed size."

    def __init__(self, size_mb: int, limit_mb: float) -> None:
        super().__init__(f"File size is {size_mb} MB. Maximum allowed is {limit_mb:g} MB.")


class UnsupportedFormat(ClipzyError):
    status_code, code, title = 422, "UNSUPPORTED_FORMAT", "The uploaded file format is not supported."

    def __init__(self, extension: str) -> None:
        received = f"extension .{extension}" if extension else "no extension"
        super().__init__(f"Received file with {received}. Supported formats: {', '.join(FORMATS)}.")


class MissingFile(ClipzyError):
    """The upload without its file part (MISSING_FIELD); a JSON field missing is a ValidationFailed."""

    status_code, code, title = 422, "MISSING_FIELD", "A required field is missing."

    def __init__(self, field: str = "file") -> None:
        super().__init__(f"The multipart field '{field}' is required.")


class ValidationFailed(ClipzyError):
    """A request that does not validate (body, path, query): FastAPI's 422, in the docs' envelope."""

    status_code, code, title = 422, "VALIDATION_ERROR", "Validation error"


class UnknownScenario(ClipzyError):
    """An X-Emulator-Scenario header naming no scenario of Clipzy's (only the emulator reads the header)."""

    status_code, code, title = 400, "UNKNOWN_SCENARIO", "Unknown emulator scenario"

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown emulator scenario {name!r} in X-Emulator-Scenario.")


# --- the shared errors, worded the Clipzy way: (status, code, message, detail)

FAULT_CODES = {429: ("RATE_LIMITED", "Too many requests"), 503: ("SERVICE_UNAVAILABLE",
                                                                  "Service temporarily unavailable")}


def words(error: ServiceError) -> tuple[str, str, str]:
    """(code, message, detail) of any error a Clipzy route can raise."""
    if isinstance(error, ClipzyError):
        return error.code, error.title, error.message
    if isinstance(error, MissingField):
        return ValidationFailed.code, ValidationFailed.title, f"{error.field}: Field required"
    if isinstance(error, InvalidField):
        return ValidationFailed.code, ValidationFailed.title, f"{error.field}: {error.why}"
    if isinstance(error, BodyTimeout):
        return "REQUEST_TIMEOUT", "Request timeout", error.message
    if isinstance(error, MalformedBody):
        why = error.message or "the body is not valid JSON"
        return ValidationFailed.code, ValidationFailed.title, f"body: {why}"
    if isinstance(error, RouteNotFound):
        return "NOT_FOUND", "Not Found", "No such route."
    if isinstance(error, MethodNotAllowed):
        return "METHOD_NOT_ALLOWED", "Method Not Allowed", f"Allowed methods: {', '.join(error.allow)}."
    if isinstance(error, FaultError):
        code, message = FAULT_CODES.get(error.status, ("INTERNAL_ERROR", "Internal server error"))
        return code, (error.message if error.custom else message), "Injected by an emulator scenario."
    if isinstance(error, InternalError):
        return "INTERNAL_ERROR", "Internal server error", "Internal error"
    return f"HTTP_{error.status}", error.message or "Error", error.message or "Error"


class Envelope:
    def render(self, error: ServiceError) -> Response:
        code, message, detail = words(error)
        body = {"success": False, "message": message, "error": {"detail": detail, "code": code}}
        # A request the shared parsers refused is FastAPI's 422, as ValidationFailed is.
        status = ValidationFailed.status_code if code == ValidationFailed.code else error.status
        return JSONBody(body, status, headers=error.headers)


ENVELOPE = Envelope()
