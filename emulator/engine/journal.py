"""The request journal: the last N requests to the emulated services, for /_emulator/requests.

Services tag the request they are handling (job id, scenario) with tag(); the journal middleware reads the
tags when it records the request. Recording is on every request's path, so it only keeps raw pieces (the
scope's headers and query string, the body chunks as received, status, timings); decoding, masking and
formatting happen when somebody reads the journal, once per entry.

Secrets never leave the journal unmasked: query, form and JSON fields named like api_key (SECRET_FIELDS)
and the Authorization, X-Api-Key and Cookie headers read "****" (Authorization keeps its scheme). Matching
(count) sees the masked values too.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from .clock import Clock

SCOPE_KEY = "emulator"
MASK = "****"
SECRET_FIELDS = frozenset({"api_key", "client_secret", "password", "token", "access_token", "refresh_token"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})
CAPTURE_MIN = 64 * 1024  # raw body bytes kept per request at least (more than shown, so masking sees whole fields)
GLOB = re.compile(r"[*?\[]")
NO_CHUNKS: list[bytes] = []  # shared by every record without a body: never appended to
NO_TAGS: dict[str, Any] = {}  # shared by every untagged record: never written to


def tag(scope: Scope, **fields: Any) -> None:
    """Note facts about this request for the journal (e.g. job_id=..., scenario=...)."""
    scope.setdefault(SCOPE_KEY, {}).update(fields)


STATUS_KEY = "emulator.status"


def note_status(scope: Scope, status: int) -> None:
    """The status a service app sent (0: none, e.g. a reset connection); spares the recorder wrapping send."""
    scope[STATUS_KEY] = status


def tags(scope: Scope) -> dict[str, Any]:
    return scope.get(SCOPE_KEY, {})


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


class Journal:
    def __init__(self, clock: Clock, size: int = 1000, body_limit: int = 4096) -> None:
        self.clock = clock
        self.size, self.body_limit = size, body_limit
        self.capture = max(CAPTURE_MIN, 2 * body_limit)
        self.entries: deque[Record] = deque(maxlen=size)
        self.last_id = 0  # ids keep growing across clear() and reset, so a tail by `after` never misses one
        self.prefixes: list[tuple[str, str]] = []  # (mount prefix, service name)
        self.enabled = size > 0

    def add_service(self, name: str, prefix: str) -> None:
        self.prefixes.append((prefix.rstrip("/"), name))

    # --- the hot path (app.Recorder makes each Record: real and virtual time of arrival)
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
        self.entries.append(record)

    # --- reading
    def clear(self) -> int:
        n = len(self.entries)
        self.entries.clear()
        return n

    def __len__(self) -> int:
        return len(self.entries)

    def service_of(self, record: Record) -> str | None:
        if record.service is None:
            for prefix, name in self.prefixes:
                if record.path == prefix or record.path.startswith(prefix + "/"):
                    record.service = name
                    break
            else:
                record.service = ""
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
            body, truncated = self._body_text(record)
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
            record._facts = Facts(self, record)
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

    def _body_text(self, record: Record) -> tuple[str | None, bool]:
        if record.size == 0:
            return None, False
        kind, _ = self.facts(record).body
        if kind == "multipart":
            text = self.facts(record).multipart.render()
        elif isinstance(record.spill, MultipartSummary):
            return f"<malformed multipart body, {record.size} bytes>", False
        else:
            raw = b"".join(record.chunks)
            try:
                text = raw.decode()
            except UnicodeDecodeError:
                if record.spill == "cut":  # cut inside a character: drop the partial one
                    text = raw.decode(errors="ignore")
                else:
                    return f"<binary {record.size} bytes>", False
            text = mask_text(text, form=kind == "form")
        encoded = text.encode()
        if len(encoded) > self.body_limit:
            return encoded[: self.body_limit].decode(errors="ignore"), True
        return text, record.spill == "cut"


class Facts:
    """A record decoded and masked: query, body kind and value, as matching reads them."""

    def __init__(self, journal: Journal, record: Record) -> None:
        self.query = query_dict(record.query_string)
        self.multipart: MultipartSummary = MultipartSummary(b"", 0)
        self.body: tuple[str | None, Any] = (None, None)
        if record.size == 0:
            return
        ctype = content_type(record.headers)
        boundary = multipart_boundary(ctype)
        if boundary is not None:
            summary = record.spill if isinstance(record.spill, MultipartSummary) else None
            if summary is None:
                summary = MultipartSummary(boundary, journal.body_limit)
                for chunk in record.chunks:
                    summary.write(chunk)
            summary.finish()
            if summary.ok:
                self.multipart = summary
                self.body = ("multipart", summary.fields())
            return
        if record.spill == "cut":
            return  # only a prefix was kept: nothing to match on
        raw = b"".join(record.chunks)
        if ctype.startswith("application/x-www-form-urlencoded"):
            self.body = ("form", query_dict(raw))
            return
        if raw.lstrip()[:1] in (b"{", b"["):
            try:
                self.body = ("json", mask_json(json.loads(raw)))
            except ValueError:
                pass


# --- masking and decoding

_NAMES = "|".join(sorted(SECRET_FIELDS))
_JSON_STRING = re.compile(rf'("(?:{_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)', re.IGNORECASE)
_JSON_SCALAR = re.compile(rf'("(?:{_NAMES})"\s*:\s*)(-?[0-9][0-9.eE+-]*|true|false)', re.IGNORECASE)
_FORM = re.compile(rf"(^|&)((?:{_NAMES})=)[^&]*", re.IGNORECASE)
_PART = re.compile(rf'(name="(?:{_NAMES})"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]*', re.IGNORECASE)


def mask_text(text: str, form: bool = False) -> str:
    """Mask secrets in a body shown as text (JSON fields; form fields when form=True)."""
    text = _JSON_STRING.sub(rf'\1"{MASK}"', text)
    text = _JSON_SCALAR.sub(rf'\1"{MASK}"', text)
    text = _PART.sub(rf"\1{MASK}", text)  # a multipart body the parser could not read
    if form:
        text = _FORM.sub(rf"\1\2{MASK}", text)
    return text


def mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and k.lower() in SECRET_FIELDS and v is not None else mask_json(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def query_dict(raw: bytes) -> dict[str, str | list[str]]:
    """name -> value, or a list of values for a repeated name; secret fields masked."""
    out: dict[str, str | list[str]] = {}
    if not raw:
        return out
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"):
        if name.lower() in SECRET_FIELDS:
            value = MASK
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def masked_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in SECRET_HEADERS:
            scheme, _, credentials = value.partition(" ")
            value = f"{scheme} {MASK}" if name.endswith("authorization") and credentials else MASK
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def content_type(headers: Iterable[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.decode("latin-1").strip().lower()
    return ""


def multipart_boundary(ctype: str) -> bytes | None:
    if not ctype.startswith("multipart/"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', ctype, re.IGNORECASE)
    return match.group(1).encode("latin-1") if match else None


class MultipartSummary:
    """A multipart body parsed as it streams: each part's headers, text fields (up to `keep` bytes) and
    the size of file parts, which are never kept."""

    def __init__(self, boundary: bytes, keep: int) -> None:
        self.boundary, self.keep = boundary, keep
        self.parts: list[dict[str, Any]] = []
        self.ok = bool(boundary)
        self._field = b""
        self._value = b""
        self._done = False
        self._parser: Any = None
        if boundary:
            from python_multipart.multipart import MultipartParser

            self._parser = MultipartParser(boundary, {
                "on_part_begin": self._begin, "on_part_data": self._data, "on_header_field": self._hfield,
                "on_header_value": self._hvalue, "on_header_end": self._hend,
            })

    def _begin(self) -> None:
        self.parts.append({"headers": [], "name": "", "filename": None, "data": bytearray(), "size": 0})

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _hend(self) -> None:
        part = self.parts[-1]
        name, value = self._field.decode("latin-1"), self._value.decode("latin-1")
        part["headers"].append((name, value))
        if name.lower() == "content-disposition":
            for key, val in re.findall(r';\s*(name|filename)="((?:[^"\\]|\\.)*)"', value, re.IGNORECASE):
                part[key.lower()] = val
        self._field = self._value = b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        part["size"] += end - start
        if part["filename"] is None and len(part["data"]) <= self.keep:
            part["data"] += data[start:end]

    def write(self, chunk: bytes) -> None:
        if not self.ok:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # python-multipart raises several types for a broken body
            self.ok = False

    def finish(self) -> None:
        if self.ok and not self._done:
            self._done = True
            try:
                self._parser.finalize()
            except Exception:
                self.ok = False

    def _shown(self, part: dict[str, Any]) -> str:
        if part["filename"] is not None:
            return f"<file {part['size']} bytes>"
        if part["name"].lower() in SECRET_FIELDS:
            return MASK
        try:
            text = bytes(part["data"]).decode()
        except UnicodeDecodeError:
            return f"<file {part['size']} bytes>"
        return text if part["size"] <= self.keep else text + "..."

    def fields(self) -> dict[str, str]:
        return {p["name"]: self._shown(p) for p in self.parts}

    def render(self) -> str:
        """The body as sent, text fields kept and secret ones masked, file contents replaced."""
        if not self.ok:
            return "<malformed multipart body>"
        sep = "--" + self.boundary.decode("latin-1")
        lines: list[str] = []
        for part in self.parts:
            lines.append(sep)
            lines += [f"{name}: {value}" for name, value in part["headers"]]
            lines += ["", self._shown(part)]
        lines.append(sep + "--")
        return "\r\n".join(lines) + "\r\n"


# --- matching (POST /_emulator/requests/count)

MISSING = object()


def show(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    return repr(value) if isinstance(value, str) else json.dumps(value)


def same(expected: Any, actual: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(a, b) for a, b in zip(expected, actual, strict=True))
    return type(expected) is type(actual) and expected == actual


def as_text(value: Any) -> str:
    """A JSON scalar as a query or form field would carry it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def dig(value: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.lstrip("-").isdigit() and -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            return MISSING
    return value


class Matcher:
    """{"service", "method", "path" (exact, or a glob with * ? [), "query": {name: value}, "body":
    {"dotted.path": value}, "job_id"}: every key optional, all given ones must hold."""

    # Near misses are ranked by weight: a wrong value 2, a missing one 3, a different method or path 6.
    WRONG, ABSENT, HEAVY = 2, 3, 6

    def __init__(self, spec: dict[str, Any]) -> None:
        self.service: str | None = spec.get("service")
        self.method: str | None = spec["method"].upper() if spec.get("method") else None
        self.path: str | None = spec.get("path")
        self.glob = bool(self.path and GLOB.search(self.path))
        self.query: dict[str, Any] = spec.get("query") or {}
        self.body: dict[str, Any] = spec.get("body") or {}
        self.job_id: str | None = spec.get("job_id")

    def differences(self, journal: Journal, record: Record) -> tuple[list[str], int]:
        found: list[tuple[str, int]] = []
        if self.service is not None and journal.service_of(record) != self.service:
            found.append((f"service: expected {show(self.service)}, got {show(journal.service_of(record))}",
                          self.WRONG))
        if self.method is not None and record.method != self.method:
            found.append((f"method: expected {show(self.method)}, got {show(record.method)}", self.HEAVY))
        if self.path is not None:
            hit = fnmatch.fnmatchcase(record.path, self.path) if self.glob else record.path == self.path
            if not hit:
                how = "a path matching " if self.glob else ""
                found.append((f"path: expected {how}{show(self.path)}, got {show(record.path)}", self.HEAVY))
        if self.job_id is not None and record.tags.get("job_id") != self.job_id:
            found.append((f"job_id: expected {show(self.job_id)}, got {show(record.tags.get('job_id'))}",
                          self.WRONG))
        if self.query or self.body:
            facts = journal.facts(record)
            found += self._query(facts.query)
            found += self._body(*facts.body)
        return [text for text, _ in found], sum(weight for _, weight in found)

    def _weigh(self, text: str, actual: Any) -> tuple[str, int]:
        return text, self.ABSENT if actual is MISSING else self.WRONG

    def _query(self, query: dict[str, Any]) -> Iterator[tuple[str, int]]:
        for name, expected in self.query.items():
            actual = query.get(name, MISSING)
            if isinstance(expected, list):
                want: Any = [as_text(v) for v in expected]
                hit = actual == want or (len(want) == 1 and actual == want[0])
            else:
                want = as_text(expected)
                hit = actual == want or (isinstance(actual, list) and want in actual)
            if not hit:
                yield self._weigh(f"query {name}: expected {show(want)}, got {show(actual)}", actual)

    def _body(self, kind: str | None, value: Any) -> Iterator[tuple[str, int]]:
        if not self.body:
            return
        if kind is None:
            # Weighs more than each expected field missing from a body: likely another endpoint altogether.
            yield "body: expected a JSON or form body, got none that could be read", self.ABSENT * len(self.body) + 1
            return
        for dotted, expected in self.body.items():
            if kind == "json":
                actual = dig(value, dotted)
                if actual is MISSING or not same(expected, actual):
                    yield self._weigh(f"body {dotted}: expected {show(expected)}, got {show(actual)}", actual)
            else:
                actual = value.get(dotted, MISSING)
                want = expected if isinstance(expected, str) else as_text(expected)
                if actual != want:
                    yield self._weigh(f"body {dotted}: expected {show(want)}, got {show(actual)}", actual)


def parse_since(text: str) -> float:
    """ISO 8601 (naive means UTC) or epoch seconds; ValueError otherwise."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()

