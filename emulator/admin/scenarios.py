"""/_emulator/scenarios: list the loaded scenarios, add or replace one at runtime, force one for the
next new jobs of a service."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..engine import Engine
from ..engine.scenarios import Loaded, ScenarioError
from ..services import Service
from .errors import AdminError, ProblemResponse, load_json, problem


def view(item: Loaded) -> dict[str, Any]:
    s = item.scenario
    return {
        "name": item.name, "service": s.service, "kind": s.kind, "description": s.description, "source": item.source,
        "default": s.match.default, "match": s.match.model_dump(exclude_none=True, exclude_defaults=True),
        "timeline_steps": len(s.timeline or []), "faults": len(s.faults), "webhooks": s.webhooks is not None,
    }


def routes(engine: Engine, services: list[Service]) -> list[Route]:
    registry = engine.scenarios

    async def list_scenarios(request: Request) -> Response:
        return JSONResponse({"scenarios": [view(s) for s in registry.all()], "active": registry.forced})

    async def put_scenario(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            text = (await request.body()).decode()
            item = registry.put(text, name)
        except UnicodeDecodeError:
            raise AdminError(400, "the body must be a scenario in YAML or JSON (UTF-8)") from None
        except ScenarioError as exc:
            response = problem(400, "invalid scenario")
            body = json.loads(response.body)
            body["errors"] = exc.problems
            return ProblemResponse(body, status_code=400)
        return JSONResponse(view(item))

    async def activate(request: Request) -> Response:
        try:
            data = load_json(await request.body())
        except ValueError:
            raise AdminError(400, 'body must be JSON like {"service": "valossa", "name": "...", "count": 1}') from None
        if not isinstance(data, dict):
            raise AdminError(400, "body must be a JSON object")
        service, name, count = data.get("service"), data.get("name"), data.get("count", 1)
        if not isinstance(name, str) or registry.get(name) is None:
            raise AdminError(404, f"no scenario named {name!r}")
        item = registry.get(name)
        assert item is not None
        if service is None:
            service = item.scenario.service
        if service != item.scenario.service:
            raise AdminError(400, f"scenario {name!r} is for {item.scenario.service}, not {service!r}")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10_000:
            raise AdminError(400, "count: expected a whole number from 0 to 10000")
        registry.force(service, name, count)
        return JSONResponse({"service": service, "name": name, "count": count})

    return [
        Route("/scenarios", list_scenarios, methods=["GET"]),
        Route("/scenarios/active", activate, methods=["POST"]),
        Route("/scenarios/{name}", put_scenario, methods=["PUT"]),
    ]
