"""The capture ring: the last N requests to the emulated services, kept raw, for /_emulator/requests.

Services tag the request they are handling (job id, scenario) with tag(); the recorder (app.Recorder) reads
the tags when it records the request. Recording is on every request's path, so it only keeps raw pieces (the
scope's headers and query string, the body chunks as received, status, timings); decoding, masking and
formatting happen when somebody reads the journal, once per entry.

A request without a body is kept as one tuple (keep()), its headers packed into one bytes object, and becomes
a Record when the journal is next read: with a Record made per request and uvicorn's header list (its tuples,
their bytes) held for 1,000 requests, the journal took ~14 points of bare Starlette's rate from a poll on a
shared core; this way ~11 (bench/README.md, the ninth round).
"""

from __future__ import annotations

import fnmatch
from collections import deque
from itertools import chain
from typing import TYPE_CHECKING, Any

from starlette.types import Scope

from ..clock import Clock
from .bodies import Facts, body_text
from .masking import masked_headers
from .multipart import MultipartSummary, content_type, multipart_boundary

if TYPE_CHECKING:
    from .matching import Matcher

SCOPE_KEY = "emulator"
STATUS_KEY = "emulator.status"
CAPTURE_MIN = 64 * 1024  # raw body bytes kept per request at least (more than shown, so masking sees whole fields)
NO_CHUNKS: list[bytes] = []  # shared by every record without a body: never appended to
NO_TAGS: dict[str, Any] = {}  # shared by every untagged record: never written to


def tag(scope: Scope, **fields: Any) -> None:
    """Note facts about this request for the journal (e.g. job_id=..., scenario=...)."""
    tags = scope.get(SCOPE_KEY)
    if tags is None:
        scope[SCOPE_KEY] = fields  # the call's own dict: most requests are tagged once
    else:
        tags.update(fields)


def tags(scope: Scope) -> dict[str, Any]:
    return scope.get(SCOPE_KEY, {})


def note_status(scope: Scope, status: int) -> None:
    """The status a service app sent (0: none, e.g. a reset connection); spares the recorder wrapping send."""
    scope[STATUS_KEY] = status


class Record:
    """One request as captured: raw, cheap to make. Views are built on first read and kept."""

    __slots__ = ("id", "wall", "virtual", "method", "path", "query_string", "headers", "chunks", "size",
                 "spill", "status", "duration", "tags", "service", "_view", "_facts")

    def __init__(self, scope: Scope, wall: float, virtual: float) -> None:
        self.id = 0
        self.wall, self.virtual = wall, virtual
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query_string: bytes = scope["query_string"]
        self.headers: list[tuple[bytes, bytes]] = scope["headers"]
        self.chunks: list[bytes] = NO_CHUNKS  # a list of its own once a body chunk arrives
        self.size = 0
        self.spill: Any = None  # set once the body outgrows the capture limit
        self.status = 0
        self.duration = 0.0
        self.tags: dict[str, Any] = NO_TAGS
        self.service: str | None = None
        self._view: dict[str, Any] | None = None
        self._facts: Facts | None = None

    @classmethod
    def unpack(cls, entry: Entry) -> Record:
        """The Record of an entry keep() made."""
        record = cls.__new__(cls)
        (record.id, record.wall, record.virtual, record.method, record.path, record.query_string, headers,
         record.status, record.duration, record.tags, record.service) = entry
        record.headers = unpack_headers(headers)
        record.chunks, record.size, record.spill = NO_CHUNKS, 0, None
        record._view = record._facts = None
        return record


# A request without a body as keep() holds it: id, wall, virtual, method, path, query string, packed headers,
# status, duration, tags, service.
Entry = tuple[int, float, float, str, str, bytes, "bytes | list[tuple[bytes, bytes]]", int, float, dict[str, Any],
              "str | None"]


def pack_headers(headers: list[tuple[bytes, bytes]]) -> bytes | list[tuple[bytes, bytes]]:
    """Names and values joined by NUL, which HTTP forbids in both (the list itself if one has it anyway)."""
    packed = b"\0".join(chain.from_iterable(headers))
    return packed if packed.count(b"\0") == 2 * len(headers) - 1 else headers


