"""Errors every service raises, LocalStack-style: one class per documented error code, each with its `code` and
`status_code`. A service subclasses ServiceError for its own codes and gives its ServiceApp an Envelope that
renders any ServiceError in the service's own error body. The shared request parsers raise the RequestError
family; ServiceApp turns an unknown path, a wrong method, a scenario's fault and an unexpected exception into
the family below, so every error of a service leaves in that service's envelope."""

from __future__ import annotations

from typing import ClassVar, Protocol

from starlette.responses import Response


class ServiceError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = ""

    def __init__(self, message: str = "", *, headers: dict[str, str] | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})
        self.status = status or self.status_code  # a class's code, or one given (a fault's, a generic 4xx)


class RequestError(ServiceError):
    """A request the shared parsers refused; each service words it its own way."""

    def __init__(self, message: str = "", *, field: str | None = None, pointer: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # dotted, as the service's docs name it (media.video.url)
        self.pointer = pointer or ("/" + field.replace(".", "/") if field else None)  # JSON pointer


class MalformedBody(RequestError):
    """The body is not what its content type says (or nests deeper than any client would send)."""


class MissingField(RequestError):
    pass


class InvalidField(RequestError):
    def __init__(self, field: str, why: str, *, pointer: str | None = None) -> None:
        super().__init__(why, field=field, pointer=pointer)
        self.why = why


class BodyTimeout(RequestError):
    """The body did not arrive in time (a Content-Length larger than what was sent, a client that stalls)."""

    status_code = 408


class RouteNotFound(ServiceError):
    status_code = 404


class MethodNotAllowed(ServiceError):
    status_code = 405

    def __init__(self, allow: list[str]) -> None:
        super().__init__("Method not allowed", headers={"Allow": ", ".join(allow)})
        self.allow = allow


class FaultError(ServiceError):
    """A scenario's HTTP fault (status, Retry-After) in the service's body; `reset` drops the connection."""

    def __init__(self, status: int, message: str | None, headers: dict[str, str], *, reset: bool = False) -> None:
        super().__init__(message or "", headers=headers, status=status)
        self.reset = reset
        self.custom = message is not None  # the scenario gave the message


class InternalError(ServiceError):
    status_code = 500


class Envelope(Protocol):
    """How a service renders any ServiceError (its own and the shared ones above) as its error body."""

    def render(self, error: ServiceError) -> Response: ...
