"""The root pages of Clipzy's own port (--listen clipzy=8000), as the real FastAPI engine serves them:
/openapi.json, and /docs, a self-contained page listing every operation of that document (no CDN is needed:
the page is rendered here, with no script)."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..responses import JSONBody
from ..routing import Endpoint

PAGES = [
    Endpoint("GET", "/openapi.json", "openapi"),
    Endpoint("GET", "/docs", "docs"),
]
METHODS = ("get", "post", "put", "patch", "delete")
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;color:#1f2933;
padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d9e2ec;padding-bottom:.3rem}
.op{border:1px solid #d9e2ec;border-radius:6px;margin:.8rem 0;padding:.6rem .9rem}
.method{display:inline-block;min-width:4.2rem;font-weight:700;font-family:monospace;text-transform:uppercase}
.get{color:#1f7a4d}.post{color:#2156a5}.put,.patch{color:#a35c00}.delete{color:#b3261e}
code,.path{font-family:ui-monospace,monospace}.path{font-weight:600}
.codes{color:#52606d;font-size:.9em}p{margin:.4rem 0}
"""


class Pages:
    def __init__(self, document: Path) -> None:
        self.document = document

    @cache  # noqa: B019 (one Pages per service, for the life of the process)
    def _spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = json.loads(self.document.read_text())
        return spec

    async def openapi(self, request: Request) -> Response:
        return JSONBody(self._spec())

    async def docs(self, request: Request) -> Response:
        return HTMLResponse(render(self._spec()))


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation in the document, in its order."""
    return [(method, path, item[method]) for path, item in spec.get("paths", {}).items()
            for method in METHODS if method in item]


def render(spec: dict[str, Any]) -> str:
    esc = html.escape
    info = spec.get("info", {})
    base = (spec.get("servers") or [{}])[0].get("url", "")
    sections: dict[str, list[str]] = {}
    for method, path, op in operations(spec):
        tag = (op.get("tags") or ["other"])[0]
        codes = ", ".join(op.get("responses", {}))
        description = op.get("description", "")
        sections.setdefault(tag, []).append(
            f'<div class="op" id="{esc(op.get("operationId", ""))}">'
            f'<span class="method {method}">{method}</span> <span class="path">{esc(base + path)}</span>'
            f'<p><strong>{esc(op.get("summary", ""))}</strong></p>'
            + (f"<p>{esc(description)}</p>" if description else "")
            + f'<p class="codes">Responses: {esc(codes)}</p></div>')
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    body = "".join(f"<h2>{esc(tag)}</h2><p>{esc(tags.get(tag, ''))}</p>{''.join(ops)}"
                   for tag, ops in sections.items())
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(info.get("title", "API"))}'
            f'</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style>'
            f'</head><body><h1>{esc(info.get("title", "API"))}</h1><p>Version {esc(info.get("version", ""))} '
            f'&middot; <a href="/openapi.json">openapi.json</a></p>'
            f'<p>{esc(info.get("description", ""))}</p>{body}</body></html>')
