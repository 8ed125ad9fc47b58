"""Reading requests, shared by every service: the query string, JSON, form and multipart bodies, and typed
fields. Every failure is raised as a RequestError (services/errors.py), which each service words in its own
envelope; nothing here answers for a service."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, overload
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.types import Scope

from .errors import BodyTimeout, InvalidField, MalformedBody, MissingField

# Real seconds a request body may take to arrive once its headers are in: past it, 408 in the service's envelope.
BODY_TIMEOUT = 30.0
# Deeper than any real client nests a body: refused before json.loads would recurse (a RecursionError was a 500).
MAX_DEPTH = 100
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (name in lower case, as ASGI gives names), without building Starlette's
    Headers for the one header a hot path reads."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def query(scope: Scope) -> dict[str, str]:
    """The query string as a dict (the last of repeated names wins, as Starlette's query_params.get)."""
    raw = scope["query_string"].decode("latin-1")
    if "%" in raw or "+" in raw:
        return dict(parse_qsl(raw, keep_blank_values=True))
    return {name: value for name, _, value in (part.partition("=") for part in raw.split("&") if part)}


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays/objects deeper than `limit` (strings skipped); cost grows with the
    brackets and quotes, not the bytes."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth, in_string, skip = 0, False, -1
    for match in _STRUCTURE.finditer(raw):
        if match.start() == skip:  # the character after a backslash
            continue
        char = match.group()
        if in_string:
            if char == b"\\":
                skip = match.end()
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def parse_json(raw: bytes) -> Any:
    if too_deep(raw):
        raise MalformedBody(f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedBody() from None


class _Deadlines:
    """The body reads in progress and when each must end, swept by one timer per event loop: asyncio.timeout
    set and cancelled a timer per request (~9 µs of a create's ~250)."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ends: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.timer: asyncio.TimerHandle | None = None

    def start(self, seconds: float) -> asyncio.Task[Any]:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new loop (tests run several): the old one's timer is gone with it
            self.loop, self.ends, self.expired, self.timer = loop, {}, set(), None
        task = asyncio.current_task()
        assert task is not None
        self.ends[task] = end = loop.time() + seconds
        if self.timer is None:
            self.timer = loop.call_at(end, self._sweep)
        return task

    def stop(self, task: asyncio.Task[Any]) -> bool:
        """The read is over; True if it was cut off (its cancellation is then taken back)."""
        self.ends.pop(task, None)
        if task in self.expired:
            self.expired.discard(task)
            task.uncancel()
            return True
        return False

    def _sweep(self) -> None:
        assert self.loop is not None
        self.timer = None
        now = self.loop.time()
        for task, end in list(self.ends.items()):
            if end <= now:
                del self.ends[task]
                self.expired.add(task)
                task.cancel()
        if self.ends:
            self.timer = self.loop.call_at(min(self.ends.values()), self._sweep)


_deadlines = _Deadlines()


class within:  # noqa: N801 (used like asyncio.timeout)
    """`async with within(seconds):` as asyncio.timeout (TimeoutError past it), watched by the loop's one sweep."""

    __slots__ = ("seconds", "task")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def __aenter__(self) -> None:
        self.task = _deadlines.start(self.seconds)

    async def __aexit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if _deadlines.stop(self.task) and kind is asyncio.CancelledError:
            raise TimeoutError


async def body(request: Request) -> bytes:
    """The whole body, within BODY_TIMEOUT."""
    try:
        async with within(BODY_TIMEOUT):
            return await request.body()
    except TimeoutError:
        raise BodyTimeout(f"the request body did not arrive within {BODY_TIMEOUT:g} s") from None


async def json_body(request: Request) -> dict[str, Any]:
    """A JSON object body."""
    data = parse_json(await body(request))
    if not isinstance(data, dict):
        raise MalformedBody()
    return data


async def form_body(request: Request, *, max_part_size: int = 64 * 1024 * 1024) -> dict[str, Any]:
    """multipart/form-data or urlencoded (curl -F); JSON is accepted too."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return await json_body(request)
    if not ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise MalformedBody("expected multipart/form-data")
    try:
        async with within(BODY_TIMEOUT):
            form = await request.form(max_part_size=max_part_size)
    except TimeoutError:
        raise BodyTimeout(f"the request body did not arrive within {BODY_TIMEOUT:g} s") from None
    except ClientDisconnect:
        raise
    except Exception:  # python-multipart raises several types for a broken body
        raise MalformedBody() from None
    return dict(form.items())


@overload
def text(data: dict[str, Any], name: str) -> str: ...
@overload
def text(data: dict[str, Any], name: str, *, required: bool) -> str | None: ...


def text(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MissingField(field=name)
        return None
    if not isinstance(value, str):
        raise InvalidField(name, "expected a string")
    return value


@overload
def integer(data: dict[str, Any], name: str) -> int: ...
@overload
def integer(data: dict[str, Any], name: str, *, required: bool) -> int | None: ...


def integer(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """A whole number, as JSON or as the digits of a form field (no spaces, no sign but '-')."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MissingField(field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidField(name, "expected an integer")
    if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
        raise InvalidField(name, "expected an integer")
    return int(value)


def boolean(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise InvalidField(name, "expected true or false")


def upload(data: dict[str, Any], name: str) -> UploadFile:
    value = data.get(name)
    if isinstance(value, UploadFile):
        return value
    if value is None or value == "":
        raise MissingField(field=name)
    raise InvalidField(name, "expected a file part")


async def file_bytes(data: dict[str, Any], name: str) -> bytes:
    return await upload(data, name).read()
