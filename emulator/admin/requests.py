"""/_emulator/requests: the request journal (what the emulated services received), filtered, cleared, and
counted with a WireMock-like matcher that explains near misses."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..engine import Engine
from ..engine.journal import Matcher, parse_since
from ..services import Service
from .errors import AdminError, integer, load_json

MATCHER_KEYS = ("service", "method", "path", "query", "body", "job_id")


async def json_object(request: Request, example: str) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = load_json(raw)
    except ValueError:
        raise AdminError(400, f"body must be JSON like {example}") from None
    if not isinstance(data, dict):
        raise AdminError(400, "body must be a JSON object")
    return data


def matcher(data: dict[str, Any]) -> Matcher:
    unknown = sorted(set(data) - set(MATCHER_KEYS))
    if unknown:
        raise AdminError(400, f"unknown matcher keys {', '.join(unknown)}; known: {', '.join(MATCHER_KEYS)}")
    for key in ("service", "method", "path", "job_id"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise AdminError(400, f"{key}: expected a string")
    query = data.get("query")
    if query is not None:
        if not isinstance(query, dict):
            raise AdminError(400, "query: expected an object of parameter name -> value")
        for name, value in query.items():
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str | int | float | bool) for v in values):
                raise AdminError(400, f"query {name}: expected a string, number or boolean, or a list of them")
    body = data.get("body")
    if body is not None and not isinstance(body, dict):
        raise AdminError(400, 'body: expected an object of "dotted.json.path" -> expected value')
    return Matcher(data)


def routes(engine: Engine, services: list[Service]) -> list[Route]:
    journal = engine.journal

    async def list_requests(request: Request) -> Response:
        query = request.query_params
        since = query.get("since")
        if since is not None:
            try:
                since_epoch: float | None = parse_since(since)
            except (ValueError, OverflowError, OSError):
                raise AdminError(400, f"since: expected an ISO 8601 time or epoch seconds, got {since!r}") from None
        else:
            since_epoch = None
        limit = integer(query, "limit", 1)
        entries = journal.select(
            service=query.get("service"), method=query.get("method"), path=query.get("path"),
            status=integer(query, "status", 0), job_id=query.get("job_id"), since=since_epoch,
            after=integer(query, "after", 0), limit=100 if limit is None else limit,
        )
        return JSONResponse({"requests": entries, "count": len(entries)})

    async def clear(request: Request) -> Response:
        return JSONResponse({"cleared": journal.clear()})

    async def count(request: Request) -> Response:
        data = await json_object(request, '{"method": "POST", "path": "/core/1.0/new_job"}')
        return JSONResponse(journal.count(matcher(data)))

    return [
        Route("/requests", list_requests, methods=["GET"]),
        Route("/requests", clear, methods=["DELETE"]),
        Route("/requests/count", count, methods=["POST"]),
    ]
