"""A captured request decoded and masked, once, when the journal is read: the query, the body as the matcher
reads it (Facts) and the body as the journal shows it (body_text)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .masking import mask_json, mask_text, query_dict
from .multipart import MultipartSummary, content_type, multipart_boundary

if TYPE_CHECKING:
    from .ring import Record


class Facts:
    """A record decoded and masked: query, body kind and value, as matching reads them."""

    def __init__(self, record: Record, keep: int) -> None:
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
                summary = MultipartSummary(boundary, keep)
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


def body_text(record: Record, facts: Facts, limit: int) -> tuple[str | None, bool]:
    """The body as the journal shows it (masked, at most `limit` bytes) and whether it was cut."""
    if record.size == 0:
        return None, False
    kind, _ = facts.body
    if kind == "multipart":
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
        text = mask_text(text, form=kind == "form")
    encoded = text.encode()
    if len(encoded) > limit:
        return encoded[:limit].decode(errors="ignore"), True
    return text, record.spill == "cut"