def unpack_headers(packed: bytes | list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    if not isinstance(packed, bytes):
        return packed
    parts = packed.split(b"\0")
    return list(zip(parts[::2], parts[1::2], strict=True))


class Journal:
    def __init__(self, clock: Clock, size: int = 1000, body_limit: int = 4096) -> None:
        self.clock = clock
        self.size, self.body_limit = size, body_limit
        self.capture = max(CAPTURE_MIN, 2 * body_limit)
        self._entries: deque[Record | Entry] = deque(maxlen=size)
        self._packed = False  # some entries are still keep()'s tuples
        self.last_id = 0  # ids keep growing across clear() and reset, so a tail by `after` never misses one
        self.enabled = size > 0

    @property
    def entries(self) -> deque[Record]:
        """The kept requests, oldest first, each a Record (keep()'s tuples are unpacked on this first read)."""
        if self._packed:
            self._entries = deque((e if isinstance(e, Record) else Record.unpack(e) for e in self._entries),
                                  maxlen=self.size)
            self._packed = False
        return self._entries  # type: ignore[return-value]

    # --- the hot path (app.Recorder: keep() for a request without a body; else a Record, its chunks, finish())
    def receive(self, record: Record, chunk: bytes) -> None:
        """A request body chunk as the app reads it."""
        record.size += len(chunk)
        if record.spill is None and record.size <= self.capture:
            if record.chunks is NO_CHUNKS:
                record.chunks = []
            record.chunks.append(chunk)
        else:
            self._overflow(record, chunk)

    def finish(self, record: Record, scope: Scope, duration: float) -> None:
        """Keep the request (record.status was set as the response started; 0 if none was sent)."""
        self.last_id += 1
        record.id = self.last_id
        record.duration = duration
        record.tags = scope.get(SCOPE_KEY, NO_TAGS)
        self._entries.append(record)

    def keep(self, scope: Scope, wall: float, virtual: float, status: int, duration: float,
             service: str | None) -> None:
        """Keep a request that had no body to capture, as one tuple: what a Record would hold."""
        self.last_id += 1
        self._entries.append((self.last_id, wall, virtual, scope["method"], scope["path"], scope["query_string"],
                              pack_headers(scope["headers"]), status, duration, scope.get(SCOPE_KEY, NO_TAGS),
                              service))
        self._packed = True

    # --- reading
    def clear(self) -> int:
        n = len(self._entries)
        self._entries.clear()
        self._packed = False
        return n

    def service_of(self, record: Record) -> str | None:
        """The service the request went to (the recorder in front of each service's mounts notes it); None
        for a path no service serves."""
        return record.service or None

    def select(
        self, *, service: str | None = None, method: str | None = None, path: str | None = None,
        status: int | None = None, job_id: str | None = None, since: float | None = None,
        after: int | None = None, limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Matching entries, oldest first: the first `limit` after id `after`, or else the newest `limit`."""
        method = method.upper() if method else None
        if since is not None:
            since -= 5e-7  # an entry's own `time` (microseconds) selects it
        found: list[Record] = []
        for record in self.entries:
            if after is not None and record.id <= after:
                continue
            if since is not None and record.wall < since:
                continue
            if (method is not None and record.method != method) or (status is not None and record.status != status):
                continue
            if job_id is not None and record.tags.get("job_id") != job_id:
                continue
            if path is not None and not fnmatch.fnmatchcase(record.path, path):
                continue
            if service is not None and self.service_of(record) != service:
                continue
            found.append(record)
            if after is not None and len(found) >= limit:
                break
        if after is None:
            found = found[-limit:] if limit else []
        return [self.view(r) for r in found]

    def view(self, record: Record) -> dict[str, Any]:
        if record._view is None:
            body, truncated = body_text(record, self.facts(record), self.body_limit)
            record._view = {
                "id": record.id,
                "time": Clock.iso(record.wall),
                "virtual_time": Clock.iso(record.virtual),
                "service": self.service_of(record),
                "method": record.method,
                "path": record.path,
                "query": self.facts(record).query,
                "headers": masked_headers(record.headers),
                "body": body,
                "body_truncated": truncated,
                "status": record.status,
                "duration_ms": round(record.duration * 1000, 3),
                "job_id": record.tags.get("job_id"),
                "scenario": record.tags.get("scenario"),
            }
        return record._view

    def facts(self, record: Record) -> Facts:
        if record._facts is None:
            record._facts = Facts(record, self.body_limit)
        return record._facts

    # --- counting with a matcher (WireMock-like), near misses when nothing matches
    def count(self, matcher: Matcher) -> dict[str, Any]:
        scored: list[tuple[int, int, Record, list[str]]] = []
        count = 0
        for record in self.entries:
            differences, weight = matcher.differences(self, record)
            if not differences:
                count += 1
            else:
                scored.append((weight, -record.id, record, differences))
        result: dict[str, Any] = {"count": count}
        if count == 0 and self.entries:
            scored.sort(key=lambda s: (s[0], s[1]))
            result["near_misses"] = [{"request": self.view(r), "differences": d} for _, _, r, d in scored[:3]]
        return result

    # --- bodies
    def _overflow(self, record: Record, chunk: bytes) -> None:
        """The body outgrew what the journal keeps: a multipart body is summarised as it streams (file
        parts counted, not kept); any other body keeps its first `capture` bytes."""
        if record.spill is None:
            boundary = multipart_boundary(content_type(record.headers))
            if boundary is not None:
                summary = MultipartSummary(boundary, self.body_limit)
                for kept in record.chunks:
                    summary.write(kept)
                record.chunks = []
                record.spill = summary
            else:
                record.spill = "cut"
                if record.chunks is NO_CHUNKS:
                    record.chunks = []
        if isinstance(record.spill, MultipartSummary):
            record.spill.write(chunk)
            return
        room = self.capture - sum(len(c) for c in record.chunks)
        if room > 0:
            record.chunks.append(chunk[:room])
