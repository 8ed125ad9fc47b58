"""A captured request decoded and masked, once, when the journal is read: the query, the body as the matcher
reads it (Facts) and the body as the journal shows it (body_text).

JSON nested more than MAX_DEPTH levels is not parsed: the journal shows it as (masked) text like any body,
and the matcher says it cannot match its fields. So neither decoding nor anything that walks a decoded value
goes deep, whatever a client sent.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .masking import mask_text, masked_object, query_dict
from .multipart import MultipartSummary, content_type, multipart_boundary

if TYPE_CHECKING:
    from .ring import Record

MAX_DEPTH = 200  # arrays and objects one inside the other that a JSON body may have and still be parsed
DEEP = "deep"  # the body kind of JSON nested deeper than that
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nested_deeper(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` deep (brackets in strings do not count)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS):
        if byte == 0x5B or byte == 0x7B:  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def load_json(raw: bytes) -> tuple[str | None, Any]:
    """("json", the value with secrets masked), (DEEP, None) if nested too deep, (None, None) if no JSON."""
    if nested_deeper(raw, MAX_DEPTH):
        return DEEP, None
    try:
        return "json", json.loads(raw, object_pairs_hook=masked_object)
    except RecursionError:  # not expected below MAX_DEPTH; should the scan above ever miss, still no error
        return DEEP, None
    except ValueError:
        return None, None


class Facts:
    """A record decoded and masked: the query, and the body as matching reads it (kind, value). A JSON body
    is parsed on first use: listing the journal never parses one."""

    def __init__(self, record: Record, keep: int) -> None:
        self.query = query_dict(record.query_string)
        self.kind: str | None = None  # "multipart" or "form" (what the shown text needs); JSON waits to be parsed
        self.multipart: MultipartSummary | None = None
        self._body: tuple[str | None, Any] = (None, None)
        self._json: bytes | None = None  # a JSON body waiting for its first reader
        if record.size == 0:
            return
        ctype = content_type(record.headers)
        boundary = multipart_boundary(ctype)
        if boundary is not None:
            summary = record.spill if isinstance(record.spill, MultipartSummary) else None
            if summary is None:
                summary = MultipartSummary(boundary, keep)
                for chunk in record.chunks:
                    summary.write(chunk)
            summary.finish()
            if summary.ok:
                self.multipart = summary
                self.kind = "multipart"
                self._body = ("multipart", summary.fields())
            return
        form = ctype.startswith("application/x-www-form-urlencoded")
        if form:
            self.kind = "form"  # its text is masked as a form even if only its start was kept
        if record.spill == "cut":
            return  # only a prefix was kept: nothing to match on
        raw = b"".join(record.chunks)
        if form:
            self._body = ("form", query_dict(raw))
        elif raw.lstrip()[:1] in (b"{", b"["):
            self._json = raw

    @property
    def body(self) -> tuple[str | None, Any]:
        """(kind, value): ("json", value), ("form", {name: value}), ("multipart", {name: text}), (DEEP, None)
        for JSON nested too deep, or (None, None): nothing to match on."""
        if self._json is not None:
            self._body, self._json = load_json(self._json), None
        return self._body


def body_text(record: Record, facts: Facts, limit: int) -> tuple[str | None, bool]:
    """The body as the journal shows it (masked, at most `limit` bytes) and whether it was cut."""
    if record.size == 0:
        return None, False
    if facts.multipart is not None:
        text = facts.multipart.render()
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
        text = mask_text(text, form=facts.kind == "form")
    encoded = text.encode()
    if len(encoded) > limit:
        return encoded[:limit].decode(errors="ignore"), True
    return text, record.spill == "cut"
