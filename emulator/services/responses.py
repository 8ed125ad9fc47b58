"""The JSON response every service answers with: JSONResponse's bytes and headers built with less work (one
encoder, headers set directly), with any status, extra headers and media type (application/vnd.api+json,
202 + Location, 401 + WWW-Authenticate)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ..engine.codec import dumpb as encode  # compact UTF-8 JSON, as JSONResponse writes it
from ..engine.codec import dumpb_kept as encode_kept  # the same, right-sized: for bytes kept in a memo

__all__ = ["JSONBody", "encode", "encode_kept"]


class JSONBody(Response):
    """`encoded`: bytes from encode_kept() kept from an earlier answer (e.g. in a job's memo)."""

    media_type = "application/json"

    def __init__(
        self, content: Any = None, status_code: int = 200, *, encoded: bytes | None = None,
        headers: dict[str, str] | None = None, media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.background = None
        self.body = encode(content) if encoded is None else encoded
        self.raw_headers = [(b"content-length", str(len(self.body)).encode()),
                            (b"content-type", (media_type or "application/json").encode("latin-1"))]
        if headers:
            self.raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
