"""/_emulator: health, reset, the virtual clock, and the OpenAPI documents (each service's, and admin.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..engine import Engine
from ..services import Service
from .errors import AdminError, load_json

ADMIN_SPEC = Path(__file__).with_name("openapi.json")  # this API's own document, served as admin.json
# Virtual time stays below this, so every timestamp (and the timers set after it) still reads as an ISO date:
# datetime ends at the year 9999, and `make fuzz` walked the clock past it with advances of up to 1e9 s.
LAST_MOMENT = 221_845_392_000.0  # 9000-01-01T00:00:00Z


def routes(engine: Engine, services: list[Service]) -> list[Route]:
    specs = {m.name: m.openapi for s in services for m in s.mounts if m.openapi}
    specs["admin"] = ADMIN_SPEC

    def clock_view() -> dict[str, Any]:
        now = engine.clock.now()
        return {"now": engine.clock.iso(now), "epoch": round(now, 3), "time_scale": engine.clock.scale,
                "pending_timers": len(engine.scheduler)}

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "services": [s.name for s in services]})

    async def reset(request: Request) -> Response:
        await engine.reset()
        return JSONResponse({"status": "reset", "clock": clock_view()})

    async def clock(request: Request) -> Response:
        return JSONResponse(clock_view())

    async def advance(request: Request) -> Response:
        try:
            data = load_json(await request.body())
        except ValueError:
            raise AdminError(400, "body must be JSON like {\"seconds\": 60}") from None
        seconds = data.get("seconds") if isinstance(data, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 10**9:
            raise AdminError(400, "seconds: expected a number of simulated seconds between 0 and 1e9")
        if engine.clock.now() + seconds > LAST_MOMENT:
            raise AdminError(400, "seconds: the clock would pass the year 9000, where virtual time stops")
        fired = await engine.advance(float(seconds))
        return JSONResponse({**clock_view(), "fired": fired})

    async def openapi(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in specs:
            raise AdminError(404, f"no OpenAPI document for {name!r}; known: {', '.join(sorted(specs))}")
        return FileResponse(specs[name], media_type="application/json")

    return [
        Route("/health", health, methods=["GET"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/clock", clock, methods=["GET"]),
        Route("/clock/advance", advance, methods=["POST"]),
        Route("/openapi/{name}.json", openapi, methods=["GET"]),
    ]
